"""Tests for pipeline.report_data: the figures both reports show, read once from the marts."""

from __future__ import annotations

import pytest

from tests.helpers import report_seed as seed
from pipeline.report import data as report_data
from pipeline import store
from pipeline.engine import runs as engine_runs, marts
from pipeline.errors import UsageError


def test_worked_example_change_from_last_year(db):
    """Socialförvaltningen, 2023 -> 2024; 1 SEK = 0.1 USD of 2022 in both years (see seed.py).

    2023: 4610 care 20,000 SEK -> 2,000 USD x 0.5 = 1,000 kg; 7310 transport 2,000 SEK -> 200 USD x 1.0 = 200 kg
          (5011 salaries excluded, 9999 unmapped) -> 1,200 kg.
    2024: 4610 30,000 SEK -> 3,000 USD x 0.5 = 1,500 kg; 7310 4,000 SEK -> 400 USD x 1.0 = 400 kg -> 1,900 kg.
    Change: 1,900 - 1,200 = +700 kg = +58.33 %.
    Organisation 2024: 10,499 kg in all (2023: 2,000 kg); classified spend 95,120 SEK of 98,620 SEK in scope,
    so coverage = 95,120 / 98,620 = 96.45 % and intensity = 10,499 / 95,120 x 1,000 = 110.38 kg/kSEK.
    """
    con, runs = db
    data = report_data.gather(con, 2024)
    social = next(d for d in data.departments if d["department"] == "Socialförvaltningen")
    assert social["emissions_kg_co2e"] == pytest.approx(1900.0)
    assert social["previous_kg_co2e"] == pytest.approx(1200.0)
    assert social["change_kg_co2e"] == pytest.approx(700.0)
    assert social["change_share"] == pytest.approx(700 / 1200)
    h = report_data.headline(data)
    assert h["emissions_kg_co2e"] == pytest.approx(10499.0)
    assert h["previous_kg_co2e"] == pytest.approx(2000.0)
    assert h["change_share"] == pytest.approx(8499 / 2000)
    assert h["coverage_share"] == pytest.approx(95120 / 98620)
    assert h["intensity_kg_co2e_per_ksek"] == pytest.approx(10499 / 95120 * 1000)


def test_figures_equal_the_marts(db):
    con, runs = db
    data = report_data.gather(con, 2024)
    assert data.run_id == runs[2024]
    mart = {(r["organisation_id"], r["department"]): r
            for r in marts.read(con, "emissions_by_department", runs[2024])}
    assert len(data.departments) == len(mart)
    for d in data.departments:
        assert d["emissions_kg_co2e"] == pytest.approx(mart[(d["organisation_id"], d["department"])]["emissions_kg_co2e"])
    assert [d["rank"] for d in data.departments] == list(range(1, len(mart) + 1))
    assert [d["emissions_kg_co2e"] for d in data.departments] == sorted(
        (d["emissions_kg_co2e"] for d in data.departments), reverse=True)
    assert sum(c["emissions_kg_co2e"] for c in data.categories) == pytest.approx(10499.0)
    assert sum(r["spend_sek"] for r in data.department_accounts) == pytest.approx(data.totals["loaded_spend_sek"])


def test_new_department_has_no_change_and_unknown_previous_is_none(db):
    con, runs = db
    data = report_data.gather(con, 2024)
    fastighet = next(d for d in data.departments if d["department"] == "Fastighet")
    assert fastighet["previous_kg_co2e"] is None and fastighet["change_share"] is None
    first = report_data.gather(con, 2023)
    assert first.previous is None
    assert all(d["previous_kg_co2e"] is None for d in first.departments)
    assert report_data.headline(first)["change_kg_co2e"] is None


def test_batches_history_and_provenance(db):
    con, runs = db
    data = report_data.gather(con, 2024)
    batches = {b["batch_id"]: b for b in data.batches}
    assert set(batches) == {2, 3, 4}                       # 2023's file is not part of 2024
    assert batches[2]["rows_read"] == batches[2]["rows_loaded"] + batches[2]["rows_rejected"] == 14
    assert batches[2]["is_sums_reconciled"] is True
    assert batches[4]["status"] == "replaced" and batches[4]["lines_in_run"] == 0
    assert batches[2]["lines_in_run"] == 13 and batches[3]["lines_in_run"] == 2
    assert [h["year"] for h in data.history] == [2023, 2024]
    assert data.history[0]["total_emissions_kg_co2e"] == pytest.approx(2000.0)
    (fs,) = data.factor_sets
    assert (fs["name"], fs["publisher"], fs["licence"], fs["base_year"], fs["currency"]) == \
        ("Test factors", "Test publisher", "CC0-1.0", 2022, "USD")
    assert data.run["settings"]["inflation_convention"] == "ledger_currency_first"
    assert [o["name"] for o in data.organisations] == ["Testby kommun", "Testbybostäder AB"]
    assert data.quality["dq_score_weighted"] is not None


def test_run_selection_errors_say_what_to_do(db):
    con, runs = db
    with pytest.raises(UsageError, match=r"no run for 2022; compute one with `klimatspend run --year 2022`"):
        report_data.gather(con, 2022)
    with pytest.raises(UsageError, match=r"run \d+ is for 2023, not 2024"):
        report_data.gather(con, 2024, run_id=runs[2023])
    with pytest.raises(UsageError, match="run 999: no such run"):
        report_data.gather(con, None, run_id=999)
    assert report_data.gather(con, None, run_id=runs[2023]).year == 2023


def test_optional_sections_come_from_dicts_or_providers(db):
    con, runs = db
    data = report_data.gather(con, 2024)
    assert data.budget is None and data.investments is None
    budget = seed.budget_section(2.0, 10.499)
    with_sections = report_data.gather(con, 2024, budget=budget,
                                       investments_provider=lambda c, d: seed.investments_section())
    assert with_sections.budget is budget
    assert with_sections.investments["green_share"] == 0.75
    with pytest.raises(ValueError, match="budget section lacks"):
        report_data.gather(con, 2024, budget={"name": "no years"})
    with pytest.raises(ValueError, match="budget year 2030 lacks"):
        report_data.gather(con, 2024, budget={"years": [{"year": 2030}]})


def test_run_choice_prefers_all_organisations_then_the_top_level_one(tmp_path):
    con = store.connect(tmp_path / "choice.duckdb")
    try:
        runs = seed.build(con)                                  # runs over all organisations
        company = engine_runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0",
                                        organisation_id="bolag").run_id
        assert engine_runs.shown_run_id(con, 2024) == runs[2024]
        assert engine_runs.shown_run_id(con, 2024, "bolag") == company
        assert report_data.gather(con, 2024, organisation_id="bolag").organisations[0]["name"] == "Testbybostäder AB"
        con.execute("delete from run where run_id = ?", [runs[2024]])
        municipality = engine_runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0",
                                             organisation_id="kommun").run_id
        newer_company = engine_runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0",
                                              organisation_id="bolag", note="newer").run_id
        assert newer_company > municipality
        assert engine_runs.shown_run_id(con, 2024) == municipality  # the municipality, not its company
        with pytest.raises(UsageError, match=r"no run for 2024 and organisation x; compute one with "
                                             r"`klimatspend run --year 2024 --org x`"):
            report_data.gather(con, 2024, organisation_id="x")
    finally:
        con.close()


def test_change_from_last_year_compares_runs_of_the_same_organisation_scope(tmp_path):
    """2023 and 2024 are computed over all organisations; a company-only run of 2024 has no 2023 to compare with."""
    con = store.connect(tmp_path / "scope.duckdb")
    try:
        seed.build(con)
        company = engine_runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0", organisation_id="bolag")
        data = report_data.gather(con, None, run_id=company.run_id)
        assert data.previous is None and [h["year"] for h in data.history] == [2024]
        assert all(d["previous_kg_co2e"] is None for d in data.departments)
        everyone = report_data.gather(con, 2024)
        assert everyone.previous["total_emissions_kg_co2e"] == pytest.approx(2000.0)
        assert [h["year"] for h in everyone.history] == [2023, 2024]
    finally:
        con.close()


def test_group_run_leaves_purchases_within_the_group_out_of_the_consolidated_figure(tmp_path):
    """The municipality buys electricity for 1,000 SEK from its own housing company (org number 556000-0009).

    6110 -> F4 = 2.0 kg per USD of 2022; 1,000 SEK x 0.1 = 100 USD -> 200 kg. The run's total counts it
    (10,499 + 200 = 10,699 kg); the group figure leaves it out: 10,699 - 200 = 10,499 kg.
    """
    con = store.connect(tmp_path / "group.duckdb")
    try:
        seed.build(con)
        seed.insert_lines(con, [(2, 16, "kommun", "2024-12", "6110", "El", "Socialförvaltningen",
                                 "Testbybostäder AB", "556000-0009", 1000.00)], 2024)
        engine_runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
        data = report_data.gather(con, 2024)
    finally:
        con.close()
    h = report_data.headline(data)
    assert h["emissions_kg_co2e"] == pytest.approx(10699.0)
    assert h["group_emissions_kg_co2e"] == pytest.approx(10499.0)
    assert h["intra_group_spend_sek"] == pytest.approx(1000.0)
    group = [o for o in data.organisation_totals if o["is_group"]]
    assert len(group) == 1 and group[0]["organisation_id"] == "kommun"
    assert group[0]["emissions_kg_co2e"] == pytest.approx(10499.0)
    assert {o["organisation_id"] for o in data.organisation_totals if not o["is_group"]} == {"kommun", "bolag"}
