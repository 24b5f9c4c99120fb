"""Gather every figure the reports show from the marts, once, for both the Excel and the HTML report.

Input: an open klimatspend database and a year (or a run id). Output: a `ReportData` of plain
Python values (floats, ints, str, dates) - the reports format it, they never query the database.
Budget follow-up and investments are optional sections: each is a dict (see docs/reports.md for
its shape) or None, in which case the reports say that none is defined instead of showing figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Callable

import duckdb

from ..engine import marts, runs
from ..engine.marts import plain
from ..errors import UsageError
from ..resources import reports_dir
from ..organisations import department_label, department_names

TOP_SUPPLIERS = 10


@dataclass
class ReportData:
    """The figures of one year's report; emissions in kg CO2e, amounts in SEK, shares 0..1; shown in `currency`
    (the ledger's: amounts times `per_sek`)."""

    year: int
    run: dict
    organisations: list[dict]
    totals: dict
    departments: list[dict]
    categories: list[dict]
    suppliers: list[dict]
    accounts: list[dict]
    months: list[dict]
    coverage: list[dict]
    excluded: list[dict]
    unmapped: list[dict]
    department_accounts: list[dict]
    batches: list[dict]
    factor_sets: list[dict]
    quality: dict
    history: list[dict]
    previous: dict | None = None
    budget: dict | None = None
    investments: dict | None = None
    organisation_names: dict[str, str] = field(default_factory=dict)
    organisation_totals: list[dict] = field(default_factory=list)
    mappings: list[dict] = field(default_factory=list)
    # the same purchases with the run's other applicable factor sets: one dict per set with its categories
    sensitivity: list[dict] = field(default_factory=list)
    # energy priced from spend (estimates to replace with kWh or litres) and what activity data cover
    energy_estimates: list[dict] = field(default_factory=list)
    # factors a plausibility check flagged that priced lines of the run (doubtful or overridden)
    flagged_factors: list[dict] = field(default_factory=list)
    mapping_review: list[dict] = field(default_factory=list)
    # (organisation_id, code) -> name of the department register (migration 0060)
    department_names: dict = field(default_factory=dict)
    # the suppliers to take into supplier dialogue (mart supplier_hotspots), largest range first
    hotspots: list[dict] = field(default_factory=list)
    generated_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    currency: str = "SEK"          # the currency figures are shown in (engine.marts.reporting_money)
    per_sek: float = 1.0           # units of `currency` per SEK

    # the run's own figures; the budget and investment plan, the batches (ledger sums) and the run row are not
    _CONVERTED = ("totals", "departments", "categories", "suppliers", "accounts", "months", "coverage", "excluded",
                  "unmapped", "department_accounts", "factor_sets", "quality", "history", "previous",
                  "organisation_totals", "sensitivity", "energy_estimates", "flagged_factors", "mapping_review")

    def in_currency(self) -> "ReportData":
        """Return a copy whose run figures are in `currency`: amounts (`*_sek`) times `per_sek`, intensities
        (`*_per_ksek`) per thousand units of it; the keys keep their names. A SEK report is returned as it is."""
        if self.per_sek == 1.0:
            return self
        return replace(self, per_sek=1.0, **{name: marts.to_currency(getattr(self, name), self.per_sek)
                                             for name in self._CONVERTED})

    @property
    def run_id(self) -> int:
        """The id of the run the report shows."""
        return self.run["run_id"]

    def department_key(self, row: dict) -> tuple[str, str | None]:
        """Return (organisation_id, department) identifying a department row."""
        return row["organisation_id"], row["department"]

    def accounts_of(self, organisation_id: str, department: str | None) -> list[dict]:
        """Return the per-account rows of one department (all rule levels, excluded included)."""
        return [r for r in self.department_accounts
                if r["organisation_id"] == organisation_id and r["department"] == department]

    @property
    def multiple_organisations(self) -> bool:
        """True when the run covers more than one organisation (the department tables show which)."""
        return len({d["organisation_id"] for d in self.departments}) > 1

    @property
    def sensitivity_rows(self) -> list[dict]:
        """Return the sensitivity as one row per alternative set and category (for the workbook)."""
        return [{**c, "set_label": f"{alt['name']}" + (f" ({alt['region']})" if alt.get("region") else "")}
                for alt in self.sensitivity for c in alt["categories"]]

    @property
    def energy_estimate_rows(self) -> list[dict]:
        """Return the energy estimates with the organisation's name (for the workbook)."""
        return [{**e, "organisation_name": self.organisation_name(e["organisation_id"])} for e in self.energy_estimates]

    def department_name(self, organisation_id: str | None, department: str | None) -> str | None:
        """Return a department as people read it ("Centrum (1100)" when the register names the code); None for none."""
        return department_label(self.department_names, organisation_id, department)

    def organisation_name(self, organisation_id: str) -> str:
        """Return an organisation's name (its id when the organisation table has no row for it)."""
        return self.organisation_names.get(organisation_id, organisation_id)


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> list[dict]:
    sql = (reports_dir() / "sql" / f"{name}.sql").read_text(encoding="utf-8")
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [plain(dict(zip(cols, r))) for r in cur.fetchall()]


def resolve_run(con: duckdb.DuckDBPyConnection, year: int | None, run_id: int | None = None,
                organisation_id: str | None = None) -> dict:
    """Return the run row to report: `run_id` if given (its year must match `year`), else the year's shown run."""
    if run_id is None:
        if year is None:
            raise UsageError("give --year YYYY (or --run RUN_ID)")
        run_id = runs.shown_run_id(con, year, organisation_id)
        if run_id is None:
            org = f" and organisation {organisation_id}" if organisation_id else ""
            org_option = f" --org {organisation_id}" if organisation_id else ""
            raise UsageError(f"no run for {year}{org}; compute one with `klimatspend run --year {year}{org_option}`")
    cur = con.execute("select * from run where run_id = ?", [run_id])
    cols = [d[0] for d in cur.description]
    row = cur.fetchone()
    if row is None:
        raise UsageError(f"run {run_id}: no such run; see `klimatspend run --list`")
    run = dict(zip(cols, row))
    if year is not None and run["year"] != year:
        raise UsageError(f"run {run_id} is for {run['year']}, not {year}; drop --year or pick another --run")
    if run["status"] != "complete":
        raise UsageError(f"run {run_id} is {run['status']}, not complete; compute it again with "
                         f"`klimatspend run --year {run['year']}`")
    settings = run.get("settings")
    run["settings"] = json.loads(settings) if isinstance(settings, str) else (settings or {})
    return plain(run)


def _organisations(con, run_id: int) -> list[dict]:
    rows = con.execute(
        """select l.organisation_id, coalesce(o.name, l.organisation_id) as name, o.org_number, o.kind,
                  o.parent_organisation_id
           from (select distinct organisation_id from line_emission where run_id = ?) as l
           left join organisation as o on o.organisation_id = l.organisation_id
           order by o.parent_organisation_id nulls first, l.organisation_id""", [run_id]).fetchall()
    keys = ("organisation_id", "name", "org_number", "kind", "parent_organisation_id")
    return [dict(zip(keys, r)) for r in rows]


def _mappings(con, run: dict) -> list[dict]:
    """Return the account maps the run used: one per organisation (run_organisation), else the run's own."""
    rows = con.execute(
        """select r.organisation_id, coalesce(o.name, r.organisation_id) as name, r.mapping_id, r.mapping_version
           from run_organisation as r left join organisation as o using (organisation_id)
           where r.run_id = ? and r.mapping_id is not null order by r.organisation_id""",
        [run["run_id"]]).fetchall()
    if rows:
        return [dict(zip(("organisation_id", "name", "mapping_id", "mapping_version"), r)) for r in rows]
    return [{"organisation_id": run.get("organisation_id"), "name": None, "mapping_id": run["mapping_id"],
             "mapping_version": run["mapping_version"]}]


def mapping_text(data: "ReportData") -> str:
    """Return the account maps as text: 'kommunbas13@1.0.0' or 'kommunbas13@1.0.0 (Älvby kommun), bas2025@1.0.0 (...)'."""
    maps = data.mappings or [{"mapping_id": data.run["mapping_id"], "mapping_version": data.run["mapping_version"]}]
    if len({(m["mapping_id"], m["mapping_version"]) for m in maps}) == 1:
        return f"{maps[0]['mapping_id']}@{maps[0]['mapping_version']}"
    return ", ".join(f"{m['mapping_id']}@{m['mapping_version']} ({m.get('name') or m.get('organisation_id')})"
                     for m in maps)


def tail_spend_text(data: "ReportData") -> str:
    """Return the organisations whose tail spend the run priced at an average factor: 'Älvby kommun (factor 541990)'."""
    chosen = (data.run.get("settings") or {}).get("tail_spend") or {}
    names = {m.get("organisation_id"): m.get("name") for m in data.mappings or []}
    return ", ".join(f"{names.get(org) or org} ({code})" for org, code in sorted(chosen.items()))


def _factor_sets(con, run_id: int) -> list[dict]:
    cur = con.execute(
        """with used as (
               select factor_set_id, factor_set_version as version, count(*) as n_lines,
                      sum(amount_sek) as spend_sek
               from line_emission where run_id = ? and factor_set_id is not null group by all
           )
           select f.factor_set_id, f.version, f.name, f.publisher, f.url, f.licence, f.base_year, f.currency,
                  f.price_basis, f.gases, f.gwp, f.region, f.relative_uncertainty, f.is_partial,
                  u.n_lines, u.spend_sek
           from factor_set as f
           inner join (select factor_set_id, factor_set_version as version from run where run_id = ?
                       union select factor_set_id, version from used) as k using (factor_set_id, version)
           left join used as u using (factor_set_id, version)
           order by f.factor_set_id, f.version""", [run_id, run_id])
    cols = [d[0] for d in cur.description]
    return [plain(dict(zip(cols, r))) for r in cur.fetchall()]


def sensitivity(con: duckdb.DuckDBPyConnection, run_id: int) -> list[dict]:
    """Return the run's sensitivity: per alternative factor set its name, region, the run's and the set's total
    (kg CO2e), the spend it priced again and kept, and its categories (largest difference first)."""
    out: dict[tuple, dict] = {}
    for r in marts.read(con, "sensitivity_by_category", run_id, order_by="factor_set_id, sort_order, category_id"):
        key = (r["factor_set_id"], r["factor_set_version"], r["region"])
        item = out.setdefault(key, {"factor_set_id": r["factor_set_id"], "version": r["factor_set_version"],
                                    "region": r["region"], "name": r["factor_set_name"], "categories": [],
                                    "run_emissions_kg_co2e": 0.0, "emissions_kg_co2e": 0.0,
                                    "repriced_spend_sek": 0.0, "kept_spend_sek": 0.0})
        item["categories"].append(r)
        for k in ("run_emissions_kg_co2e", "emissions_kg_co2e", "repriced_spend_sek", "kept_spend_sek"):
            item[k] += r[k] or 0.0
    for item in out.values():
        run_kg = item["run_emissions_kg_co2e"]
        item["ratio_to_run"] = item["emissions_kg_co2e"] / run_kg if run_kg else None
        item["categories"].sort(key=lambda c: -abs(c["difference_kg_co2e"] or 0))
    return list(out.values())


def pricing_summary(data: "ReportData") -> dict:
    """Return what the run priced with, for the reports: the set, its region or factor year, the convention (with
    its formula key) and any note about the factor year used."""
    s = data.run.get("settings") or {}
    fs = next((f for f in data.factor_sets if f["factor_set_id"] == data.run["factor_set_id"]
               and f["version"] == data.run["factor_set_version"]), None)
    return {"factor_set_id": data.run["factor_set_id"], "version": data.run["factor_set_version"],
            "name": fs["name"] if fs else data.run["factor_set_id"], "region": s.get("factor_region"),
            "factor_year": s.get("factor_year"), "price_year": s.get("price_year") or (fs["base_year"] if fs else None),
            "currency": fs["currency"] if fs else None,
            "convention": s.get("inflation_convention") or "factor_currency",
            "notes": s.get("factor_notes") or []}


def _with_previous(departments: list[dict], previous: list[dict] | None) -> list[dict]:
    """Add previous_kg_co2e, change_kg_co2e and change_share (None when unknown) to each department row."""
    before = {(d["organisation_id"], d["department"]): d["emissions_kg_co2e"] for d in previous or []}
    out = []
    for rank, d in enumerate(departments, start=1):
        prev = before.get((d["organisation_id"], d["department"])) if previous is not None else None
        change = None if prev is None else d["emissions_kg_co2e"] - prev
        share = None if prev in (None, 0) else change / prev
        out.append({**d, "rank": rank, "previous_kg_co2e": prev, "change_kg_co2e": change, "change_share": share})
    return out


BudgetProvider = Callable[[duckdb.DuckDBPyConnection, "ReportData"], dict | None]


def gather(con: duckdb.DuckDBPyConnection, year: int | None, *, run_id: int | None = None,
           organisation_id: str | None = None,
           budget: dict | None = None, investments: dict | None = None,
           budget_provider: BudgetProvider | None = None,
           investments_provider: BudgetProvider | None = None) -> ReportData:
    """Read the run of `year` (or `run_id`; `organisation_id` narrows the choice) and return every figure.

    `budget` / `investments` are the optional follow-up sections as dicts; when not given they are
    asked of `budget_provider` / `investments_provider` (callables of the database and the data
    gathered so far, returning a dict or None). None means "not defined" and the reports say so.
    """
    run = resolve_run(con, year, run_id, organisation_id)
    run_id = run["run_id"]
    year = run["year"]
    totals = marts.read(con, "run_totals", run_id)[0]
    departments = marts.read(con, "emissions_by_department", run_id,
                        order_by="emissions_kg_co2e desc, organisation_id, department")
    previous_run_id = runs.same_scope_run_id(con, year - 1, run.get("organisation_id"))
    previous = None
    previous_departments = None
    if previous_run_id is not None:
        previous = marts.read(con, "run_totals", previous_run_id)[0]
        previous_departments = marts.read(con, "emissions_by_department", previous_run_id)
    history = [h for h in _query(con, "report_history", {"organisation_id": run.get("organisation_id")})
               if h["year"] != year]
    history.append({"year": year, "run_id": run_id, "total_emissions_kg_co2e": totals["total_emissions_kg_co2e"],
                    "emissions_lower_kg_co2e": totals["emissions_lower_kg_co2e"],
                    "emissions_upper_kg_co2e": totals["emissions_upper_kg_co2e"],
                    "total_spend_sek": totals["total_spend_sek"]})
    history.sort(key=lambda h: h["year"])
    quality = _query(con, "report_quality", {"run_id": run_id})[0]
    currency, per_sek = marts.reporting_money(con, run_id)
    data = ReportData(
        year=year,
        currency=currency,
        per_sek=per_sek,
        run=run,
        organisations=_organisations(con, run_id),
        totals=totals,
        departments=_with_previous(departments, previous_departments),
        categories=marts.read(con, "emissions_by_category", run_id, order_by="emissions_kg_co2e desc, category_id"),
        suppliers=marts.read(con, "emissions_by_supplier", run_id, order_by="emissions_kg_co2e desc, supplier_key"),
        accounts=marts.read(con, "emissions_by_account", run_id, order_by="account"),
        months=marts.read(con, "emissions_by_month", run_id, order_by="period nulls last"),
        coverage=marts.read(con, "spend_coverage", run_id, order_by="spend_sek desc"),
        excluded=marts.read(con, "excluded_spend", run_id, order_by="spend_sek desc"),
        unmapped=marts.read(con, "unmapped_accounts", run_id, order_by="spend_sek desc, account"),
        department_accounts=_query(con, "report_department_accounts", {"run_id": run_id}),
        batches=_query(con, "report_batches", {"run_id": run_id, "year": year}),
        factor_sets=_factor_sets(con, run_id),
        quality=quality,
        history=history,
        previous=previous,
        organisation_names=dict(con.execute("select organisation_id, name from organisation").fetchall()),
    )
    data.mappings = _mappings(con, run)
    data.department_names = department_names(con)
    data.hotspots = marts.read(con, "supplier_hotspots", run_id,
                               order_by="range_width_kg_co2e desc, emissions_kg_co2e desc, supplier_key")[:TOP_SUPPLIERS]
    data.sensitivity = sensitivity(con, run_id)
    data.energy_estimates = marts.read(con, "energy_estimates", run_id, order_by="organisation_id, energy_kind")
    data.flagged_factors = marts.read(con, "flagged_factors", run_id, order_by="emissions_kg_co2e desc, factor_code")
    data.mapping_review = marts.read(con, "mapping_review", run_id,
                                     order_by="abs(spend_sek) desc, organisation_id, account")
    if data.multiple_organisations:
        # per organisation, and the consolidated group without purchases within it (engine marts, issue 5)
        data.organisation_totals = marts.read(con, "emissions_by_organisation", run_id,
                                         order_by="is_group desc, emissions_kg_co2e desc, organisation_id")
    data.budget = budget if budget is not None else (budget_provider(con, data) if budget_provider else None)
    data.investments = investments if investments is not None else (
        investments_provider(con, data) if investments_provider else None)
    if data.budget is not None:
        check_budget_section(data.budget)
    if data.investments is not None:
        check_investments_section(data.investments)
    return data


def headline(data: ReportData) -> dict:
    """Return the headline figures: emissions (kg CO2e) with range, change from last year, coverage, intensity.

    coverage_share = classified spend / spend in scope (excluded spend is out of scope);
    intensity_kg_co2e_per_ksek = emissions / classified spend x 1000 (as in emissions_by_department).
    """
    t = data.totals
    emissions = t["total_emissions_kg_co2e"] or 0.0
    previous = data.previous["total_emissions_kg_co2e"] if data.previous else None
    change = None if previous is None else emissions - previous
    in_scope = t["total_spend_sek"]
    mapped = t["mapped_spend_sek"]
    return {
        "emissions_kg_co2e": emissions,
        "emissions_lower_kg_co2e": t["emissions_lower_kg_co2e"],
        "emissions_upper_kg_co2e": t["emissions_upper_kg_co2e"],
        "emissions_kg_co2": t["total_emissions_kg_co2"],
        # the consolidated figure of a run over a group, without purchases within the group (None before issue 5)
        "group_emissions_kg_co2e": t.get("group_emissions_kg_co2e"),
        "intra_group_spend_sek": t.get("intra_group_spend_sek"),
        "previous_year": data.year - 1,
        "previous_kg_co2e": previous,
        "change_kg_co2e": change,
        "change_share": None if not previous else change / previous,
        "spend_in_scope_sek": in_scope,
        "mapped_spend_sek": mapped,
        "unmapped_spend_sek": t["unmapped_spend_sek"],
        "excluded_spend_sek": t["excluded_spend_sek"],
        "loaded_spend_sek": t["loaded_spend_sek"],
        "coverage_share": mapped / in_scope if in_scope and mapped is not None and in_scope > 0 else None,
        "intensity_kg_co2e_per_ksek": emissions / mapped * 1000 if mapped and mapped > 0 else None,
        "dq_score": data.quality.get("dq_score_weighted"),
        "n_lines": t["n_lines"],
    }


BUDGET_KEYS = {"years"}
BUDGET_YEAR_KEYS = {"year", "budget_t", "actual_t"}
INVESTMENT_KEYS = {"projects"}


def check_budget_section(budget: dict) -> None:
    """Raise ValueError when a budget section lacks the keys the reports use (see docs/reports.md)."""
    if budget.get("error"):
        return  # a budget that cannot be followed up: the reports show its error instead of figures
    missing = BUDGET_KEYS - set(budget)
    if missing:
        raise ValueError(f"budget section lacks {sorted(missing)}")
    for row in budget["years"]:
        missing = BUDGET_YEAR_KEYS - set(row)
        if missing:
            raise ValueError(f"budget year {row.get('year')} lacks {sorted(missing)}")


def check_investments_section(investments: dict) -> None:
    """Raise ValueError when an investments section lacks the keys the reports use (see docs/reports.md)."""
    missing = INVESTMENT_KEYS - set(investments)
    if missing:
        raise ValueError(f"investments section lacks {sorted(missing)}")
