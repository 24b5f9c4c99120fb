"""Ingest a ledger file: read, map columns, normalise, validate and store it as one batch."""

from __future__ import annotations

import calendar
import hashlib
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .. import batches
from ..errors import InputFileError, MissingColumnError, UsageError
from ..validate import SWEDISH_ACCOUNT_PATTERN, validate_batch
from .columns import ColumnMapping, describe_missing, map_columns
from .normalise import NormaliseOptions, build_typed
from .readers import RawTable, read_table


@dataclass
class IngestOptions:
    """How to read and store one ledger file."""

    organisation_id: str = "org"
    currency: str = "SEK"
    period: str | None = None                 # YYYY-MM: declared period (files without dates, and the date check)
    year: int | None = None                   # fiscal year: declared year (files without dates, and the date check)
    sheet: str | None = None                  # xlsx sheet name (default: the first)
    profile: str | None = None                # profile name, stored with the batch
    column_overrides: dict[str, str] = field(default_factory=dict)   # canonical field -> header
    account_pattern: str | None = SWEDISH_ACCOUNT_PATTERN
    amounts_include_vat: bool = False
    uploaded_by: str | None = None
    replace_batch_id: int | None = None
    display_name: str | None = None           # name used in messages (default: the file's base name)
    decimal_comma: bool | None = None


@dataclass
class IngestResult:
    """The outcome of one ingest: counts, sums, status and the findings to show the user."""

    batch_id: int | None
    status: str                               # loaded | duplicate
    file: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    sum_read: float
    sum_loaded: float
    sum_rejected: float
    currency: str
    summary: str = ""
    errors: list[str] = field(default_factory=list)     # formatted, one per finding (capped by caller)
    warnings: list[str] = field(default_factory=list)
    n_errors: int = 0
    n_warnings: int = 0
    replaced_batch_id: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    column_mapping: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Return the result as plain data for --json."""
        return {
            "batch_id": self.batch_id, "status": self.status, "file": self.file,
            "rows_read": self.rows_read, "rows_loaded": self.rows_loaded, "rows_rejected": self.rows_rejected,
            "sum_read": self.sum_read, "sum_loaded": self.sum_loaded, "sum_rejected": self.sum_rejected,
            "currency": self.currency, "summary": self.summary, "replaced_batch_id": self.replaced_batch_id,
            "n_errors": self.n_errors, "n_warnings": self.n_warnings,
            "errors": self.errors, "warnings": self.warnings,
            "column_mapping": self.column_mapping,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


MAX_MESSAGES = 1000   # findings kept in the result; all of them stay in the database


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of the file's bytes (the batch identity)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def declared_bounds(opts: IngestOptions) -> tuple[int | None, int | None]:
    """Return the declared period as yyyymmdd integers (first and last day), or (None, None)."""
    if opts.period:
        try:
            y, m = int(opts.period[:4]), int(opts.period[5:7])
            if opts.period[4] != "-" or not 1 <= m <= 12:
                raise ValueError
        except (ValueError, IndexError):
            raise UsageError(f"--period {opts.period}: expected YYYY-MM, e.g. 2024-03") from None
        return y * 10000 + m * 100 + 1, y * 10000 + m * 100 + calendar.monthrange(y, m)[1]
    if opts.year:
        if not 1990 <= int(opts.year) <= 2100:
            raise UsageError(f"--year {opts.year}: expected a year such as 2024")
        return int(opts.year) * 10000 + 101, int(opts.year) * 10000 + 1231
    return None, None


def preview_columns(con: duckdb.DuckDBPyConnection, path: Path, opts: IngestOptions) -> dict:
    """Read the file and return what was detected (format, encoding, delimiter, header row, mapping)."""
    name = opts.display_name or path.name
    table = f"_raw_{uuid.uuid4().hex[:8]}"
    raw = read_table(con, path, table=table, display_name=name, sheet=opts.sheet)
    try:
        mapping = map_columns(raw.headers, opts.column_overrides)
        sample = con.execute(f"select * from {table} order by source_row limit 3").fetchall()
    finally:
        con.execute(f"drop table if exists {table}")
    return {
        "file": name, "format": raw.file_format, "encoding": raw.encoding, "delimiter": raw.delimiter,
        "sheet": raw.sheet, "header_row": raw.header_row, "rows": raw.rows_read,
        "columns": [{"header": h, "field": next((f for f, hh in mapping.fields.items() if hh == h), None),
                     "sample": [r[i + 1] for r in sample]} for i, h in enumerate(raw.headers)],
        "missing_required": mapping.missing(),
    }


def ingest_file(con: duckdb.DuckDBPyConnection, path: str | Path, opts: IngestOptions | None = None) -> IngestResult:
    """Read, validate and store the ledger file at `path` as one batch; return counts and findings.

    Raises InputFileError (nothing stored) when the file cannot be read or a required column is missing.
    """
    opts = opts or IngestOptions()
    path = Path(path)
    name = opts.display_name or path.name
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if not path.is_file():
        raise InputFileError(f"{name}: no such file")
    sha = file_sha256(path)
    period_start, period_end = declared_bounds(opts)
    duplicate = batches.find_duplicate(con, sha, opts.organisation_id)
    if duplicate is not None and opts.replace_batch_id is None:
        row = batches.batch_row(con, duplicate)
        return IngestResult(batch_id=duplicate, status="duplicate", file=name, rows_read=row["rows_read"],
                            rows_loaded=row["rows_loaded"], rows_rejected=row["rows_rejected"],
                            sum_read=float(row["sum_read"] or 0), sum_loaded=float(row["sum_loaded"] or 0),
                            sum_rejected=float(row["sum_rejected"] or 0), currency=row["currency"],
                            summary=f"already loaded as batch {duplicate} on {row['uploaded_at']:%Y-%m-%d %H:%M}; "
                                    "not counted again (use --replace to load a corrected file)")
    tag = uuid.uuid4().hex[:8]
    raw_table, typed_table = f"_raw_{tag}", f"_typed_{tag}"
    try:
        raw = read_table(con, path, table=raw_table, display_name=name, sheet=opts.sheet)
        timings["parse"] = time.perf_counter() - t0
        mapping = map_columns(raw.headers, opts.column_overrides)
        _require_columns(name, mapping, opts)
        t1 = time.perf_counter()
        build_typed(con, raw_table, raw.headers, mapping,
                    NormaliseOptions(organisation_id=opts.organisation_id, currency=opts.currency.upper(),
                                     period=opts.period, year=opts.year, decimal_comma=opts.decimal_comma),
                    typed_table)
        timings["normalise"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        outcome = validate_batch(con, typed_table, account_pattern=opts.account_pattern,
                                 period_start=period_start, period_end=period_end,
                                 structural_errors=raw.structural_errors)
        timings["validate"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        batches.ensure_organisation(con, opts.organisation_id)
        record = batches.BatchRecord(
            organisation_id=opts.organisation_id, source_file_name=name, sha256=sha, file_format=raw.file_format,
            profile=opts.profile, uploaded_by=opts.uploaded_by, currency=opts.currency.upper(),
            amounts_include_vat=opts.amounts_include_vat,
            column_mapping={**mapping.as_dict(), "encoding": raw.encoding, "delimiter": raw.delimiter,
                            "sheet": raw.sheet, "header_row": raw.header_row},
            fiscal_year=opts.year or (int(opts.period[:4]) if opts.period else None),
            validation_result=outcome.result, validation_summary=outcome.summary)
        row = batches.store_batch(con, record, raw_table=raw_table, headers=raw.headers, typed_table=typed_table,
                                  findings=outcome.findings, rows_read=raw.rows_read,
                                  replace_batch_id=opts.replace_batch_id)
        timings["load"] = time.perf_counter() - t3
    finally:
        con.execute(f"drop table if exists {raw_table}")
        con.execute(f"drop table if exists {typed_table}")
    timings["total"] = time.perf_counter() - t0
    header_of = mapping.fields
    errs = outcome.findings[outcome.findings["severity"] == "error"]
    warns = outcome.findings[outcome.findings["severity"] != "error"]
    return IngestResult(
        batch_id=row["batch_id"], status=row["status"], file=name, rows_read=row["rows_read"],
        rows_loaded=row["rows_loaded"], rows_rejected=row["rows_rejected"], sum_read=float(row["sum_read"]),
        sum_loaded=float(row["sum_loaded"]), sum_rejected=float(row["sum_rejected"]), currency=row["currency"],
        summary=outcome.summary,
        errors=[format_finding(name, f, header_of) for f in errs.head(MAX_MESSAGES).to_dict("records")],
        warnings=[format_finding(name, f, header_of) for f in warns.head(MAX_MESSAGES).to_dict("records")],
        n_errors=len(errs), n_warnings=len(warns), replaced_batch_id=opts.replace_batch_id, timings=timings,
        column_mapping=mapping.as_dict())


def format_finding(file_name: str, finding: dict, header_of: dict[str, str]) -> str:
    """Render a finding as `file: row 17, column "Belopp": value "12,5O" is not a number (type-error)`."""
    field = finding.get("field")
    header = header_of.get(field) if field else None
    where = f'row {finding["source_row"]}' + (f', column "{header}"' if header else "")
    return f'{file_name}: {where}: {finding["message"]} ({finding["code"]})'


def _require_columns(name: str, mapping: ColumnMapping, opts: IngestOptions) -> None:
    missing = mapping.missing()
    if missing:
        raise MissingColumnError(describe_missing(name, mapping, missing))
    if "posting_date" not in mapping.fields and "period" not in mapping.fields and not (opts.period or opts.year):
        raise MissingColumnError(
            f"{name}: no date or period column found (headers: {', '.join(repr(h) for h in mapping.headers[:40])}); "
            "pass --period YYYY-MM or --year YYYY, or map a column with --map posting_date=HEADER")
