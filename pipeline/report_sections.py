"""Optional report sections: the carbon-budget follow-up and the investments, as the reports take them.

Each provider takes the database and the ReportData gathered so far and returns the section as a
dict in the shape docs/reports.md describes, or None when nothing is defined - the reports then say
"no budget defined yet - see klimatspend budget" instead of showing figures.
"""

from __future__ import annotations

import importlib

import duckdb


def _module(name: str):
    """Return pipeline.<name> if this installation has it, else None."""
    try:
        return importlib.import_module(f"pipeline.{name}")
    except ModuleNotFoundError as exc:
        if exc.name in (f"pipeline.{name}",):
            return None
        raise


def budget_section(con: duckdb.DuckDBPyConnection, data) -> dict | None:
    """Return the budget follow-up of `data.year` for the report, or None when no budget is defined."""
    budget = _module("budget")
    if budget is None or not hasattr(budget, "report_section"):
        return None
    return budget.report_section(con, data.year, lang=None)


def investments_section(con: duckdb.DuckDBPyConnection, data) -> dict | None:
    """Return the investments of `data.year` for the report, or None when none are registered."""
    investments = _module("investments")
    if investments is None or not hasattr(investments, "report_section"):
        return None
    return investments.report_section(con, data.year)
