"""Investment outputs: register, green share, capital-goods emissions, abatement against the budget gap,
green-loan impact and the internal carbon fee (klimatväxling).

Formulas (per year y, per department d and in total):

    green share (planned)       = Σ_{green projects} planned_sek / Σ_{all projects} planned_sek
    green share (booked)        = Σ_{green projects} booked_sek / Σ_{all projects} booked_sek
        (unclassified projects count in the denominator and are listed: they still need a decision)
    capital goods (booked)      = Σ emissions of the ledger lines with scope 3 category 2 (GHG Protocol capital
                                  goods, counted in full in the year of acquisition), from the run of the year
    capital goods (estimated)   = planned_sek × i_c,  i_c = Σ capital-goods kg / Σ capital-goods SEK of the latest
                                  run in the project's category c (all categories when c has none); for planned
                                  years the organisation has no computed run for (future years, companies not
                                  computed); a computed year shows what was booked, never an estimate
    gap(y)                      = max(0, â(y)) − b(y)   (the organisation's trend less its budget, followup.projection)
    abatement(y)                = Σ_p r_p for projects with start_p ≤ y < start_p + lifetime_p
                                  (start_p = reduction_start_year, else the year after the project's last amount)
    remaining gap(y)            = gap(y) − abatement(y); the plan closes the gap from the first year after which
                                  the remaining gap stays ≤ 0 up to the horizon
    green-loan share            = green_loan_sek / amount_sek (project totals);  attributed reduction = r_p × share;
                                  t CO2e per MSEK financed = attributed reduction / (green_loan_sek / 10^6)
    carbon fee(d, y)            = price (SEK per kg CO2e) × emissions_kg(d, y) (optionally only some categories)

Worked example (the test store): P1 (green, C) 0.5 MSEK in 2024 and 1.0 MSEK in 2025, P2 (green, A)
5.0 MSEK in 2025 and 4.0 MSEK in 2026, P3 (not green) 3.0 MSEK, P4 (green) 1.0 MSEK and P5 (unclassified)
0.5 MSEK in 2026: green share 2026 = (4.0 + 1.0) / 8.5 = 58.82 %. Capital goods booked 2025: P1 1,000,000 ×
0.03 + P2 5,000,000 × 0.03 = 180 t; intensity 180 t / 6 MSEK = 0.03 kg/SEK, so 2026 is estimated at
8.5 MSEK × 0.03 = 255 t. Gap 2026 = 350 − 296.35 = 53.65 t, abatement 20 t (P1): 33.65 t open; 2027:
300 − 248.94 = 51.06 t against 20 + 30 + 15 = 65 t: closed from 2027. Carbon fee 1.5 SEK/kg in 2025:
A 260 t → 390,000 SEK, B 100 t → 150,000, C 40 t → 60,000; total 600,000 SEK.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from ..budget import overview as budget_overview_mod
from ..budget import store as budget_store
from ..engine.runs import covering_runs
from ..errors import UsageError
from .plan import NOT_GREEN, taxonomy


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def booked_projects(con: duckdb.DuckDBPyConnection, organisations: list[str] | None = None) -> list[dict]:
    """Return ledger bookings per (year, organisation, project, department) from the runs used for each year.

    Only project codes that are in the investment plan or carry capital-goods (scope 3 category 2) spend;
    capital-goods spend without a project code is one row per department with project_id null.
    Columns: year, organisation_id, project_id, department, booked_sek, capital_goods_sek,
    capital_goods_kg_co2e, capital_goods_kg_co2, emissions_kg_co2e, run_id.
    """
    orgs = organisations or budget_store.all_organisations(con)
    runs = covering_runs(con, orgs)
    if not runs:
        return []
    import pandas as pd

    con.register("_inv_runs", pd.DataFrame(runs))
    try:
        return _rows(con, """
            with lines as (
                select l.*, c.year
                from _inv_runs as c
                join line_emission as l on l.run_id = c.run_id and l.organisation_id = c.organisation_id
            ),
            planned as (select project_id from investment),
            per_project as (
                select year, organisation_id, nullif(trim(project), '') as project_id,
                       coalesce(department, '(ingen förvaltning)') as department, any_value(run_id) as run_id,
                       coalesce(sum(amount_sek) filter (where not is_excluded), 0) as booked_sek,
                       coalesce(sum(amount_sek) filter (where scope3_category = 2), 0) as capital_goods_sek,
                       coalesce(sum(emissions_kg_co2e) filter (where scope3_category = 2), 0) as capital_goods_kg_co2e,
                       coalesce(sum(emissions_kg_co2) filter (where scope3_category = 2), 0) as capital_goods_kg_co2,
                       coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e
                from lines
                group by all
            )
            select * from per_project
            where (project_id is not null and (project_id in (select project_id from planned) or capital_goods_sek <> 0))
               or (project_id is null and capital_goods_sek <> 0)
            order by year, organisation_id, project_id nulls last, department""")
    finally:
        con.unregister("_inv_runs")


def register(con: duckdb.DuckDBPyConnection, year: int | None = None) -> list[dict]:
    """Return the investment register: one row per project and year with plan, bookings and classification.

    Columns: project_id, name, organisation_id, department, year, planned_sek, green_loan_sek, booked_sek,
    capital_goods_sek, capital_goods_t_co2e, category_id, green_category, is_green (None = unclassified),
    decided_by, decided_at, expected_reduction_t_per_year, reduction_start_year, lifetime_years, financing, in_plan.
    """
    projects = {p["project_id"]: p for p in _rows(con, "select * from investment")}
    classes = {c["project_id"]: c for c in _rows(con, "select * from green_classification where is_current")}
    cells: dict[tuple, dict] = {}
    for y in _rows(con, "select * from investment_year"):
        cells[(y["project_id"], y["year"])] = {"planned_sek": y["amount_sek"], "green_loan_sek": y["green_loan_sek"]}
    booked_dept: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    no_project = []
    for b in booked_projects(con):
        if b["project_id"] is None:
            no_project.append(b)
            continue
        cell = cells.setdefault((b["project_id"], b["year"]), {"planned_sek": None, "green_loan_sek": None})
        for key in ("booked_sek", "capital_goods_sek", "capital_goods_kg_co2e"):
            cell[key] = cell.get(key, 0.0) + float(b[key] or 0.0)
        cell.setdefault("organisation_id", b["organisation_id"])
        booked_dept[b["project_id"]][b["department"]] += float(b["booked_sek"] or 0.0)
    out = []
    for (pid, y), cell in sorted(cells.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if year is not None and y != year:
            continue
        p = projects.get(pid, {})
        c = classes.get(pid)
        dept = p.get("department") or (max(booked_dept[pid].items(), key=lambda kv: kv[1])[0]
                                       if booked_dept.get(pid) else None)
        out.append({
            "project_id": pid, "name": p.get("name") or f"(projekt {pid}, ej i investeringsplanen)",
            "organisation_id": p.get("organisation_id") or cell.get("organisation_id"), "department": dept,
            "year": y, "planned_sek": cell.get("planned_sek"), "green_loan_sek": cell.get("green_loan_sek"),
            "booked_sek": cell.get("booked_sek"), "capital_goods_sek": cell.get("capital_goods_sek"),
            "capital_goods_t_co2e": (cell["capital_goods_kg_co2e"] / 1000) if "capital_goods_kg_co2e" in cell else None,
            "category_id": p.get("category_id"), "green_category": (c["green_category_id"] or NOT_GREEN) if c else None,
            "is_green": c["is_green"] if c else None, "decided_by": c["decided_by"] if c else None,
            "decided_at": c["decided_at"].isoformat() if c else None,
            "expected_reduction_t_per_year": p.get("expected_reduction_t_per_year"),
            "reduction_start_year": p.get("reduction_start_year"), "lifetime_years": p.get("lifetime_years"),
            "financing": p.get("financing"), "in_plan": pid in projects,
        })
    for b in no_project:
        if year is not None and b["year"] != year:
            continue
        out.append({"project_id": None, "name": "(aktiverade utgifter utan projektkod / capital spend without project)",
                    "organisation_id": b["organisation_id"], "department": b["department"], "year": b["year"],
                    "planned_sek": None, "green_loan_sek": None, "booked_sek": float(b["booked_sek"]),
                    "capital_goods_sek": float(b["capital_goods_sek"]),
                    "capital_goods_t_co2e": b["capital_goods_kg_co2e"] / 1000, "category_id": None,
                    "green_category": None, "is_green": None, "decided_by": None, "decided_at": None,
                    "expected_reduction_t_per_year": None, "reduction_start_year": None, "lifetime_years": None,
                    "financing": None, "in_plan": False})
    return out


def green_share(reg: list[dict]) -> dict:
    """Return green shares per year (total and per department) from register rows, planned and booked.

    share = green SEK / all SEK; unclassified SEK is shown separately (it is in the denominator).
    Example: 2026 planned 4.0 + 1.0 green of 8.5 MSEK -> 0.5882.
    """
    def blank():
        return {"planned_sek": 0.0, "planned_green_sek": 0.0, "planned_unclassified_sek": 0.0,
                "booked_sek": 0.0, "booked_green_sek": 0.0, "booked_unclassified_sek": 0.0}
    years: dict[int, dict] = defaultdict(blank)
    depts: dict[tuple, dict] = defaultdict(blank)
    for r in reg:
        if r["project_id"] is None:
            continue
        for target in (years[r["year"]], depts[(r["year"], _unit(r))]):
            for basis in ("planned", "booked"):
                amount = r[f"{basis}_sek"] or 0.0
                target[f"{basis}_sek"] += amount
                if r["is_green"]:
                    target[f"{basis}_green_sek"] += amount
                elif r["is_green"] is None:
                    target[f"{basis}_unclassified_sek"] += amount

    def shares(d: dict) -> dict:
        for basis in ("planned", "booked"):
            total = d[f"{basis}_sek"]
            d[f"{basis}_green_share"] = d[f"{basis}_green_sek"] / total if total else None
            d[f"{basis}_unclassified_share"] = d[f"{basis}_unclassified_sek"] / total if total else None
        return d
    return {"by_year": [{"year": y, **shares(v)} for y, v in sorted(years.items())],
            "by_department": [{"year": y, "department": d, **shares(v)}
                              for (y, d), v in sorted(depts.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))],
            "unclassified_projects": sorted({r["project_id"] for r in reg if r["project_id"] and r["is_green"] is None})}


def _unit(r: dict) -> str | None:
    # a company's projects have no förvaltning: show the organisation instead
    return r["department"] or (f"({r['organisation_id']})" if r.get("organisation_id") else None)


def capital_goods_intensity(con: duckdb.DuckDBPyConnection) -> dict:
    """Return kg CO2e per SEK of capital goods (scope 3 category 2) in the latest year with such spend, by category.

    Key None is the all-category intensity. Example: 180,000 kg on 6,000,000 SEK -> 0.03 kg/SEK.
    """
    rows = booked_projects(con)
    cap = [r for r in rows if r["capital_goods_sek"]]
    if not cap:
        return {}
    latest = max(r["year"] for r in cap)
    runs = sorted({r["run_id"] for r in cap if r["year"] == latest})
    by_cat = _rows(con, f"""
        select category_id, sum(emissions_kg_co2e) as kg, sum(amount_sek) as sek
        from line_emission where run_id in ({', '.join(str(int(r)) for r in runs)}) and scope3_category = 2
        group by rollup (category_id)""")
    out = {"year": latest}
    for r in by_cat:
        if r["sek"]:
            out[r["category_id"]] = float(r["kg"]) / float(r["sek"])
    return out


def capital_goods(con: duckdb.DuckDBPyConnection, reg: list[dict]) -> dict:
    """Return capital-goods emissions per year and department: booked from runs, estimated for planned years.

    estimated_t = planned_sek × intensity(category) / 1000 for project-years whose organisation has no run that year.
    """
    intensity = capital_goods_intensity(con)
    orgs = sorted({r["organisation_id"] for r in reg if r["organisation_id"]})
    computed = {(c["organisation_id"], c["year"]) for c in covering_runs(con, orgs)}
    years: dict[int, dict] = defaultdict(lambda: {"booked_t_co2e": 0.0, "estimated_t_co2e": 0.0,
                                                  "booked_capital_sek": 0.0, "estimated_from_sek": 0.0})
    depts: dict[tuple, dict] = defaultdict(lambda: {"booked_t_co2e": 0.0, "estimated_t_co2e": 0.0})
    for r in reg:
        key = (r["year"], _unit(r))
        if r["capital_goods_t_co2e"] is not None:
            years[r["year"]]["booked_t_co2e"] += r["capital_goods_t_co2e"]
            years[r["year"]]["booked_capital_sek"] += r["capital_goods_sek"] or 0.0
            depts[key]["booked_t_co2e"] += r["capital_goods_t_co2e"]
        elif r["planned_sek"] and (r["organisation_id"], r["year"]) not in computed and intensity:
            i = intensity.get(r["category_id"], intensity.get(None))
            if i is not None:
                est = r["planned_sek"] * i / 1000
                years[r["year"]]["estimated_t_co2e"] += est
                years[r["year"]]["estimated_from_sek"] += r["planned_sek"]
                depts[key]["estimated_t_co2e"] += est
    return {"intensity_kg_co2e_per_sek": {("all" if k is None else k): v for k, v in intensity.items() if k != "year"},
            "intensity_year": intensity.get("year"),
            "by_year": [{"year": y, **v} for y, v in sorted(years.items())],
            "by_department": [{"year": y, "department": d, **v}
                              for (y, d), v in sorted(depts.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))]}


def project_reductions(reg: list[dict], from_year: int, to_year: int, organisations: list[str] | None = None,
                       green_only: bool = False) -> dict[int, float]:
    """Return year -> t CO2e a year avoided by the plan's projects (active from their start for their lifetime)."""
    projects: dict[str, dict] = {}
    last_year: dict[str, int] = {}
    for r in reg:
        if r["project_id"] is None or not r["in_plan"] or not r["expected_reduction_t_per_year"]:
            continue
        if organisations and r["organisation_id"] not in (None, *organisations):
            continue
        if green_only and not r["is_green"]:
            continue
        projects[r["project_id"]] = r
        if r["planned_sek"]:
            last_year[r["project_id"]] = max(last_year.get(r["project_id"], r["year"]), r["year"])
    out: dict[int, float] = {}
    for pid, p in projects.items():
        start = p["reduction_start_year"] or (last_year.get(pid, p["year"]) + 1)
        end = start + p["lifetime_years"] - 1 if p["lifetime_years"] else to_year
        for y in range(max(start, from_year), min(end, to_year) + 1):
            out[y] = out.get(y, 0.0) + p["expected_reduction_t_per_year"]
    return out


def abatement_gap(con: duckdb.DuckDBPyConnection, year: int, reg: list[dict], *, budget_id: str | None = None,
                  horizon_year: int | None = None) -> dict:
    """Return, per year after `year`, the budget gap (trend − budget), the plan's avoided emissions and what is left.

    Uses the first organisation budget (or `budget_id`); see the module docstring for the formulas.
    """
    ov = budget_overview_mod.budget_overview(con, year, budget_id=budget_id, horizon_year=horizon_year)
    org = [b for b in ov["budgets"] if b["perspective"] == "organisation" and "error" not in b]
    if not org:
        raise UsageError("the abatement-gap comparison needs an organisation budget; define one "
                         "(see docs/budget.md) and import it with `klimatspend budget import`")
    b = org[0]
    horizon = ov["horizon_year"]
    proj = b["projection"]
    reductions = project_reductions(reg, year + 1, horizon, b["organisations"])
    green = project_reductions(reg, year + 1, horizon, b["organisations"], green_only=True)
    rows = []
    for p in proj:
        abatement = reductions.get(p["year"], 0.0)
        gap = p["gap_t"]
        rows.append({"year": p["year"], "trend_t": p["trend_t"], "budget_t": p["budget_t"], "gap_t": gap,
                     "abatement_t": abatement, "green_abatement_t": green.get(p["year"], 0.0),
                     "remaining_gap_t": None if gap is None else gap - abatement,
                     "measures_t": p["reductions_t"],
                     "remaining_gap_with_measures_t": None if gap is None else gap - abatement - p["reductions_t"]})
    return {"budget_id": b["budget_id"], "name": b["name"], "unit": b["unit"], "year": year, "horizon_year": horizon,
            "rows": rows, "closes_from": _closes_from(rows, "remaining_gap_t"),
            "closes_from_with_measures": _closes_from(rows, "remaining_gap_with_measures_t"),
            "follow_up_verdict_en": b["follow_up"]["verdict_en"], "follow_up_verdict_sv": b["follow_up"]["verdict_sv"]}


def _closes_from(rows: list[dict], key: str) -> int | None:
    closes = None
    for r in rows:
        if r[key] is None:
            return None
        if r[key] <= 1e-9:
            closes = r["year"] if closes is None else closes
        else:
            closes = None
    return closes


def green_loans(reg: list[dict], con: duckdb.DuckDBPyConnection | None = None) -> dict:
    """Return the green-loan financed projects with their expected impact (the figures of an impact report).

    Per project: amount, green loan, share = green loan / amount, expected t CO2e a year, attributed t CO2e a year
    = expected × share, and t CO2e per MSEK financed. Totals and per green category.
    Example: P2 9.0 MSEK of which 4.0 green loan (0.4444), 30 t/yr -> 13.33 t/yr attributed, 3.33 t per MSEK.
    """
    names = {c["category_id"]: c for c in taxonomy(con)}
    projects: dict[str, dict] = {}
    for r in reg:
        if r["project_id"] is None or not r["in_plan"]:
            continue
        p = projects.setdefault(r["project_id"], {"project_id": r["project_id"], "name": r["name"],
                                                  "department": r["department"], "green_category": r["green_category"],
                                                  "financing": r["financing"], "amount_sek": 0.0, "green_loan_sek": 0.0,
                                                  "years": [], "expected_reduction_t_per_year":
                                                      r["expected_reduction_t_per_year"] or 0.0})
        p["amount_sek"] += r["planned_sek"] or 0.0
        p["green_loan_sek"] += r["green_loan_sek"] or 0.0
        if r["planned_sek"]:
            p["years"].append(r["year"])
    items = []
    for p in projects.values():
        if not p["green_loan_sek"]:
            continue
        share = p["green_loan_sek"] / p["amount_sek"] if p["amount_sek"] else None
        attributed = p["expected_reduction_t_per_year"] * share if share is not None else None
        cat = names.get(p["green_category"], {})
        items.append({**p, "green_category_sv": cat.get("name_sv"), "green_category_en": cat.get("name_en"),
                      "impact_indicator_en": cat.get("impact_indicator_en"), "financed_share": share,
                      "attributed_reduction_t_per_year": attributed,
                      "t_co2e_per_msek_financed": attributed / (p["green_loan_sek"] / 1e6) if attributed is not None
                      else None})
    by_cat: dict[str, dict] = defaultdict(lambda: {"projects": 0, "green_loan_sek": 0.0,
                                                   "attributed_reduction_t_per_year": 0.0})
    for i in items:
        c = by_cat[i["green_category"]]
        c["projects"] += 1
        c["green_loan_sek"] += i["green_loan_sek"]
        c["attributed_reduction_t_per_year"] += i["attributed_reduction_t_per_year"] or 0.0
    total_loan = sum(i["green_loan_sek"] for i in items)
    total_red = sum(i["attributed_reduction_t_per_year"] or 0.0 for i in items)
    return {"projects": items, "by_category": [{"green_category": k, **v} for k, v in sorted(by_cat.items())],
            "total_green_loan_sek": total_loan, "total_attributed_reduction_t_per_year": total_red,
            "t_co2e_per_msek_financed": total_red / (total_loan / 1e6) if total_loan else None}


def carbon_fee(con: duckdb.DuckDBPyConnection, year: int, *, price: float | None = None, scope: str | None = None,
               categories: list[str] | None = None, fund: str | None = None,
               organisations: list[str] | None = None) -> dict:
    """Return the internal carbon fee per department in `year`: price (SEK/kg CO2e) × emissions (kg), and totals.

    Price, scope, categories and fund default to the stored [carbon_fee]; options override them.
    Example: 1.5 SEK/kg × 260,000 kg = 390,000 SEK.
    """
    stored = _rows(con, "select * from carbon_fee order by recorded_at desc limit 1")
    s = stored[0] if stored else {}
    from_stored = price is None
    price = price if price is not None else s.get("price_sek_per_kg_co2e")
    if price is None:
        raise UsageError("no carbon fee price: give --price SEK_PER_KG or add [carbon_fee] price_sek_per_kg_co2e to "
                         "the budget definition (docs/investments.md)")
    if price < 0:
        raise UsageError(f"--price {price}: a fee is a price ≥ 0 SEK per kg CO2e")
    scope = scope or s.get("scope") or "co2e"
    categories = categories if categories is not None else list(s.get("categories") or [])
    fund = fund if fund is not None else s.get("fund")
    if from_stored and ((s.get("from_year") and year < s["from_year"]) or (s.get("to_year") and year > s["to_year"])):
        raise UsageError(f"--year {year}: the stored carbon fee applies {s.get('from_year') or '…'}–"
                         f"{s.get('to_year') or '…'}; give --price to compute it for another year")
    orgs = organisations or budget_store.all_organisations(con)
    runs = [r for r in covering_runs(con, orgs) if r["year"] == year]
    if not runs:
        raise UsageError(f"--year {year}: no computed run; compute it with `klimatspend run --year {year}`")
    column = "emissions_kg_co2e" if scope == "co2e" else "emissions_kg_co2"
    import pandas as pd

    con.register("_fee_runs", pd.DataFrame(runs))
    try:
        rows = _rows(con, f"""
            select l.organisation_id, coalesce(l.department, '(ingen förvaltning)') as department,
                   coalesce(sum(l.{column}) filter (where ? or l.category_id = any(?::varchar[])), 0) as emissions_kg,
                   coalesce(sum(l.{column}), 0) as all_emissions_kg
            from _fee_runs as c join line_emission as l on l.run_id = c.run_id and l.organisation_id = c.organisation_id
            group by all order by 1, 2""", [not categories, categories or []])
    finally:
        con.unregister("_fee_runs")
    for r in rows:
        r["fee_sek"] = r["emissions_kg"] * price
    total = sum(r["fee_sek"] for r in rows)
    next_green = con.execute("""select coalesce(sum(y.amount_sek), 0) from investment_year as y
                                join green_classification as g on g.project_id = y.project_id and g.is_current
                                where g.is_green and y.year = ?""", [year + 1]).fetchone()[0]
    return {"year": year, "price_sek_per_kg_co2e": price, "scope": scope, "categories": categories or None,
            "fund": fund, "departments": rows, "total_fee_sek": total,
            "total_emissions_kg": sum(r["emissions_kg"] for r in rows),
            "green_investments_next_year_sek": next_green,
            "share_of_next_year_green_investments": total / next_green if next_green else None}
