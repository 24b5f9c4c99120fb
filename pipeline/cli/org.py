"""`klimatspend org`: organisations and their engine settings (account map, tail default, group, projects)."""

from __future__ import annotations

from pathlib import Path

from .. import organisations
from ..config import resolve_db_path
from . import add_db_option, print_json
from ._output import print_table, texts


def register(sub) -> None:
    """Add the `org` verb with list/add/set/capital-project."""
    p = sub.add_parser("org", help="list, add or change organisations (account map, group, tail-spend default)",
                       description="Ledgers, users and results belong to an organisation: add each one with "
                                   "`klimatspend org add ID --name NAME` before loading its ledger (an unknown --org "
                                   "is an error, so that a typo creates nothing). Each organisation is computed with "
                                   "its own account map (a municipality Kommun-Bas 13, a municipal company BAS), "
                                   "belongs to a consolidated group through its parent, and may have a default factor "
                                   "for spend that matches no rule.")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print as JSON")
    s = p.add_subparsers(dest="action", metavar="ACTION")
    ls = s.add_parser("list", help="list organisations (default)")
    add_db_option(ls)
    ls.add_argument("--json", action="store_true", help="print as JSON")
    ad = s.add_parser("add", help="register a new organisation")
    ad.add_argument("organisation_id", metavar="ID", help="short id: 1-40 of a-z, digits and _, e.g. alvby_kommun")
    ad.add_argument("--name", required=True, help="display name, e.g. 'Älvby kommun'")
    ad.add_argument("--kind", choices=organisations.ORGANISATION_KINDS, help="default municipality")
    ad.add_argument("--org-number", metavar="NNNNNN-NNNN", help="organisationsnummer (own invoices are internal)")
    ad.add_argument("--parent", metavar="ID", help="parent organisation: the group it belongs to")
    add_db_option(ad)
    ad.add_argument("--json", action="store_true", help="print as JSON")
    st = s.add_parser("set", help="create an organisation or change its settings (only the options given change)")
    st.add_argument("organisation_id", metavar="ID")
    st.add_argument("--name", help="display name, e.g. 'Älvby kommun'")
    st.add_argument("--org-number", metavar="NNNNNN-NNNN", help="organisationsnummer (own invoices are internal)")
    st.add_argument("--kind", choices=organisations.ORGANISATION_KINDS)
    st.add_argument("--parent", metavar="ID", help="parent organisation (the group); '' removes it")
    st.add_argument("--mapping", metavar="MAP[@VERSION]", help="own account map, e.g. bas2025; '' uses the run's")
    st.add_argument("--default-factor", metavar="CODE",
                    help="factor code for tail spend that matches no rule (e.g. 541990); '' removes it")
    st.add_argument("--default-category", choices=organisations.CATEGORIES, help="category of the tail-spend default")
    st.add_argument("--country", metavar="CC",
                    help="country (ISO two letters, e.g. SE, GB): chooses the default factor set (SE: exiobase, "
                         "GB: defra_sic, otherwise useeio); '' removes it")
    st.add_argument("--factors", metavar="SET[@VERSION]",
                    help="factor set this organisation's runs use instead of its country's; '' removes it")
    st.add_argument("--region", metavar="CODE", help="region of a set with regions (e.g. SE); '' removes it")
    add_db_option(st)
    st.add_argument("--json", action="store_true", help="print as JSON")
    cp = s.add_parser("capital-project", help="declare an investment project (its spend is capital goods, scope 3.2)")
    cp.add_argument("organisation_id", metavar="ID")
    cp.add_argument("project", metavar="PROJECT", help="project code, or the start of the codes")
    cp.add_argument("--name", help="project name")
    cp.add_argument("--remove", action="store_true", help="remove the declaration")
    add_db_option(cp)
    cp.add_argument("--json", action="store_true", help="print as JSON")
    dp = s.add_parser("departments", help="name the departments of an organisation (code → name, from a file)",
                      description="Load the department register of an organisation from a CSV or xlsx file with the "
                                  "columns code and name (kod, namn also work), e.g. `1100;Centrum`. Pages, reports "
                                  "and sheets then show 'Centrum (1100)' where the ledger says 1100. Loading again "
                                  "replaces the register. Without FILE: list the register.")
    dp.add_argument("organisation_id", metavar="ID")
    dp.add_argument("file", metavar="FILE", nargs="?", help="CSV or xlsx with code and name")
    add_db_option(dp)
    dp.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """List or change organisations."""
    from .. import store

    con = store.connect(resolve_db_path(args.db))
    try:
        if args.action == "add":
            row = organisations.add_organisation(con, args.organisation_id, name=args.name, kind=args.kind,
                                                 org_number=args.org_number, parent=args.parent)
            if args.json:
                print_json(row)
            else:
                print(f"organisation {row['organisation_id']} added: {row['name']} ({row['kind']})"
                      + (f", part of {row['parent_organisation_id']}" if row["parent_organisation_id"] else ""))
            return 0
        if args.action == "set":
            row = organisations.set_organisation(
                con, args.organisation_id, name=args.name, org_number=args.org_number, kind=args.kind,
                parent=args.parent, mapping=args.mapping, default_factor=args.default_factor,
                default_category=args.default_category, country=args.country, factor_set=args.factors,
                factor_region=args.region)
            if args.json:
                print_json(row)
            else:
                print("  ".join(f"{k}={v}" for k, v in row.items() if v is not None))
            return 0
        if args.action == "departments":
            if args.file:
                rows = organisations.read_department_file(args.file)
                organisations.load_departments(con, args.organisation_id, rows, source=Path(args.file).name)
            else:
                organisations.require_organisation(con, args.organisation_id)
            listed = organisations.list_departments(con, args.organisation_id)
            if args.json:
                print_json(listed)
            else:
                lab = texts()
                if args.file:
                    print(lab.t("cli_departments_loaded", organisation=organisations.organisation_names(con).get(
                        args.organisation_id, args.organisation_id), n=len(listed), file=Path(args.file).name))
                print_table([lab["cli_col_code"], lab["cli_col_name"], lab["cli_col_source"]],
                            [[d["code"], d["name"], d["source"] or ""] for d in listed])
            return 0
        if args.action == "capital-project":
            if args.remove:
                organisations.remove_capital_project(con, args.organisation_id, args.project)
            else:
                organisations.add_capital_project(con, args.organisation_id, args.project, args.name)
            projects = [dict(zip(["organisation_id", "project_prefix", "name"], r)) for r in con.execute(
                "select organisation_id, project_prefix, name from capital_project where organisation_id = ? "
                "order by project_prefix", [args.organisation_id]).fetchall()]
            if args.json:
                print_json(projects)
            else:
                print_table(["org", "project", "name"], [list(p.values()) for p in projects])
            return 0
        rows = organisations.list_organisations(con)
        if args.json:
            print_json(rows)
        else:
            # the id stays: it is what --org ID takes
            lab = texts()
            print_table([lab[f"cli_org_h_{h}"] for h in ("id", "name", "org_number", "kind", "parent", "map",
                                                         "country", "factor_set", "default_factor")],
                        [[r["organisation_id"], r["name"], r["org_number"], lab[f"cli_org_kind_{r['kind']}"]
                          if f"cli_org_kind_{r['kind']}" in lab.keys() else r["kind"], r["parent_organisation_id"],
                          (r["mapping_id"] or lab["cli_org_run_default"])
                          + (f"@{r['mapping_version']}" if r["mapping_version"] else ""), r["country"] or "",
                          (r["factor_set"] or organisations.default_factor_set(r["country"])
                           + " (" + (lab["cli_org_by_country"] if r["country"] else lab["cli_org_by_default"]) + ")")
                          + (f" {r['factor_region']}" if r["factor_region"] else ""),
                          r["default_factor_code"]]
                         for r in rows])
        return 0
    finally:
        con.close()
