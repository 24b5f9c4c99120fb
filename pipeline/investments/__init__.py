"""Green investments and internal carbon pricing: investment register, green share, capital-goods emissions,
abatement against the budget gap, green-loan impact and the carbon fee (klimatväxling).

Modules: `plan` (investment-plan files, green taxonomy, classification decisions) and `outputs` (the
figures, formulas in its docstring). The demo municipality's plan is loaded by `pipeline.demo.scenario`.
"""

from __future__ import annotations

import duckdb

from . import outputs, plan

def ensure_taxonomy(con: duckdb.DuckDBPyConnection) -> None:
    """Load the shipped green categories into the database unless categories are already loaded."""
    if not con.execute("select count(*) from green_category").fetchone()[0]:
        plan.load_taxonomy(con)


def summary(con: duckdb.DuckDBPyConnection, year: int, *, budget_id: str | None = None,
            horizon_year: int | None = None) -> dict:
    """Return the investment outputs for `year`: register, green share, capital goods, gap, green loans."""
    reg = outputs.register(con)
    result = {"year": year, "register": [r for r in reg if r["year"] == year],
              "green_share": outputs.green_share(reg), "capital_goods": outputs.capital_goods(con, reg),
              "green_loans": outputs.green_loans(reg, con)}
    has_budget = con.execute("select count(*) from budget where perspective = 'organisation'").fetchone()[0]
    result["gap"] = outputs.abatement_gap(con, year, reg, budget_id=budget_id, horizon_year=horizon_year) \
        if has_budget else None
    return result
