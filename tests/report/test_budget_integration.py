"""The reports with the real budget follow-up and investment register (pipeline.budget, pipeline.investments):
a −16 % budget and a two-project investment plan imported into the report test database."""

from __future__ import annotations


import openpyxl
import pytest

from tests.helpers import report_seed as seed
from pipeline.report import data as report_data, html as report_html, sections
from pipeline import store
from tests.helpers.paths import FIXTURES

BUDGET_DIR = FIXTURES / "reports" / "budget"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from pipeline.budget import definitions
    from pipeline.budget import store as budget_store
    from pipeline.investments import ensure_taxonomy
    from pipeline.investments import plan

    path = tmp_path_factory.mktemp("budget") / "budget.duckdb"
    con = store.connect(path)
    seed.build(con)
    budget_store.save_definition(con, definitions.load_definition(BUDGET_DIR / "budget.toml"),
                                 source_file="budget.toml", imported_by="test")
    ensure_taxonomy(con)
    green = {c["category_id"] for c in plan.taxonomy(con)}
    plan.save_plan(con, plan.read_plan(BUDGET_DIR / "investment_plan.csv", green), imported_by="test")
    yield con
    con.close()


def test_budget_section_follows_the_runs(db):
    """Base 2023 = the 2023 actual, 2.0 t; budget 2024 = 2.0 x 0.84 = 1.68 t; actual 2024 = 10.499 t."""
    data = report_data.gather(db, 2024, budget_provider=sections.budget_section,
                              investments_provider=sections.investments_section)
    b = data.budget
    years = {y["year"]: y for y in b["years"]}
    assert years[2023]["budget_t"] == pytest.approx(2.0) and years[2023]["actual_t"] == pytest.approx(2.0)
    assert years[2024]["budget_t"] == pytest.approx(1.68) and years[2024]["actual_t"] == pytest.approx(10.499)
    assert max(years) == 2028 and years[2026]["actual_t"] is None and years[2026]["trend_t"] is not None
    assert b["status"] in ("behind", "over_budget") and b["verdict_sv"] and b["verdict_en"]
    assert b["name"] == "Testby kommun −16 %"
    assert {d["department"] for d in b["departments"]} >= {"Socialförvaltningen", "Barn- och utbildningsförvaltningen"}
    inv = data.investments
    assert inv["green_share"] == pytest.approx(0.75)
    assert {p["project"] for p in inv["projects"]} == {"Solceller på skolor", "=Ombyggnad kök"}
    assert inv["carbon_fee"]["total_sek"] == pytest.approx(1.5 * 10499.0)


def test_reports_show_the_budget(db, tmp_path):
    xlsx, html = report_html.write_reports(db, 2024, tmp_path, "sv")
    text = html.read_text(encoding="utf-8")
    assert 'id="chart-budget"' in text and "Ingen koldioxidbudget" not in text
    assert "Testby kommun −16 %" in text and "Klimatfonden" in text
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Budget och utfall"]
    assert ws["A3"].value == "År" and ws["B5"].value == pytest.approx(1.68)
