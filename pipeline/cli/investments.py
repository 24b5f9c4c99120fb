"""`klimatspend investments`: investment register, green classification, green share, capital-goods emissions,
abatement against the budget gap, green-loan impact and the internal carbon fee."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from ..config import resolve_db_path
from ..errors import UsageError
from ..tables import InputValidationError
from . import add_db_option, print_json
from ..i18n import localised
from ._output import english_or, fmt_number, fmt_percent, print_table, texts


def register(subparsers) -> None:
    """Add `investments` and its sub-commands."""
    parser = subparsers.add_parser(
        "investments", help="green investments: register, green share, capital goods, budget gap, carbon fee",
        description="Link the investment plan to the carbon budget: import a plan, classify projects as green, "
                    "and see green share, capital-goods emissions, avoided emissions against the budget gap, "
                    "green-loan impact and the internal carbon fee (klimatväxling). See docs/investments.md.")
    sub = parser.add_subparsers(dest="investments_command", metavar="COMMAND", parser_class=type(parser))

    p = sub.add_parser("show", help="green share, capital-goods emissions, the budget gap and green loans for a year")
    p.add_argument("--year", type=int, required=True, help="follow-up year (the gap is projected after it)")
    p.add_argument("--budget", metavar="ID", help="organisation budget to compare with (default: the first)")
    p.add_argument("--horizon", type=int, metavar="YEAR", help="last year of the gap projection")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("register", help="the investment register: plan, bookings on project codes, classification")
    p.add_argument("--year", type=int, help="only this year")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_register)

    p = sub.add_parser("check", help="validate an investment plan (CSV or xlsx); nothing stored")
    p.add_argument("file", metavar="PLAN")
    add_db_option(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("import", help="validate and store an investment plan (replaces the stored plan)")
    p.add_argument("file", metavar="PLAN")
    p.add_argument("--by", metavar="NAME", help="who imported it")
    add_db_option(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("template", help="write an empty investment plan with the expected columns")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("classify", help="record a green classification decision for a project (who and when)")
    p.add_argument("project", metavar="PROJECT", help="project code, e.g. 91104")
    p.add_argument("--category", required=True, help="green category id (see `investments taxonomy`) or not_green")
    p.add_argument("--by", required=True, metavar="NAME", help="who decided")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="when it was decided (default: today)")
    p.add_argument("--note", metavar="TEXT", help="rationale")
    add_db_option(p)
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("taxonomy", help="list the green categories with their eligibility text, or load your own")
    p.add_argument("--load", metavar="FILE", help="replace the categories with this file (same columns)")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_taxonomy)

    p = sub.add_parser("fee", help="internal carbon fee (klimatväxling) per department for a year")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--price", type=float, metavar="SEK_PER_KG", help="price in SEK per kg CO2e (default: stored)")
    p.add_argument("--scope", choices=("co2e", "co2"), help="emissions charged (default: stored, else co2e)")
    p.add_argument("--categories", metavar="LIST", help="only these categories, comma-separated, e.g. transport")
    p.add_argument("--fund", metavar="TEXT", help="where the money goes, e.g. 'green investments'")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_fee)

    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _connect(args, create: bool = False):
    from .. import store
    from ..investments import ensure_taxonomy

    con = store.connect(resolve_db_path(args.db), create=create)
    ensure_taxonomy(con)
    return con


def cmd_check(args) -> int:
    """Validate a plan; print every problem, one per line."""
    from .. import store
    from ..investments import plan

    con = store.connect(resolve_db_path(args.db)) if args.db else None
    try:
        ids = {c["category_id"] for c in plan.taxonomy(con)}
        try:
            p = plan.read_plan(args.file, ids)
        except InputValidationError as exc:
            for problem in exc.problems:
                print(f"klimatspend: {problem}", file=sys.stderr)
            print(texts().t("cli_budget_problems", n=len(exc.problems)), file=sys.stderr)
            return 1
    finally:
        if con is not None:
            con.close()
    unclassified = [pid for pid, pr in p.projects.items() if pr["green_category"] is None]
    lab = texts()
    print(lab.t("cli_inv_checked", file=Path(args.file).name, projects=len(p.projects), rows=len(p.years))
          + (lab.t("cli_inv_not_yet_classified", n=len(unclassified), projects=", ".join(unclassified[:5]))
             if unclassified else ""))
    return 0


def cmd_import(args) -> int:
    """Validate and store a plan."""
    from ..investments import plan

    con = _connect(args, create=True)
    try:
        ids = {c["category_id"] for c in plan.taxonomy(con)}
        counts = plan.save_plan(con, plan.read_plan(args.file, ids), imported_by=args.by)
    finally:
        con.close()
    print(texts().t("cli_inv_imported", file=Path(args.file).name, projects=counts["projects"], rows=counts["rows"],
                    classified=counts["classified"], unclassified=counts["unclassified"]))
    return 0


def cmd_template(args) -> int:
    """Write an empty plan."""
    from ..investments import plan

    path = Path(args.file)
    if path.exists():
        raise UsageError(f"{path}: exists; choose a new file name")
    plan.write_plan_template(path)
    print(texts().t("cli_inv_template", file=path))
    return 0


def cmd_classify(args) -> int:
    """Record a classification decision."""
    from ..investments import plan

    try:
        when = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise UsageError(f"--date {args.date}: give a date as YYYY-MM-DD") from None
    con = _connect(args)
    try:
        d = plan.classify(con, args.project, args.category, args.by, when, args.note)
        names = _names(con)
    finally:
        con.close()
    lab = texts()
    # English keeps the category id typed with --category (scripts read this line); Swedish names it
    print(lab.t("cli_inv_classified", project=d["project_id"], by=d["decided_by"], on=d["decided_at"],
                category=english_or(d["green_category"], "cli_inv_category_word",
                                    word=_green(lab, names, d["green_category"]))))
    return 0


def cmd_taxonomy(args) -> int:
    """List or load green categories."""
    from ..investments import plan

    con = _connect(args, create=True)
    try:
        if args.load:
            n = plan.load_taxonomy(con, Path(args.load))
            print(texts().t("cli_inv_taxonomy_loaded", file=Path(args.load).name, n=n))
            return 0
        cats = plan.taxonomy(con)
    finally:
        con.close()
    if args.json:
        print_json(cats)
        return 0
    # the ids stay: they are what `investments classify --category ID` takes
    lab = texts()
    for c in cats:
        print(f"{c['category_id']}: {c['name_' + lab.lang]}")
        print(f"    {c['eligibility_' + lab.lang]}")
    print(f"{plan.NOT_GREEN}: {lab['cli_inv_not_green_decision']}")
    return 0


def _names(con) -> dict:
    """Return the names a reader sees: organisations, departments, green and reporting categories ({id: {sv, en}})."""
    from ..investments import plan
    from ..organisations import department_names, organisation_names

    return {"org": organisation_names(con), "dept": department_names(con),
            "green": {c["category_id"]: {"sv": c.get("name_sv"), "en": c.get("name_en")} for c in plan.taxonomy(con)},
            "category": {c: {"sv": sv, "en": en} for c, sv, en in con.execute(
                "select category_id, name_sv, name_en from category").fetchall()}}


def _department(names: dict, r: dict) -> str:
    from ..organisations import department_label

    return department_label(names["dept"], r.get("organisation_id"), r.get("department")) or "-"


def _green(lab, names: dict, code: str | None) -> str:
    """Return a green category by name in the CLI's language; 'not green' and 'not classified' as words."""
    if not code:
        return lab["cli_inv_unclassified"]
    if code == "not_green":
        return lab["cli_inv_not_green"]
    return (names["green"].get(code) or {}).get(lab.lang) or code


def cmd_register(args) -> int:
    """Print the investment register."""
    from ..investments import outputs

    con = _connect(args)
    try:
        reg = outputs.register(con, args.year)
        names = _names(con)
    finally:
        con.close()
    if args.json:
        print_json(reg)
        return 0
    lab = texts()
    unit = lab["unit_sek"]
    print_table([lab["cli_budget_h_year"], lab["cli_inv_h_project"], lab["cli_budget_h_name"], lab["cli_h_department"],
                 lab.t("cli_inv_h_planned", unit=unit), lab.t("cli_inv_h_booked", unit=unit),
                 lab["cli_inv_h_capital_goods_t"], lab["cli_inv_h_green"], lab["cli_inv_h_decided_by"]],
                [[r["year"], r["project_id"] or "-", r["name"][:40], _department(names, r),
                  fmt_number(r["planned_sek"]), fmt_number(r["booked_sek"]), fmt_number(r["capital_goods_t_co2e"], 1),
                  _green(lab, names, r["green_category"]), f"{r['decided_by']} {r['decided_at']}" if r["decided_by"]
                  else "-"] for r in reg], align="llllrrrll")
    return 0


def cmd_show(args) -> int:
    """Print green share, capital goods, the budget gap and green loans."""
    from ..investments import summary

    con = _connect(args)
    try:
        s = summary(con, args.year, budget_id=args.budget, horizon_year=args.horizon)
        names = _names(con)
    finally:
        con.close()
    if args.json:
        print_json(s)
        return 0
    print_summary(s, names)
    return 0


def print_summary(s: dict, names: dict | None = None) -> None:
    """Print the investment summary as text tables in the CLI's language (money in MSEK/mnkr)."""
    lab = texts()
    names = names or {"org": {}, "dept": {}, "green": {}, "category": {}}
    m = lab["unit_msek"]
    gs = s["green_share"]
    print(lab["cli_inv_green_share"])
    print_table([lab["cli_budget_h_year"], lab.t("cli_inv_h_planned", unit=m), lab.t("cli_inv_h_green_money", unit=m),
                 lab["cli_inv_h_green_share"], lab["cli_inv_h_unclassified"], lab.t("cli_inv_h_booked", unit=m),
                 lab["cli_inv_h_booked_green"]],
                [[r["year"], fmt_number(r["planned_sek"] / 1e6, 1), fmt_number(r["planned_green_sek"] / 1e6, 1),
                  fmt_percent(r["planned_green_share"]), fmt_percent(r["planned_unclassified_share"]),
                  fmt_number(r["booked_sek"] / 1e6, 1), fmt_percent(r["booked_green_share"])]
                 for r in gs["by_year"]], align="lrrrrrr")
    if gs["unclassified_projects"]:
        print(lab.t("cli_inv_to_classify", projects=", ".join(gs["unclassified_projects"])))
    year_rows = [r for r in gs["by_department"] if r["year"] == s["year"]]
    if year_rows:
        print(lab.t("cli_inv_per_department", year=s["year"]))
        print_table([lab["cli_h_department"], lab.t("cli_inv_h_planned", unit=m), lab["cli_inv_h_green_share"],
                     lab.t("cli_inv_h_booked", unit=m), lab["cli_inv_h_booked_green"]],
                    [[_department(names, r), fmt_number(r["planned_sek"] / 1e6, 1),
                      fmt_percent(r["planned_green_share"]), fmt_number(r["booked_sek"] / 1e6, 1),
                      fmt_percent(r["booked_green_share"])] for r in year_rows],
                    align="lrrrr")
    cg = s["capital_goods"]
    print()
    print(lab["cli_inv_capital_goods"])
    print_table([lab["cli_budget_h_year"], lab["cli_inv_h_booked_t"], lab["cli_inv_h_estimated_t"]],
                [[r["year"], fmt_number(r["booked_t_co2e"], 1), fmt_number(r["estimated_t_co2e"], 1)]
                 for r in cg["by_year"]], align="lrr")
    if cg["intensity_kg_co2e_per_sek"]:
        print(lab.t("cli_inv_intensity", year=cg["intensity_year"], values=", ".join(
            f"{lab['cli_fee_all_categories'] if k == 'all' else (names['category'].get(k) or {}).get(lab.lang) or k} "
            f"{fmt_number(v * 1000, 1)} kg/{lab['unit_tsek']}"
            for k, v in cg["intensity_kg_co2e_per_sek"].items())))
    g = s["gap"]
    if g:
        print()
        print(lab.t("cli_inv_gap", name=localised(g, "name", lab.lang), unit=g["unit"]))
        print_table([lab[f"cli_inv_h_{h}"] for h in ("year", "trend", "budget", "gap", "avoid", "remaining_gap",
                                                      "with_measures")],
                    [[r["year"], fmt_number(r["trend_t"]), fmt_number(r["budget_t"]), fmt_number(r["gap_t"]),
                      fmt_number(r["abatement_t"]), fmt_number(r["remaining_gap_t"]),
                      fmt_number(r["remaining_gap_with_measures_t"])] for r in g["rows"]], align="lrrrrrr")
        print((lab.t("cli_inv_closes", year=g["closes_from"]) if g["closes_from"] else
               lab.t("cli_inv_does_not_close", year=g["horizon_year"]))
              + (lab.t("cli_inv_closes_with_measures", year=g["closes_from_with_measures"])
                 if g["closes_from_with_measures"] and g["closes_from_with_measures"] != g["closes_from"] else ""))
    gl = s["green_loans"]
    if gl["projects"]:
        print()
        print(lab["cli_inv_green_loans"])
        print_table([lab["cli_inv_h_project"], lab["cli_inv_h_green_category"], lab.t("cli_inv_h_amount", unit=m),
                     lab.t("cli_inv_h_green_loan", unit=m), lab["cli_budget_h_share"], lab["cli_inv_h_t_per_year"],
                     lab["cli_inv_h_attributed"], lab.t("cli_inv_h_t_per_m", unit=m)],
                    [[f"{p['project_id']} {p['name'][:30]}",
                      localised(p, "green_category", lab.lang) or _green(lab, names, p["green_category"]),
                      fmt_number(p["amount_sek"] / 1e6, 1), fmt_number(p["green_loan_sek"] / 1e6, 1),
                      fmt_percent(p["financed_share"]), fmt_number(p["expected_reduction_t_per_year"], 1),
                      fmt_number(p["attributed_reduction_t_per_year"], 1), fmt_number(p["t_co2e_per_msek_financed"], 2)]
                     for p in gl["projects"]], align="llrrrrrr")
        print(lab.t("cli_inv_green_loans_total", total=fmt_number(gl["total_green_loan_sek"] / 1e6, 1), unit=m,
                    t=fmt_number(gl["total_attributed_reduction_t_per_year"], 1),
                    per=fmt_number(gl["t_co2e_per_msek_financed"], 2)))


def cmd_fee(args) -> int:
    """Print the internal carbon fee per department."""
    from ..investments import outputs

    cats = [c.strip() for c in args.categories.split(",") if c.strip()] if args.categories else None
    con = _connect(args)
    try:
        f = outputs.carbon_fee(con, args.year, price=args.price, scope=args.scope, categories=cats, fund=args.fund)
        names = _names(con)
    finally:
        con.close()
    if args.json:
        print_json(f)
        return 0
    lab = texts()
    what = (lab.t("cli_fee_categories", categories=", ".join(f["categories"])) if f["categories"]
            else lab["cli_fee_all_categories"])
    print(lab.t("cli_fee_heading", year=args.year, price=fmt_number(f["price_sek_per_kg_co2e"], 2), unit=lab["unit_sek"],
                gas="CO2e" if f["scope"] == "co2e" else "CO2", what=what))
    print_table([lab["cli_h_organisation"], lab["cli_h_department"], lab["cli_fee_h_charged"],
                 lab.t("cli_fee_h_fee", unit=lab["unit_sek"])],
                [[names["org"].get(r["organisation_id"]) or r["organisation_id"], _department(names, r),
                  fmt_number(r["emissions_kg"] / 1000, 1), fmt_number(r["fee_sek"])]
                 for r in sorted(f["departments"], key=lambda r: -r["fee_sek"])] +
                [[lab["cli_total"], "", fmt_number(f["total_emissions_kg"] / 1000, 1), fmt_number(f["total_fee_sek"])]],
                align="llrr")
    if f["fund"]:
        print(lab.t("cli_fee_fund", fund=f["fund"]))
    if f["share_of_next_year_green_investments"] is not None:
        print(lab.t("cli_fee_pays", share=fmt_percent(f["share_of_next_year_green_investments"]), year=args.year + 1,
                    amount=fmt_number(f["green_investments_next_year_sek"] / 1e6, 1), unit=lab["unit_msek"]))
    return 0
