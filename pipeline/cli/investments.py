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
from ._output import fmt_number, fmt_percent, print_table


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
    p.add_argument("--lang", choices=("sv", "en"), default="en")
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
            print(f"klimatspend: {len(exc.problems)} problem(s); nothing stored", file=sys.stderr)
            return 1
    finally:
        if con is not None:
            con.close()
    unclassified = [pid for pid, pr in p.projects.items() if pr["green_category"] is None]
    print(f"{Path(args.file).name}: {len(p.projects)} project(s), {len(p.years)} row(s); valid"
          + (f"; {len(unclassified)} not yet classified ({', '.join(unclassified[:5])})" if unclassified else ""))
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
    print(f"{Path(args.file).name}: {counts['projects']} project(s), {counts['rows']} row(s) imported; "
          f"{counts['classified']} classified, {counts['unclassified']} to classify "
          "(`klimatspend investments classify PROJECT --category ID --by NAME`)")
    return 0


def cmd_template(args) -> int:
    """Write an empty plan."""
    from ..investments import plan

    path = Path(args.file)
    if path.exists():
        raise UsageError(f"{path}: exists; choose a new file name")
    plan.write_plan_template(path)
    print(f"wrote {path} with the columns of an investment plan (see docs/investments.md)")
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
    finally:
        con.close()
    print(f"project {d['project_id']}: {d['green_category']} (decided by {d['decided_by']} on {d['decided_at']})")
    return 0


def cmd_taxonomy(args) -> int:
    """List or load green categories."""
    from ..investments import plan

    con = _connect(args, create=True)
    try:
        if args.load:
            n = plan.load_taxonomy(con, Path(args.load))
            print(f"{Path(args.load).name}: {n} green categories loaded")
            return 0
        cats = plan.taxonomy(con)
    finally:
        con.close()
    if args.json:
        print_json(cats)
        return 0
    for c in cats:
        print(f"{c['category_id']}: {c['name_' + args.lang]}")
        print(f"    {c['eligibility_' + args.lang]}")
    print(f"{plan.NOT_GREEN}: {'inte grön (ett beslut, inte en lucka)' if args.lang == 'sv' else 'not green (a decision, not a gap)'}")
    return 0


def cmd_register(args) -> int:
    """Print the investment register."""
    from ..investments import outputs

    con = _connect(args)
    try:
        reg = outputs.register(con, args.year)
    finally:
        con.close()
    if args.json:
        print_json(reg)
        return 0
    print_table(["year", "project", "name", "department", "planned SEK", "booked SEK", "capital goods t", "green",
                 "decided by"],
                [[r["year"], r["project_id"] or "-", r["name"][:40], r["department"] or "-",
                  fmt_number(r["planned_sek"]), fmt_number(r["booked_sek"]), fmt_number(r["capital_goods_t_co2e"], 1),
                  r["green_category"] or "UNCLASSIFIED", f"{r['decided_by']} {r['decided_at']}" if r["decided_by"]
                  else "-"] for r in reg], align="llllrrrll")
    return 0


def cmd_show(args) -> int:
    """Print green share, capital goods, the budget gap and green loans."""
    from ..investments import summary

    con = _connect(args)
    try:
        s = summary(con, args.year, budget_id=args.budget, horizon_year=args.horizon)
    finally:
        con.close()
    if args.json:
        print_json(s)
        return 0
    print_summary(s)
    return 0


def print_summary(s: dict) -> None:
    """Print the investment summary as text tables."""
    gs = s["green_share"]
    print("== green share of investments (planned and booked on project codes)")
    print_table(["year", "planned MSEK", "green MSEK", "green share", "unclassified", "booked MSEK", "booked green"],
                [[r["year"], fmt_number(r["planned_sek"] / 1e6, 1), fmt_number(r["planned_green_sek"] / 1e6, 1),
                  fmt_percent(r["planned_green_share"]), fmt_percent(r["planned_unclassified_share"]),
                  fmt_number(r["booked_sek"] / 1e6, 1), fmt_percent(r["booked_green_share"])]
                 for r in gs["by_year"]], align="lrrrrrr")
    if gs["unclassified_projects"]:
        print(f"to classify: {', '.join(gs['unclassified_projects'])} "
              "(`klimatspend investments classify PROJECT --category ID --by NAME`)")
    year_rows = [r for r in gs["by_department"] if r["year"] == s["year"]]
    if year_rows:
        print(f"-- per department {s['year']}")
        print_table(["department", "planned MSEK", "green share", "booked MSEK", "booked green"],
                    [[r["department"] or "-", fmt_number(r["planned_sek"] / 1e6, 1), fmt_percent(r["planned_green_share"]),
                      fmt_number(r["booked_sek"] / 1e6, 1), fmt_percent(r["booked_green_share"])] for r in year_rows],
                    align="lrrrr")
    cg = s["capital_goods"]
    print()
    print("== capital goods (scope 3 category 2) emissions of investment spend")
    print_table(["year", "booked t CO2e", "estimated t CO2e"],
                [[r["year"], fmt_number(r["booked_t_co2e"], 1), fmt_number(r["estimated_t_co2e"], 1)]
                 for r in cg["by_year"]], align="lrr")
    if cg["intensity_kg_co2e_per_sek"]:
        print(f"estimates use the {cg['intensity_year']} capital-goods intensity: "
              + ", ".join(f"{k} {v * 1000:.1f} kg/kSEK" for k, v in cg["intensity_kg_co2e_per_sek"].items()))
    g = s["gap"]
    if g:
        print()
        print(f"== avoided emissions against the budget gap ({g['name']}, {g['unit']})")
        print_table(["year", "trend", "budget", "gap", "investments avoid", "remaining gap", "with measures"],
                    [[r["year"], fmt_number(r["trend_t"]), fmt_number(r["budget_t"]), fmt_number(r["gap_t"]),
                      fmt_number(r["abatement_t"]), fmt_number(r["remaining_gap_t"]),
                      fmt_number(r["remaining_gap_with_measures_t"])] for r in g["rows"]], align="lrrrrrr")
        print(f"the investment plan {'closes the gap from ' + str(g['closes_from']) if g['closes_from'] else 'does not close the gap by ' + str(g['horizon_year'])}"
              + (f"; with the measures from {g['closes_from_with_measures']}" if g["closes_from_with_measures"]
                 and g["closes_from_with_measures"] != g["closes_from"] else ""))
    gl = s["green_loans"]
    if gl["projects"]:
        print()
        print("== green-loan financed projects (impact report)")
        print_table(["project", "green category", "amount MSEK", "green loan MSEK", "share", "t CO2e/yr",
                     "attributed t/yr", "t per MSEK"],
                    [[f"{p['project_id']} {p['name'][:30]}", p["green_category_en"] or p["green_category"],
                      fmt_number(p["amount_sek"] / 1e6, 1), fmt_number(p["green_loan_sek"] / 1e6, 1),
                      fmt_percent(p["financed_share"]), fmt_number(p["expected_reduction_t_per_year"], 1),
                      fmt_number(p["attributed_reduction_t_per_year"], 1), fmt_number(p["t_co2e_per_msek_financed"], 2)]
                     for p in gl["projects"]], align="llrrrrrr")
        print(f"total green loans {fmt_number(gl['total_green_loan_sek'] / 1e6, 1)} MSEK; attributed avoided "
              f"emissions {fmt_number(gl['total_attributed_reduction_t_per_year'], 1)} t CO2e a year "
              f"({fmt_number(gl['t_co2e_per_msek_financed'], 2)} t per MSEK)")


def cmd_fee(args) -> int:
    """Print the internal carbon fee per department."""
    from ..investments import outputs

    cats = [c.strip() for c in args.categories.split(",") if c.strip()] if args.categories else None
    con = _connect(args)
    try:
        f = outputs.carbon_fee(con, args.year, price=args.price, scope=args.scope, categories=cats, fund=args.fund)
    finally:
        con.close()
    if args.json:
        print_json(f)
        return 0
    what = f"categories {', '.join(f['categories'])}" if f["categories"] else "all categories"
    print(f"internal carbon fee {args.year}: {f['price_sek_per_kg_co2e']:g} SEK per kg {'CO2e' if f['scope'] == 'co2e' else 'CO2'} "
          f"({what})")
    print_table(["organisation", "department", "t charged", "fee SEK"],
                [[r["organisation_id"], r["department"], fmt_number(r["emissions_kg"] / 1000, 1),
                  fmt_number(r["fee_sek"])] for r in sorted(f["departments"], key=lambda r: -r["fee_sek"])] +
                [["total", "", fmt_number(f["total_emissions_kg"] / 1000, 1), fmt_number(f["total_fee_sek"])]],
                align="llrr")
    if f["fund"]:
        print(f"the fund goes to: {f['fund']}")
    if f["share_of_next_year_green_investments"] is not None:
        print(f"it would pay {fmt_percent(f['share_of_next_year_green_investments'])} of the green investments "
              f"planned for {args.year + 1} ({fmt_number(f['green_investments_next_year_sek'] / 1e6, 1)} MSEK)")
    return 0
