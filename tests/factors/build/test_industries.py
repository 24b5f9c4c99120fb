"""Tests for pipeline.factors.build.industries: the three industry crosswalks and the USEEIO bridge are written as
shipped, and the bridge gives every NAICS sector an industry."""

from __future__ import annotations

import filecmp

from pipeline.factors.build.industries import BRIDGE, INDUSTRIES, bridge_industry, write_crosswalks
from pipeline.resources import factors_dir


def test_written_crosswalks_equal_the_shipped_ones(tmp_path):
    written = write_crosswalks(tmp_path)
    assert len(written) == 4
    for folder in written:
        shipped = factors_dir() / "crosswalks" / folder.parent.name / folder.name
        for name in ("crosswalk.csv", "crosswalk.meta.json"):
            assert filecmp.cmp(folder / name, shipped / name, shallow=False), (folder.parent.name, name)


def test_bridge_maps_naics_codes_to_industries_of_the_crosswalks():
    codes = {item[0] for item in INDUSTRIES}
    assert all(industry in codes for _, industry, _ in BRIDGE)
    assert bridge_industry("623312") == "873"        # assisted living for the elderly -> 87.3
    assert bridge_industry("221330") == "353"        # steam and air-conditioning supply -> district heating
    assert bridge_industry("541512") == "62"
    assert bridge_industry("999999") == ""           # no NAICS sector 99
    sectors = {"11", "21", "22", "23", "31", "32", "33", "42", "44", "45", "48", "49", "51", "52", "53", "54", "55",
               "56", "61", "62", "71", "72", "81", "92"}
    assert all(bridge_industry(s + "0000") for s in sectors)
