"""`klimatspend batches`: list, show, delete loaded ledger batches and export their errors as CSV."""

from __future__ import annotations

import argparse
import sys

from ..config import resolve_db_path
from ..errors import UsageError
from . import add_db_option, print_json
from ._output import english_or, fmt_number, print_table, texts


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
                print(texts().t("cli_batch_deleted", batch_id=args.batch_id, file=row["source_file_name"],
                                rows=fmt_number(row["rows_loaded"])))
            return 0
        if args.action == "errors":
            return _errors(con, args)
        return _list(con, args)
    finally:
        con.close()


def _list(con, args) -> int:
    from ..ingest import batches
    from ..organisations import organisation_names

    rows = batches.list_batches(con, include_inactive=not getattr(args, "live", False),
                                organisation_id=getattr(args, "org", None))
    if args.json:
        print_json(rows)
        return 0
    lab = texts()
    if not rows:
        print(lab["cli_batch_none"])
        return 0
    orgs = organisation_names(con)
    print_table([lab[f"cli_batch_h_{h}"] for h in ("batch", "org", "file", "year", "status", "read", "loaded",
                                                   "quarantined", "sum_loaded", "currency", "uploaded")],
                [[r["batch_id"], orgs.get(r["organisation_id"]) or r["organisation_id"], r["source_file_name"],
                  r["fiscal_year"], _status(lab, r), fmt_number(r["rows_read"]), fmt_number(r["rows_loaded"]),
                  fmt_number(r["rows_rejected"]), fmt_number(r["sum_loaded"], 2), r["currency"],
                  f"{r['uploaded_at']:%Y-%m-%d %H:%M}"] for r in rows], align="rlllrrrrrll")
    return 0


def _status(lab, r: dict) -> str:
    """Return a batch's status as a word, with the batch it replaces or that replaced it."""
    word = lab.text(f"cli_batch_status_{r['status']}") if f"cli_batch_status_{r['status']}" in lab.keys() \
        else r["status"]
    if r["status"] == "replaced":
        return lab.t("cli_batch_replaced_by", batch_id=r["replaced_by_batch_id"])
    if r.get("replaces_batch_id"):
        return lab.t("cli_batch_replaces", status=word, batch_id=r["replaces_batch_id"])
    return word


# batch details in reading order: field -> catalogue key of its label (cli_batch_f_<field>)
DETAILS = ["batch_id", "organisation_id", "source_file_name", "status", "file_format", "profile", "uploaded_by",
           "uploaded_at", "fiscal_year", "period_start", "period_end", "currency", "amounts_include_vat",
           "rows_read", "rows_loaded", "rows_rejected", "sum_read", "sum_loaded", "sum_rejected", "warnings",
           "replaces_batch_id", "replaced_by_batch_id", "sha256"]


def _show(con, args) -> int:
    from ..ingest import batches
    from ..organisations import organisation_names

    row = batches.batch_details(con, args.batch_id)
    rejected = batches.rejected_rows(con, args.batch_id, None if args.json else args.limit)
    if args.json:
        print_json({**row, "rejected": rejected})
        return 0
    lab = texts()
    orgs = organisation_names(con)
    labels = {k: lab[f"cli_batch_f_{k}"] for k in DETAILS + ["read", "validation", "note", "history"]}
    width = max(22, *(len(v) + 1 for v in labels.values()))

    def value(k, v):
        if k.startswith("sum_"):
            return fmt_number(v, 2)
        if k.startswith("rows_") or k == "warnings":
            return fmt_number(v)
        if k == "status":
            return _status(lab, {"status": v})
        if k == "organisation_id":
            return orgs.get(v) or v
        if isinstance(v, bool):
            return lab[f"yes_no_{str(v).lower()}"]
        if hasattr(v, "strftime") and k == "uploaded_at":
            return f"{v:%Y-%m-%d %H:%M}"
        return v
    for k in DETAILS:
        v = row.get(k)
        if v is None:
            continue
        print(f"{labels[k]:{width}} {value(k, v)}")
    info = row.get("source_info") or {}
    read = ", ".join(f"{lab[f'cli_batch_read_{k}']} "
                     + (repr(lab[f"cli_batch_decimal_{info[k]}"]) if k == "decimal" and info[k] in ("comma", "point")
                        else repr(info[k]))
                     for k in ("encoding", "delimiter", "sheet", "header_row", "decimal") if info.get(k) is not None)
    if read:
        print(f"{labels['read']:{width}} {read}")
    print(f"{labels['validation']:{width}} " + english_or(
        row["validation_summary"], "cli_ingest_summary", rows=fmt_number(row["rows_read"]),
        rejected=fmt_number(row["rows_rejected"]), warnings=fmt_number(row.get("warnings") or 0)).strip())
    for note in info.get("notes", []):
        print(f"{labels['note']:{width}} {lab.note(note)}")
    for h in row["history"]:
        event = lab.text(f"cli_batch_event_{h['event']}") if f"cli_batch_event_{h['event']}" in lab.keys() \
            else h["event"]
        print(f"{labels['history']:{width}} {h['event_at']:%Y-%m-%d %H:%M} {event}"
              + (lab.t("cli_batch_by", user=h["by_user"]) if h["by_user"] else "")
              + (f": {lab.note(h['note'])}" if h["note"] else ""))
    if rejected:
        print()
        print_table([lab[f"cli_batch_h_{h}"] for h in ("row", "code", "column", "value", "message")],
                    [[r["source_row"], r["error_code"], r["column_name"] or "", (r["value"] or "")[:30],
                      r["message"][:80]] for r in rejected], align="rllll")
        if row["rows_rejected"] > len(rejected):
            print(lab.t("cli_batch_more", n=fmt_number(row["rows_rejected"] - len(rejected)), batch_id=args.batch_id))
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
        print(texts().t("cli_batch_wrote", n=fmt_number(n), batch_id=args.batch_id, file=args.output), file=sys.stderr)
    else:
        batches.write_findings_csv(con, args.batch_id, sys.stdout, delimiter=args.delimiter)
    return 0
