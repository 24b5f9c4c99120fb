"""Settings resolved from options and environment: database path and defaults."""

from __future__ import annotations

import os
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
