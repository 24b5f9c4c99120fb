"""Optional report sections: the carbon-budget follow-up and the investments, in the shape the reports take.

Each provider takes the database and the ReportData gathered so far and returns the section as a dict
(docs/reports.md describes its keys), or None when nothing is defined - the reports then say "no budget
defined yet - see klimatspend budget" instead of showing figures. The figures come from
`pipeline.budget.overview.budget_overview` and `pipeline.investments.outputs` (register, green_loans,
abatement_gap, carbon_fee); this module picks the budget and the projects of the report's organisations
and renames fields.
"""

from __future__ import annotations

import math

import duckdb

from ..budget import overview
from ..errors import KlimatspendError
from ..investments import outputs, plan


def _has_rows(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> bool:
    exists = con.execute("select count(*) from information_schema.tables where table_name = ?", [table]).fetchone()[0]
    return bool(exists) and con.execute(f"select count(*) from {table} where {where}").fetchone()[0] > 0


def _year_of(runs_out_year: float | None) -> int | None:
    return None if runs_out_year is None else int(math.floor(runs_out_year))


def _pick_budget(overview: dict, organisations: set[str]) -> dict | None:
    """Return the organisation-perspective budget of the report's organisations (the group when several);
    None when the defined budgets cover other organisations only."""
    org_budgets = [b for b in overview["budgets"] if b["perspective"] == "organisation"]
    if not org_budgets:
        return None
    if len(organisations) > 1 and overview.get("group"):
        return {"name": None, "group": overview["group"], "budgets": org_budgets}
    matching = [b for b in org_budgets if set(b.get("organisations") or []) & organisations]
    if matching:
        usable = [b for b in matching if "error" not in b]
        return usable[0] if usable else matching[0]
    # a budget that failed carries no organisation list: it may be this report's, so say why it has no figures
    failed = [b for b in org_budgets if "error" in b]
    return failed[0] if failed else None


def budget_from_overview(overview: dict, organisations: set[str]) -> dict | None:
    """Return the report's budget section from a `budget_overview` result (None without an organisation budget)."""
    b = _pick_budget(overview, organisations)
    if b is None:
        return None
    if "error" in b:
        return {"budget_id": b.get("budget_id"), "name": b["name"], "error": b["error"]}
    if "group" in b:
        # the group's path is the sum of its members' paths: add up their future budgets and trends
        members = [m for m in b["budgets"] if "error" not in m]
        fu, path, measures = b["group"]["follow_up"], {}, None
        name = " + ".join(m["name"] for m in members)
        departments = [d for m in members for d in m.get("departments") or []]
        warnings = [w for m in members for w in m.get("warnings") or []]
        by_year: dict[int, dict] = {}
        for m in members:
            for p in m.get("projection") or []:
                row = by_year.setdefault(p["year"], {"year": p["year"], "budget_t": 0.0, "trend_t": 0.0})
                row["budget_t"] += p.get("budget_t") or 0.0
                row["trend_t"] += p.get("trend_t") or 0.0
        projection = [by_year[y] for y in sorted(by_year)]
    else:
        fu, path, name = b["follow_up"], b["path"], b["name"]
        departments, measures = b.get("departments") or [], b.get("measures")
        warnings, projection = b.get("warnings") or [], b.get("projection") or []
    years = [{k: r.get(k) for k in ("year", "budget_t", "actual_t", "deviation_t", "cumulative_budget_t",
                                    "cumulative_actual_t")} for r in fu["rows"]]
    known = {r["year"] for r in years}
    years += [{"year": p["year"], "budget_t": p.get("budget_t"), "actual_t": None, "trend_t": p.get("trend_t")}
              for p in projection if p["year"] not in known]
    describe = path.get("describe") or {}
    return {
        "budget_id": b.get("budget_id"), "name": name or "", "method": path.get("method"), "start_year": path.get("start_year"),
        "total_t": path.get("total_t"), "describe_sv": describe.get("sv"), "describe_en": describe.get("en"),
        "unit": b.get("unit"), "horizon_year": overview.get("horizon_year"),
        "years": years, "remaining_t": fu["remaining_t"], "runs_out_year": _year_of(fu.get("runs_out_year")),
        "runs_out_date": fu.get("runs_out_date"), "has_run_out": fu.get("has_run_out"),
        # when it runs out, as a fractional year with its range (shown as month and year, never a day)
        "runs_out": fu.get("runs_out_year"), "runs_out_earliest": fu.get("runs_out_earliest"),
        "runs_out_latest": fu.get("runs_out_latest"), "runs_out_ranged": "runs_out_earliest" in fu,
        "required_reduction": fu.get("needed_rate"), "status": fu.get("status"),
        "verdict_sv": fu.get("verdict_sv"), "verdict_en": fu.get("verdict_en"),
        "departments": sorted(  # furthest behind first
            ({k: d.get(k) for k in ("organisation_id", "department", "share", "budget_t", "actual_t", "deviation_t",
                                    "remaining_t", "runs_out_date", "runs_out_year", "runs_out_earliest", "runs_out_latest",
                                    "status", "verdict_sv", "verdict_en")}
             for d in departments),
            key=lambda d: (d["deviation_t"] is None, -(d["deviation_t"] or 0.0))),
        "perspectives": overview.get("perspectives") or [],
        "measures": measures,
        "warnings": warnings,
    }


def budget_section(con: duckdb.DuckDBPyConnection, data) -> dict | None:
    """Return the budget follow-up of `data.year` for the report, or None when no budget is defined."""
    if not _has_rows(con, "budget", "perspective = 'organisation'"):
        return None

    try:
        result = overview.budget_overview(con, data.year)
    except KlimatspendError as exc:
        return {"name": "", "error": str(exc)}
    return budget_from_overview(overview.public(result), {o["organisation_id"] for o in data.organisations})


def investments_from_summary(summary: dict, year: int, carbon_fee: dict | None = None,
                             green_names: dict[str, dict] | None = None,
                             organisations: set[str] | None = None) -> dict | None:
    """Return the report's investments section from the investment register (None without projects).

    `summary` holds `register` (the year's rows of pipeline.investments.outputs.register), `green_loans`
    (outputs.green_loans) and `gap` (outputs.abatement_gap or None), as pipeline.investments.summary does.

    Projects of other organisations than `organisations` (when given) are left out, and the year's totals
    are summed from the projects shown: green share = green amount / all amounts, booked amounts when the
    year has any, else planned; capital-goods emissions = the projects' booked capital-goods t CO2e.
    """
    names = green_names or {}
    register = [r for r in summary.get("register") or []
                if organisations is None or r.get("organisation_id") in organisations or r.get("organisation_id")
                is None]
    if not register:
        return None
    booked = sum(r.get("booked_sek") or 0.0 for r in register)
    use_booked = booked > 0
    amount_key = "booked_sek" if use_booked else "planned_sek"
    total = sum(r.get(amount_key) or 0.0 for r in register)
    green = sum(r.get(amount_key) or 0.0 for r in register if r.get("is_green"))
    capital = [r["capital_goods_t_co2e"] for r in register if r.get("capital_goods_t_co2e") is not None]
    projects = []
    for r in register:
        cat = r.get("green_category")
        projects.append({"project": r.get("name") or r.get("project_id"), "department": r.get("department"),
                         "organisation_id": r.get("organisation_id"),
                         "amount_sek": r.get(amount_key) if r.get(amount_key) is not None else r.get("planned_sek"),
                         "planned_sek": r.get("planned_sek"), "booked_sek": r.get("booked_sek"),
                         "green_category": cat, "green_category_sv": (names.get(cat) or {}).get("name_sv"),
                         "green_category_en": (names.get(cat) or {}).get("name_en"), "is_green": r.get("is_green"),
                         "expected_reduction_t": r.get("expected_reduction_t_per_year"),
                         "financing": r.get("financing"), "capital_goods_t": r.get("capital_goods_t_co2e")})
    gap = summary.get("gap")
    loans = summary.get("green_loans") or {}
    loan_projects = [p for p in loans.get("projects") or [] if p.get("project_id") in
                     {r.get("project_id") for r in register}]
    first_gap = gap["rows"][0] if gap and gap.get("rows") else None
    return {
        "year": year, "amounts": "booked" if use_booked else "planned",
        "total_sek": total, "green_sek": green, "green_share": green / total if total > 0 else None,
        "capital_goods_t": sum(capital) if capital else None,
        "avoided_t_per_year": first_gap.get("abatement_t") if first_gap else
        sum(p["expected_reduction_t"] or 0.0 for p in projects if p["is_green"]),
        "projects": projects,
        "gap": {"rows": gap["rows"], "closes_from": gap.get("closes_from")} if gap else None,
        "green_loans": {"total_green_loan_sek": sum(p.get("green_loan_sek") or 0.0 for p in loan_projects),
                        "total_attributed_reduction_t_per_year":
                            sum(p.get("attributed_reduction_t_per_year") or 0.0 for p in loan_projects)}
        if loan_projects else None,
        "carbon_fee": carbon_fee,
    }


def investments_section(con: duckdb.DuckDBPyConnection, data) -> dict | None:
    """Return the investments of `data.year` for the report, or None when none are registered."""
    if not _has_rows(con, "investment"):
        return None

    orgs = {o["organisation_id"] for o in data.organisations}
    budget_id = None if (data.budget or {}).get("error") else (data.budget or {}).get("budget_id")
    register = outputs.register(con)
    summary = {"register": [r for r in register if r["year"] == data.year],
               "green_loans": outputs.green_loans(register, con), "gap": None}
    if budget_id:  # the gap against this report's budget; another organisation's gap does not belong here
        try:
            summary["gap"] = outputs.abatement_gap(con, data.year, register, budget_id=budget_id)
        except KlimatspendError:
            summary["gap"] = None
    fee = None
    if _has_rows(con, "carbon_fee"):
        try:
            f = outputs.carbon_fee(con, data.year, organisations=[o["organisation_id"] for o in data.organisations])
            fee = {"price_sek_per_kg": f["price_sek_per_kg_co2e"], "total_sek": f["total_fee_sek"], "fund": f["fund"]}
        except KlimatspendError:
            fee = None  # no fee for this year (outside its years, or no price): the section omits it
    names = {c["category_id"]: c for c in plan.taxonomy(con)}
    return investments_from_summary(summary, data.year, fee, names, orgs)
