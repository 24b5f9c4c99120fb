"""`klimatspend batches`: list, show and delete loaded ledger batches."""

from __future__ import annotations

from .. import batches, store
from ..config import resolve_db_path
from . import add_db_option, print_json
from ._output import fmt_number, print_table


def register(sub) -> None:
    """Add the `batches` verb with list/show/delete."""
    p = sub.add_parser("batches", help="list, show or delete loaded ledger batches",
                       description="List loaded ledger files (batches), show one with its quarantined rows, "
                                   "or delete one (its lines stop counting; the record is kept).")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print as JSON")
    s = p.add_subparsers(dest="action", metavar="ACTION")
    ls = s.add_parser("list", help="list batches (default)")
    add_db_option(ls)
    ls.add_argument("--json", action="store_true", help="print as JSON")
    sh = s.add_parser("show", help="show one batch and its quarantined rows")
    sh.add_argument("batch_id", type=int, metavar="BATCH_ID")
    sh.add_argument("--limit", type=int, default=100, help="quarantined rows to print (default 100)")
    add_db_option(sh)
    sh.add_argument("--json", action="store_true", help="print as JSON")
    de = s.add_parser("delete", help="delete a batch (its lines stop counting)")
    de.add_argument("batch_id", type=int, metavar="BATCH_ID")
    add_db_option(de)
    de.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """List, show or delete batches."""
    con = store.connect(resolve_db_path(args.db))
    try:
        if args.action == "show":
            row = batches.batch_row(con, args.batch_id)
            rejected = batches.rejected_rows(con, args.batch_id, None if args.json else args.limit)
            if args.json:
                print_json({**row, "rejected": rejected})
                return 0
            for k, v in row.items():
                print(f"{k:22} {v}")
            if rejected:
                print()
                print_table(["row", "code", "column", "value", "message"],
                            [[r["source_row"], r["error_code"], r["column_name"] or "", (r["value"] or "")[:30],
                              r["message"][:80]] for r in rejected], align="rllll")
            return 0
        if args.action == "delete":
            row = batches.delete_batch(con, args.batch_id)
            if args.json:
                print_json(row)
            else:
                print(f"batch {args.batch_id} ({row['source_file_name']}) deleted; its {row['rows_loaded']} lines "
                      "no longer count (re-run the year to update results)")
            return 0
        rows = batches.list_batches(con)
        if args.json:
            print_json(rows)
            return 0
        if not rows:
            print("no batches loaded yet; load one with `klimatspend ingest FILE`")
            return 0
        print_table(["batch", "org", "file", "year", "status", "read", "loaded", "quarantined", "sum loaded", "cur"],
                    [[r["batch_id"], r["organisation_id"], r["source_file_name"], r["fiscal_year"], r["status"],
                      r["rows_read"], r["rows_loaded"], r["rows_rejected"], fmt_number(r["sum_loaded"], 2),
                      r["currency"]] for r in rows], align="rlllrrrrrl")
        return 0
    finally:
        con.close()
