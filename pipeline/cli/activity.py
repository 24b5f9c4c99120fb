"""`klimatspend activity`: load measured quantities (kWh, litres, km) that replace spend-based estimates."""

from __future__ import annotations

from ..config import resolve_db_path
from . import add_db_option, print_json
from ._output import fmt_number, print_table, texts


def register(sub) -> None:
    """Add the `activity` verb with load/list/delete/factors."""
    p = sub.add_parser("activity", help="load activity data (kWh, litres, km) for energy and travel",
                       description="Activity data replaces the spend-based estimate of the spend it covers "
                                   "(an account prefix or a category, optionally one department): electricity and "
                                   "district heating in kWh/MWh, fuels in litres or m3, travel in km. "
                                   "Columns: år, konto or kategori, förvaltning (optional), aktivitet, mängd, enhet, "
                                   "egen faktor and faktorkälla (optional).")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print as JSON")
    s = p.add_subparsers(dest="action", metavar="ACTION")
    ld = s.add_parser("load", help="check and load an activity file (all rows or none)")
    ld.add_argument("file", metavar="FILE", help="CSV or xlsx")
    ld.add_argument("--org", metavar="ID", help="organisation the quantities belong to (unless the file names it)")
    ld.add_argument("--replace", action="store_true", help="replace the organisation's earlier data for the same years")
    ld.add_argument("--user", metavar="NAME", help="who loads (stored with the batch)")
    add_db_option(ld)
    ld.add_argument("--json", action="store_true", help="print as JSON")
    ls = s.add_parser("list", help="list loaded activity rows (default)")
    ls.add_argument("--year", type=int, metavar="YYYY")
    add_db_option(ls)
    ls.add_argument("--json", action="store_true", help="print as JSON")
    de = s.add_parser("delete", help="delete an activity batch (its rows stop counting)")
    de.add_argument("activity_batch_id", type=int, metavar="BATCH_ID")
    add_db_option(de)
    fa = s.add_parser("factors", help="list the shipped activity factors and their sources")
    fa.add_argument("--code", metavar="CODE", help="only this activity code")
    add_db_option(fa)
    fa.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Load, list or delete activity data, or list activity factors."""
    from .. import store
    from ..factors import activity as activity_factors
    from ..ingest import activity
    from ..organisations import department_label, department_names, organisation_names

    con = store.connect(resolve_db_path(args.db))
    try:
        if args.action == "load":
            result = activity.load_activity_file(con, args.file, organisation_id=args.org, replace=args.replace,
                                                 loaded_by=args.user)
            if args.json:
                print_json(vars(result))
            else:
                lab = texts()
                print(lab.t("cli_activity_loaded", file=result.source_file_name, n=fmt_number(result.rows_loaded),
                            organisation=organisation_names(con).get(result.organisation_id) or result.organisation_id,
                            batch_id=result.activity_batch_id)
                      + (lab.t("cli_activity_replacing", batches=", ".join(map(str, result.replaced)))
                         if result.replaced else ""))
            return 0
        if args.action == "delete":
            activity.delete_activity_batch(con, args.activity_batch_id)
            print(texts().t("cli_activity_deleted", batch_id=args.activity_batch_id))
            return 0
        if args.action == "factors":
            version = activity_factors.load_activity_factors(con)
            cur = con.execute("""select activity_code, activity_name, year, component, ghg_scope, gas, value,
                                        denominator_unit, relative_uncertainty, source_ref, licence
                                 from activity_factor where version = ? and (? is null or activity_code = ?)
                                 order by activity_code, year, denominator_unit, component, gas""",
                              [version, args.code, args.code])
            cols = [d[0] for d in cur.description]
            rows = [dict(zip(cols, r)) for r in cur.fetchall()]
            if args.json:
                print_json({"version": version, "rows": rows})
            else:
                print(f"activity factors {activity_factors.ACTIVITY_FACTOR_SET}@{version}")
                print_table(["code", "year", "component", "scope", "gas", "kg per unit", "unit", "source"],
                            [[r["activity_code"], r["year"], r["component"], r["ghg_scope"], r["gas"],
                              f"{r['value']:.5g}", r["denominator_unit"], r["source_ref"][:60]] for r in rows])
            return 0
        rows = activity.list_activity(con, getattr(args, "year", None))
        if args.json:
            print_json(rows)
        else:
            lab = texts()
            orgs, depts = organisation_names(con), department_names(con)
            cats = {c: {"sv": sv, "en": en} for c, sv, en in con.execute(
                "select category_id, name_sv, name_en from category").fetchall()}
            print_table([lab[f"cli_activity_h_{h}"] for h in ("batch", "file", "row", "org", "year", "account",
                                                              "category", "department", "activity", "quantity",
                                                              "unit")],
                        [[r["activity_batch_id"], r["source_file_name"], r["source_row"],
                          orgs.get(r["organisation_id"]) or r["organisation_id"], r["year"], r["account_prefix"],
                          (cats.get(r["category_id"]) or {}).get(lab.lang) or r["category_id"],
                          department_label(depts, r["organisation_id"], r["department"]), r["activity_code"],
                          fmt_number(r["quantity_as_given"], 1), r["unit_as_given"]] for r in rows])
        return 0
    finally:
        con.close()
