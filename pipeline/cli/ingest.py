"""`klimatspend ingest` and `klimatspend validate`: load (or only check) ledger files."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import store
from ..config import DEFAULT_CURRENCY, DEFAULT_ORGANISATION, resolve_db_path
from ..errors import UsageError
from ..ingest import IngestOptions, ingest_file, preview_columns
from . import add_db_option, print_json
from ._output import fmt_number, print_table

MAX_PRINTED = 50   # errors printed on the terminal; all are in the database and in --json


def _common(p) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="ledger export: CSV/TXT (any delimiter) or xlsx")
    p.add_argument("--org", default=DEFAULT_ORGANISATION, metavar="ID",
                   help=f"organisation the ledger belongs to (default: {DEFAULT_ORGANISATION})")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--year", type=int, metavar="YYYY", help="fiscal year of the file; dates outside it are rejected")
    g.add_argument("--period", metavar="YYYY-MM", help="period of the file; for files without a date column")
    p.add_argument("--currency", default=DEFAULT_CURRENCY, metavar="CODE",
                   help="currency of the amounts when the file has no currency column (default: SEK)")
    p.add_argument("--sheet", metavar="NAME", help="xlsx sheet to read (default: the first)")
    p.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                   help="map a header to a field, e.g. --map amount='Belopp inkl moms' (repeatable)")
    p.add_argument("--include-vat", action="store_true", help="the amounts include VAT (it is removed when computing)")
    p.add_argument("--any-account", action="store_true",
                   help="accept non-numeric account codes (e.g. UK expense types) instead of 2-6 digits")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def register(sub) -> None:
    """Add the `ingest` and `validate` verbs."""
    p = sub.add_parser("ingest", help="load ledger files (validated; bad rows quarantined)",
                       description="Read, validate and store ledger files. Every row is loaded or quarantined "
                                   "with a reason; the same file twice is recognised.")
    _common(p)
    p.add_argument("--replace", type=int, metavar="BATCH_ID", help="load the file in place of an earlier batch")
    p.add_argument("--show-columns", action="store_true", help="only show the detected columns and mapping")
    p.add_argument("--user", metavar="NAME", help="who uploads (stored with the batch)")
    p.set_defaults(func=run_ingest)
    v = sub.add_parser("validate", help="check ledger files without loading them",
                       description="Run the same reading and validation as ingest, report every error, store nothing.")
    _common(v)
    v.set_defaults(func=run_validate)


def options_from_args(args) -> IngestOptions:
    """Build IngestOptions from parsed CLI arguments."""
    overrides = {}
    for item in args.map:
        field, sep, header = item.partition("=")
        if not sep or not field or not header:
            raise UsageError(f"--map {item}: expected FIELD=HEADER, e.g. --map amount=Belopp")
        overrides[field.strip()] = header.strip()
    return IngestOptions(organisation_id=args.org, currency=args.currency.upper(), period=args.period,
                         year=args.year, sheet=args.sheet, column_overrides=overrides,
                         account_pattern=None if args.any_account else IngestOptions().account_pattern,
                         amounts_include_vat=args.include_vat,
                         uploaded_by=getattr(args, "user", None),
                         replace_batch_id=getattr(args, "replace", None))


def run_ingest(args) -> int:
    """Ingest each file; exit 0 if every file loaded (possibly with quarantined rows), else 1."""
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
        results = [ingest_file(con, Path(f), opts) for f in args.files]
    finally:
        con.close()
    if args.json:
        data = [r.as_dict() for r in results]
        print_json(data if len(data) > 1 else data[0])
    else:
        for r in results:
            _print_result(r)
    return 0 if all(r.rows_loaded > 0 or r.status == "duplicate" for r in results) else 1


def run_validate(args) -> int:
    """Validate files in a throw-away database; exit 0 when no row would be rejected, else 1."""
    opts = options_from_args(args)
    con = store.connect(":memory:")
    try:
        results = [ingest_file(con, Path(f), opts) for f in args.files]
    finally:
        con.close()
    if args.json:
        data = [{**r.as_dict(), "status": "validated", "batch_id": None} for r in results]
        print_json(data if len(data) > 1 else data[0])
    else:
        for r in results:
            _print_result(r, verb="would load")
    return 0 if all(r.rows_rejected == 0 for r in results) else 1


def _print_preview(pv: dict) -> None:
    print(f"{pv['file']}: {pv['format']}, encoding {pv['encoding'] or '-'}, delimiter {pv['delimiter']!r}, "
          f"header on row {pv['header_row']}, {pv['rows']} data rows")
    print_table(["column", "field", "first values"],
                [[c["header"], c["field"] or "(kept as extra)", " | ".join(str(s) for s in c["sample"] if s)[:60]]
                 for c in pv["columns"]])
    if pv["missing_required"]:
        print(f"missing required fields: {', '.join(pv['missing_required'])} (map them with --map FIELD=HEADER)")


def _print_result(r, verb: str = "loaded") -> None:
    if r.status == "duplicate":
        print(f"{r.file}: {r.summary}")
        return
    print(f"{r.file}: batch {r.batch_id if r.batch_id else '-'} {verb} {r.rows_loaded} of {r.rows_read} rows; "
          f"{r.rows_rejected} quarantined")
    print(f"  sums ({r.currency}): read {fmt_number(r.sum_read, 2)} = loaded {fmt_number(r.sum_loaded, 2)}"
          f" + quarantined {fmt_number(r.sum_rejected, 2)}")
    print(f"  {r.summary}")
    for line in r.errors[:MAX_PRINTED]:
        print(f"  {line}", file=sys.stderr)
    if r.n_errors > MAX_PRINTED:
        print(f"  ... and {r.n_errors - MAX_PRINTED} more errors (all are listed by `klimatspend batches show "
              f"{r.batch_id}` and --json)", file=sys.stderr)
    for line in r.warnings[:10]:
        print(f"  warning: {line}", file=sys.stderr)
    if r.n_warnings > 10:
        print(f"  ... and {r.n_warnings - 10} more warnings", file=sys.stderr)
