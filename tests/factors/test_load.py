"""Tests for pipeline.factors.load: round trip, idempotence, immutability, atomicity, speed, consistency."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.factors import ReleaseChangedError, load_reference_data
from pipeline.resources import factors_dir


def table_digest(con, table: str) -> list[tuple]:
    """All rows of `table` in a stable order, without load timestamps."""
    cols = [r[0] for r in con.execute(f"describe {table}").fetchall() if r[0] != "loaded_at"]
    return con.execute(f"select {', '.join(cols)} from {table} order by all").fetchall()


def test_known_factor_round_trips_from_file_to_database(con):
    """NAICS 111110 Soybean Farming: 0.532 kg CO2e/USD with margins, 0.488 without (EPA v1.3.0 CO2e file)."""
    load_reference_data(con)
    row = con.execute("""select value, value_without_margins, numerator_unit, denominator_unit, factor_name
                         from factor where factor_set_id = 'useeio' and version = '1.3.0'
                           and factor_code = '111110' and gas = 'CO2e'""").fetchone()
    assert row == (0.532, 0.488, "kg CO2e", "USD", "Soybean Farming")
    co2 = con.execute("""select value, numerator_unit from factor where factor_set_id = 'useeio'
                         and factor_code = '111110' and gas = 'CO2'""").fetchone()
    assert co2 == (0.172, "kg CO2")


def test_factor_set_metadata_is_loaded(con):
    load_reference_data(con)
    row = con.execute("""select name, base_year, currency, price_basis, gwp, region, relative_uncertainty, is_partial
                         from factor_set where factor_set_id = 'useeio' and version = '1.3.0'""").fetchone()
    assert row[1:] == (2022, "USD", "purchaser", "IPCC AR5, 100-year", "US", 0.5, False)
    assert "Supply Chain" in row[0]


def test_counts_cover_every_table(con):
    counts = load_reference_data(con)
    assert counts["category"] == 9
    # USEEIO: CO2e total + 18 per-gas rows per NAICS code; EXIOBASE 3.4: 200 products x 49 regions;
    # Defra/Leeds: 112 SIC groups x 9 years (2015-2023)
    assert counts["factor"] == 1016 * 19 + 200 * 49 + 112 * 9
    assert counts["factor_set"] >= 1 and counts["account_map"] > 50
    assert counts["exchange_rate"] > 300 and counts["price_index"] > 100 and counts["exclusion"] > 0


def test_loading_twice_changes_nothing(con):
    first = load_reference_data(con)
    before = {t: table_digest(con, t) for t in first}
    second = load_reference_data(con)
    assert second == first
    assert {t: table_digest(con, t) for t in first} == before


@pytest.fixture
def copied_root(tmp_path) -> Path:
    """A private copy of emission_factors/ that a test may edit."""
    root = tmp_path / "emission_factors"
    shutil.copytree(factors_dir(), root)
    return root


def test_changed_released_factor_set_is_refused(con, copied_root):
    load_reference_data(con, copied_root)
    path = copied_root / "useeio" / "1.3.0" / "factors.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("111110,Soybean Farming,CO2e,0.532",
                                                             "111110,Soybean Farming,CO2e,0.600", 1), encoding="utf-8")
    with pytest.raises(ReleaseChangedError) as info:
        load_reference_data(con, copied_root)
    message = str(info.value)
    assert "factor set useeio@1.3.0 is released and immutable" in message
    assert "new version directory (e.g. useeio/1.3.1)" in message
    assert info.value.code == "release-changed"
    # nothing was overwritten
    assert con.execute("select value from factor where factor_code = '111110' and gas = 'CO2e'").fetchone()[0] == 0.532


def test_changed_released_account_map_is_refused(con, copied_root):
    load_reference_data(con, copied_root)
    path = copied_root / "account_maps" / "kommunbas13" / "1.0.0" / "account_map.csv"
    path.write_text(path.read_text(encoding="utf-8") + "", encoding="utf-8")
    load_reference_data(con, copied_root)   # same bytes: fine
    path.write_text(path.read_text(encoding="utf-8").replace("Livsmedel", "Mat", 1), encoding="utf-8")
    with pytest.raises(ReleaseChangedError, match="account map kommunbas13@1.0.0 is released and immutable"):
        load_reference_data(con, copied_root)


def test_a_failed_load_keeps_nothing(con, copied_root):
    (copied_root / "price_indices" / "cpi.csv").unlink()
    with pytest.raises(Exception, match="shipped reference file is missing"):
        load_reference_data(con, copied_root)
    assert con.execute("select count(*) from factor").fetchone()[0] == 0
    assert con.execute("select count(*) from reference_release").fetchone()[0] == 0


def test_new_version_loads_beside_the_old_one(con, copied_root):
    load_reference_data(con, copied_root)
    new = copied_root / "useeio" / "1.3.1"
    shutil.copytree(copied_root / "useeio" / "1.3.0", new)
    meta = (new / "factor_set.meta.json").read_text(encoding="utf-8").replace('"version": "1.3.0"', '"version": "1.3.1"')
    (new / "factor_set.meta.json").write_text(meta, encoding="utf-8")
    load_reference_data(con, copied_root)
    versions = con.execute("select version from factor_set where factor_set_id = 'useeio' order by 1").fetchall()
    assert versions == [("1.3.0",), ("1.3.1",)]


def test_account_map_points_at_existing_factors_and_categories(con):
    load_reference_data(con)
    dangling = con.execute("""
        select m.account_prefix, m.factor_code from account_map m
        left join factor f on f.factor_set_id = m.factor_set_id and f.version = '1.3.0'
                          and f.factor_code = m.factor_code and f.gas = 'CO2e'
        where m.mapping_id = 'kommunbas13' and m.factor_code is not null and f.factor_code is null""").fetchall()
    assert dangling == []
    unknown = con.execute("""select account_prefix from account_map m where category_id is not null
                             and category_id not in (select category_id from category)""").fetchall()
    assert unknown == []


def test_account_map_rows_are_consistent(con):
    load_reference_data(con)
    rows = con.execute("""select account_prefix, category_id, factor_code, scope3_category, is_excluded, exclusion_reason
                          from account_map where mapping_id = 'kommunbas13' and mapping_version = '1.0.0'""").fetchall()
    for prefix, category, code, scope3, excluded, reason in rows:
        if excluded:
            assert reason and category is None and code is None, prefix
        else:
            assert category and scope3 in (1, 2) and reason is None, prefix
            assert code or prefix == "622", prefix     # only electricity has no spend-based factor


def resolve(con, account: str, version: str = "1.0.0") -> tuple:
    """Longest-prefix match of `account` in the released map kommunbas13@`version` (the engine's rule).
    The tests below pin release 1.0.0 (immutable); tests/factors/test_kommunbas13_map.py covers 2.0.0."""
    return con.execute("""select account_prefix, category_id, factor_code, is_excluded, exclusion_reason
                          from account_map where mapping_id = 'kommunbas13' and mapping_version = ?
                          and ? like account_prefix || '%'
                          order by length(account_prefix) desc limit 1""", [version, account]).fetchone()


@pytest.mark.parametrize("account, expected", [
    ("64631", ("646", "food", "311999", False, None)),          # 5-digit sub-account inherits 646
    ("4611", ("461", "care_education", "623312", False, None)),
    ("5011", ("5", None, None, True, "personnel")),
    ("5712", ("57", None, None, True, "pensions")),
    ("4510", ("45", None, None, True, "grants_transfers")),
    ("7910", ("79", None, None, True, "depreciation")),
    ("2641", ("26", None, None, True, "taxes_vat")),
    ("1930", ("1", None, None, True, "balance_sheet")),
    ("1110", ("11", "construction_property", "236220", False, None)),
    ("3011", ("3", None, None, True, "revenue")),
    ("8541", ("85", None, None, True, "financial")),
])
def test_accounts_resolve_by_longest_prefix(con, account, expected):
    load_reference_data(con)
    assert resolve(con, account) == expected


def test_every_chart_account_of_classes_1_to_8_resolves(con):
    load_reference_data(con)
    import csv
    with (factors_dir() / "chart_of_accounts" / "kommun_bas_13.csv").open(encoding="utf-8") as handle:
        accounts = [r["account"] for r in csv.DictReader(handle)]
    unresolved = [a for a in accounts if resolve(con, a) is None]
    assert unresolved == []


def test_capital_goods_rows_are_marked(con):
    load_reference_data(con)
    capital = {r[0] for r in con.execute("""select account_prefix from account_map where mapping_id = 'kommunbas13'
                                            and mapping_version = '1.0.0' and scope3_category = 2""").fetchall()}
    assert {"10", "11", "12", "40", "402", "403", "4024"} <= capital
    assert "41" not in capital and "46" not in capital
