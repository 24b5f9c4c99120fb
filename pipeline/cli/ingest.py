"""`klimatspend ingest` and `klimatspend validate`: load (or only check) ledger files."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import DEFAULT_ORGANISATION, resolve_db_path
from ..errors import KlimatspendError, UsageError
from . import add_db_option, print_json
from ._output import english_or, fmt_number, print_table, step, texts

MAX_PRINTED = 50   # errors printed on the terminal by default; all are in the database and in --json


def _common(p) -> None:
    from ..ingest.columns import SYNONYMS

    p.add_argument("files", nargs="*", metavar="FILE", help="ledger export: CSV/TXT (any delimiter), xlsx or SIE 4")
    p.add_argument("--org", default=DEFAULT_ORGANISATION, metavar="ID",
                   help=f"organisation the ledger belongs to (default: {DEFAULT_ORGANISATION})")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--year", type=int, metavar="YYYY", help="fiscal year of the file; dates outside it are rejected")
    g.add_argument("--period", metavar="YYYY-MM", help="period of the file; for files without a date column")
    p.add_argument("--profile", metavar="NAME", help="import profile of the finance system (see --list-profiles)")
    p.add_argument("--profiles", metavar="FILE", dest="profiles_file",
                   help="your own TOML file of import profiles (adds to or replaces the shipped ones)")
    p.add_argument("--list-profiles", action="store_true", help="list the import profiles and exit")
    p.add_argument("--currency", metavar="CODE",
                   help="currency of the amounts when the file has no currency column (default: SEK, or the profile's)")
    p.add_argument("--sheet", metavar="NAME", help="xlsx sheet to read, by name or number (default: the first with data)")
    p.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                   help="map a header to a field, e.g. --map amount='Belopp inkl moms' (repeatable); "
                        f"fields: {', '.join(SYNONYMS)}")
    p.add_argument("--department", metavar="NAME",
                   help="for a file without a department column: the department (förvaltning) every line belongs to; "
                        "to name the column that holds it, use --map department=HEADER")
    p.add_argument("--decimal", choices=["comma", "point"], help="decimal separator of the amounts (default: detected)")
    p.add_argument("--delimiter", metavar="CHAR", help="column delimiter: ';' ',' tab or '|' (default: detected)")
    p.add_argument("--encoding", metavar="NAME", help="text encoding: utf-8, cp1252, latin-1 (default: detected)")
    p.add_argument("--header-row", type=int, metavar="N", help="row number of the header (default: found)")
    p.add_argument("--include-vat", action="store_true", help="the amounts include VAT (it is removed when computing)")
    p.add_argument("--any-account", action="store_true",
                   help="accept non-numeric account codes (e.g. UK expense types) instead of 2-6 digits")
    p.add_argument("--sie-accounts", metavar="REGEX",
                   help="SIE files: accounts whose transactions are ledger lines (default ^[4-8][0-9]{3,5}$)")
    o = p.add_mutually_exclusive_group()
    o.add_argument("--replace-overlapping", action="store_true",
                   help="when rows of the file are already loaded in other batches: replace those batches")
    o.add_argument("--only-new", action="store_true",
                   help="when rows of the file are already loaded: load only the new rows (the others are "
                        "quarantined as already-loaded)")
    o.add_argument("--allow-overlap", action="store_true",
                   help="load rows that are already loaded in another batch anyway (they then count twice)")
    p.add_argument("--max-errors", type=int, default=MAX_PRINTED, metavar="N",
                   help=f"errors printed per file (default {MAX_PRINTED}; all are stored: `klimatspend batches errors "
                        "BATCH_ID` writes them as CSV)")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def register(sub) -> None:
    """Add the `ingest` and `validate` verbs."""
    p = sub.add_parser("ingest", help="load ledger files (validated; bad rows quarantined)",
                       description="Read, validate and store ledger files (CSV, xlsx, SIE 4). Every row is loaded or "
                                   "quarantined with a reason. Rows already loaded are recognised by content: the same "
                                   "rows saved again are not counted again, a cumulative export (January-March, then "
                                   "January-April) replaces the earlier batch, and any other overlap is reported with "
                                   "the rows new, same, changed and gone, and nothing is loaded until you choose "
                                   "--replace, --only-new or --allow-overlap. The organisation (--org) must exist: "
                                   "`klimatspend org add`. Exit code 0: loaded (or already loaded); 1: a file could "
                                   "not be loaded or overlaps; 2: usage error.")
    _common(p)
    p.add_argument("--replace", type=int, metavar="BATCH_ID", help="load the file in place of an earlier batch "
                                                                   "(the old one is kept, marked replaced)")
    p.add_argument("--show-columns", action="store_true", help="only show the detected format, columns and mapping")
    p.add_argument("--user", metavar="NAME", help="who uploads (stored with the batch)")
    p.set_defaults(func=run_ingest)
    v = sub.add_parser("validate", help="check ledger files without loading them",
                       description="Run the same reading and validation as ingest and report every error; nothing "
                                   "is stored. Exit code 0 when no row would be quarantined, else 1.")
    _common(v)
    v.set_defaults(func=run_validate)


def options_from_args(args) -> IngestOptions:
    """Build IngestOptions from parsed CLI arguments."""
    from ..ingest import IngestOptions
    from ..ingest.columns import SYNONYMS

    overrides: dict[str, str] = {}
    for item in args.map:
        fld, sep, header = item.partition("=")
        fld = fld.strip()
        if not sep or not fld or not header.strip():
            raise UsageError(f"--map {item}: expected FIELD=HEADER, e.g. --map amount=Belopp")
        if fld not in SYNONYMS:
            raise UsageError(f"--map {item}: unknown field {fld!r}; fields: {', '.join(SYNONYMS)}")
        overrides[fld] = header.strip()
    delimiter = args.delimiter
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}.get(delimiter, delimiter)
        if delimiter not in (";", ",", "\t", "|"):
            raise UsageError(f"--delimiter {args.delimiter}: use ';', ',', tab or '|'")
    if args.header_row is not None and args.header_row < 1:
        raise UsageError("--header-row: rows are numbered from 1")
    return IngestOptions(
        organisation_id=args.org, currency=args.currency.upper() if args.currency else None, period=args.period,
        year=args.year, sheet=args.sheet, profile=args.profile, profiles_file=args.profiles_file,
        column_overrides=overrides,
        account_pattern=None if args.any_account else IngestOptions().account_pattern,
        amounts_include_vat=True if args.include_vat else None,
        decimal_comma=None if args.decimal is None else args.decimal == "comma",
        delimiter=delimiter, encoding=args.encoding, header_row=args.header_row,
        sie_ledger_accounts=args.sie_accounts, department=args.department,
        uploaded_by=getattr(args, "user", None), replace_batch_id=getattr(args, "replace", None),
        on_overlap=("replace" if args.replace_overlapping else "new-rows" if args.only_new
                    else "allow" if args.allow_overlap else "ask"),
        dry_run=False)


def _list_profiles(args) -> int:
    from ..ingest.profiles import load_profiles

    profiles = load_profiles(args.profiles_file)
    if args.json:
        print_json([{"name": p.name, "aliases": list(p.aliases), "description": p.description,
                     "currency": p.currency, "decimal": p.decimal, "account_pattern": p.account_pattern,
                     "columns": p.columns, "source": p.source} for p in profiles.values()])
        return 0
    print_table(["profile", "also", "description"],
                [[p.name, ", ".join(p.aliases), p.description] for p in profiles.values()])
    return 0


# Files smaller than this load in a second or two: their progress lines would only add noise before the result.
PROGRESS_MIN_BYTES = 5_000_000


def _file_progress(path: Path):
    """Return a progress callback for ingest_file for a large file (PROGRESS_MIN_BYTES or more): one line on
    stderr per step, in the CLI's language; None for a small file."""
    try:
        if path.stat().st_size < PROGRESS_MIN_BYTES:
            return None
    except OSError:
        return None   # ingest_file reports the missing file

    def tell(name: str, facts: dict) -> None:
        if name == "read":
            step("cli_progress_read", file=path.name, mb=fmt_number(facts.get("bytes", 0) / 1e6, 1))
        else:
            step(f"cli_progress_{name}", file=path.name, rows=fmt_number(facts.get("rows")))
    return tell


def _each_file(args, opts: IngestOptions, con) -> tuple[list[IngestResult], list[dict]]:
    """Ingest every file; a file that cannot be read is reported and the others still load."""
    from ..ingest import IngestOptions, IngestResult, ingest_file

    results, failures = [], []
    for f in args.files:
        try:
            results.append(ingest_file(con, Path(f), opts, progress=None if args.json else _file_progress(Path(f))))
        except UsageError:
            raise
        except KlimatspendError as exc:
            print(f"klimatspend: {exc}", file=sys.stderr)
            failures.append({"file": Path(f).name, "status": "error", "code": exc.code, "error": str(exc)})
    return results, failures


def run_ingest(args) -> int:
    """Ingest each file; exit 0 if every file loaded (possibly with quarantined rows), else 1."""
    from .. import store
    from ..ingest import preview_columns

    if args.list_profiles:
        return _list_profiles(args)
    if not args.files:
        raise UsageError("ingest: give at least one FILE (see `klimatspend ingest --help`)")
    if args.replace is not None and len(args.files) != 1:
        raise UsageError("--replace takes exactly one file")
    opts = options_from_args(args)
    con = store.connect(resolve_db_path(args.db))
    try:
        if args.show_columns:
            previews = [preview_columns(con, Path(f), opts) for f in args.files]
            if args.json:
                print_json(previews if len(previews) > 1 else previews[0])
            else:
                for pv in previews:
                    _print_preview(pv)
            return 0
        results, failures = _each_file(args, opts, con)
    finally:
        con.close()
    _print_results(args, results, failures, opts=opts)
    ok = all(r.status in ("loaded", "duplicate") for r in results) and not failures
    return 0 if ok else 1


def run_validate(args) -> int:
    """Validate files without storing them; exit 0 when no row would be quarantined, else 1."""
    from .. import store

    if args.list_profiles:
        return _list_profiles(args)
    if not args.files:
        raise UsageError("validate: give at least one FILE (see `klimatspend validate --help`)")
    opts = options_from_args(args)
    opts.dry_run = True
    db = resolve_db_path(args.db)
    # With an existing database, duplicates and overlaps with loaded batches are reported too (while the web
    # server runs: against its read-only copy).
    con = store.open_for_reading(db) if Path(db).exists() else store.connect(":memory:")
    try:
        results, failures = _each_file(args, opts, con)
    finally:
        con.close()
    _print_results(args, results, failures, verb="would load", opts=opts)
    return 0 if not failures and all(r.rows_rejected == 0 and r.status not in ("duplicate", "overlap")
                                     for r in results) else 1


def _print_results(args, results: list[IngestResult], failures: list[dict], verb: str = "loaded",
                   opts: IngestOptions | None = None) -> None:
    from ..ingest import IngestOptions, IngestResult

    if args.json:
        data = [r.as_dict() for r in results] + failures
        if data:
            print_json(data if len(data) > 1 else data[0])
        return
    for r in results:
        _print_result(r, verb=verb, max_errors=args.max_errors, opts=opts)


def _field(lab, name: str) -> str:
    """Return a ledger field as a reader sees it: in English the name --map FIELD=HEADER takes, else its word."""
    return english_or(name, f"field_{name}") if f"field_{name}" in lab.keys() else name


def _print_preview(pv: dict) -> None:
    """Print the detected format, columns and mapping of a file in the CLI's language; the fields keep the names
    --map FIELD=HEADER takes."""
    lab = texts()
    where = {"csv": lab.t("cli_preview_csv", encoding=pv["encoding"] or "-", delimiter=repr(pv["delimiter"])),
             "xlsx": lab.t("cli_preview_xlsx", sheet=pv["sheet"]),
             "sie": lab.t("cli_preview_sie", encoding=pv["encoding"])}.get(pv["format"], "")
    header = lab.t("cli_preview_header", row=pv["header_row"]) if pv["format"] != "sie" else ""
    print(lab.t("cli_preview_line", file=pv["file"], format=pv["format"], where=where, header=header,
                rows=fmt_number(pv["rows"]))
          + (lab.t("cli_preview_profile", profile=pv["profile"]) if pv["profile"] else ""))
    print_table([lab["cli_preview_h_column"], lab["cli_preview_h_field"], lab["cli_preview_h_found_by"],
                 lab["cli_preview_h_first_values"]],
                [[c["header"], _field(lab, c["field"]) if c["field"] else lab["cli_preview_extra"],
                  lab.text(f"cli_preview_found_{c['found_by'].replace(' ', '_')}")
                  if c["found_by"] and f"cli_preview_found_{c['found_by'].replace(' ', '_')}" in lab.keys()
                  else c["found_by"] or "",
                  " | ".join(str(s) for s in c["sample"] if s is not None)[:60]] for c in pv["columns"]])
    for note in pv["notes"]:
        print(lab.t("cli_preview_note", note=lab.note(note)))
    if pv["missing_required"]:
        print(lab.t("cli_preview_missing", fields=", ".join(pv["missing_required"])))
        if pv["suggested_profiles"]:
            print(lab.t("cli_preview_matching", profiles=", ".join(pv["suggested_profiles"])))


def _print_result(r: IngestResult, verb: str = "loaded", max_errors: int = MAX_PRINTED,
                  opts: IngestOptions | None = None) -> None:
    """Print one file's result in the CLI's language: counts, sums, summary and notes on stdout; the first
    `max_errors` errors and ten warnings on stderr (their pinned English line format, with stable codes)."""
    from ..ingest import IngestOptions, IngestResult, overlap_choices

    lab = texts()
    info = r.overlap or {"batches": [], "rows": 0, "shared": 0}
    ids = [b["batch_id"] for b in info.get("batches", [])]
    if r.status == "duplicate":
        print(english_or(f"{r.file}: {r.summary}", "cli_ingest_duplicate", file=r.file, batch_id=r.batch_id))
        return
    if r.status == "overlap":
        print(english_or(f"{r.file}: {r.summary} (overlap)", "cli_ingest_overlap", file=r.file,
                    shared=fmt_number(info.get("shared", 0)), rows=fmt_number(info.get("rows", 0)),
                    batches=", ".join(f"batch {i}" for i in ids)))
        choices = overlap_choices(r, opts or IngestOptions())
        print(lab["cli_ingest_overlap_how"])
        width = max(len(flag) for _, _, flag in choices)
        suggested = info.get("suggestion")
        for choice, _, flag in choices:
            what = lab.t(f"cli_overlap_{choice.replace('-', '_')}", batches=", ".join(f"batch {i}" for i in ids),
                         n=fmt_number(info.get("rows", 0) - info.get("shared", 0)))
            print(f"    {flag:<{width}}  {what}{lab['cli_overlap_suggested'] if choice == suggested else ''}")
        return
    batch = lab.t("cli_ingest_batch", batch_id=r.batch_id) if r.batch_id else ""
    status = "" if r.status in ("loaded", "validated") else lab["cli_ingest_nothing_loaded"]
    print(lab.t("cli_ingest_result_would" if verb == "would load" else "cli_ingest_result_loaded", file=r.file,
                batch=batch, loaded=fmt_number(r.rows_loaded), read=fmt_number(r.rows_read),
                rejected=fmt_number(r.rows_rejected), status=status))
    print(lab.t("cli_ingest_sums", currency=r.currency, read=fmt_number(r.sum_read, 2),
                loaded=fmt_number(r.sum_loaded, 2), rejected=fmt_number(r.sum_rejected, 2)))
    print(english_or(f"  {r.summary}", "cli_ingest_summary", rows=fmt_number(r.rows_read),
                rejected=fmt_number(r.rows_rejected), warnings=fmt_number(r.n_warnings)))
    for note in r.notes:
        print(lab.t("cli_ingest_note", note=lab.note(note)))
    shown = r.errors[:max_errors]
    for line in shown:
        print(f"  {line}", file=sys.stderr)
    if r.n_errors > len(shown):
        where = (lab.t("cli_ingest_more_errors_batch", batch_id=r.batch_id) if r.batch_id
                 else lab["cli_ingest_more_errors_json"])
        print(lab.t("cli_ingest_more_errors", n=fmt_number(r.n_errors - len(shown)), total=fmt_number(r.n_errors),
                    where=where), file=sys.stderr)
    for line in r.warnings[:10]:
        print(lab.t("cli_ingest_warning", line=line), file=sys.stderr)
    if r.n_warnings > 10:
        print(lab.t("cli_ingest_more_warnings", n=fmt_number(r.n_warnings - 10), total=fmt_number(r.n_warnings)),
              file=sys.stderr)
