"""The demo municipality's budget definition and investment plan (pipeline/demo_inputs) on the demo ledgers."""

from __future__ import annotations

import re
import shutil

import pytest

from pipeline import store
from pipeline.budget import definitions
from pipeline.demo.scenario import demo_inputs_dir, demo_summary, load_demo_inputs
from pipeline.investments import outputs, plan


def test_demo_inputs_are_valid_files():
    base = demo_inputs_dir()
    defn = definitions.load_definition(base / "budget.toml")
    assert [b.budget_id for b in defn.budgets] == ["kommun", "bostader", "geografiskt", "invanare"]
    assert defn.budgets[0].rate == 0.16 and defn.budgets[0].allocation_method == "grandfathering"
    assert len(defn.measures) == 7 and len(defn.allocation_basis) == 9
    p = plan.read_plan(base / "investment_plan.csv", {c["category_id"] for c in plan.taxonomy()})
    assert len(p.projects) == 23
    # every project is classified or marked not green, except the one left for a decision
    assert [pid for pid, pr in p.projects.items() if pr["green_category"] is None] == ["95101"]


@pytest.fixture(scope="module")
def demo_db(demo_once, tmp_path_factory):
    """A copy of the session's `klimatspend demo` database (small ledgers), then the demo inputs imported."""
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    shutil.copyfile(demo_once[0] / "klimatspend.duckdb", db)
    con = store.connect(db)
    counts = load_demo_inputs(con)
    yield con, counts
    con.close()


def test_demo_budget_follow_up_shows_departments_behind(demo_db):
    con, counts = demo_db
    assert counts["budgets"] == 4 and counts["investments"]["projects"] == 23
    lines = demo_summary(con, 2025)
    text = "\n".join(lines)
    assert "Carbon budget Älvby kommun (−16 % a year from 2023" in text
    assert "departments behind:" in text
    assert "Green share of planned investments 2026:" in text
    assert "Budget gap 2026:" in text


def test_demo_plan_matches_ledger_project_codes(demo_db):
    con, _ = demo_db
    reg = outputs.register(con)
    booked = {r["project_id"] for r in reg if r["booked_sek"]}
    assert {"91101", "91104", "92104", "94101"} <= booked
    # no municipal project in the ledger is missing from the plan
    assert all(r["in_plan"] for r in reg if r["project_id"] and r["organisation_id"] == "alvby_kommun")


def test_demo_follow_up_in_swedish_has_swedish_words_and_numbers(demo_db):
    con, _ = demo_db
    text = "\n".join(demo_summary(con, 2025, lang="sv"))
    assert "Koldioxidbudget Älvby kommun (−16 % per år från 2023" in text
    assert "förvaltningar som ligger efter:" in text and "Grön andel av planerade investeringar 2026:" in text
    assert "Budgetgap 2026:" in text and "mnkr)" in text
    # no English words and Swedish separators (space for thousands, decimal comma)
    assert "Carbon budget" not in text and "departments behind" not in text
    assert re.search(r"\d{1,3} \d{3} t", text) and re.search(r"\d+,\d %", text)
