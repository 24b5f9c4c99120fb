"""`klimatspend suppliers`: the supplier register (org number -> SNI 2007 industry code)."""

from __future__ import annotations

from ..config import resolve_db_path
from . import add_db_option, print_json
from ._output import fmt_number, print_table, texts


def register(sub) -> None:
    """Add the `suppliers` verb with load/list."""
    p = sub.add_parser("suppliers", help="load or list the supplier register (industry codes by org number)",
                       description="The supplier register gives each supplier's industry (SNI 2007 / NACE), used "
                                   "for spend that no supplier rule covers: SNI code -> industry crosswalk -> factor. "
                                   "Columns: Organisationsnummer, Namn, SNI 2007 (and optionally SNI-text).")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print as JSON")
    s = p.add_subparsers(dest="action", metavar="ACTION")
    ld = s.add_parser("load", help="load (add or update) suppliers from a register file")
    ld.add_argument("file", metavar="FILE", help="CSV or xlsx")
    add_db_option(ld)
    ld.add_argument("--json", action="store_true", help="print as JSON")
    ls = s.add_parser("list", help="list the register (default)")
    ls.add_argument("--sni", metavar="PREFIX", help="only SNI codes starting with PREFIX")
    add_db_option(ls)
    ls.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Load or list the supplier register."""
    from .. import store
    from ..ingest import suppliers

    con = store.connect(resolve_db_path(args.db))
    try:
        if args.action == "load":
            result = suppliers.load_supplier_register(con, args.file)
            if args.json:
                print_json(vars(result))
            else:
                print(texts().t("cli_suppliers_loaded", file=result.source_file_name,
                                n=fmt_number(result.rows_loaded), new=fmt_number(result.rows_new)))
            return 0
        prefix = getattr(args, "sni", None)
        cur = con.execute("select org_number, name, sni_code, sni_text from supplier_register "
                          "where ? is null or starts_with(sni_code, ?) order by org_number", [prefix, prefix])
        rows = [dict(zip(["org_number", "name", "sni_code", "sni_text"], r)) for r in cur.fetchall()]
        if args.json:
            print_json(rows)
        else:
            print_table(["org number", "name", "SNI", "industry"], [list(r.values()) for r in rows])
        return 0
    finally:
        con.close()
