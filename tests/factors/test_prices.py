"""Tests for pipeline.factors.prices and the shipped exchange-rate and price-index tables."""

from __future__ import annotations

import csv

import pytest

from pipeline.errors import DataError
from pipeline.factors import load_reference_data
from pipeline.factors.build.prices import build_cpi, build_fx
from pipeline.factors.prices import MissingRateError, annual_fx_means, chain_index, cpi_lookup, fx_factor_per_ledger, price_adjustment, rate_lookup, spend_emissions_kg
from pipeline.resources import factors_dir


def test_annual_means_skip_na_days_and_treat_eur_as_one(fixtures):
    rows = annual_fx_means(fixtures / "factors" / "ecb_small.csv", ["EUR", "USD", "SEK"])
    got = {(r["year"], r["currency"]): (round(r["units_per_eur"], 6), r["n_days"]) for r in rows}
    assert got[(2022, "USD")] == (1.05, 2)          # (1.0000 + 1.1000) / 2
    assert got[(2022, "SEK")] == (10.5, 2)          # (10.0 + 11.0) / 2
    assert got[(2023, "SEK")] == (11.0, 1)          # 2023-01-02 is N/A
    assert got[(2023, "EUR")] == (1.0, 2)


def test_fx_table_flags_the_incomplete_year(fixtures, tmp_path):
    out = tmp_path / "fx.csv"
    assert build_fx(fixtures / "factors" / "ecb_small.csv", out, currencies=["EUR", "USD", "SEK"]) == 6
    with out.open(encoding="utf-8") as handle:
        rows = {(r["year"], r["currency"]): r for r in csv.DictReader(handle)}
    assert rows[("2022", "SEK")]["is_complete_year"] == "true"        # last quote 2022-12-30
    assert rows[("2022", "SEK")]["is_extrapolated"] == "false"
    assert rows[("2023", "USD")]["is_extrapolated"] == "true"         # quotes only to 2023-01-03
    assert rows[("2023", "USD")]["units_per_eur"] == "1.060000"
    assert "partial year: mean of 2 daily rates 2023-01-02..2023-01-03" in rows[("2023", "USD")]["notes"]


def test_fx_builder_names_a_missing_currency(fixtures, tmp_path):
    with pytest.raises(DataError, match="no column for NOK"):
        build_fx(fixtures / "factors" / "ecb_small.csv", tmp_path / "fx.csv", currencies=["SEK", "NOK"])


def test_chain_index_by_hand():
    """Inflation 2021 2 %, 2022 10 %, 2023 5 %; base 2022 = 100.

    2023 = 100 x 1.05 = 105; 2021 = 100 / 1.10 = 90.909; 2020 (chain start) = 90.909 / 1.02 = 89.127;
    2024, 2025 extrapolated at 2 %: 107.1, 109.242.
    """
    rows = {r["year"]: r for r in chain_index({2021: 2.0, 2022: 10.0, 2023: 5.0}, 2022, 2025, extrapolation_pct=2.0)}
    assert rows[2022]["index_value"] == pytest.approx(100.0)
    assert rows[2023]["index_value"] == pytest.approx(105.0)
    assert rows[2021]["index_value"] == pytest.approx(90.909091)
    assert rows[2020]["index_value"] == pytest.approx(89.126560)
    assert rows[2025]["index_value"] == pytest.approx(109.242)
    assert [y for y, r in rows.items() if r["is_extrapolated"]] == [2024, 2025]


def test_chain_index_refuses_gaps():
    with pytest.raises(DataError, match=r"gaps in \[2022\]"):
        chain_index({2021: 1.0, 2023: 1.0}, 2021, 2023)


def test_cpi_builder_by_hand(fixtures, tmp_path):
    """Sweden 2021 2 %, 2022 10 %, 2023 5 % -> 2022 = 100, 2023 = 105, 2024 = 107.1 (extrapolated at 2 %)."""
    out = tmp_path / "cpi.csv"
    assert build_cpi(fixtures / "factors" / "worldbank_small.csv", out, last_year=2024, countries={"SWE": "Sweden"}) == 5
    with out.open(encoding="utf-8") as handle:
        rows = {r["year"]: r for r in csv.DictReader(handle)}
    assert rows["2023"]["index_value"] == "105.0000" and rows["2023"]["is_extrapolated"] == "false"
    assert rows["2024"]["index_value"] == "107.1000" and rows["2024"]["is_extrapolated"] == "true"
    assert rows["2024"]["notes"].startswith("extrapolated at the central bank's 2 % inflation target")
    assert rows["2020"]["notes"] == "start of the chain (no inflation figure used for this year)"


def test_cpi_builder_names_a_missing_country(fixtures, tmp_path):
    with pytest.raises(DataError, match="no inflation figures from 2000 for EMU"):
        build_cpi(fixtures / "factors" / "worldbank_small.csv", tmp_path / "cpi.csv", countries={"EMU": "Euro area"})


def test_worked_example_in_the_docstring():
    """1 000 SEK spent in 2023 on soybeans (0.532 kg CO2e per USD of 2022, with margins).

    fx 2023 = 1.081269 USD/EUR / 11.478758 SEK/EUR = 0.0941974 USD per SEK
    US CPI 2022 = 100, 2023 = 104.1163  ->  price adjustment 100 / 104.1163 = 0.960464
    1000 x 0.0941974 x 0.960464 x 0.532 = 48.132 kg CO2e
    """
    fx = fx_factor_per_ledger({"USD": 1.081269, "SEK": 11.478758}, "SEK", "USD")
    assert fx == pytest.approx(0.0941974, rel=1e-6)
    assert price_adjustment(100.0, 104.1163) == pytest.approx(0.960464, rel=1e-6)
    assert spend_emissions_kg(1000.0, fx, 100.0, 104.1163, 0.532) == pytest.approx(48.132, abs=0.001)


def test_missing_rate_names_the_currency():
    with pytest.raises(MissingRateError, match="no exchange rate for XYZ"):
        fx_factor_per_ledger({"SEK": 10.0}, "XYZ", "SEK")


def test_shipped_rates_and_indices(con):
    load_reference_data(con)
    assert rate_lookup(con, 2022, "SEK") == (pytest.approx(10.629575), False)
    assert rate_lookup(con, 2023, "sek") == (pytest.approx(11.478758), False)
    assert rate_lookup(con, 2022, "EUR") == (1.0, False)
    assert cpi_lookup(con, "USA", 2022) == (100.0, False)
    assert cpi_lookup(con, "SWE", 2023)[0] == pytest.approx(108.5486, abs=1e-4)
    with pytest.raises(MissingRateError, match="no exchange rate for SEK in 1990"):
        rate_lookup(con, 1990, "SEK")


def test_incomplete_and_extrapolated_years_are_flagged():
    with (factors_dir() / "exchange_rates" / "ecb_annual.csv").open(encoding="utf-8") as handle:
        fx = list(csv.DictReader(handle))
    last_year = max(int(r["year"]) for r in fx)
    for r in fx:
        complete = r["last_date"] >= f"{r['year']}-12-28"
        assert r["is_complete_year"] == str(complete).lower()
        assert r["is_extrapolated"] == str(not complete).lower()
    assert any(r["is_extrapolated"] == "true" for r in fx if int(r["year"]) == last_year)
    with (factors_dir() / "price_indices" / "cpi.csv").open(encoding="utf-8") as handle:
        cpi = list(csv.DictReader(handle))
    countries = {r["country_code"] for r in cpi}
    assert {"SWE", "USA", "GBR", "EMU"} <= countries
    for code in countries:
        rows = [r for r in cpi if r["country_code"] == code]
        flagged = [int(r["year"]) for r in rows if r["is_extrapolated"] == "true"]
        assert flagged == list(range(min(flagged), max(flagged) + 1)) if flagged else True
        assert all(int(r["year"]) > max(int(x["year"]) for x in rows if x["is_extrapolated"] == "false")
                   for r in rows if r["is_extrapolated"] == "true")
    assert all(r["index_value"] == "100.0000" for r in cpi if r["year"] == "2022")
