"""Tests for pipeline.factors.build.exiobase_set: the EXIOBASE totals by region become the shipped long format, with
every flagged factor decided (zero output -> the neighbours' median; hand decisions for Swedish products)."""

from __future__ import annotations

import csv

import pytest

from pipeline.errors import DataError
from pipeline.factors.build.exiobase_set import build

# Hand-made: three regions, three products, kg CO2e per million EUR (as in the source file).
TOTALS = """region,sector,Scope 1,Scope 2,Scope 3,Total lifecycle
DE,Wheat,0,0,0,1000000.0
DE,Tobacco products (16),0,0,0,400000.0
DE,Steam and hot water supply services,0,0,0,2000000.0
FI,Wheat,0,0,0,1200000.0
FI,Tobacco products (16),0,0,0,600000.0
FI,Steam and hot water supply services,0,0,0,3000000.0
SE,Wheat,0,0,0,900000.0
SE,Tobacco products (16),0,0,0,0.0
SE,Steam and hot water supply services,0,0,0,5593240.0
"""
CONCORDANCE = """source_code,source_name,target_code,target_name,weight
CPA_A01,,p01.b,Wheat,1.0
CPA_C10-12,,p16,Tobacco products (16),1.0
CPA_D,,p40.3,Steam and hot water supply services,1.0
"""
COMBUSTION = """Region,Sector,GWP100 [kg CO2-eq/unit output]
SE,Steam and hot water supply services,1527300.0
SE,Wheat,300000.0
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_build_writes_every_region_and_decides_every_flag(tmp_path):
    """SE tobacco (0: no Swedish output) -> median of DE 0.4 and FI 0.6 = 0.5 kg/EUR, overridden with the reason.
    SE steam 5.59324 is 3.66 times the combustion-only 1.5273 -> the SE decision: overridden by SE's biomass
    product, which this tiny file lacks -> the build refuses to guess."""
    totals = write(tmp_path, "totals.csv", TOTALS)
    concordance = write(tmp_path, "cpa.csv", CONCORDANCE)
    counts = build(totals, concordance, tmp_path / "out")
    assert counts == {"factors": 9, "flagged": 1, "overridden": 1}
    rows = {(r["region"], r["factor_code"]): r for r in csv.DictReader((tmp_path / "out" / "factors.csv").open())}
    tobacco = rows[("SE", "p16")]
    assert (tobacco["value"], tobacco["published_value"], tobacco["flag"]) == ("0.5", "0", "overridden")
    assert "No output of 'Tobacco products (16)' in SE" in tobacco["notes"]
    assert (rows[("SE", "p01.b")]["value"], rows[("SE", "p01.b")]["denominator_unit"]) == ("0.9", "EUR")
    with pytest.raises(KeyError):
        build(totals, concordance, tmp_path / "out2", write(tmp_path, "comb.csv", COMBUSTION))


def test_products_missing_from_the_concordance_are_refused(tmp_path):
    totals = write(tmp_path, "totals.csv", TOTALS)
    concordance = write(tmp_path, "cpa.csv", CONCORDANCE.replace("p16,Tobacco products (16)", "p16,Tobacco"))
    with pytest.raises(DataError, match="products without a code in the concordance"):
        build(totals, concordance, tmp_path / "out")
