"""Tests for the default BAS 2025 account map (bas2025 1.0.0) for municipal companies: rows, coverage, resolution."""

from __future__ import annotations

import csv

import pytest

from pipeline.factors import load_reference_data
from pipeline.factors.mapping import longest_prefix
from pipeline.factors.prices import cpi_lookup, fx_factor_per_ledger, rate_lookup, spend_emissions_kg
from pipeline.resources import factors_dir
from tests.helpers.paths import FIXTURES

MAP_DIR = factors_dir() / "account_maps" / "bas2025" / "1.0.0"
BAS_CHART = factors_dir() / "chart_of_accounts" / "bas_2025.csv"
# The accounts a municipal housing company books on (those of the demo's Älvbybostäder AB), each
# with the bas2025 row it must resolve to; tests/demo/test_generator.py checks the demo uses exactly these.
COMPANY_ACCOUNTS = FIXTURES / "factors" / "bas2025_company_accounts.csv"
NO_FACTOR = {"502", "512", "531"}          # electricity: USEEIO publishes no factor (scope 2), as kommunbas13 622


def map_rows() -> dict[str, dict[str, str]]:
    """The shipped map as prefix -> row (read from the file, not the database)."""
    with (MAP_DIR / "account_map.csv").open(encoding="utf-8") as handle:
        return {r["account_prefix"]: r for r in csv.DictReader(handle)}


def resolve(con, account: str) -> tuple:
    """Longest-prefix match of `account` in bas2025 (the engine's rule), from the database."""
    return con.execute("""select account_prefix, category_id, factor_code, is_excluded, exclusion_reason
                          from account_map where mapping_id = 'bas2025' and mapping_version = '1.0.0'
                            and ? like account_prefix || '%'
                          order by length(account_prefix) desc limit 1""", [account]).fetchone()


def test_rows_follow_the_declared_rules():
    rows = map_rows()
    for prefix, r in rows.items():
        if r["is_excluded"] == "true":
            assert r["exclusion_reason"] and not r["category_id"] and not r["factor_code"], prefix
        else:
            assert r["category_id"] and r["scope3_category"] in ("1", "2") and not r["exclusion_reason"], prefix
            assert bool(r["factor_code"]) != (prefix in NO_FACTOR), prefix
        assert r["notes"], prefix                      # every judgement has a note
    # account names are BAS's own
    with BAS_CHART.open(encoding="utf-8") as handle:
        chart = {r["account"]: r["name_sv"] for r in csv.DictReader(handle)}
    assert {p: r["account_name"] for p, r in rows.items()} == {p: chart[p] for p in rows}


def test_every_bas_account_resolves_and_every_class_is_covered():
    rows = map_rows()
    with BAS_CHART.open(encoding="utf-8") as handle:
        accounts = [r["account"] for r in csv.DictReader(handle)]
    assert [a for a in accounts if longest_prefix(a, rows) is None] == []
    assert {str(k) for k in range(1, 9)} <= set(rows)


def test_map_points_at_existing_factors_and_categories(con):
    load_reference_data(con)
    dangling = con.execute("""
        select m.account_prefix from account_map m
        left join factor f on f.factor_set_id = m.factor_set_id and f.version = '1.3.0'
                          and f.factor_code = m.factor_code and f.gas = 'CO2e'
        where m.mapping_id = 'bas2025' and m.factor_code is not null and f.factor_code is null""").fetchall()
    assert dangling == []
    unknown = con.execute("""select account_prefix from account_map where mapping_id = 'bas2025'
                             and category_id is not null and category_id not in (select category_id from category)""").fetchall()
    assert unknown == []
    assert con.execute("select count(*) from account_map where mapping_id = 'bas2025' "
                       "and mapping_version = '1.0.0'").fetchone()[0] == len(map_rows())


def test_release_1_1_0_adds_an_industry_code_to_every_purchase_row():
    """bas2025@1.1.0 = 1.0.0 plus industry_code: every row that is not an exclusion names the industry whose product
    is bought (from its USEEIO code through the bridge useeio_nace2; electricity 502/512/531 -> 351), so that EXIOBASE
    and Defra price the company too; the rest of each row is unchanged."""
    with (MAP_DIR.parent / "1.1.0" / "account_map.csv").open(encoding="utf-8") as handle:
        new = {r["account_prefix"]: r for r in csv.DictReader(handle)}
    old = map_rows()
    assert new.keys() == old.keys()
    for prefix, row in new.items():
        assert {k: v for k, v in row.items() if k != "industry_code"} == old[prefix]
        assert bool(row["industry_code"]) == (row["is_excluded"] == "false"), prefix
    assert {p: new[p]["industry_code"] for p in ("502", "512", "531", "513", "5611", "118", "517")} == {
        "502": "351", "512": "351", "531": "351", "513": "353", "5611": "19", "118": "41", "517": "41"}


def company_accounts() -> dict[str, tuple]:
    """The fixture as account -> (prefix, category, factor code, excluded, reason), the shape `resolve` returns."""
    with COMPANY_ACCOUNTS.open(encoding="utf-8") as handle:
        return {r["account"]: (r["account_prefix"], r["category_id"] or None, r["factor_code"] or None,
                               r["is_excluded"] == "true", r["exclusion_reason"] or None)
                for r in csv.DictReader(handle)}


def test_every_company_account_resolves_as_expected(con):
    load_reference_data(con)
    expected = company_accounts()
    assert expected, COMPANY_ACCOUNTS
    with BAS_CHART.open(encoding="utf-8") as handle:
        chart = {r["account"] for r in csv.DictReader(handle)}
    assert set(expected) <= chart                       # real BAS 2025 accounts
    assert {a: resolve(con, a) for a in expected} == expected


@pytest.mark.parametrize("account, expected", [
    ("51701", ("517", "construction_property", "236118", False, None)),   # an organisation's 5-digit sub-account
    ("1110", ("111", "construction_property", "236116", False, None)),
    ("1119", ("1119", None, None, True, "depreciation")),                 # accumulated depreciation inside 11
    ("1130", ("113", None, None, True, "balance_sheet")),                 # land
    ("1930", ("1", None, None, True, "balance_sheet")),
    ("3911", ("3", None, None, True, "revenue")),
    ("5191", ("5191", None, None, True, "taxes_vat")),
    ("6430", ("643", None, None, True, "internal")),                      # management fees to the parent
    ("7010", ("70", None, None, True, "personnel")),
    ("7110", ("7", None, None, True, "personnel")),                       # free group 71: class fallback
    ("7411", ("74", None, None, True, "pensions")),
    ("7832", ("78", None, None, True, "depreciation")),
    ("8463", ("846", None, None, True, "internal")),
    ("8830", ("883", None, None, True, "internal")),
    ("8811", ("88", None, None, True, "financial")),
    ("8910", ("89", None, None, True, "taxes_vat")),
    ("6610", ("6", "other", "541990", False, None)),                      # free group 66: class fallback, review
])
def test_accounts_resolve_by_longest_prefix(con, account, expected):
    load_reference_data(con)
    assert resolve(con, account) == expected


def test_capital_goods_are_the_counted_balance_sheet_rows():
    rows = map_rows()
    capital = {p for p, r in rows.items() if r["scope3_category"] == "2"}
    assert {"10", "11", "111", "115", "118", "12", "123", "124", "125"} <= capital
    assert all(p[0] == "1" for p in capital)
    # transfers between the building accounts net to zero only if they share the factor
    assert {rows[p]["factor_code"] for p in ("11", "111", "112", "115", "118")} == {"236116"}


def test_repair_invoice_round_trips_from_file_to_emissions(con):
    """10 000 SEK on 5170 Reparation och underhåll av fastighet in 2023.

    5170 -> row 517: construction_property, USEEIO 236118 Residential Remodelers, 0.211 kg CO2e per USD of
    2022 (with margins). fx 2023 = 1.081269 USD/EUR / 11.478758 SEK/EUR = 0.0941974 USD per SEK; US CPI
    2022 = 100, 2023 = 104.1163 -> price adjustment 0.960464.
    10 000 x 0.0941974 x 0.960464 x 0.211 = 190.90 kg CO2e
    """
    load_reference_data(con)
    prefix, category, code, excluded, _ = resolve(con, "5170")
    assert (prefix, category, code, excluded) == ("517", "construction_property", "236118", False)
    factor, name = con.execute("""select value, factor_name from factor where factor_set_id = 'useeio'
                                  and version = '1.3.0' and factor_code = ? and gas = 'CO2e'""", [code]).fetchone()
    assert (factor, name) == (0.211, "Residential Remodelers")
    fx = fx_factor_per_ledger({"USD": rate_lookup(con, 2023, "USD")[0], "SEK": rate_lookup(con, 2023, "SEK")[0]},
                              "SEK", "USD")
    kg = spend_emissions_kg(10_000.0, fx, cpi_lookup(con, "USA", 2022)[0], cpi_lookup(con, "USA", 2023)[0], factor)
    assert kg == pytest.approx(190.90, abs=0.01)
