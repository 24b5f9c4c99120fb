"""Tests for activity data (kWh, litres) replacing spend-based estimates, and the shipped activity factors."""

from __future__ import annotations

import csv
import json

import pytest
from tests.helpers.engine_seed import add_batch, add_lines, add_org, seed_reference

from pipeline.ingest import activity
from pipeline.factors import activity as activity_factors
from pipeline.engine import runs, marts
from pipeline.errors import DataError, KlimatspendError


def energy_ledger(con) -> None:
    """Electricity (622), district heating (623) and fuel (691) spend in two departments, 2024."""
    seed_reference(con)
    add_org(con, "org")
    add_batch(con, 1)
    add_lines(con, 1, [
        dict(source_row=2, account="6221", amount=60000, department="A"),
        dict(source_row=3, account="6221", amount=50000, department="B"),
        dict(source_row=4, account="6221", amount=-10000, department="B", description="kreditfaktura"),
        dict(source_row=5, account="6231", amount=30000, department="A"),
        dict(source_row=6, account="6231", amount=20000, department="B"),
        dict(source_row=7, account="6911", amount=15000, department="B"),
        dict(source_row=8, account="6911", amount=5000, department="A"),
    ])


def write_activity(tmp_path, rows: list[list[str]], name: str = "energi_2024.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["År", "Konto", "Kategori", "Förvaltning", "Aktivitet", "Mängd", "Enhet", "Egen faktor",
                         "Faktorkälla"])
        writer.writerows(rows)
    return path


def test_activity_replaces_spend_without_double_counting(con, tmp_path):
    """Electricity, district heating and diesel from measured quantities.

    Electricity 622, all departments: 100 MWh = 100,000 kWh x 0.023 kg/kWh (Electricity Maps SE 2024)
        = 2,300 kg, scope 2. Shared by net spend 60,000 + 50,000 - 10,000 = 100,000 SEK:
        row 2 60 % = 1,380 kg; row 3 50 % = 1,150 kg; row 4 (credit note) -10 % = -230 kg.
    District heating 623, department A only, own factor 45 g/kWh: 200,000 kWh x 0.045 = 9,000 kg on row 5.
        Department B's heating (row 6) has no activity data: spend fallback with F5 0.6,
        20,000 x 0.1 x 0.6 = 1,200 kg, method spend_fallback, data quality 5.
    Diesel, category transport, department B: 1,000 litres x (2.51279 combustion + 0.61101 well-to-tank)
        = 3,123.80 kg: scope 1 2,512.79 kg and scope 3 (category 3) 611.01 kg, all on row 7.
        Row 8 (department A) keeps the spend estimate: 5,000 x 0.1 x 0.2 = 100 kg; 691 is transport,
        not energy, so its method is 'spend' (account group 691: data quality 4).
    """
    energy_ledger(con)
    path = write_activity(tmp_path, [
        ["2024", "622", "", "", "electricity_se", "100", "MWh", "", ""],
        ["2024", "623", "", "A", "district_heating_uk", "200 000", "kWh", "0,045", "Älvby Energi miljövärde 2024"],
        ["2024", "", "transport", "B", "diesel", "1000", "liter", "", ""],
    ])
    loaded = activity.load_activity_file(con, path, organisation_id="org")
    assert loaded.rows_loaded == 3
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    lines = {r[0]: r[1:] for r in con.execute(
        """select source_row, rule_level, method, dq_score, emissions_kg_co2e, emissions_scope1_kg_co2e,
                  emissions_scope2_kg_co2e, emissions_scope3_kg_co2e, activity_code
           from line_emission where run_id = ?""", [result.run_id]).fetchall()}
    assert lines[2][:4] == ("activity", "activity", 1, pytest.approx(1380.0))
    assert lines[3][3] == pytest.approx(1150.0)
    assert lines[4][3] == pytest.approx(-230.0)
    assert lines[2][5] == pytest.approx(1380.0) and lines[2][7] == "electricity_se"
    assert lines[5][:4] == ("activity", "activity", 1, pytest.approx(9000.0))
    assert lines[6][:4] == ("account_group", "spend_fallback", 5, pytest.approx(1200.0))
    assert lines[7][:4] == ("activity", "activity", 1, pytest.approx(3123.80))
    assert lines[7][4:7] == (pytest.approx(2512.79), pytest.approx(0.0), pytest.approx(611.01))
    assert lines[8][:4] == ("account_group", "spend", 4, pytest.approx(100.0))

    results = {r["activity_scope_id"]: r for r in marts.read(con, "activity_results", result.run_id)}
    electricity = results["org|622||*"]
    assert electricity["emissions_kg_co2e"] == pytest.approx(2300.0)
    assert electricity["allocated_kg_co2e"] == pytest.approx(2300.0)
    assert electricity["covered_spend_sek"] == 100000 and electricity["n_lines"] == 3
    assert electricity["quantity_summary"] == "100 MWh electricity_se"
    assert results["org|623||A"]["has_own_factor"] is True
    scopes = {(r["ghg_scope"], r["scope3_category"]): r["emissions_kg_co2e"]
              for r in marts.read(con, "emissions_by_scope", result.run_id)}
    assert scopes[(1, None)] == pytest.approx(2512.79)
    assert scopes[(2, None)] == pytest.approx(2300.0 + 9000.0)
    assert scopes[(3, 3)] == pytest.approx(611.01)
    methods = {(r["category_id"], r["method"]): r["emissions_kg_co2e"]
               for r in marts.read(con, "emissions_by_method", result.run_id)}
    assert methods[("energy", "spend_fallback")] == pytest.approx(1200.0)
    assert methods[("energy", "activity")] == pytest.approx(11300.0)


def test_activity_covering_no_spend_fails_the_run(con, tmp_path):
    """Activity data naming spend that is not in the ledger is an error, never silently dropped."""
    energy_ledger(con)
    path = write_activity(tmp_path, [["2024", "622", "", "C", "electricity_se", "5000", "kWh", "", ""]])
    activity.load_activity_file(con, path, organisation_id="org")
    with pytest.raises(KlimatspendError, match="activity covers no ledger spend"):
        runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    assert con.execute("select count(*) from run").fetchone()[0] == 0


def test_more_specific_activity_scope_wins(con, tmp_path):
    """Electricity for department A (30 MWh) and for the rest of 622 (70 MWh): no line counted twice.

    A: 30,000 kWh x 0.023 = 690 kg on row 2. The other scope covers rows 3 and 4 (net 40,000 SEK):
    70,000 x 0.023 = 1,610 kg; row 3 gets 50/40 = 125 % = 2,012.5 kg, row 4 -25 % = -402.5 kg.
    """
    energy_ledger(con)
    path = write_activity(tmp_path, [
        ["2024", "622", "", "A", "electricity_se", "30", "MWh", "", ""],
        ["2024", "622", "", "", "electricity_se", "70", "MWh", "", ""],
    ])
    activity.load_activity_file(con, path, organisation_id="org")
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    kg = dict(con.execute("select source_row, emissions_kg_co2e from line_emission where run_id = ? "
                          "and source_row in (2, 3, 4)", [result.run_id]).fetchall())
    assert kg[2] == pytest.approx(690.0)
    assert kg[3] == pytest.approx(2012.5)
    assert kg[4] == pytest.approx(-402.5)
    assert sum(kg.values()) == pytest.approx(2300.0)


def test_activity_file_errors_name_row_column_and_value(con, tmp_path):
    seed_reference(con)
    add_org(con, "org")
    path = write_activity(tmp_path, [
        ["2024", "622", "", "", "electricity_se", "12,5O", "kWh", "", ""],
        ["2024", "", "", "", "diesel", "10", "liter", "", ""],
        ["2024", "622", "", "", "solar_magic", "10", "kWh", "", ""],
        ["2024", "622", "", "", "electricity_se", "10", "MJ", "", ""],
        ["2024", "691", "", "", "diesel", "10", "kWh", "", ""],
        ["2024", "623", "", "", "district_heating_uk", "31 000", "MWh", "0,038", "per kWh by mistake"],
    ])
    with pytest.raises(DataError) as exc:
        activity.load_activity_file(con, path, organisation_id="org")
    text = str(exc.value)
    assert 'energi_2024.csv: row 2, column "Mängd": value "12,5O" is not a number (type-error)' in text
    assert 'row 3, column "Konto": value "" is empty: give the account (prefix) or the category' in text
    assert 'row 4, column "Aktivitet": value "solar_magic" is not a known activity code' in text
    assert 'row 5, column "Enhet": value "MJ" is not a known unit' in text
    assert 'row 6, column "Enhet": value "kWh" has no factor for diesel (units with factors: litre)' in text
    assert ('row 7, column "Egen faktor": value "0,038" kg CO2e per MWh is implausible: the table gives 224.3 kg '
            'CO2e per MWh for district_heating_uk; give the factor per MWh, the unit of the row') in text
    assert text.endswith("nothing was loaded")
    assert con.execute("select count(*) from activity_data").fetchone()[0] == 0


def test_units_convert_to_the_factor_unit():
    """MWh -> kWh x 1000; Swedish mil -> km x 10; an own factor per MWh is stored per kWh."""
    codes = {"electricity_se": {"kWh"}, "car_km": {"km"}}
    rows = [{"_source_row": 2, "_headers": {}, "year": "2024", "account": "622", "activity": "electricity_se",
             "quantity": "1,5", "unit": "MWh", "factor": "45"},
            {"_source_row": 3, "_headers": {}, "year": "2024", "category": "transport", "activity": "car_km",
             "quantity": "1 200", "unit": "mil"}]
    good, errors = activity.check_rows(rows, codes, "a.csv", "org")
    assert errors == []
    assert (good[0]["quantity"], good[0]["unit"], good[0]["factor_kg_co2e_per_unit"]) == (1500.0, "kWh", 0.045)
    assert (good[1]["quantity"], good[1]["unit"], good[1]["quantity_as_given"]) == (12000.0, "km", 1200.0)


def test_shipped_activity_factors_match_their_sources():
    """Spot checks against the source cells (DEFRA 2024 v1.1, Electricity Maps, Ember) and the schema."""
    version, folder = activity_factors.release_dir()
    meta = json.loads((folder / "activity_factors.meta.json").read_text(encoding="utf-8"))
    with (folder / "activity_factors.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(meta["files"]["activity_factors.csv"]["columns"])
    index = {(r["activity_code"], r["year"], r["component"], r["gas"], r["denominator_unit"]): r for r in rows}
    assert len(index) == len(rows)  # the declared unique key holds
    assert float(index[("diesel", "2024", "combustion", "CO2e", "litre")]["value"]) == 2.51279
    assert index[("diesel", "2024", "combustion", "CO2e", "litre")]["source_ref"].startswith("Fuels!D72 ")
    assert float(index[("diesel", "2024", "wtt", "CO2e", "litre")]["value"]) == 0.61101
    assert float(index[("electricity_se", "2024", "generation", "CO2e", "kWh")]["value"]) == 0.023
    assert float(index[("electricity_se_ember", "2024", "generation", "CO2e", "kWh")]["value"]) == 0.03589
    assert float(index[("biogas", "2024", "combustion", "CO2e", "m3")]["value"]) == pytest.approx(0.00521 * 0.725)
    for r in rows:
        assert r["source"] and r["source_ref"] and r["licence"], r
        assert float(r["value"]) >= 0 and 0 <= float(r["relative_uncertainty"]) <= 1
        assert r["ghg_scope"] in ("1", "2", "3")
