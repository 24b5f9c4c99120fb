"""Tests for pipeline.factors.useeio: the EPA files become one factor per row with short gas names."""

from __future__ import annotations

import pytest

from pipeline.errors import DataError
from pipeline.factors.build.useeio import convert_useeio
from pipeline.factors.factor_file import write_factors


def test_conversion_of_the_small_epa_files(fixtures, tmp_path):
    src = fixtures / "factors"
    rows = convert_useeio(src / "useeio_co2e_small.csv", src / "useeio_bygas_small.csv", label="EPA test")
    by_key = {(r["factor_code"], r["gas"]): r for r in rows}
    assert len(rows) == 6
    total = by_key[("111110", "CO2e")]
    assert (total["value"], total["value_without_margins"], total["numerator_unit"], total["denominator_unit"]) == \
        ("0.532", "0.488", "kg CO2e", "USD")
    assert total["source_ref"] == "EPA test CO2e file; USEEIO 1111A0"
    co2 = by_key[("111110", "CO2")]
    assert (co2["value"], co2["numerator_unit"]) == ("1.72e-01", "kg CO2")       # copied verbatim
    assert by_key[("111110", "CH4")]["numerator_unit"] == "kg CH4"
    # the EPA states the unspecified HFC/PFC mix in CO2e already
    mix = by_key[("111110", "HFCs_PFCs_unspecified_CO2e")]
    assert mix["numerator_unit"] == "kg CO2e" and "CO2e" in mix["notes"]
    out = tmp_path / "factors.csv"
    write_factors(rows, out)
    assert out.read_text(encoding="utf-8").splitlines()[0] == \
        "factor_code,factor_name,gas,value,value_without_margins,numerator_unit,denominator_unit,source_ref,notes"


def test_unknown_gas_is_refused(fixtures, tmp_path):
    bad = tmp_path / "bygas.csv"
    text = (fixtures / "factors" / "useeio_bygas_small.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace('"Methane"', '"Water vapour"'), encoding="utf-8")
    with pytest.raises(DataError, match="line 3: unknown gas 'Water vapour'"):
        convert_useeio(fixtures / "factors" / "useeio_co2e_small.csv", bad)


def test_gas_without_a_total_is_refused(fixtures, tmp_path):
    bad = tmp_path / "bygas.csv"
    text = (fixtures / "factors" / "useeio_bygas_small.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace("541611,", "999999,"), encoding="utf-8")
    with pytest.raises(DataError, match="NAICS 999999 has no total"):
        convert_useeio(fixtures / "factors" / "useeio_co2e_small.csv", bad)


def test_wrong_unit_for_a_gas_is_refused(fixtures, tmp_path):
    bad = tmp_path / "bygas.csv"
    text = (fixtures / "factors" / "useeio_bygas_small.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace('"Carbon dioxide","kg/2022', '"Carbon dioxide","kg CO2e/2022', 1), encoding="utf-8")
    with pytest.raises(DataError, match="does not fit gas 'Carbon dioxide'"):
        convert_useeio(fixtures / "factors" / "useeio_co2e_small.csv", bad)


def test_shipped_set_reproduces_the_epa_totals_with_ar5(con):
    """The per-gas rows x AR5 GWP100 add up to the CO2e total (checks gas names and units survived the conversion)."""
    from pipeline.factors import load_reference_data
    load_reference_data(con)
    ar5 = {"CO2": 1, "CH4": 28, "N2O": 265, "HFC-23": 12400, "HFC-32": 677, "HFC-125": 3170, "HFC-134a": 1300,
           "HFC-143a": 4800, "HFC-236fa": 8060, "CF4": 6630, "C2F6": 11100, "C3F8": 8900, "C4F10": 9200,
           "c-C4F8": 9540, "C6F14": 7910, "SF6": 23500, "NF3": 16100, "HFCs_PFCs_unspecified_CO2e": 1}
    con.execute("create temp table gwp (gas varchar, gwp double)")
    con.executemany("insert into gwp values (?, ?)", list(ar5.items()))
    worst = con.execute("""
        with summed as (
            select f.factor_code, sum(f.value_without_margins * g.gwp) as co2e
            from factor f join gwp g using (gas) where f.factor_set_id = 'useeio' group by 1)
        select max(abs(s.co2e - t.value_without_margins)) from summed s
        join factor t on t.factor_code = s.factor_code and t.gas = 'CO2e' and t.factor_set_id = 'useeio'""").fetchone()[0]
    assert worst < 0.005
