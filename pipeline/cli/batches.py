"""`klimatspend batches`: list, show, delete loaded ledger batches and export their errors as CSV."""

from __future__ import annotations

import argparse
import sys

from ..config import resolve_db_path
from ..errors import UsageError
from . import add_db_option, print_json
from ._output import fmt_number, print_table


def _db_json(p, *, sub: bool = True, json: bool = True) -> None:
    # On the sub-commands the defaults are suppressed, so `batches --db X list` keeps the X given before
    # the action (argparse would otherwise overwrite it with the sub-command's default).
    if sub:
        p.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                       help="database file (default: $KLIMATSPEND_DB, else ./klimatspend.duckdb)")
        if json:
            p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print as JSON")
    else:
        add_db_option(p)
        p.add_argument("--json", action="store_true", help="print as JSON")


def register(sub) -> None:
    """Add the `batches` verb with list/show/delete/errors."""
    p = sub.add_parser("batches", help="list, show, delete ledger batches; export their errors",
                       description="List loaded ledger files (batches) with their history, show one with its "
                                   "quarantined rows, delete one (its lines stop counting; the record is kept), or "
                                   "write all errors and warnings of one as CSV.")
    _db_json(p, sub=False)
    s = p.add_subparsers(dest="action", metavar="ACTION")
    ls = s.add_parser("list", help="list batches, newest first (default)")
    ls.add_argument("--org", metavar="ID", help="only this organisation")
    ls.add_argument("--live", action="store_true", help="only batches that count (status loaded)")
    _db_json(ls)
    sh = s.add_parser("show", help="show one batch: counts, sums, how it was read, history, quarantined rows")
    sh.add_argument("batch_id", type=int, metavar="BATCH_ID")
    sh.add_argument("--limit", type=int, default=100, help="quarantined rows to print (default 100)")
    _db_json(sh)
    de = s.add_parser("delete", help="delete a batch (its lines stop counting; the record stays)")
    de.add_argument("batch_id", type=int, metavar="BATCH_ID")
    de.add_argument("--user", metavar="NAME", help="who deletes (kept in the history)")
    _db_json(de)
    er = s.add_parser("errors", help="write every error and warning of a batch as CSV (for Excel)")
    er.add_argument("batch_id", type=int, metavar="BATCH_ID")
    er.add_argument("-o", "--output", metavar="FILE", help="CSV file to write (default: standard output)")
    er.add_argument("--delimiter", choices=[",", ";"], default=",", metavar="CHAR",
                    help="';' for Excel with Swedish settings (decimal comma); default ','")
    _db_json(er, json=False)
    p.set_defaults(func=run)


def run(args) -> int:
    """List, show, delete batches or export their findings."""
    from .. import store
    from ..ingest import batches

    # reading needs no lock: while the web server runs, its read-only copy is read
    db = resolve_db_path(args.db)
    con = store.connect(db) if args.action == "delete" else store.open_for_reading(db)
    try:
        if args.action == "show":
            return _show(con, args)
        if args.action == "delete":
            row = batches.delete_batch(con, args.batch_id, user=args.user)
            if args.json:
                print_json(row)
            else:
                print(f"batch {args.batch_id} ({row['source_file_name']}) deleted; its {row['rows_loaded']:,} lines "
                      "no longer count (re-run the year to update results); the record stays in `batches list`")
            return 0
        if args.action == "errors":
            return _errors(con, args)
        return _list(con, args)
    finally:
        con.close()


def _list(con, args) -> int:
    from ..ingest import batches

    rows = batches.list_batches(con, include_inactive=not getattr(args, "live", False),
                                organisation_id=getattr(args, "org", None))
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no batches loaded yet; load one with `klimatspend ingest FILE`")
        return 0

    def status(r) -> str:
        if r["status"] == "replaced":
            return f"replaced by {r['replaced_by_batch_id']}"
        if r["replaces_batch_id"]:
            return f"{r['status']} (replaces {r['replaces_batch_id']})"
        return r["status"]

    print_table(["batch", "org", "file", "year", "status", "read", "loaded", "quarantined", "sum loaded", "cur",
                 "uploaded"],
                [[r["batch_id"], r["organisation_id"], r["source_file_name"], r["fiscal_year"], status(r),
                  f"{r['rows_read']:,}", f"{r['rows_loaded']:,}", f"{r['rows_rejected']:,}",
                  fmt_number(r["sum_loaded"], 2), r["currency"], f"{r['uploaded_at']:%Y-%m-%d %H:%M}"]
                 for r in rows], align="rlllrrrrrll")
    return 0


def _show(con, args) -> int:
    from ..ingest import batches

    row = batches.batch_details(con, args.batch_id)
    rejected = batches.rejected_rows(con, args.batch_id, None if args.json else args.limit)
    if args.json:
        print_json({**row, "rejected": rejected})
        return 0
    order = ["batch_id", "organisation_id", "source_file_name", "status", "file_format", "profile", "uploaded_by",
             "uploaded_at", "fiscal_year", "period_start", "period_end", "currency", "amounts_include_vat",
             "rows_read", "rows_loaded", "rows_rejected", "sum_read", "sum_loaded", "sum_rejected", "warnings",
             "replaces_batch_id", "replaced_by_batch_id", "sha256"]
    for k in order:
        v = row.get(k)
        if v is None:
            continue
        print(f"{k:22} {fmt_number(v, 2) if k.startswith('sum_') else v}")
    info = row.get("source_info") or {}
    read = ", ".join(f"{k} {info[k]!r}" for k in ("encoding", "delimiter", "sheet", "header_row", "decimal")
                     if info.get(k) is not None)
    if read:
        print(f"{'read':22} {read}")
    print(f"{'validation':22} {row['validation_summary']}")
    for note in info.get("notes", []):
        print(f"{'note':22} {note}")
    for h in row["history"]:
        print(f"{'history':22} {h['event_at']:%Y-%m-%d %H:%M} {h['event']}"
              + (f" by {h['by_user']}" if h["by_user"] else "") + (f": {h['note']}" if h["note"] else ""))
    if rejected:
        print()
        print_table(["row", "code", "column", "value", "message"],
                    [[r["source_row"], r["error_code"], r["column_name"] or "", (r["value"] or "")[:30],
                      r["message"][:80]] for r in rejected], align="rllll")
        if row["rows_rejected"] > len(rejected):
            print(f"... {row['rows_rejected'] - len(rejected):,} more; all errors: "
                  f"`klimatspend batches errors {args.batch_id} -o errors.csv`")
    return 0


def _errors(con, args) -> int:
    from ..ingest import batches

    batches.batch_row(con, args.batch_id)   # a clear error before any file is created
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8-sig", newline="") as fh:
                n = batches.write_findings_csv(con, args.batch_id, fh, delimiter=args.delimiter)
        except OSError as exc:
            raise UsageError(f"--output {args.output}: cannot write the file ({exc.strerror})") from None
        print(f"wrote {n:,} findings of batch {args.batch_id} to {args.output}", file=sys.stderr)
    else:
        batches.write_findings_csv(con, args.batch_id, sys.stdout, delimiter=args.delimiter)
    return 0
