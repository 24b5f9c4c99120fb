"""Tests for pipeline.report_sections: the budget follow-up and investments turned into report sections.

The dicts below have the shape of `pipeline.budget.overview.budget_overview` (public form) and of
`pipeline.investments.outputs` (register rows, green_loans, abatement_gap), trimmed to the fields the
adapter reads.
"""

from __future__ import annotations

import pytest

from pipeline.report import sections


def follow_up(**extra) -> dict:
    rows = [{"year": 2023, "budget_t": 100.0, "actual_t": 100.0, "deviation_t": 0.0, "cumulative_actual_t": 100.0,
             "cumulative_budget_t": 100.0, "remaining_t": 525.0},
            {"year": 2024, "budget_t": 84.0, "actual_t": 95.0, "deviation_t": 11.0, "cumulative_actual_t": 195.0,
             "cumulative_budget_t": 184.0, "remaining_t": 430.0}]
    return {"year": 2024, "rows": rows, "remaining_t": 430.0, "runs_out_year": 2028.26, "runs_out_date": "2028-04-04",
            "has_run_out": False, "needed_rate": 0.28, "status": "behind", "verdict_sv": "efter: behöver −28 %",
            "verdict_en": "behind: needs −28 %", **extra}


def overview(budgets: list[dict], group: dict | None = None) -> dict:
    return {"year": 2024, "horizon_year": 2026, "budgets": budgets, "group": group,
            "perspectives": [{"perspective": "organisation", "name": "Kommunen"}]}


def org_budget(budget_id: str, orgs: list[str], **extra) -> dict:
    return {"budget_id": budget_id, "name": f"Budget {budget_id}", "perspective": "organisation",
            "organisations": orgs, "unit": "t CO2e", "method": "rate",
            "path": {"method": "rate", "start_year": 2023, "total_t": 625.0,
                     "describe": {"sv": "−16 % per år från 2023", "en": "−16 % a year from 2023"}},
            "follow_up": follow_up(),
            "projection": [{"year": 2025, "trend_t": 90.0, "budget_t": 70.56, "gap_t": 19.44},
                           {"year": 2026, "trend_t": 85.0, "budget_t": 59.27, "gap_t": 25.73}],
            "departments": [{"organisation_id": "kommun", "department": "Skola", "budget_t": 40.0, "actual_t": 50.0,
                             "deviation_t": 10.0, "remaining_t": 200.0, "status": "behind", "verdict_sv": "efter",
                             "verdict_en": "behind", "rows": []}],
            "measures": {"count": 1, "reduction_t_to_horizon": 5.0}, "warnings": [], **extra}


def test_budget_section_from_the_overview():
    section = sections.budget_from_overview(
        overview([org_budget("kommun", ["kommun"]), org_budget("bolag", ["bolag"])]), {"kommun"})
    assert section["name"] == "Budget kommun"
    assert [y["year"] for y in section["years"]] == [2023, 2024, 2025, 2026]
    assert section["years"][2] == {"year": 2025, "budget_t": 70.56, "actual_t": None, "trend_t": 90.0}
    assert section["runs_out_year"] == 2028 and section["runs_out_date"] == "2028-04-04"
    assert section["required_reduction"] == 0.28 and section["verdict_en"] == "behind: needs −28 %"
    assert section["describe_sv"] == "−16 % per år från 2023"
    assert section["departments"][0]["department"] == "Skola" and "rows" not in section["departments"][0]
    assert section["perspectives"][0]["name"] == "Kommunen"


def test_budget_section_picks_the_report_organisations_budget_and_passes_errors_on():
    ov = overview([org_budget("kommun", ["kommun"]),
                   {"budget_id": "bolag", "name": "Bolaget", "perspective": "organisation",
                    "error": "no computed runs for bolag"}])
    assert sections.budget_from_overview(ov, {"bolag"}) == {"budget_id": "bolag", "name": "Bolaget",
                                                                   "error": "no computed runs for bolag"}
    assert sections.budget_from_overview(ov, {"kommun"})["name"] == "Budget kommun"
    assert sections.budget_from_overview(overview([org_budget("kommun", ["kommun"])]), {"other"}) is None
    territorial_only = {"year": 2024, "budgets": [{"budget_id": "geo", "perspective": "territorial"}]}
    assert sections.budget_from_overview(territorial_only, {"kommun"}) is None


def test_budget_section_of_a_group():
    group = {"follow_up": follow_up(runs_out_year=None, runs_out_date=None), "members": []}
    ov = overview([org_budget("kommun", ["kommun"]), org_budget("bolag", ["bolag"])], group=group)
    section = sections.budget_from_overview(ov, {"kommun", "bolag"})
    assert section["name"] == "Budget kommun + Budget bolag" and section["runs_out_year"] is None
    assert [y["year"] for y in section["years"]] == [2023, 2024, 2025, 2026]
    assert section["years"][2] == {"year": 2025, "budget_t": pytest.approx(2 * 70.56), "actual_t": None,
                                   "trend_t": pytest.approx(2 * 90.0)}          # the members' paths added up
    assert len(section["departments"]) == 2


def test_investments_section_from_the_register():
    """Booked amounts (the year has some): 9 + 3 = 12 MSEK, green 9 MSEK -> 75 %; capital goods 50 + 90 t."""
    summary = {
        "register": [
            {"project_id": "P1", "name": "Solceller", "organisation_id": "kommun", "department": "Skola",
             "planned_sek": 10e6, "booked_sek": 9e6, "green_category": "renewable_energy", "is_green": True,
             "expected_reduction_t_per_year": 30.0, "financing": "green_loan", "capital_goods_t_co2e": 50.0},
            {"project_id": "P2", "name": "Bro", "organisation_id": "kommun", "department": None,
             "planned_sek": 4e6, "booked_sek": 3e6, "green_category": None, "is_green": False,
             "expected_reduction_t_per_year": None, "financing": "own", "capital_goods_t_co2e": 90.0}],
        "green_loans": {"projects": [{"project_id": "P1"}], "total_green_loan_sek": 10e6,
                        "total_attributed_reduction_t_per_year": 30.0},
        "gap": {"rows": [{"year": 2025, "gap_t": 20.0, "abatement_t": 30.0, "remaining_gap_t": -10.0}],
                "closes_from": 2025},
    }
    names = {"renewable_energy": {"name_sv": "Förnybar energi", "name_en": "Renewable energy"}}
    section = sections.investments_from_summary(summary, 2024, {"price_sek_per_kg": 1.5, "total_sek": 3.0,
                                                                       "fund": "x"}, names)
    assert (section["total_sek"], section["green_sek"], section["green_share"]) == (12e6, 9e6, 0.75)  # booked
    assert section["capital_goods_t"] == pytest.approx(50.0 + 90.0)
    assert section["avoided_t_per_year"] == 30.0                       # the plan's abatement in the first gap year
    assert section["gap"]["closes_from"] == 2025 and section["carbon_fee"]["fund"] == "x"
    p1 = section["projects"][0]
    assert (p1["project"], p1["amount_sek"], p1["green_category_sv"], p1["expected_reduction_t"]) == \
        ("Solceller", 9e6, "Förnybar energi", 30.0)
    assert sections.investments_from_summary({"register": []}, 2024) is None
    company = {**summary, "register": [{**summary["register"][0], "organisation_id": "bolag"}, summary["register"][1]]}
    only_kommun = sections.investments_from_summary(company, 2024, organisations={"kommun"})
    assert [p["project"] for p in only_kommun["projects"]] == ["Bro"]
    assert only_kommun["green_share"] == 0.0 and only_kommun["green_loans"] is None


def test_providers_say_nothing_is_defined_on_a_database_without_budget_or_investments(con):
    from pipeline.report.data import ReportData  # noqa: F401 - the providers only read data.year/organisations

    class Data:
        year = 2024
        organisations = [{"organisation_id": "kommun"}]

    assert sections.budget_section(con, Data()) is None
    assert sections.investments_section(con, Data()) is None
