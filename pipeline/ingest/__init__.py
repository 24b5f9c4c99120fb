"""Ingest a ledger file: read, map columns, normalise, validate and store it as one batch.

`ingest_file(con, path, IngestOptions) -> IngestResult` is the one entry point (CLI, web app, demo).
Options left at their defaults take the import profile's value (`IngestOptions.profile`), and the
profile's value wins over detection; explicit options win over the profile.
"""

from __future__ import annotations

import calendar
import hashlib
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import InputFileError, KlimatspendError, MissingColumnError, UsageError
from ..organisations import load_departments, organisation_names, require_organisation
from ..currencies import KNOWN_CURRENCIES, home_country
from .columns import SWEDISH_ACCOUNT_PATTERN, ColumnMapping, describe_missing, fixed_mapping, map_columns
from .profiles import Profile, get_profile, recognise_profile, suggest_profiles
from .textfile import FileScan, ScanInProgress, start_scan

if TYPE_CHECKING:   # the CLI's parser imports this package: DuckDB and pandas load when a file is read
    import duckdb

    from . import overlap
    from .normalise import NormaliseInfo
    from .readers import RawTable

__all__ = ["IngestOptions", "IngestResult", "ingest_file", "preview_columns", "format_finding", "resolve_options",
           "overlap_choices", "overlap_summary"]


@dataclass
class IngestOptions:
    """How to read and store one ledger file."""

    organisation_id: str = "org"
    currency: str | None = None               # of the amounts without a currency column (None: profile, else SEK)
    period: str | None = None                 # YYYY-MM: declared period (files without dates, and the date check)
    year: int | None = None                   # fiscal year: declared year (files without dates, and the date check)
    sheet: str | None = None                  # xlsx sheet name or 1-based number (default: the first with data)
    profile: str | None = None                # import profile name (see profiles.toml), stored with the batch
    column_overrides: dict[str, str | list[str]] = field(default_factory=dict)   # canonical field -> header(s)
    account_pattern: str | None = SWEDISH_ACCOUNT_PATTERN    # None = any text is an account
    amounts_include_vat: bool | None = None   # None = the profile, else detected from the amount header
    uploaded_by: str | None = None
    replace_batch_id: int | None = None
    display_name: str | None = None           # name used in messages (default: the file's base name)
    decimal_comma: bool | None = None         # None = the profile, else detected from the amounts
    profiles_file: str | None = None          # extra TOML profiles file
    delimiter: str | None = None
    encoding: str | None = None
    header_row: int | None = None             # 1-based
    split_account_text: bool | None = None    # "4610 Köp av …" = account + name (default: on for numeric accounts)
    sie_ledger_accounts: str | None = None    # SIE: regex of accounts whose transactions are ledger lines
    sie_dimensions: dict[str, int] = field(default_factory=dict)
    department: str | None = None             # the department of every line, for a file without a department column
    organisation_kind: str | None = None      # None: the organisation's kind in the database (a company needs no
                                              # department column: the company is one department)
    dry_run: bool = False                     # validate only: nothing is stored
    on_overlap: str = "ask"                   # rows already loaded in another batch: ask | replace | new-rows | allow
    create_organisation: bool = False         # register an unknown organisation (else it is an error)


@dataclass
class IngestResult:
    """The outcome of one ingest: counts, sums, status and the findings to show the user."""

    batch_id: int | None
    status: str                               # loaded | rejected | duplicate | overlap | validated
    file: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    sum_read: float
    sum_loaded: float
    sum_rejected: float
    currency: str
    summary: str = ""
    errors: list[str] = field(default_factory=list)     # formatted, one per finding (capped at MAX_MESSAGES)
    warnings: list[str] = field(default_factory=list)
    n_errors: int = 0
    n_warnings: int = 0
    replaced_batch_id: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    column_mapping: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)      # how the file was read, things to know
    file_format: str | None = None
    profile: str | None = None
    source_info: dict = field(default_factory=dict)
    overlap: dict | None = None                         # the file against the loaded batches (overlap.Overlap)
    replaced_batch_ids: list[int] = field(default_factory=list)

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
            "notes": self.notes, "format": self.file_format, "profile": self.profile, "source": self.source_info,
            "overlap": self.overlap, "replaced_batch_ids": self.replaced_batch_ids,
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
    """Return the declared period as YYYYMM integers (first and last month), or (None, None)."""
    if opts.period:
        try:
            y, m = int(opts.period[:4]), int(opts.period[5:7])
            if len(opts.period) != 7 or opts.period[4] != "-" or not 1 <= m <= 12:
                raise ValueError
        except (ValueError, IndexError):
            raise UsageError(f"--period {opts.period}: expected YYYY-MM, e.g. 2024-03") from None
        if not 1990 <= y <= 2100:
            raise UsageError(f"--period {opts.period}: expected a year between 1990 and 2100")
        calendar.monthrange(y, m)
        return y * 100 + m, y * 100 + m
    if opts.year is not None:
        if not 1990 <= int(opts.year) <= 2100:
            raise UsageError(f"--year {opts.year}: expected a year such as 2024")
        return int(opts.year) * 100 + 1, int(opts.year) * 100 + 12
    return None, None


def resolve_options(opts: IngestOptions) -> tuple[IngestOptions, Profile | None]:
    """Return the options with the import profile applied (explicit options win) and the profile itself."""
    if not opts.profile:
        return opts, None
    prof = get_profile(opts.profile, opts.profiles_file)
    defaults = IngestOptions()
    changes: dict = {"profile": prof.name}

    def take(name: str, value) -> None:
        if value is not None and getattr(opts, name) == getattr(defaults, name):
            changes[name] = value

    take("currency", prof.currency)
    take("sheet", prof.sheet)
    take("delimiter", prof.delimiter)
    take("encoding", prof.encoding)
    take("header_row", prof.header_row)
    take("split_account_text", prof.split_account_text)
    take("amounts_include_vat", prof.amounts_include_vat)
    take("sie_ledger_accounts", prof.sie_ledger_accounts)
    if prof.decimal is not None:
        take("decimal_comma", prof.decimal == "comma")
    if prof.account_pattern is not None and opts.account_pattern == defaults.account_pattern:
        changes["account_pattern"] = prof.account_pattern or None   # "" in a profile = any text
    if prof.sie_dimensions and not opts.sie_dimensions:
        changes["sie_dimensions"] = dict(prof.sie_dimensions)
    # --map overrides win over the profile's columns, field by field
    changes["column_overrides"] = {**prof.columns, **opts.column_overrides}
    return replace(opts, **changes), prof


def _read_options(opts: IngestOptions, prof: Profile | None) -> ReadOptions:
    from .readers import ReadOptions

    known = prof.headers() if prof else ()
    known += tuple(h for v in opts.column_overrides.values() for h in ([v] if isinstance(v, str) else v))
    return ReadOptions(sheet=opts.sheet, delimiter=opts.delimiter, encoding=opts.encoding, header_row=opts.header_row,
                       known_headers=known, sie_ledger_accounts=opts.sie_ledger_accounts,
                       sie_dimensions=dict(opts.sie_dimensions))


def _mapping(raw: RawTable, opts: IngestOptions, prof: Profile | None) -> ColumnMapping:
    if raw.fixed_mapping is not None:
        return fixed_mapping(raw.headers, raw.fixed_mapping)
    sources = {f: (f"profile {prof.name}" if prof and f in prof.columns else "--map") for f in opts.column_overrides}
    return map_columns(raw.headers, opts.column_overrides, override_source=sources)


def _individual_notes(con: duckdb.DuckDBPyConnection, typed_table: str, currency: str) -> list[str]:
    """Say how many rows are payments to individuals (a redacted supplier name) and that they stay classified."""
    # the test is a regular expression on the name: once per distinct name, not per row
    n, total = con.execute(f"""
        with names as (select supplier_name, count(*) as n, sum(amount) as total from {typed_table}
                       where supplier_name is not null group by supplier_name)
        select sum(n), sum(total) from names where is_payment_to_individual(supplier_name)""").fetchone()
    if not n:
        return []
    return [f"{n} row(s) ({float(total or 0):,.2f} {currency}) are payments to individuals (the supplier's name is "
            "redacted): they are loaded and classified by their expense type, and flagged in the line results"]


def _recognised_mapping(con: duckdb.DuckDBPyConnection, raw: RawTable, raw_table: str, opts: IngestOptions,
                        prof: Profile | None) -> tuple[IngestOptions, Profile | None, ColumnMapping, list[str]]:
    """Return the options, profile and column mapping of a file, with notes on what was recognised.

    Without --profile (and without --map account), a file whose account column only a profile marked `recognise`
    finds is read with that profile (a UK council spend file: "Expenses Type", GBP, decimal point). A profile
    marked `account_text_first` takes, of the account columns it lists, one holding words before one holding code
    numbers (Bradford lists "Expenditure code" 6234 next to "Expenditure category" "Asylum Seekers Allow").
    """
    notes: list[str] = []
    if prof is None and raw.fixed_mapping is None and "account" not in opts.column_overrides:
        row = con.execute("select country from organisation where organisation_id = ?",
                          [opts.organisation_id]).fetchone()
        found = recognise_profile(raw.headers, opts.profiles_file, country=row[0] if row else None)
        if found is not None:
            opts, prof = resolve_options(replace(opts, profile=found.name))
            notes.append(f"the columns are those of {found.description or found.name}: the file is read with the "
                         f"import profile {found.name} (give --profile to choose another)")
    mapping = _mapping(raw, opts, prof)
    if prof is not None and prof.account_text_first and mapping.fields.get("account"):
        mapping, note = _text_account_first(con, raw, raw_table, mapping)
        notes += note
    return opts, prof, mapping, notes


def _text_account_first(con: duckdb.DuckDBPyConnection, raw: RawTable, raw_table: str,
                        mapping: ColumnMapping) -> tuple[ColumnMapping, list[str]]:
    """Put the account columns holding words before those holding only code numbers; return a note if reordered."""
    columns = mapping.headers_of("account")
    if len(columns) < 2:
        return mapping, []

    def is_codes(header: str) -> bool:
        col = f"c{raw.headers.index(header)}"
        n_values, n_codes = con.execute(
            f"select count({col}), count(*) filter (where regexp_full_match(trim({col}), '[0-9A-Za-z]*[0-9][0-9A-Za-z]*')"
            f" and not regexp_matches(trim({col}), '[a-z]{{3}}')) from {raw_table} where trim({col}) <> ''").fetchone()
        return n_values > 0 and n_codes >= 0.9 * n_values

    words = [h for h in columns if not is_codes(h)]
    ordered = words + [h for h in columns if h not in words]
    if not words or ordered == columns:
        return mapping, []
    mapping.fields["account"] = ordered[0]
    mapping.fallbacks["account"] = ordered[1:]
    return mapping, [f"the column \"{columns[0]}\" holds code numbers: the expense type is read from \"{ordered[0]}\" "
                     f"(its words classify the spend)"]


def _raw(con: duckdb.DuckDBPyConnection, path: Path, name: str, opts: IngestOptions, prof: Profile | None,
         table: str, scan: FileScan | ScanInProgress | None = None) -> RawTable:
    import duckdb
    from .readers import read_table

    read_opts = _read_options(opts, prof)
    read_opts.scan = scan
    try:
        return read_table(con, path, table=table, display_name=name, options=read_opts)
    except KlimatspendError:
        raise
    except (duckdb.Error, UnicodeError, ValueError, OverflowError, RecursionError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise InputFileError(f"{name}: the file cannot be read ({first}); check that it is a ledger export "
                             "(CSV, xlsx or SIE 4)") from None


def preview_columns(con: duckdb.DuckDBPyConnection, path: str | Path, opts: IngestOptions | None = None) -> dict:
    """Read the file and return what was detected (format, encoding, delimiter, header row, mapping, samples)."""
    opts, prof = resolve_options(opts or IngestOptions())
    path = Path(path)
    name = opts.display_name or path.name
    if not path.is_file():
        raise InputFileError(f"{name}: no such file")
    _quiet(con)
    table = f"_raw_{uuid.uuid4().hex[:8]}"
    raw = _raw(con, path, name, opts, prof, table)
    try:
        opts, prof, mapping, recognised = _recognised_mapping(con, raw, table, opts, prof)
        sample = con.execute(f"select * from {table} order by source_row limit 3").fetchall()
    finally:
        con.execute(f"drop table if exists {table}")
    field_of = {h: f for f, hs in ((f, mapping.headers_of(f)) for f in mapping.fields) for h in hs}
    missing = mapping.missing()
    return {
        "file": name, "format": raw.file_format, "encoding": raw.encoding, "delimiter": raw.delimiter,
        "sheet": raw.sheet, "header_row": raw.header_row, "rows": raw.rows_read, "profile": prof.name if prof else None,
        "columns": [{"header": h, "field": field_of.get(h), "found_by": mapping.source.get(field_of.get(h) or ""),
                     "sample": [r[i + 1] for r in sample]} for i, h in enumerate(raw.headers)],
        "missing_required": missing,
        "suggested_profiles": suggest_profiles(raw.headers, opts.profiles_file) if missing else [],
        "notes": list(raw.notes) + recognised, "facts": raw.facts,
    }


def _quiet(con: duckdb.DuckDBPyConnection) -> None:
    import duckdb

    try:
        con.execute("set enable_progress_bar = false")
    except duckdb.Error:
        pass


def ingest_file(con: duckdb.DuckDBPyConnection, path: str | Path, opts: IngestOptions | None = None, *,
                progress: Callable[[str, dict], None] | None = None) -> IngestResult:
    """Read, validate and store the ledger file at `path` as one batch; return counts and findings.

    `progress(step, facts)` is told each step as it starts (read, normalise, validate, store; facts: rows read),
    so that the CLI can show how far a large file has come.

    Raises InputFileError (nothing stored) when the file cannot be read or a required column is
    missing, UsageError for contradictory options. With `opts.dry_run` nothing is stored.
    """
    import duckdb
    from . import batches, overlap
    from .normalise import NormaliseOptions, build_typed
    from .validate import prefetch_contract, validate_batch

    opts, prof = resolve_options(opts or IngestOptions())
    path = Path(path)
    name = opts.display_name or path.name
    if opts.on_overlap not in overlap.CHOICES:
        raise UsageError(f"on_overlap {opts.on_overlap!r}: use one of {', '.join(overlap.CHOICES)}")
    currency = (opts.currency or "SEK").upper()
    if currency not in KNOWN_CURRENCIES:
        raise UsageError(f"--currency {opts.currency}: not a currency klimatspend can convert; use an ISO 4217 "
                         f"code such as SEK, EUR or GBP ({', '.join(KNOWN_CURRENCIES)})")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if not path.is_file():
        raise InputFileError(f"{name}: no such file")
    _quiet(con)
    period_start, period_end = declared_bounds(opts)
    org_notes = _check_organisation(con, opts)
    # the scan of the file's bytes (sha256, UTF-8, line structure; Python) runs while DuckDB reads the file (the GIL
    # released); the import of great-expectations (Python too) follows the scan, not competing with it
    scan = start_scan(path, then=prefetch_contract)
    if opts.replace_batch_id is not None and not opts.dry_run:
        try:
            batches.check_replaceable(con, opts.replace_batch_id, opts.organisation_id)
        except KlimatspendError:
            early = _duplicate_result(con, scan.result().sha256, name, opts)   # its verdict came first
            if early is not None:
                return early
            raise
    tag = uuid.uuid4().hex[:8]
    raw_table, typed_table = f"_raw_{tag}", f"_typed_{tag}"
    tell = progress or (lambda step, facts: None)
    try:
        tell("read", {"bytes": path.stat().st_size})
        try:
            raw = _raw(con, path, name, opts, prof, raw_table, scan)
        except KlimatspendError:
            # a file loaded before is reported as such, as when it was recognised before reading it
            early = _duplicate_result(con, scan.result().sha256, name, opts)
            if early is not None:
                return early
            raise
        sha = scan.result().sha256
        early = _duplicate_result(con, sha, name, opts)
        if early is not None:
            return early
        timings["parse"] = time.perf_counter() - t0
        tell("normalise", {"rows": raw.rows_read})
        opts, prof, mapping, recognised = _recognised_mapping(con, raw, raw_table, opts, prof)
        currency = (opts.currency or "SEK").upper()
        _require_columns(name, mapping, opts, raw)
        _require_department(con, name, mapping, opts, raw)
        include_vat = opts.amounts_include_vat
        notes = list(raw.notes) + recognised
        if include_vat is None:
            include_vat = mapping.amount_includes_vat()
            if include_vat:
                notes.append(f"the amount column \"{mapping.fields['amount']}\" includes VAT: the batch is marked "
                             "amounts_include_vat, and VAT is taken off when emissions are computed")
        t1 = time.perf_counter()
        split = opts.split_account_text if opts.split_account_text is not None else opts.account_pattern is not None
        try:
            info = build_typed(con, raw_table, raw.headers, mapping,
                               NormaliseOptions(organisation_id=opts.organisation_id, currency=currency,
                                                period=opts.period, year=opts.year, decimal_comma=opts.decimal_comma,
                                                split_account_text=split, numeric_columns=raw.numeric_columns,
                                                department=opts.department),
                               typed_table)
        except duckdb.Error as exc:
            first = (str(exc).strip().splitlines() or ["error"])[0][:200]
            raise InputFileError(f"{name}: the values cannot be processed ({first}); please report this with "
                                 "the file") from None
        timings["normalise"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        tell("validate", {"rows": raw.rows_read})
        outcome = validate_batch(con, typed_table, account_pattern=opts.account_pattern,
                                 period_start=period_start, period_end=period_end,
                                 structural_errors=raw.structural_errors, reader_findings=raw.batch_findings,
                                 organisation_id=opts.organisation_id, exclude_batch_id=opts.replace_batch_id)
        timings["validate"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        tell("store", {"rows": raw.rows_read})
        no_amount = con.execute(f"select count(*) from {typed_table} where amount is null").fetchone()[0] \
            + len(raw.structural_errors)
        if no_amount:
            notes.append(f"{no_amount} row(s) have no readable amount (or one out of range): they are quarantined and "
                         "count as 0 in the sums")
        if raw.empty_rows:
            notes.append(f"{raw.empty_rows:,} empty row(s) skipped: no cell holds anything, so they are not ledger "
                         "lines and not counted as read")
        notes += _sie_notes(raw)
        notes += _individual_notes(con, typed_table, currency)
        notes += _total_row_notes(con, typed_table, outcome)
        found, replace_ids, held = _overlap(con, typed_table, opts, outcome, notes, f"_lines_{tag}")
        if held is not None:
            held_row = _dry_run_row(con, typed_table, outcome, raw.rows_read, currency)
            return _held_result(held, held_row, found, name, opts, raw, mapping, outcome, notes)
        source_info = _source_info(raw, info, opts, no_amount, notes)
        if found.batches:
            outcome.result["overlap"] = {**found.as_dict(), "choice": opts.on_overlap,
                                         "replaced": [b for b in replace_ids if b != opts.replace_batch_id]}
        record = batches.BatchRecord(
            organisation_id=opts.organisation_id, source_file_name=name, sha256=sha, file_format=raw.file_format,
            profile=opts.profile, uploaded_by=opts.uploaded_by, currency=currency,
            amounts_include_vat=bool(include_vat),
            column_mapping=mapping.as_dict(), source_info=source_info,
            fiscal_year=opts.year or (int(opts.period[:4]) if opts.period else None),
            validation_result=outcome.result, validation_summary=outcome.summary)
        if opts.dry_run:
            row = _dry_run_row(con, typed_table, outcome, raw.rows_read, currency)
        else:
            batches.ensure_organisation(con, opts.organisation_id)
            notes += org_notes
            if prof is not None and prof.account_map:
                notes += _adopt_account_map(con, opts.organisation_id, prof)
            if prof is not None and prof.country:
                notes += _adopt_country(con, opts.organisation_id, prof.country, f"from profile {prof.name}")
            notes += _adopt_country(con, opts.organisation_id, home_country(currency),
                                    f"its ledger is in {currency}")
            row = batches.store_batch(con, record, raw_table=raw_table, headers=raw.headers, typed_table=typed_table,
                                      findings=outcome.findings, rows_read=raw.rows_read,
                                      replace_batch_id=opts.replace_batch_id, replace_batch_ids=replace_ids)
            if row["status"] == "loaded":
                notes += _adopt_departments(con, opts.organisation_id, raw, name)
        timings["load"] = time.perf_counter() - t3
    finally:
        con.execute(f"drop table if exists _lines_{tag}")
        con.execute(f"drop view if exists {typed_table}_raw")
        con.execute(f"drop table if exists {raw_table}")
        con.execute(f"drop table if exists {typed_table}")
    timings["total"] = time.perf_counter() - t0
    headers = _headers_by_field(mapping)
    errs = outcome.findings[outcome.findings["severity"] == "error"]
    warns = outcome.findings[outcome.findings["severity"] != "error"]
    return IngestResult(
        batch_id=row["batch_id"], status=row["status"], file=name, rows_read=int(row["rows_read"]),
        rows_loaded=int(row["rows_loaded"]), rows_rejected=int(row["rows_rejected"]), sum_read=float(row["sum_read"]),
        sum_loaded=float(row["sum_loaded"]), sum_rejected=float(row["sum_rejected"]), currency=row["currency"],
        summary=outcome.summary,
        errors=[format_finding(name, f, headers) for f in errs.head(MAX_MESSAGES).to_dict("records")],
        warnings=[format_finding(name, f, headers) for f in warns.head(MAX_MESSAGES).to_dict("records")],
        n_errors=len(errs), n_warnings=len(warns),
        replaced_batch_id=opts.replace_batch_id if opts.replace_batch_id is not None else (
            replace_ids[0] if replace_ids else None), timings=timings,
        column_mapping=mapping.as_dict(), notes=notes, file_format=raw.file_format, profile=opts.profile,
        source_info=source_info, overlap=found.as_dict() if found.batches else None,
        replaced_batch_ids=list(dict.fromkeys(([opts.replace_batch_id] if opts.replace_batch_id is not None else [])
                                              + replace_ids)))


def _check_organisation(con: duckdb.DuckDBPyConnection, opts: IngestOptions) -> list[str]:
    """Refuse an organisation that is not registered (a typo must not create one); return notes.

    The one exception is a database without any organisation yet: its first ledger registers the organisation,
    and the note says so. `opts.create_organisation` registers it regardless (the demo, programs).
    """
    known = organisation_names(con)
    if opts.organisation_id in known:
        return []
    if not (opts.create_organisation or not known):
        require_organisation(con, opts.organisation_id)
    return [f"organisation {opts.organisation_id} was registered with this first ledger; give it a name with "
            f"`klimatspend org set {opts.organisation_id} --name NAME`"]


def _overlap(con, typed_table: str, opts: IngestOptions, outcome, notes: list[str], view: str):
    """Compare the rows that would load with the loaded batches; return (overlap, batches to replace, held).

    `held` is None when the file is loaded; else "duplicate" (its rows are all loaded already) or "overlap"
    (a decision is needed: replace, only the new rows, or load anyway). With on_overlap "new-rows" the rows
    already loaded are quarantined (already-loaded); with "allow" they load with a warning.
    """
    from . import overlap

    errs = outcome.findings[outcome.findings["severity"] == "error"]
    rejected = errs["source_row"].dropna()
    exclude = [opts.replace_batch_id] if opts.replace_batch_id is not None else []
    found = overlap.compare_typed(con, typed_table, opts.organisation_id, rejected, view, exclude,
                                  with_pairs=opts.on_overlap in ("new-rows", "allow"))
    kind, choice = found.kind, opts.on_overlap
    if kind == "none":
        return found, [], None
    if choice == "allow":
        _add_findings(outcome, overlap.row_findings(found, "warning"))
        notes.append(f"{found.shared:,} row(s) are already loaded in another batch and are loaded again, as "
                     "asked: " + "; ".join(b.describe() for b in found.batches))
        return found, [], None
    if kind in ("identical", "contained"):
        return found, [], "duplicate"
    if choice == "replace" or (choice == "ask" and kind == "cumulative"):
        ids = [b.batch_id for b in found.batches]
        why = ("a cumulative export: every line of the batch is in this file, unchanged" if kind == "cumulative"
               else "as asked")
        notes.append(f"replaces {', '.join(f'batch {i}' for i in ids)} ({why}): "
                     + "; ".join(b.describe() for b in found.batches))
        return found, ids, None
    if choice == "new-rows":
        _add_findings(outcome, overlap.row_findings(found, "error"))
        notes.append(f"only the new rows are loaded: {found.shared:,} row(s) already loaded in another batch are "
                     "quarantined (already-loaded): " + "; ".join(b.describe() for b in found.batches))
        return found, [], None
    return found, [], "overlap"


def _add_findings(outcome, extra) -> None:
    """Add the findings of the overlap with loaded batches to the contract's, and word the summary anew: it counts
    every quarantined row and warning of the batch, these included."""
    import pandas as pd
    from .validate import plain_summary

    if not len(extra):
        return
    table = pd.concat([outcome.findings, extra], ignore_index=True).astype({"source_row": "Int64"})
    outcome.findings = table.sort_values(["source_row"], kind="stable", na_position="first").reset_index(drop=True)
    is_error = outcome.findings["severity"] == "error"
    errors = outcome.findings[is_error]
    outcome.success = bool(len(errors) == 0)
    outcome.summary = outcome.result["summary"] = plain_summary(
        outcome.result, rejected_rows=int(errors["source_row"].nunique()), warnings=outcome.findings[~is_error],
        errors=errors, rows=int(outcome.result["rows_checked"]))


def overlap_summary(found: overlap.Overlap, held: str = "overlap") -> str:
    """Return why a file is not loaded when its rows are loaded already (`held`: duplicate or overlap)."""
    shared = found.shared
    if held == "duplicate":
        if found.kind == "identical":
            b = found.batches[0]
            return (f"the same {b.same:,} rows as batch {b.batch_id} ({b.source_file_name}), already loaded; not "
                    "counted again (the file differs only in how it was saved)")
        return (f"every one of its {found.rows:,} rows is already loaded ("
                + "; ".join(b.describe() for b in found.batches) + "); not counted again")
    return (f"{shared:,} of its {found.rows:,} rows are already loaded: "
            + "; ".join(b.describe() for b in found.batches) + "; nothing was loaded")


def overlap_choices(result: IngestResult, opts: IngestOptions) -> list[tuple[str, str, str]]:
    """Return the choices for a file held by its overlap as (choice, what it does, the CLI option), the suggested
    one first; the choice is an IngestOptions.on_overlap value."""
    info = result.overlap or {"batches": [], "rows": 0, "suggestion": None}
    ids = [b["batch_id"] for b in info["batches"]]
    new_rows = info["rows"] - info.get("shared", 0)
    replace = f"--replace {ids[0]}" if len(ids) == 1 and opts.replace_batch_id is None else "--replace-overlapping"
    texts = {"replace": (f"replace {', '.join(f'batch {i}' for i in ids)} with this file", replace),
             "new-rows": (f"load only the {new_rows:,} new rows", "--only-new"),
             "allow": ("load every row anyway (the shared rows then count twice)", "--allow-overlap")}
    if new_rows == 0:
        del texts["new-rows"]
    suggested = info["suggestion"]
    order = [k for k in texts if k == suggested] + [k for k in texts if k != suggested]
    return [(k, texts[k][0] + (" (suggested)" if k == suggested else ""), texts[k][1]) for k in order]


def _held_result(held: str, row: dict, found: overlap.Overlap, name: str, opts: IngestOptions, raw: RawTable,
                 mapping: ColumnMapping, outcome, notes: list[str]) -> IngestResult:
    """The result of a file that is not loaded (nothing stored) because its rows are already loaded."""
    headers = _headers_by_field(mapping)
    errs = outcome.findings[outcome.findings["severity"] == "error"]
    warns = outcome.findings[outcome.findings["severity"] != "error"]
    return IngestResult(
        batch_id=found.batches[0].batch_id if held == "duplicate" else None, status=held, file=name,
        rows_read=int(row["rows_read"]), rows_loaded=int(row["rows_loaded"]), rows_rejected=int(row["rows_rejected"]),
        sum_read=float(row["sum_read"]), sum_loaded=float(row["sum_loaded"]), sum_rejected=float(row["sum_rejected"]),
        currency=row["currency"], summary=overlap_summary(found, held),
        errors=[format_finding(name, f, headers) for f in errs.head(MAX_MESSAGES).to_dict("records")],
        warnings=[format_finding(name, f, headers) for f in warns.head(MAX_MESSAGES).to_dict("records")],
        n_errors=len(errs), n_warnings=len(warns), column_mapping=mapping.as_dict(), notes=notes,
        file_format=raw.file_format, profile=opts.profile, overlap=found.as_dict())


def _adopt_account_map(con: duckdb.DuckDBPyConnection, organisation_id: str, prof: Profile) -> list[str]:
    """Give an organisation without an account map of its own the profile's map; return a note when it does."""
    from ..organisations import set_organisation
    from ..factors import ensure_reference_data

    current = con.execute("select mapping_id from organisation where organisation_id = ?",
                          [organisation_id]).fetchone()
    if current is None or current[0]:
        return []
    ensure_reference_data(con)
    set_organisation(con, organisation_id, mapping=prof.account_map)
    return [f"organisation {organisation_id} now uses the account map {prof.account_map} (from profile {prof.name}); "
            f"change it with `klimatspend org set {organisation_id} --mapping MAP`"]


def _adopt_country(con: duckdb.DuckDBPyConnection, organisation_id: str, country: str | None, why: str) -> list[str]:
    """Give an organisation without a country `country` (it chooses the default factor set); return a note when it
    does. `why` says where the country comes from: a profile, or the currency of the ledger."""
    from ..organisations import default_factor_set, set_organisation

    if not country:
        return []
    current = con.execute("select country from organisation where organisation_id = ?", [organisation_id]).fetchone()
    if current is None or current[0]:
        return []
    set_organisation(con, organisation_id, country=country)
    return [f"organisation {organisation_id} is now in country {country} ({why}): its runs use "
            f"the factor set {default_factor_set(country)} unless `klimatspend org set {organisation_id} "
            "--country CC` or `--factors SET` says otherwise"]


def _headers_by_field(mapping: ColumnMapping) -> dict[str, str]:
    return dict(mapping.fields)


def _duplicate_result(con, sha: str, name: str, opts: IngestOptions) -> IngestResult | None:
    from . import batches

    dup = batches.find_same_content(con, sha, opts.organisation_id)
    if dup is None:
        return None
    if opts.replace_batch_id is not None:
        if dup.status == "loaded" and dup.batch_id == opts.replace_batch_id:
            raise UsageError(f"{name}: the file is identical to batch {dup.batch_id}; there is nothing to replace")
        if dup.status == "loaded":
            raise UsageError(f"{name}: this exact file is already loaded as batch {dup.batch_id}; replacing batch "
                             f"{opts.replace_batch_id} with it would count it twice")
        return None  # going back to a file that was replaced earlier is allowed with --replace
    row = batches.batch_row(con, dup.batch_id)
    if dup.status == "loaded":
        summary = (f"already loaded as batch {dup.batch_id} on {row['uploaded_at']:%Y-%m-%d %H:%M}; not counted "
                   f"again (to load a corrected file: --replace {dup.batch_id})")
    else:
        summary = (f"this exact file was batch {dup.batch_id}, which was replaced by batch {dup.replaced_by_batch_id}; "
                   f"not loaded again (to go back to it: --replace {dup.replaced_by_batch_id})")
    return IngestResult(batch_id=dup.batch_id, status="duplicate", file=name, rows_read=int(row["rows_read"]),
                        rows_loaded=int(row["rows_loaded"]), rows_rejected=int(row["rows_rejected"]),
                        sum_read=float(row["sum_read"] or 0), sum_loaded=float(row["sum_loaded"] or 0),
                        sum_rejected=float(row["sum_rejected"] or 0), currency=row["currency"], summary=summary,
                        profile=row["profile"], file_format=row["file_format"])


def _dry_run_row(con, typed_table: str, outcome, rows_read: int, currency: str) -> dict:
    errs = outcome.findings[(outcome.findings["severity"] == "error") & outcome.findings["source_row"].notna()]
    rejected = sorted({int(r) for r in errs["source_row"]})
    con.execute("create or replace temp table _dry_rejected (source_row integer)")
    if rejected:
        con.executemany("insert into _dry_rejected values (?)", [[r] for r in rejected])
    total, rej = con.execute(f"""
        select coalesce(sum(amount), 0),
               coalesce(sum(amount) filter (where source_row in (select source_row from _dry_rejected)), 0)
        from {typed_table}""").fetchone()
    con.execute("drop table _dry_rejected")
    return {"batch_id": None, "status": "validated", "rows_read": rows_read, "rows_loaded": rows_read - len(rejected),
            "rows_rejected": len(rejected), "sum_read": total, "sum_loaded": total - rej, "sum_rejected": rej,
            "currency": currency}


def _source_info(raw: RawTable, info: NormaliseInfo, opts: IngestOptions, no_amount: int, notes: list[str]) -> dict:
    return {"format": raw.file_format, "encoding": raw.encoding, "delimiter": raw.delimiter, "sheet": raw.sheet,
            "header_row": raw.header_row, "empty_rows_ignored": raw.empty_rows,
            "decimal": "comma" if info.decimal_comma else "point", "decimal_source": info.decimal_source,
            "rows_without_amount": no_amount, "profile": opts.profile, "notes": notes, **raw.facts}


def _total_row_notes(con, typed_table: str, outcome) -> list[str]:
    """Compare the file's own total rows (quarantined) with the sum of the rows that will load."""
    totals = con.execute(f"select source_row, amount from {typed_table} where chk_total_row and amount is not null"
                         ).fetchall()
    if not totals:
        return []
    from .overlap import registered_rows

    errs = outcome.findings[outcome.findings["severity"] == "error"]
    with registered_rows(con, errs["source_row"].dropna()) as rejected:
        loaded_sum = con.execute(f"select coalesce(sum(amount), 0) from {typed_table} where source_row not in "
                                 f"(select source_row from {rejected})").fetchone()[0]
    out = []
    for row, amount in totals:
        verdict = "equals" if amount == loaded_sum else f"differs by {amount - loaded_sum} from"
        out.append(f"row {row} is the file's own total ({amount}); it {verdict} the sum of the loaded rows "
                   f"({loaded_sum})")
    return out


def _adopt_departments(con: duckdb.DuckDBPyConnection, organisation_id: str, raw: RawTable, name: str) -> list[str]:
    """Add the department names an SIE file declares (#OBJEKT of the department dimension) to the organisation's
    register; codes the register already names keep their name (a loaded register file wins)."""
    named = (raw.facts.get("sie") or {}).get("departments") or {}
    known = {c for c, in con.execute("select department_code from department_register where organisation_id = ?",
                                     [organisation_id]).fetchall()}
    new = [{"code": c, "name": n} for c, n in named.items() if c not in known]
    if not new:
        return []
    load_departments(con, organisation_id, new, source=name, replace=False)
    return [f"{len(new)} department name(s) from the file's #OBJEKT added to the department register"]


def _sie_notes(raw: RawTable) -> list[str]:
    facts = raw.facts.get("sie")
    if not facts:
        return []
    classes = ", ".join(f"class {k}: {v['lines']} ({v['sum']})" for k, v in facts["other_lines_by_class"].items())
    return [f"SIE 4 from {facts.get('program') or 'an unknown program'} for {facts.get('company') or '?'}: "
            f"{facts['vouchers']} vouchers, {facts['transactions']} transactions; {facts['ledger_lines']} on ledger "
            f"accounts ({facts['ledger_accounts']}) are the rows of this batch (sum {facts['ledger_lines_sum']}); "
            f"{facts['other_lines']} on other accounts are not ledger lines (sum {facts['other_lines_sum']}; "
            f"{classes}); all transactions sum to {facts['all_transactions_sum']}"
            + (f"; {facts['unbalanced_vouchers']} voucher(s) do not balance" if facts["unbalanced_vouchers"] else "")]


def format_finding(file_name: str, finding: dict, header_of: dict[str, str]) -> str:
    """Render a finding as `file: row 17, column "Belopp": value "12,5O" is not a number (type-error)`."""
    fld = finding.get("field")
    header = header_of.get(fld) if isinstance(fld, str) else None
    row = finding.get("source_row")
    parts = []
    if row is not None and row == row:   # not NA
        parts.append(f"row {int(row)}")
    if header:
        parts.append(f'column "{header}"')
    where = (", ".join(parts) + ": ") if parts else ""
    return f'{file_name}: {where}{finding["message"]} ({finding["code"]})'


DEPARTMENT_FIELDS = ("department", "committee", "cost_centre")


def _require_department(con: duckdb.DuckDBPyConnection, name: str, mapping: ColumnMapping, opts: IngestOptions,
                        raw: RawTable) -> None:
    """Refuse a municipal ledger without a department column unless the user names the department of the file.

    Per-department emissions are the core of the report: spend without a department would all land in one
    unknown department. A company (one department) and SIE files (dimensions chosen by the reader) are exempt.
    """
    has_column = any(f in mapping.fields for f in DEPARTMENT_FIELDS)
    if opts.department is not None:
        if not opts.department.strip():
            raise UsageError("--department: give the department's name, e.g. --department \"Socialförvaltningen\"")
        if has_column:
            found = next(mapping.fields[f] for f in DEPARTMENT_FIELDS if f in mapping.fields)
            raise UsageError(f"{name}: the file has a department column (\"{found}\"); leave out --department, or "
                             f"use --map department=\"HEADER\" to choose another column")
        return
    if has_column or raw.fixed_mapping is not None:
        return
    kind = opts.organisation_kind
    if kind is None:
        row = con.execute("select kind from organisation where organisation_id = ?", [opts.organisation_id]).fetchone()
        kind = row[0] if row else None
    if kind == "company":
        return
    found = ", ".join(repr(h) for h in mapping.headers[:40]) or "none"
    raise MissingColumnError(
        f"{name}: no department column found, so the spend cannot be split by department (förvaltning). "
        f"Headers found: {found}. Say which column holds the department with --map department=\"HEADER\" (in the "
        "web app: choose it under \"Change the column mapping\"), or, if every line of the file belongs to one "
        "department, name it with --department NAME.")


def _require_columns(name: str, mapping: ColumnMapping, opts: IngestOptions, raw: RawTable) -> None:
    missing = mapping.missing()
    if missing:
        raise MissingColumnError(describe_missing(name, mapping, missing,
                                                  suggest_profiles(raw.headers, opts.profiles_file)))
    if "posting_date" not in mapping.fields and "period" not in mapping.fields and not (opts.period or opts.year):
        found = ", ".join(repr(h) for h in mapping.headers[:40])
        raise MissingColumnError(
            f"{name}: no date or period column found (headers: {found}); pass --year YYYY or --period YYYY-MM, "
            "or map a column with --map posting_date=\"HEADER\"")
