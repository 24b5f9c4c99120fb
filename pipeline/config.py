"""Settings resolved from options and environment: database path and defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

DEFAULT_DB = "klimatspend.duckdb"
DB_ENV = "KLIMATSPEND_DB"
DEFAULT_ORGANISATION = "org"
DEFAULT_CURRENCY = "SEK"
DEFAULT_FACTOR_SET = "useeio"


def resolve_db_path(option: str | os.PathLike | None = None) -> Path:
    """Return the database path: the --db option, else $KLIMATSPEND_DB, else ./klimatspend.duckdb."""
    if option:
        return Path(option)
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    return Path(DEFAULT_DB)


@dataclass(frozen=True)
class ReadLimits:
    """How large a ledger file klimatspend reads, and how an upload is read (see docs/ingest.md, "Limits").

    Each limit is a setting: the environment variable named in `ENV` (e.g. KLIMATSPEND_MAX_XLSX_ROWS=2000000),
    and for the web app the options of `klimatspend serve`.
    """

    max_rows: int = 1_048_576          # rows of an xlsx sheet (Excel's own limit)
    max_cells: int = 40_000_000        # rows × columns of an xlsx sheet, from its first to its last value
    max_xml_mb: int = 1024             # MB of XML an xlsx workbook may unpack to
    max_ratio: int = 200               # ... and at most this many times its packed size (zip bombs)
    read_memory_mb: int = 4096         # memory of the child process that reads an upload (web app)
    read_seconds: int = 900            # time the child process may take

    ENV = {"max_rows": "KLIMATSPEND_MAX_XLSX_ROWS", "max_cells": "KLIMATSPEND_MAX_XLSX_CELLS",
           "max_xml_mb": "KLIMATSPEND_MAX_XLSX_XML_MB", "max_ratio": "KLIMATSPEND_MAX_XLSX_RATIO",
           "read_memory_mb": "KLIMATSPEND_READ_MEMORY_MB", "read_seconds": "KLIMATSPEND_READ_SECONDS"}

    @classmethod
    def from_env(cls, **overrides) -> "ReadLimits":
        """Return the limits: `overrides` (e.g. serve options), else the environment, else the defaults."""
        from .errors import UsageError

        values = {}
        for f in fields(cls):
            if overrides.get(f.name) is not None:
                values[f.name] = int(overrides[f.name])
                continue
            text = os.environ.get(cls.ENV[f.name])
            if text:
                try:
                    values[f.name] = int(text.replace("_", ""))
                except ValueError:
                    raise UsageError(f"{cls.ENV[f.name]}={text}: expected a whole number") from None
        limits = cls(**values)
        for f in fields(cls):
            if getattr(limits, f.name) < 1:
                raise UsageError(f"{cls.ENV[f.name]}: use a number of at least 1")
        return limits

    def as_env(self) -> dict[str, str]:
        """Return the limits as environment variables (for a child process)."""
        return {self.ENV[f.name]: str(getattr(self, f.name)) for f in fields(self)}


LOCK_WAIT_ENV = "KLIMATSPEND_LOCK_WAIT"
DEFAULT_LOCK_WAIT_S = 30.0


def lock_wait_seconds() -> float:
    """Return how long a command waits for a database another process holds ($KLIMATSPEND_LOCK_WAIT, default 30 s)."""
    text = os.environ.get(LOCK_WAIT_ENV)
    try:
        return max(0.0, float(text)) if text else DEFAULT_LOCK_WAIT_S
    except ValueError:
        return DEFAULT_LOCK_WAIT_S


MEMORY_LIMIT_ENV = "KLIMATSPEND_MEMORY_LIMIT"
THREADS_ENV = "KLIMATSPEND_THREADS"
DEFAULT_MEMORY_LIMIT = "2GB"


def duckdb_settings() -> dict[str, str | int]:
    """Return the DuckDB settings a klimatspend connection uses: memory_limit (text such as "2GB",
    $KLIMATSPEND_MEMORY_LIMIT) and, when $KLIMATSPEND_THREADS is a positive number, threads.

    DuckDB's default memory limit is 80 % of the machine's memory: a year of 5 million lines then held about 10 GB
    (issue 19). With 2 GB DuckDB spills large joins and sorts to a temporary folder next to the database, and the
    process stays under 3 GB. Threads default to DuckDB's own choice (one per core)."""
    settings: dict[str, str | int] = {"memory_limit": os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT}
    text = os.environ.get(THREADS_ENV, "")
    if text.isdigit() and int(text) > 0:
        settings["threads"] = int(text)
    return settings
