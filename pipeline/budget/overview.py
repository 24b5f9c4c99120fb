"""The yearly budget follow-up politicians see: every budget, its departments, measures, the group and three perspectives.

Reads the stored definitions and the runs' results (store.py), builds each budget's path (paths.py),
allocates it (allocation.py) and follows it up (followup.py). Returns plain data; the CLI prints it.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from ..errors import KlimatspendError, UsageError
from . import allocation, followup, store
from .definitions import BudgetDef, Definition
from .paths import BudgetPath, CombinedPath, PathError, custom_path, linear_path, paris_path, rate_path
from .territorial import find_municipality, territorial_path

DEFAULT_HORIZON = 2030
UNIT_LABEL = {"co2e": "t CO2e", "co2": "t CO2"}


class BudgetError(KlimatspendError):
    """A budget that cannot be followed up with the data in the store (the message says what to do)."""

    code = "budget-error"


def build_path(b: BudgetDef, actuals: dict[int, float], source: str = "the computed runs") -> BudgetPath:
    """Return the path of budget `b`; "actual" base/start emissions are taken from `actuals` (year -> t)."""
    def actual(year: int, key: str) -> float:
        value = actuals.get(year)
        if value is None or value <= 0:
            raise BudgetError(f"budget \"{b.budget_id}\": {key} = \"actual\" but {source} have no emissions for "
                              f"{year}; compute that year (`klimatspend run --year {year}`) or give {key} in tonnes")
        return value
    try:
        if b.method == "rate":
            base = actual(b.base_year, "base_emissions_t") if b.base_from_actual else b.base_emissions_t
            return rate_path(base, b.rate, b.base_year)
        if b.method == "paris":
            e0 = actual(b.start_year, "start_emissions_t") if b.start_from_actual else b.start_emissions_t
            return paris_path(b.total_t, b.start_year, e0)
        if b.method == "linear":
            e0 = actual(b.start_year, "start_emissions_t") if b.start_from_actual else b.start_emissions_t
            return linear_path(e0, b.start_year, b.zero_year)
        if b.method == "custom":
            return custom_path(b.values)
        if b.method == "klimatkollen":
            return territorial_path(find_municipality(b.municipality))
    except PathError as exc:
        raise BudgetError(f"budget \"{b.budget_id}\": {exc}") from None
    raise BudgetError(f"budget \"{b.budget_id}\": unknown method {b.method!r}")


def budget_overview(con: duckdb.DuckDBPyConnection, year: int, *, budget_id: str | None = None,
                    horizon_year: int | None = None) -> dict:
    """Return the follow-up of every stored budget in `year`: totals, departments, measures, group, perspectives."""
    defn = store.stored_definition(con)
    if defn is None:
        raise UsageError("no carbon budget is defined; import one with `klimatspend budget import budget.toml` "
                         "(see docs/budget.md)")
    budgets = defn.budgets
    if budget_id:
        budgets = [b for b in budgets if b.budget_id == budget_id]
        if not budgets:
            raise UsageError(f"--budget {budget_id}: no such budget (defined: "
                             f"{', '.join(b.budget_id for b in defn.budgets)})")
    horizon = horizon_year or defn.settings.get("horizon_year") or max(DEFAULT_HORIZON, year + 5)
    trend_default = defn.settings.get("trend_years") or followup.DEFAULT_TREND_YEARS
    all_measures = store.measures(con)
    results, failed = [], []
    for b in budgets:
        trend_years = b.trend_years or trend_default
        try:
            if b.perspective == "organisation":
                results.append(_organisation_budget(con, defn, b, year, horizon, trend_years, all_measures))
            elif b.perspective == "territorial":
                results.append(_series_budget(b, store.territorial_actuals(con, b.municipality), year, horizon,
                                              trend_years, "SMHI (Nationella emissionsdatabasen)"))
            else:
                results.append(_series_budget(b, store.residents_actuals(con), year, horizon, trend_years,
                                              "the imported residents' emissions"))
        except BudgetError as exc:
            # one budget that cannot be followed up (e.g. a company not computed yet) must not hide the others
            failed.append(exc)
            results.append({"budget_id": b.budget_id, "name": b.name, "name_en": b.name_en, "perspective": b.perspective,
                             "error": str(exc), "error_code": exc.code})
    if failed and len(failed) == len(results):
        raise failed[0]
    results_ok = [r for r in results if "error" not in r]
    org_results = [r for r in results_ok if r["perspective"] == "organisation"]
    group = _group(org_results, year, horizon, trend_default) if len(org_results) > 1 else None
    return {"year": year, "horizon_year": horizon, "budgets": results, "group": group,
            "perspectives": _perspectives(results_ok, group), "definition_file": defn.source}


def _organisation_budget(con, defn: Definition, b: BudgetDef, year: int, horizon: int, trend_years: int,
                         all_measures: list[dict]) -> dict:
    orgs = store.all_organisations(con) if "*" in b.organisations else list(b.organisations)
    rows = store.department_actuals(con, orgs, b.scope, b.include_own_emissions)
    data_years = sorted({r["year"] for r in rows if not r["is_direct"]})
    warnings = []
    if not data_years:
        raise BudgetError(f"budget \"{b.budget_id}\": no computed runs for organisation(s) {', '.join(orgs)}; "
                          "compute a year with `klimatspend run --year YYYY`")
    by_org = b.allocate_to == "organisation"
    total: dict[int, float] = defaultdict(float)
    bounds: dict[str, dict[int, float]] = {"lower": defaultdict(float), "upper": defaultdict(float)}
    per_unit: dict[tuple, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    per_unit_bounds: dict[tuple, dict[str, dict[int, float]]] = defaultdict(
        lambda: {"lower": defaultdict(float), "upper": defaultdict(float)})
    spend: dict[tuple, float] = defaultdict(float)
    for r in rows:
        if r["year"] not in data_years:
            continue   # own emissions of a year without any run: no full picture of that year
        key = (r["organisation_id"], None) if by_org else (r["organisation_id"], r["department"])
        total[r["year"]] += r["emissions_t"] or 0.0
        per_unit[key][r["year"]] += r["emissions_t"] or 0.0
        for side in ("lower", "upper"):
            # own direct emissions are measured: their range is the value itself
            value = r.get(f"emissions_{side}_t")
            value = (r["emissions_t"] or 0.0) if value is None else value
            bounds[side][r["year"]] += value
            per_unit_bounds[key][side][r["year"]] += value
        if r["year"] == year and r["spend_sek"] is not None:
            spend[key] += float(r["spend_sek"])
    total = dict(total)
    missing_data = [y for y in range(min(data_years), year + 1) if y not in data_years]
    if missing_data:
        warnings.append({"sv": f"inga beräknade år för {', '.join(map(str, missing_data))}",
                         "en": f"no computed run for {', '.join(map(str, missing_data))}"})
    if b.scope == "co2" and not any(total.values()):
        warnings.append({"sv": "faktorsetet saknar CO2-faktorer: CO2-utsläppen är 0",
                         "en": "the factor set has no CO2-only factors: CO2 emissions are 0"})
    path = build_path(b, total)
    start = b.follow_up_from or max(path.start_year, data_years[0])
    measures = _measures_for(b, orgs, all_measures, first=_first_org_budget(defn) == b.budget_id)
    reductions = followup.measure_reductions(measures, year + 1, horizon + 200)
    fu = followup.follow_up(path, total, year, follow_up_from=start, trend_years=trend_years)
    fu_measures = followup.follow_up(path, total, year, follow_up_from=start, trend_years=trend_years,
                                     reductions_t=reductions) if measures else None
    fu_dict = fu.as_dict()
    fu_dict.update(followup.runs_out_range(path, bounds, year, follow_up_from=start, trend_years=trend_years))
    result = {
        "budget_id": b.budget_id, "name": b.name, "name_en": b.name_en, "perspective": "organisation",
        "organisations": orgs,
        "scope": b.scope, "unit": UNIT_LABEL[b.scope], "method": b.method, "path": _path_info(path),
        "include_own_emissions": b.include_own_emissions, "data_years": data_years,
        "follow_up": fu_dict, "_path": path, "_actuals": total, "_start": start,
        "_bounds": {side: dict(v) for side, v in bounds.items()},
        "projection": followup.projection(fu.trend, path, year + 1, horizon, reductions_t=reductions),
        "warnings": warnings,
    }
    result["allocation"], result["departments"] = _departments(con, b, path, per_unit, spend, year, start,
                                                               trend_years, measures, horizon, data_years, warnings,
                                                               per_unit_bounds)
    result["measures"] = _measure_summary(measures, fu, fu_measures, year, horizon, reductions)
    return result


def _first_org_budget(defn: Definition) -> str | None:
    for b in defn.budgets:
        if b.perspective == "organisation":
            return b.budget_id
    return None


def _measures_for(b: BudgetDef, orgs: list[str], measures: list[dict], first: bool) -> list[dict]:
    out = []
    for m in measures:
        if m["budget_id"]:
            if m["budget_id"] == b.budget_id:
                out.append(m)
        elif m["organisation_id"]:
            if m["organisation_id"] in orgs:
                out.append(m)
        elif first:
            out.append(m)
    return out


def _departments(con, b: BudgetDef, path, per_unit, spend, year, start, trend_years, measures, horizon,
                 data_years, warnings, per_unit_bounds=None) -> tuple[dict | None, list[dict]]:
    if b.allocate_to == "none":
        return None, []
    by_org = b.allocate_to == "organisation"
    units = sorted(u for u, series in per_unit.items() if any(series.get(y) for y in series if y >= start))
    basis: dict[tuple, float] = {}
    method = b.allocation_method
    if method == "grandfathering":
        base_year = b.allocation_base_year or start
        if base_year not in data_years:
            raise BudgetError(f"budget \"{b.budget_id}\": allocation by grandfathering uses {base_year}, which has no "
                              f"computed run; compute it or set allocation_base_year to one of "
                              f"{', '.join(map(str, data_years))}")
        basis = {u: per_unit[u].get(base_year, 0.0) for u in units}
    elif method in ("employees", "budget", "weights"):
        rows = store.allocation_basis(con, b.budget_id, method)
        for r in rows:
            if by_org:
                key = (r["organisation_id"] or r["department"], None)
            else:
                org = r["organisation_id"]
                if org is None:
                    matches = [u for u in units if u[1] == r["department"]]
                    org = matches[0][0] if len(matches) == 1 else (b.organisations[0] if len(b.organisations) == 1
                                                                   else None)
                key = (org, r["department"])
            basis[key] = basis.get(key, 0.0) + r["basis_value"]
        listed = set(basis)
        unlisted = [u for u in units if u not in listed]
        if unlisted:
            names = ", ".join(u[1] or u[0] for u in unlisted[:5])
            warnings.append({"sv": f"{len(unlisted)} enheter saknar underlag för fördelning ({names}) och får "
                                   "andel 0", "en": f"{len(unlisted)} units have no allocation basis ({names}) and "
                                                    "get share 0"})
        units = sorted(set(units) | listed, key=lambda u: (u[0] or "", u[1] or ""))
    try:
        shares = allocation.shares(method, units, basis)
    except allocation.AllocationError as exc:
        raise BudgetError(f"budget \"{b.budget_id}\": {exc}") from None
    departments = []
    for u in units:
        series = {y: per_unit.get(u, {}).get(y, 0.0) for y in data_years}
        dept_measures = [m for m in measures if (m["department"] and not by_org and m["department"] == u[1]
                                                 and (m["organisation_id"] in (None, u[0])))
                         or (by_org and m["organisation_id"] == u[0])]
        reductions = followup.measure_reductions(dept_measures, year + 1, horizon + 200)
        fu = followup.follow_up(path, series, year, follow_up_from=start, share=shares[u], trend_years=trend_years)
        with_measures = followup.follow_up(path, series, year, follow_up_from=start, share=shares[u],
                                           trend_years=trend_years, reductions_t=reductions) if dept_measures else None
        departments.append({
            "organisation_id": u[0], "department": u[1] if not by_org else None, "share": shares[u],
            "basis_value": basis.get(u) if method != "equal" else 1.0, "spend_sek": spend.get(u),
            "budget_t": fu.budget_t, "actual_t": fu.actual_t, "deviation_t": fu.deviation_t,
            "cumulative_actual_t": fu.cumulative_actual_t, "cumulative_budget_t": fu.cumulative_budget_t,
            "total_budget_t": fu.total_budget_t, "remaining_t": fu.remaining_t,
            "runs_out_date": fu.runs_out_date.isoformat() if fu.runs_out_date else None,
            "runs_out_year": fu.runs_out_year,
            **followup.runs_out_range(path, {side: {y: s.get(y, 0.0) for y in data_years}
                                             for side, s in (per_unit_bounds or {}).get(u, {}).items()},
                                      year, follow_up_from=start, share=shares[u], trend_years=trend_years),
            "has_run_out": fu.has_run_out, "needed_rate": fu.needed_rate, "status": fu.status,
            "verdict_sv": fu.verdict_sv, "verdict_en": fu.verdict_en,
            "trend_slope_t_per_year": fu.trend.slope_t_per_year if fu.trend else None,
            "measures_reduction_t_next_year": reductions.get(year + 1, 0.0),
            "runs_out_date_with_measures": (with_measures.runs_out_date.isoformat()
                                            if with_measures and with_measures.runs_out_date else None),
            "rows": [r.as_dict() for r in fu.rows],
        })
    info = {"method": method, "allocate_to": b.allocate_to,
            "base_year": b.allocation_base_year if method == "grandfathering" else None,
            "share_sum": sum(shares.values()), "units": len(units)}
    return info, departments


def _measure_summary(measures: list[dict], fu, fu_measures, year: int, horizon: int,
                     reductions: dict[int, float]) -> dict:
    items = []
    for m in measures:
        years = (m["end_year"] - m["start_year"] + 1) if m["end_year"] else m["lifetime_years"]
        items.append({
            "measure_id": m["measure_id"], "name": m["name"], "organisation_id": m["organisation_id"],
            "department": m["department"], "start_year": m["start_year"], "end_year": m["end_year"],
            "reduction_t_per_year": m["reduction_t_per_year"], "cost_sek": m["cost_sek"],
            "yearly_cost_sek": m["yearly_cost_sek"], "years_counted": years, "status": m["status"],
            "cost_per_t_sek": followup.cost_per_tonne(m["cost_sek"], m["yearly_cost_sek"], m["reduction_t_per_year"],
                                                      years) if years else None,
        })
    to_horizon = sum(v for y, v in reductions.items() if year < y <= horizon)
    return {
        "items": items, "count": len(items),
        "reduction_t_by_year": {y: v for y, v in sorted(reductions.items()) if y <= horizon},
        "reduction_t_to_horizon": to_horizon,
        "runs_out_date_without": fu.runs_out_date.isoformat() if fu.runs_out_date else None,
        "runs_out_date_with": (fu_measures.runs_out_date.isoformat() if fu_measures and fu_measures.runs_out_date
                               else None),
        "share_of_remaining_budget": (to_horizon / fu.remaining_t) if fu.remaining_t > 0 else None,
    }


def _series_budget(b: BudgetDef, actuals: dict[int, float], year: int, horizon: int, trend_years: int,
                   source: str) -> dict:
    path = build_path(b, actuals, source)
    measured = [y for y in actuals if y <= year]
    fu_year = max(measured) if measured else year
    start = b.follow_up_from or path.start_year
    warnings = []
    if fu_year < year:
        warnings.append({"sv": f"senaste uppmätta år är {fu_year}", "en": f"the latest measured year is {fu_year}"})
    if fu_year < start:
        fu = None
        warnings.append({"sv": f"budgeten gäller från {start}; uppföljning när utfall finns",
                         "en": f"the budget starts in {start}; follow-up once actuals exist"})
        trend = followup.fit_trend(actuals, fu_year, trend_years)
        runs = followup.runs_out(path.total_from_t(start), trend, start) if trend else None
    else:
        fu = followup.follow_up(path, actuals, fu_year, follow_up_from=start, trend_years=trend_years)
        trend = fu.trend
        runs = None
    out = {"budget_id": b.budget_id, "name": b.name, "name_en": b.name_en, "perspective": b.perspective, "municipality": b.municipality,
           "scope": b.scope, "unit": UNIT_LABEL[b.scope], "method": b.method, "path": _path_info(path),
           "follow_up_year": fu_year, "follow_up": fu.as_dict() if fu else None, "source": source,
           "latest_actual_t": actuals.get(fu_year), "warnings": warnings, "_path": path, "_actuals": actuals,
           "_start": start,
           "projection": followup.projection(trend, path, max(fu_year + 1, start), horizon)}
    if fu is None:
        out["runs_out_date_on_trend"] = followup.year_fraction_to_date(runs).isoformat() if runs else None
    if b.perspective == "territorial":
        row = find_municipality(b.municipality)
        out["klimatkollen"] = {"budget_runs_out": row["budget_runs_out_klimatkollen"],
                               "stays_within_budget": row["stays_within_budget_klimatkollen"],
                               "needed_reduction_pct": row["needed_reduction_pct_klimatkollen"]}
    return out


def _group(org_results: list[dict], year: int, horizon: int, trend_years: int) -> dict:
    parts = tuple((r["_path"], r["_start"]) for r in org_results)
    combined = CombinedPath(parts)
    actuals: dict[int, float] = defaultdict(float)
    for r in org_results:
        for y, v in r["_actuals"].items():
            if y >= r["_start"]:
                actuals[y] += v
    fu = followup.follow_up(combined, dict(actuals), year, follow_up_from=combined.start_year,
                            trend_years=trend_years)
    bounds: dict[str, dict[int, float]] = {"lower": defaultdict(float), "upper": defaultdict(float)}
    for r in org_results:
        for side in bounds:
            for y, v in (r.get("_bounds") or {}).get(side, {}).items():
                if y >= r["_start"]:
                    bounds[side][y] += v
    fu_dict = fu.as_dict()
    fu_dict.update(followup.runs_out_range(combined, bounds, year, follow_up_from=combined.start_year,
                                           trend_years=trend_years))
    members = [{"budget_id": r["budget_id"], "name": r["name"], "organisations": r["organisations"],
                "budget_t": r["follow_up"]["budget_t"], "actual_t": r["follow_up"]["actual_t"],
                "remaining_t": r["follow_up"]["remaining_t"], "status": r["follow_up"]["status"],
                "verdict_sv": r["follow_up"]["verdict_sv"], "verdict_en": r["follow_up"]["verdict_en"]}
               for r in org_results]
    scopes = {r["scope"] for r in org_results}
    return {"members": members, "follow_up": fu_dict, "unit": UNIT_LABEL[scopes.pop()] if len(scopes) == 1
            else "t (mixed CO2e and CO2)", "sum_check_t": sum((m["budget_t"] or 0.0) for m in members)}


def _perspectives(results: list[dict], group: dict | None) -> list[dict]:
    rows = []
    org = [r for r in results if r["perspective"] == "organisation"]
    if group:
        rows.append(_perspective_row("organisation", "Organisationen (koncernen)",
                                     group["unit"], group["follow_up"], None, "The organisation (group)"))
    elif org:
        rows.append(_perspective_row("organisation", org[0]["name"], org[0]["unit"], org[0]["follow_up"], None,
                                     org[0].get("name_en")))
    for r in results:
        if r["perspective"] in ("territorial", "residents"):
            rows.append(_perspective_row(r["perspective"], r["name"], r["unit"], r["follow_up"], r, r.get("name_en")))
    return rows


def _perspective_row(perspective: str, name: str, unit: str, fu: dict | None, r: dict | None,
                     name_en: str | None = None) -> dict:
    row = _perspective_figures(perspective, name, unit, fu, r)
    row["name_sv"], row["name_en"] = name, name_en or name
    return row


def _perspective_figures(perspective: str, name: str, unit: str, fu: dict | None, r: dict | None) -> dict:
    if fu is None:
        return {"perspective": perspective, "name": name, "unit": unit, "year": r["follow_up_year"],
                "actual_t": r["latest_actual_t"], "budget_t": None, "remaining_t": r["path"]["total_t"],
                "runs_out_date": r.get("runs_out_date_on_trend"), "needed_rate": r["path"].get("implied_rate"),
                "status": "not_started", "verdict_sv": r["warnings"][-1]["sv"], "verdict_en": r["warnings"][-1]["en"]}
    return {"perspective": perspective, "name": name, "unit": unit, "year": fu["year"], "actual_t": fu["actual_t"],
            "budget_t": fu["budget_t"], "remaining_t": fu["remaining_t"], "runs_out_date": fu["runs_out_date"],
            "needed_rate": fu["needed_rate"], "status": fu["status"], "verdict_sv": fu["verdict_sv"],
            "verdict_en": fu["verdict_en"]}


def _path_info(path) -> dict:
    info = {"method": path.method, "start_year": path.start_year, "total_t": path.total_from_t(path.start_year)}
    if isinstance(path, BudgetPath):
        info.update(describe=path.describe(), implied_rate=path.implied_rate(), k_per_year=path.k,
                    base_emissions_t=path.base_emissions_t, start_emissions_t=path.start_emissions_t,
                    zero_year=path.zero_year)
    return info


def public(overview: dict) -> dict:
    """Return the overview without the private (underscore) keys, ready for JSON."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not str(k).startswith("_")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(overview)
