"""Database edge of the budget step: store and read definitions, read actual emissions from runs.

Actual emissions come from the `emissions_by_department` mart of the run chosen for each year and
organisation: a run computed for that organisation if there is one, else a run covering all
organisations (`engine.runs.covering_runs`, the one rule for which run counts).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ..engine import marts
from ..engine.runs import covering_runs
from ..store import transaction
from .definitions import BudgetDef, CarbonFeeDef, Definition
from .territorial import EMISSIONS_FILE, MUNICIPALITIES_FILE, data_dir

NO_DEPARTMENT = "(ingen förvaltning / no department)"
DIRECT = "(egna direkta utsläpp / own direct emissions)"


def save_definition(con: duckdb.DuckDBPyConnection, defn: Definition, *, source_file: str | None = None,
                    imported_by: str | None = None) -> dict:
    """Replace the stored budget definitions with `defn` (atomically); return counts of what was stored."""
    with transaction(con):
        for table in ("budget", "budget_year", "budget_allocation", "measure", "own_emission", "residents_emission",
                      "budget_setting"):
            con.execute(f"delete from {table}")
        for order, b in enumerate(defn.budgets):
            con.execute(
                """insert into budget (budget_id, name, perspective, organisations, municipality, scope, method, rate,
                       base_year, base_emissions_t, base_from_actual, total_t, start_year, start_emissions_t,
                       start_from_actual, zero_year, follow_up_from, include_own_emissions, allocate_to,
                       allocation_method, allocation_base_year, trend_years, sort_order, notes, definition,
                       source_file, imported_by)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [b.budget_id, b.name, b.perspective, b.organisations or None, b.municipality, b.scope, b.method,
                 b.rate, b.base_year, b.base_emissions_t, b.base_from_actual, b.total_t, b.start_year,
                 b.start_emissions_t, b.start_from_actual, b.zero_year, b.follow_up_from, b.include_own_emissions,
                 b.allocate_to, b.allocation_method, b.allocation_base_year, b.trend_years, order, b.notes,
                 json.dumps(b.as_toml_table(), ensure_ascii=False), source_file, imported_by])
            for year, value in b.values.items():
                con.execute("insert into budget_year values (?, ?, ?)", [b.budget_id, year, value])
            for unit, weight in b.weights.items():
                org, dept = _split_unit(unit, b)
                con.execute("insert into budget_allocation (budget_id, organisation_id, department, basis, basis_value,"
                            " source_file) values (?, ?, ?, 'weights', ?, ?)",
                            [b.budget_id, org, dept, weight, source_file])
        basis_file = defn.files.get("allocation_basis")
        for r in defn.allocation_basis:
            for column, basis in (("employees", "employees"), ("budget_sek", "budget"), ("weight", "weights")):
                if r.get(column) is not None:
                    con.execute("insert into budget_allocation (budget_id, organisation_id, department, basis, "
                                "basis_value, source_file, source_row) values (null, ?, ?, ?, ?, ?, ?)",
                                [r.get("organisation"), r["department"], basis, r[column], basis_file, r["source_row"]])
        for m in defn.measures:
            con.execute("""insert into measure (measure_id, name, budget_id, organisation_id, department, start_year,
                               end_year, reduction_t_per_year, cost_sek, yearly_cost_sek, lifetime_years, status, notes,
                               source_file, source_row) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        [m["measure_id"], m["name"], m.get("budget"), m.get("organisation"), m.get("department"),
                         m["start_year"], m.get("end_year"), m["reduction_t_per_year"], m.get("cost_sek"),
                         m.get("yearly_cost_sek"), m.get("lifetime_years"), m.get("status") or "planned",
                         m.get("notes"), defn.files.get("measures"), m["source_row"]])
        for r in defn.own_emissions:
            con.execute("""insert into own_emission (organisation_id, department, year, emissions_t_co2e,
                               emissions_t_co2, source, notes, source_file, source_row) values (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        [r.get("organisation"), r.get("department"), r["year"], r["emissions_t_co2e"],
                         r.get("emissions_t_co2"), r.get("source"), r.get("notes"), defn.files.get("own_emissions"),
                         r["source_row"]])
        for r in defn.residents:
            con.execute("""insert into residents_emission (year, emissions_t_co2e, population, kg_co2e_per_person,
                               source, source_file, source_row) values (?, ?, ?, ?, ?, ?, ?)""",
                        [r["year"], r["emissions_t_co2e"], r.get("population"), r.get("kg_co2e_per_person"),
                         r.get("source"), defn.files.get("residents"), r["source_row"]])
        settings = {"settings": defn.settings, "files": defn.files, "source_file": source_file}
        for key, value in settings.items():
            con.execute("insert into budget_setting values (?, ?)", [key, json.dumps(value, ensure_ascii=False)])
        if _has_table(con, "carbon_fee"):
            con.execute("delete from carbon_fee where source = 'definition'")
            if defn.carbon_fee:
                f = defn.carbon_fee
                con.execute("""insert into carbon_fee (price_sek_per_kg_co2e, scope, categories, from_year, to_year,
                                   fund, notes, source) values (?, ?, ?, ?, ?, ?, ?, 'definition')""",
                            [f.price_sek_per_kg_co2e, f.scope, f.categories or None, f.from_year, f.to_year, f.fund,
                             f.notes])
        load_territorial_tables(con)
    return {"budgets": len(defn.budgets), "allocation_basis_rows": len(defn.allocation_basis),
            "measures": len(defn.measures), "own_emission_rows": len(defn.own_emissions),
            "residents_rows": len(defn.residents), "carbon_fee": defn.carbon_fee is not None}


def _split_unit(unit: str, b: BudgetDef) -> tuple[str | None, str | None]:
    # weights keys: a department name, an organisation id (allocate_to = organisation) or "org/department"
    if b.allocate_to == "organisation":
        return unit, None
    if "/" in unit:
        org, dept = unit.split("/", 1)
        return org, dept
    orgs = [o for o in b.organisations if o != "*"]
    return (orgs[0] if len(orgs) == 1 else None), unit


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_name = ?", [name]).fetchone()[0])


def load_territorial_tables(con: duckdb.DuckDBPyConnection, directory: Path | None = None) -> int:
    """(Re)load the shipped municipal budgets and emissions into municipality_budget/_emission; return rows."""
    base = directory or data_dir()
    con.execute("delete from municipality_emission")
    con.execute("delete from municipality_budget")
    con.execute("insert into municipality_budget by name select * from read_csv(?, header = true, "
                "auto_detect = true, all_varchar = false)", [str(base / MUNICIPALITIES_FILE)])
    con.execute("insert into municipality_emission by name select * from read_csv(?, header = true)",
                [str(base / EMISSIONS_FILE)])
    return con.execute("select count(*) from municipality_emission").fetchone()[0]


def stored_definition(con: duckdb.DuckDBPyConnection) -> Definition | None:
    """Return the stored definition (budgets, settings, fee and input rows), or None when none was imported."""
    rows = con.execute("select * from budget order by sort_order").fetchall()
    if not rows:
        return None
    cols = [d[0] for d in con.description]
    budgets = []
    for row in rows:
        r = dict(zip(cols, row))
        b = BudgetDef(budget_id=r["budget_id"], name=r["name"], perspective=r["perspective"],
                      organisations=list(r["organisations"] or []), municipality=r["municipality"], scope=r["scope"],
                      method=r["method"], rate=r["rate"], base_year=r["base_year"],
                      base_emissions_t=r["base_emissions_t"], base_from_actual=r["base_from_actual"],
                      total_t=r["total_t"], start_year=r["start_year"], start_emissions_t=r["start_emissions_t"],
                      start_from_actual=r["start_from_actual"], zero_year=r["zero_year"],
                      follow_up_from=r["follow_up_from"], include_own_emissions=r["include_own_emissions"],
                      allocate_to=r["allocate_to"], allocation_method=r["allocation_method"],
                      allocation_base_year=r["allocation_base_year"], trend_years=r["trend_years"], notes=r["notes"])
        # the English name lives in the stored definition (the [[budget]] table as imported)
        stored = json.loads(r["definition"]) if isinstance(r.get("definition"), str) else (r.get("definition") or {})
        b.name_en = stored.get("name_en") if isinstance(stored, dict) else None
        b.values = dict(con.execute("select year, budget_t from budget_year where budget_id = ? order by year",
                                    [b.budget_id]).fetchall())
        b.weights = {(f"{o}/{d}" if o and d and len([x for x in b.organisations if x != '*']) != 1 else (d or o)): v
                     for o, d, v in con.execute("select organisation_id, department, basis_value from budget_allocation "
                                                "where budget_id = ? and basis = 'weights'", [b.budget_id]).fetchall()}
        budgets.append(b)
    settings = {k: json.loads(v) for k, v in con.execute("select key, value from budget_setting").fetchall()}
    defn = Definition(settings.get("source_file") or "budget.toml", budgets, settings=settings.get("settings") or {},
                      files=settings.get("files") or {})
    defn.allocation_basis = _rows(con, """select organisation_id as organisation, department,
            max(basis_value) filter (where basis = 'employees') as employees,
            max(basis_value) filter (where basis = 'budget') as budget_sek,
            max(basis_value) filter (where basis = 'weights') as weight, min(source_row) as source_row
        from budget_allocation where budget_id is null group by all order by source_row""")
    defn.measures = _rows(con, """select measure_id, name, budget_id as budget, organisation_id as organisation,
            department, start_year, end_year, reduction_t_per_year, cost_sek, yearly_cost_sek, lifetime_years, status,
            notes, source_row from measure order by source_row, measure_id""")
    defn.own_emissions = _rows(con, """select organisation_id as organisation, department, year, emissions_t_co2e,
            emissions_t_co2, source, notes, source_row from own_emission order by source_row""")
    defn.residents = _rows(con, """select year, emissions_t_co2e, population, kg_co2e_per_person, source, source_row
            from residents_emission order by year""")
    if _has_table(con, "carbon_fee"):
        fee = _rows(con, "select * from carbon_fee where source = 'definition' limit 1")
        if fee:
            f = fee[0]
            defn.carbon_fee = CarbonFeeDef(f["price_sek_per_kg_co2e"], f["scope"], list(f["categories"] or []),
                                           f["from_year"], f["to_year"], f["fund"], f["notes"])
    return defn


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def all_organisations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return every organisation id that has loaded ledger lines or computed results."""
    return [r[0] for r in con.execute(
        """select organisation_id from organisation
           union select organisation_id from ledger_batch where status = 'loaded'
           union select distinct organisation_id from line_emission
           order by 1""").fetchall()]


def department_actuals(con: duckdb.DuckDBPyConnection, organisations: list[str], scope: str,
                       include_own: bool) -> list[dict]:
    """Return rows (year, organisation_id, department, emissions_t, spend_sek, run_id, is_direct) for the organisations.

    Emissions are the chosen run's mart figures in tonnes (CO2e or CO2 only by `scope`), plus own direct
    emissions from `own_emission` when `include_own` is set (as their own rows, is_direct = true).
    """
    column = "emissions_kg_co2e" if scope == "co2e" else "emissions_kg_co2"
    chosen = {(r["run_id"], r["organisation_id"]): r["year"] for r in covering_runs(con, organisations)}
    departments = marts.read_runs(con, "emissions_by_department", sorted({run_id for run_id, _ in chosen}), exact=True)
    out = sorted(({"year": chosen[(d["run_id"], d["organisation_id"])], "organisation_id": d["organisation_id"],
                   "department": d["department"] if d["department"] is not None else NO_DEPARTMENT,
                   "emissions_t": d[column] / 1000.0, "spend_sek": d["spend_sek"], "run_id": d["run_id"],
                   "is_direct": False, **_range_t(d, column)}
                  for d in departments if (d["run_id"], d["organisation_id"]) in chosen),
                 key=lambda r: (r["year"], r["organisation_id"], r["department"]))
    if include_own:
        own_col = "emissions_t_co2e" if scope == "co2e" else "coalesce(emissions_t_co2, emissions_t_co2e)"
        known = [o for o in organisations]
        single = known[0] if len(known) == 1 else None
        out += _rows(con, f"""
            select year, coalesce(organisation_id, ?) as organisation_id, coalesce(department, ?) as department,
                   sum({own_col}) as emissions_t, null as spend_sek, null as run_id, true as is_direct
            from own_emission
            where coalesce(organisation_id, ?) = any(?::varchar[])
            group by all order by 1, 2, 3""", [single, DIRECT, single, organisations])
    return out


def _range_t(d: dict, column: str) -> dict:
    """Return the lower and upper bound of a mart row's emissions in tonnes (CO2 only: the CO2e range's ratios)."""
    central = d.get("emissions_kg_co2e") or 0.0
    lower, upper = d.get("emissions_lower_kg_co2e"), d.get("emissions_upper_kg_co2e")
    if not central or lower is None or upper is None:
        return {"emissions_lower_t": None, "emissions_upper_t": None}
    value = (d[column] or 0.0) / 1000.0
    return {"emissions_lower_t": value * lower / central, "emissions_upper_t": value * upper / central}


def territorial_actuals(con: duckdb.DuckDBPyConnection, kommun: str) -> dict[int, float]:
    """Return year -> t CO2 measured by SMHI for `kommun` (from the loaded territorial tables)."""
    return dict(con.execute("select year, emissions_t_co2 from municipality_emission where kommun = ? and "
                            "series = 'smhi' order by year", [kommun]).fetchall())


def residents_actuals(con: duckdb.DuckDBPyConnection) -> dict[int, float]:
    """Return year -> t CO2e of residents' consumption-based emissions (imported)."""
    return dict(con.execute("select year, emissions_t_co2e from residents_emission order by year").fetchall())


def measures(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the stored measures as dicts."""
    return _rows(con, "select * from measure order by start_year, measure_id")


def allocation_basis(con: duckdb.DuckDBPyConnection, budget_id: str, basis: str) -> list[dict]:
    """Return rows (organisation_id, department, basis_value) of one basis for a budget (own rows over shared)."""
    return _rows(con, """select organisation_id, department, basis_value from budget_allocation
                         where basis = ? and (budget_id = ? or budget_id is null)
                         qualify row_number() over (partition by organisation_id, department
                                                    order by budget_id nulls last) = 1""", [basis, budget_id])
