"""`klimatspend budget`: define, import and follow up carbon budgets (koldioxidbudget); print paths and territorial budgets."""

from __future__ import annotations

import csv
from pathlib import Path

from ..tables import InputValidationError
from ..config import resolve_db_path
from ..errors import UsageError
from ..i18n import localised
from ..numbers import fmt_runs_out, parse_number
from . import add_db_option, print_json
from ._output import fmt_number, fmt_percent, language, print_table, texts


def register(subparsers) -> None:
    """Add `budget` and its sub-commands."""
    parser = subparsers.add_parser(
        "budget", help="carbon budget: paths, import definitions, yearly follow-up, territorial budgets",
        description="Carbon budget (koldioxidbudget) follow-up. Define budgets in a TOML file "
                    "(see docs/budget.md), import it, then follow up a year.")
    sub = parser.add_subparsers(dest="budget_command", metavar="COMMAND", parser_class=type(parser))

    p = sub.add_parser("show", help="follow up a year: budget, actual, remaining, runs-out date, verdict",
                       description="Follow up every imported budget in a year: per year and department, the group "
                                   "view, measures as a scenario and the three perspectives side by side.")
    p.add_argument("--year", type=int, required=True, help="the follow-up year, e.g. 2025")
    p.add_argument("--budget", metavar="ID", help="only this budget")
    p.add_argument("--horizon", type=int, metavar="YEAR", help="last year of projections (default 2030 or year+5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("path", help="print a budget path year by year (Paris, rate-based or linear)",
                       description="Print a path so anyone can see what a budget means. Paris path: --total T "
                                   "--start-year Y --start-emissions E0. Rate-based: --rate R --base-year Y "
                                   "--base-emissions E. Linear: --zero-year Z --start-year Y --start-emissions E0.")
    p.add_argument("--total", type=float, metavar="T", help="total budget in tonnes (Paris path)")
    p.add_argument("--start-year", type=int, metavar="Y")
    p.add_argument("--start-emissions", type=float, metavar="E0", help="emissions in the start year, t/yr")
    p.add_argument("--rate", metavar="R", help="yearly reduction, 0.16 or 16%% (rate-based path)")
    p.add_argument("--base-year", type=int, metavar="Y")
    p.add_argument("--base-emissions", type=float, metavar="E", help="emissions in the base year, t")
    p.add_argument("--zero-year", type=int, metavar="Z", help="year emissions reach zero (linear path)")
    p.add_argument("--to-year", type=int, default=2050, metavar="Y", help="last year printed (default 2050)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_path)

    p = sub.add_parser("territorial", help="a municipality's geographic budget and path (shipped data)",
                       description="Print a Swedish municipality's territorial CO2 budget from 2024 and its Paris "
                                   "path (Klimatkollen data, MIT licence; budgets from CEMUS/Uppsala University). "
                                   "Names match case- and accent-insensitively: Boras finds Borås.")
    p.add_argument("kommun", metavar="KOMMUN", help="municipality name, e.g. Borås")
    p.add_argument("--to-year", type=int, default=2035, metavar="Y", help="last year printed (default 2035)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_territorial)

    p = sub.add_parser("check", help="validate a definition file and the tables it names (nothing stored)")
    p.add_argument("file", metavar="FILE", help="definition file, e.g. budget.toml")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("import", help="validate a definition file and store it (replaces the stored definitions)")
    p.add_argument("file", metavar="FILE", help="definition file, e.g. budget.toml")
    p.add_argument("--by", metavar="NAME", help="who imported it (kept with the definition)")
    add_db_option(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write the stored definitions back as budget.toml and its tables")
    p.add_argument("--out", metavar="DIR", help="directory to write into (default: print the TOML on stdout)")
    add_db_option(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("list", help="list the stored budget definitions")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_list)

    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


# --- path ----------------------------------------------------------------------------------------

def parse_rate(text: str) -> float:
    """Parse a reduction rate given as 0.16, 0,16, 16% or "16 %" to a share; raise UsageError otherwise."""
    try:
        value = parse_number(text, percent=True)
        return value / 100 if text.strip().endswith("%") else value
    except ValueError:
        raise UsageError(f"--rate {text}: give the yearly reduction as 0.16 or 16%") from None


def build_cli_path(args) -> paths.BudgetPath:
    """Return the path the `budget path` options describe; UsageError names what is missing."""
    from ..budget import paths

    try:
        if args.rate is not None:
            _need(args, ("base_year", "base_emissions"), "a rate-based path")
            return paths.rate_path(args.base_emissions, parse_rate(args.rate), args.base_year)
        if args.zero_year is not None:
            _need(args, ("start_year", "start_emissions"), "a linear path")
            return paths.linear_path(args.start_emissions, args.start_year, args.zero_year)
        if args.total is not None:
            _need(args, ("start_year", "start_emissions"), "a Paris path")
            return paths.paris_path(args.total, args.start_year, args.start_emissions)
    except paths.PathError as exc:
        raise UsageError(f"klimatspend budget path: {exc}") from None
    raise UsageError("klimatspend budget path: give --total T --start-year Y --start-emissions E0 (Paris path), "
                     "--rate R --base-year Y --base-emissions E (rate-based) or --zero-year Z --start-year Y "
                     "--start-emissions E0 (linear)")


def _need(args, names, what):
    missing = [f"--{n.replace('_', '-')}" for n in names if getattr(args, n) is None]
    if missing:
        raise UsageError(f"klimatspend budget path: {what} also needs {' and '.join(missing)}")


def cmd_path(args) -> int:
    """Print a budget path: year, yearly budget, cumulative and remaining (and E(t) for a Paris path)."""
    path = build_cli_path(args)
    if args.to_year < path.start_year:
        raise UsageError(f"--to-year {args.to_year}: must not be before the start year {path.start_year}")
    rows = path.table(args.to_year)
    info = {"method": path.method, "start_year": path.start_year, "total_t": path.total_from_t(path.start_year),
            "implied_yearly_reduction": path.implied_rate(), "k_per_year": path.k, "describe": path.describe(),
            "rows": rows}
    if args.json:
        print_json(info)
        return 0
    lab = texts()
    print(localised(path.describe(), "", lab.lang))
    headers = [lab["cli_budget_h_year"], lab["cli_budget_h_budget"], lab["cli_budget_h_cum_budget"],
               lab["cli_budget_h_remaining"]]
    if path.method == "paris":
        headers.insert(1, lab["cli_budget_h_rate"])
    table = []
    for r in rows:
        line = [r["year"], fmt_number(r["budget_t"], 1), fmt_number(r["cumulative_t"], 1),
                fmt_number(r["remaining_t"], 1)]
        if path.method == "paris":
            line.insert(1, fmt_number(r["rate_t_per_year"], 1))
        table.append(line)
    print_table(headers, table, align="l" + "r" * (len(headers) - 1))
    total = path.total_from_t(path.start_year)
    print(lab.t("cli_budget_path_total", total=fmt_number(total, 1), year=path.start_year)
          + (lab.t("cli_budget_path_implied", rate=fmt_percent(path.implied_rate())) if path.implied_rate() else ""))
    if path.method == "paris":
        print(lab["cli_budget_path_paris_note"])
    return 0


# --- territorial -----------------------------------------------------------------------------------

def cmd_territorial(args) -> int:
    """Print a municipality's territorial budget, path and history."""
    from ..budget import territorial

    s = territorial.territorial_summary(args.kommun, to_year=args.to_year)
    if args.json:
        print_json(s)
        return 0
    lab = texts()
    kk = s["klimatkollen"]
    print(lab.t("cli_territorial_budget", kommun=s["kommun"], lan=s["lan"], budget=fmt_number(s["budget_t_co2"]),
                year=s["budget_start_year"]))
    print(lab.t("cli_territorial_paris", e0=fmt_number(s["start_emissions_t_co2_per_year"]),
                k=fmt_number(s["k_per_year"], 4), rate=fmt_percent(s["implied_yearly_reduction"])))
    # Klimatkollen publishes a day; the trend behind it does not know the day, so people read month and year
    runs = _when(kk["budget_runs_out"]) or lab["cli_budget_never_within"]
    print(lab.t("cli_territorial_klimatkollen", when=runs, needed=fmt_number(kk["needed_reduction_pct"], 1),
                change=fmt_number(kk["historical_change_pct"], 1)))
    measured = s["measured_t_co2"]
    recent = [y for y in sorted(measured) if y >= 2015]
    print(lab.t("cli_territorial_measured", values=", ".join(f"{y} {fmt_number(measured[y])}" for y in recent)))
    print(lab.t("cli_territorial_residents", year=s["residents_consumption_year"],
                kg=fmt_number(s["residents_consumption_kg_co2e_per_person"])))
    print_table([lab["cli_budget_h_year"], lab["cli_budget_h_rate"], lab["cli_budget_h_budget"],
                 lab["cli_budget_h_cum_budget"], lab["cli_budget_h_remaining"]],
                [[r["year"], fmt_number(r["rate_t_per_year"]), fmt_number(r["budget_t"]),
                  fmt_number(r["cumulative_t"]), fmt_number(r["remaining_t"])] for r in s["path"]], align="lrrrr")
    print(lab.t("cli_territorial_source", source=s["source"]))
    return 0


# --- check / import / export / list ---------------------------------------------------------------

def cmd_check(args) -> int:
    """Validate a definition file; print every problem, one per line."""
    from ..budget import definitions

    try:
        defn = definitions.load_definition(args.file)
    except InputValidationError as exc:
        for p in exc.problems:
            print(f"klimatspend: {p}", file=_stderr())
        print(texts().t("cli_budget_problems", n=len(exc.problems)), file=_stderr())
        return 1
    print(_summary_line(defn, Path(args.file).name) + texts()["cli_budget_valid"])
    return 0


def _stderr():
    import sys

    return sys.stderr


def _summary_line(defn: definitions.Definition, name: str) -> str:
    """Return what a definition file holds, in the CLI's language."""
    from ..budget import definitions

    lab = texts()
    return (lab.t("cli_budget_summary", file=name, budgets=len(defn.budgets),
                  ids=", ".join(b.budget_id for b in defn.budgets), measures=len(defn.measures),
                  allocation=len(defn.allocation_basis), own=len(defn.own_emissions), residents=len(defn.residents))
            + (lab.t("cli_budget_summary_fee", price=fmt_number(defn.carbon_fee.price_sek_per_kg_co2e, 2),
                     unit=lab["unit_sek"]) if defn.carbon_fee else ""))


def cmd_import(args) -> int:
    """Validate and store a definition file."""
    from .. import store
    from ..budget import definitions, store as budget_store

    defn = definitions.load_definition(args.file)
    con = store.connect(resolve_db_path(args.db))
    try:
        budget_store.save_definition(con, defn, source_file=Path(args.file).name, imported_by=args.by)
    finally:
        con.close()
    print(_summary_line(defn, Path(args.file).name) + texts()["cli_budget_imported"])
    return 0


def cmd_export(args) -> int:
    """Write the stored definitions as TOML (and the input tables as CSV with --out)."""
    from .. import store
    from ..budget import definitions, store as budget_store

    con = store.connect(resolve_db_path(args.db), create=False)
    try:
        defn = budget_store.stored_definition(con)
    finally:
        con.close()
    if defn is None:
        raise UsageError("no carbon budget is stored; import one with `klimatspend budget import budget.toml`")
    if not args.out:
        print(definitions.dump_definition(defn, files={}), end="")
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    tables = {"allocation_basis": (defn.allocation_basis, ["organisation", "department", "employees", "budget_sek",
                                                           "weight"]),
              "measures": (defn.measures, ["measure_id", "name", "budget", "organisation", "department", "start_year",
                                           "end_year", "reduction_t_per_year", "cost_sek", "yearly_cost_sek",
                                           "lifetime_years", "status", "notes"]),
              "own_emissions": (defn.own_emissions, ["organisation", "department", "year", "emissions_t_co2e",
                                                     "emissions_t_co2", "source", "notes"]),
              "residents": (defn.residents, ["year", "emissions_t_co2e", "population", "kg_co2e_per_person",
                                             "source"])}
    for kind, (rows, columns) in tables.items():
        if not rows:
            continue
        name = f"{kind}.csv"
        with (out / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        files[kind] = name
    (out / "budget.toml").write_text(definitions.dump_definition(defn, files=files), encoding="utf-8")
    print(texts().t("cli_budget_wrote", file=out / "budget.toml")
          + (texts().t("cli_budget_wrote_and", files=", ".join(files.values())) if files else ""))
    return 0


def cmd_list(args) -> int:
    """List the stored budgets."""
    from .. import store
    from ..budget import store as budget_store

    con = store.connect(resolve_db_path(args.db), create=False)
    try:
        defn = budget_store.stored_definition(con)
    finally:
        con.close()
    budgets = defn.budgets if defn else []
    if args.json:
        print_json([b.as_toml_table() for b in budgets])
        return 0
    lab = texts()
    if not budgets:
        print(lab["cli_budget_none"])
        return 0
    # the id stays: it is what --budget ID takes
    print_table([lab["cli_budget_h_id"], lab["cli_budget_h_name"], lab["cli_budget_h_perspective"],
                 lab["cli_budget_h_scope"], lab["cli_budget_h_method"], lab["cli_budget_h_allocation"]],
                [[b.budget_id, localised({"name": b.name, "name_en": b.name_en}, "name", lab.lang),
                  lab.text(f"perspective_{b.perspective}"), "CO2e" if b.scope == "co2e" else "CO2",
                  lab.text(f"cli_budget_method_{b.method}"),
                  lab.text(f"cli_allocation_{b.allocation_method}") if b.allocate_to != "none" else "-"]
                 for b in budgets])
    return 0


# --- show ------------------------------------------------------------------------------------------

def cmd_show(args) -> int:
    """Follow up the stored budgets in a year."""
    from .. import store
    from ..budget import overview
    from ..organisations import department_names, organisation_names

    con = store.connect(resolve_db_path(args.db), create=False)
    try:
        result = overview.budget_overview(con, args.year, budget_id=args.budget, horizon_year=args.horizon)
        names = {"org": organisation_names(con), "dept": department_names(con)}
    finally:
        con.close()
    if args.json:
        print_json(overview.public(result))
        return 0
    print_overview(result, names)
    return 0


def print_overview(result: dict, names: dict | None = None) -> None:
    """Print the follow-up of a year as text tables in the CLI's language (verdicts, statuses and perspectives as
    words; organisations and departments by name from `names` {"org": {id: name}, "dept": {(org, code): name}})."""
    from ..organisations import department_label

    lab = texts()
    lang = lab.lang
    names = names or {"org": {}, "dept": {}}
    year = result["year"]

    def unit_name(d: dict) -> str:
        org = names["org"].get(d.get("organisation_id")) or d.get("organisation_id") or "-"
        return department_label(names["dept"], d.get("organisation_id"), d.get("department")) or org

    def perspective(code: str) -> str:
        return lab.text(f"perspective_{code}") if f"perspective_{code}" in lab.keys() else code

    for b in result["budgets"]:
        print()
        name = localised(b, "name", lang)
        if "error" in b:
            print(lab.t("cli_budget_not_followed", name=name, budget_id=b["budget_id"],
                        perspective=perspective(b["perspective"])))
            print(f"   {b['error']}")
            continue
        fu = b["follow_up"]
        desc = b["path"].get("describe") or {}
        print(f"== {name} [{b['budget_id']}] — {perspective(b['perspective'])}, {b['unit']}: "
              f"{localised(desc, '', lang) or b['method']}")
        for w in b["warnings"]:
            print(lab.t("cli_budget_note", note=localised(w, "", lang)))
        if fu is None:
            print(lab.t("cli_budget_no_follow_up", warning=localised(b["warnings"][-1], "", lang),
                        actual=fmt_number(b["latest_actual_t"]), year=b["follow_up_year"],
                        when=_when(b.get("runs_out_date_on_trend")) or lab["cli_budget_never"]))
        kk = b.get("klimatkollen")
        if kk:
            print(lab.t("cli_budget_klimatkollen", when=_when(kk["budget_runs_out"]) or lab["cli_budget_never_within"],
                        needed=fmt_number(kk["needed_reduction_pct"], 1)))
        if fu is None:
            continue
        print_table([lab[f"cli_budget_h_{h}"] for h in ("year", "budget", "actual", "deviation", "cum_actual",
                                                        "cum_budget", "remaining")],
                    [[r["year"], fmt_number(r["budget_t"]), fmt_number(r["actual_t"]),
                      fmt_number(r["deviation_t"], signed=True),
                      fmt_number(r["cumulative_actual_t"]), fmt_number(r["cumulative_budget_t"]),
                      fmt_number(r["remaining_t"])] for r in fu["rows"]], align="lrrrrrr")
        _print_status(fu, b["unit"])
        if b.get("departments"):
            alloc = b["allocation"]
            base = lab.t("cli_budget_base_year", year=alloc["base_year"]) if alloc.get("base_year") else ""
            method = lab.text(f"cli_allocation_{alloc['method']}") if f"cli_allocation_{alloc['method']}" in \
                lab.keys() else alloc["method"]
            print(lab.t("cli_budget_per_company" if alloc["allocate_to"] == "organisation" else "cli_budget_per_department",
                        year=year, method=method, base=base, share_sum=fmt_number(alloc["share_sum"], 6)))
            rows = sorted(b["departments"], key=lambda d: (d["status"] != "over_budget", d["status"] != "behind",
                                                           -(d["deviation_t"] or 0)))
            print_table([lab[f"cli_budget_h_{h}"] for h in ("unit", "share", "budget", "actual", "deviation",
                                                            "remaining", "runs_out", "needed", "verdict")],
                        [[unit_name(d), fmt_percent(d["share"]), fmt_number(d["budget_t"]),
                          fmt_number(d["actual_t"]), fmt_number(d["deviation_t"], signed=True),
                          fmt_number(d["remaining_t"]),
                          _when(d.get("runs_out_year") or d["runs_out_date"]) or "-",
                          fmt_percent(d["needed_rate"], 0) if d["needed_rate"] is not None else "-",
                          _verdict(lab, d)] for d in rows], align="lrrrrrrrl")
            behind = [d for d in b["departments"] if d["status"] in ("behind", "over_budget")]
            print(lab.t("cli_budget_behind_count", n=len(behind), of=len(b["departments"])))
        m = b.get("measures") or {}
        if m.get("count"):
            unit = lab["cli_unit"]
            print(lab.t("cli_budget_measures", n=m["count"], t=fmt_number(m["reduction_t_to_horizon"]),
                        horizon=result["horizon_year"]))
            print_table([lab["cli_budget_h_measure"], lab["cli_h_department"], lab["cli_budget_h_status"],
                         lab["cli_budget_h_from"], lab["cli_budget_h_t_per_year"], lab.t("cli_budget_h_cost", unit=unit),
                         lab.t("cli_budget_h_cost_per_t", unit=unit)],
                        [[i["name"], unit_name(i), lab.text(f"measure_status_{i['status']}") if i.get("status") else "-",
                          i["start_year"], fmt_number(i["reduction_t_per_year"]), fmt_number(i["cost_sek"]),
                          fmt_number(i["cost_per_t_sek"])] for i in m["items"]], align="lllrrrr")
            print(lab.t("cli_budget_measures_runs_out",
                        without=_when(m["runs_out_date_without"]) or lab["cli_budget_not_on_trend"],
                        with_=_when(m["runs_out_date_with"]) or lab["cli_budget_not_on_trend"]))
    g = result.get("group")
    if g:
        print()
        print(lab.t("cli_budget_group", members=", ".join(localised(m, "name", lang) for m in g["members"]),
                    unit=g["unit"]))
        print_table([lab[f"cli_budget_h_{h}"] for h in ("budget_name", "budget", "actual", "remaining", "verdict")],
                    [[localised(m, "name", lang), fmt_number(m["budget_t"]), fmt_number(m["actual_t"]),
                      fmt_number(m["remaining_t"]), _verdict(lab, m)] for m in g["members"]] +
                    [[lab["cli_budget_group_total"], fmt_number(g["follow_up"]["budget_t"]),
                      fmt_number(g["follow_up"]["actual_t"]), fmt_number(g["follow_up"]["remaining_t"]),
                      _verdict(lab, g["follow_up"])]],
                    align="lrrrl")
        _print_status(g["follow_up"], g["unit"])
    if len(result["perspectives"]) > 1:
        print()
        print(lab["cli_budget_perspectives"])
        print_table([lab[f"cli_budget_h_{h}"] for h in ("perspective", "name", "unit_of", "year", "actual_plain",
                                                        "budget_plain", "remaining_plain", "runs_out", "verdict")],
                    [[perspective(p["perspective"]), localised(p, "name", lang), p["unit"], p["year"],
                      fmt_number(p["actual_t"]), fmt_number(p["budget_t"]), fmt_number(p["remaining_t"]),
                      _when(p.get("runs_out_year") or p["runs_out_date"]) or "-", _verdict(lab, p)]
                     for p in result["perspectives"]], align="lllrrrrll")


def _verdict(lab, d: dict) -> str:
    """Return the verdict of a follow-up in the CLI's language, else its status as a word."""
    return localised(d, "verdict", lab.lang) or lab.status(d.get("status")) or ""


def _print_status(fu: dict, unit: str) -> None:
    lab = texts()
    runs = _when(fu.get("runs_out_year") or fu["runs_out_date"], fu.get("runs_out_earliest"),
                 fu.get("runs_out_latest"), "runs_out_earliest" in fu)
    if fu["has_run_out"]:
        when = lab.t("cli_budget_ran_out", when=runs) if runs else lab["cli_budget_used_up"]
    else:
        when = lab.t("cli_budget_runs_out", when=runs) if runs else lab["cli_budget_does_not_run_out"]
    trend = fu.get("trend") or {}
    years = trend.get("years") or []
    slope = fmt_number(trend.get("slope_t_per_year"), signed=True)
    trend_text = lab.t("cli_budget_trend", first=years[0], last=years[-1], slope=slope) if len(years) > 1 else ""
    print(lab.t("cli_budget_remaining", remaining=fmt_number(fu["remaining_t"]), unit=unit, when=when,
                trend=trend_text))
    if fu["needed_rate"] is not None:
        print(lab.t("cli_budget_needed", year=fu["year"] + 1, rate=fmt_number(fu["needed_rate"] * 100, 1)))
    print(lab.t("cli_budget_verdict", verdict=_verdict(lab, fu)))


def _when(value, earliest=None, latest=None, ranged: bool = False) -> str:
    """Return when a budget runs out as people read it: month and year with its range, never a day ('' for None)."""
    return fmt_runs_out(value, language(), earliest, latest, ranged=ranged)
