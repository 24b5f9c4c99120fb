"""Tests for the shipped spend factor sets that fit the country (EXIOBASE 3.4 by region, Defra/Leeds by year), their
industry crosswalks and the USEEIO bridge: schema, known values from file to database, flagged factors decided,
and every industry code a shipped map may use resolving in every spend set."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from pipeline.factors import load_reference_data
from pipeline.factors.custom import validate_set
from pipeline.factors.outliers import check_decisions, read_decisions
from pipeline.resources import factors_dir

ROOT = factors_dir()
EXIOBASE = ROOT / "exiobase" / "3.4.0"
DEFRA = ROOT / "defra_sic" / "1.0.0"
USEEIO = ROOT / "useeio" / "1.3.0"
CROSSWALKS = {"useeio": ROOT / "crosswalks" / "nace2_useeio" / "1.1.0",
              "exiobase": ROOT / "crosswalks" / "nace2_exiobase" / "1.0.0",
              "defra_sic": ROOT / "crosswalks" / "nace2_defra" / "1.0.0"}
BRIDGE = ROOT / "crosswalks" / "useeio_nace2" / "1.0.0" / "crosswalk.csv"


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("folder", [EXIOBASE, DEFRA], ids=["exiobase", "defra_sic"])
def test_set_matches_its_schema_and_every_flag_is_decided(folder):
    assert validate_set(folder) == []
    assert check_decisions(folder) == []


def test_known_values_round_trip_from_file_to_database(con):
    """SE health and social work (p85) 0.0566 kg CO2e/EUR of 2011; SIC 62 in 2023 0.0999 kg CO2e/GBP."""
    load_reference_data(con)
    se = con.execute("""select value, factor_name from factor where factor_set_id = 'exiobase' and version = '3.4.0'
                        and region = 'SE' and factor_code = 'p85' and gas = 'CO2e'""").fetchone()
    assert round(se[0], 4) == 0.0566 and se[1] == "Health and social work services (85)"
    uk = con.execute("""select value, denominator_unit from factor where factor_set_id = 'defra_sic'
                        and factor_code = '62' and factor_year = 2023 and gas = 'CO2e'""").fetchone()
    assert (round(uk[0], 4), uk[1]) == (0.0999, "GBP")
    meta = con.execute("""select base_year, currency, price_basis, region, licence from factor_set
                          where factor_set_id = 'exiobase'""").fetchone()
    assert meta[:4] == (2011, "EUR", "basic", "SE") and "CC BY-SA 4.0" in meta[4]
    assert con.execute("select count(distinct region) from factor where factor_set_id = 'exiobase'").fetchone()[0] == 49


def test_swedish_steam_is_overridden_with_its_reason_and_doubtful_ones_are_marked(con):
    """SE steam and hot water 5.59 kg/EUR (3.7 times the combustion-only 2022 extract's 1.53) is replaced by the SE
    biomass-and-waste product of the same plants; the release keeps the published value and says why."""
    decisions = read_decisions(EXIOBASE / "flagged_factors.csv")
    steam = decisions[("SE", "p40.3", "", "combustion")]
    assert steam["decision"] == "overridden" and float(steam["published_value"]) == pytest.approx(5.59324)
    assert "1.53" in steam["reason"] and float(steam["value_used"]) == pytest.approx(0.342997)
    load_reference_data(con)
    value, published, flag, notes = con.execute(
        """select value, published_value, flag, notes from factor where factor_set_id = 'exiobase' and region = 'SE'
           and factor_code = 'p40.3'""").fetchone()
    assert (value, published, flag) == (pytest.approx(0.342997), pytest.approx(5.59324), "overridden")
    assert notes == steam["reason"]
    # a product Sweden did not make in 2011 (multiplier 0) is priced at its neighbours' median, not at nothing
    assert con.execute("""select flag from factor where factor_set_id = 'exiobase' and region = 'SE'
                          and factor_code = 'p16'""").fetchone()[0] == "overridden"
    # Defra's wholesale group (4.5-9 kg/GBP) is kept as published but marked doubtful
    assert con.execute("""select count(*) from factor where factor_set_id = 'defra_sic' and factor_code = '46'
                          and flag = 'doubtful'""").fetchone()[0] == 9


def test_validate_finds_an_undecided_flag_and_the_combustion_check(tmp_path):
    """Removing the decision of SE steam makes validate report it; the combustion check runs on a tiny hand-made
    extract (values invented for the test: SE steam 1.0 kg/EUR -> 5.59 is 5.6 times it)."""
    folder = tmp_path / "exiobase" / "3.4.0"
    shutil.copytree(EXIOBASE, folder)
    rows = read(folder / "flagged_factors.csv")
    kept = [r for r in rows if not (r["region"] == "SE" and r["factor_code"] == "p16")]
    with (folder / "flagged_factors.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    problems = [str(p) for p in check_decisions(folder)]
    assert any("has no decision for SE p16: the zero check flags it" in p for p in problems)
    assert any("is marked overridden but flagged_factors.csv has no override" in p for p in problems)
    extract = tmp_path / "combustion.csv"
    extract.write_text("Region,Sector,GWP100 [kg CO2-eq/unit output]\n"
                       "SE,Steam and hot water supply services,1000000.0\n"
                       "SE,Health and social work services (85),20000.0\n", encoding="utf-8")
    problems = [str(p) for p in check_decisions(EXIOBASE, extract)]
    assert problems == []   # SE steam's combustion flag is decided (overridden); health is not a combustion product


def test_every_nace_division_is_in_every_crosswalk():
    divisions = {"01", "02", "03", *(f"{d:02d}" for d in range(5, 34)), *(f"{d:02d}" for d in range(35, 40)),
                 "41", "42", "43", "45", "46", "47", *(f"{d:02d}" for d in range(49, 54)), "55", "56",
                 *(f"{d:02d}" for d in range(58, 67)), "68", *(f"{d:02d}" for d in range(69, 76)),
                 *(f"{d:02d}" for d in range(77, 83)), "84", "85", "86", "87", "88", *(f"{d:02d}" for d in range(90, 100))}
    divisions -= {"34", "40", "44", "48", "54", "57", "67", "76", "83", "89"}   # not NACE Rev. 2 divisions
    for set_id, folder in CROSSWALKS.items():
        codes = {r["industry_code"] for r in read(folder / "crosswalk.csv")}
        assert divisions <= codes, (set_id, sorted(divisions - codes))


def _factor_codes(set_id: str) -> set[str]:
    folder = {"useeio": USEEIO, "exiobase": EXIOBASE, "defra_sic": DEFRA}[set_id]
    rows = read(folder / "factors.csv")
    if set_id == "exiobase":   # every product for every region
        return {r["factor_code"] for r in rows if r["region"] == "SE"}
    if set_id == "defra_sic":  # and every year
        years = {r["factor_year"] for r in rows}
        return {c for c in {r["factor_code"] for r in rows}
                if {r["factor_year"] for r in rows if r["factor_code"] == c} == years}
    return {r["factor_code"] for r in rows if r["gas"] == "CO2e"}


def _resolve(code: str, crosswalk: list[dict]) -> dict | None:
    """The crosswalk row with the longest industry code that is a prefix of `code` (the engine's rule)."""
    matches = [r for r in crosswalk if code.startswith(r["industry_code"])]
    return max(matches, key=lambda r: len(r["industry_code"]), default=None)


def _shipped_industry_codes() -> dict[str, str]:
    """Every industry code named by a shipped data file with an industry_code column (account maps, keyword tables,
    expense types), plus the industries of every USEEIO code such files name without one (through the bridge)."""
    bridge = read(BRIDGE)
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.csv")):
        if "crosswalks/nace2_" in path.as_posix():
            continue
        rows = read(path)
        if not rows or "industry_code" not in rows[0] and "factor_code" not in rows[0]:
            continue
        for row in rows:
            if row.get("is_excluded") == "true":
                continue
            code = (row.get("industry_code") or "").replace(".", "")
            if not code and row.get("factor_set_id") == "useeio" and row.get("factor_code") and path.parent != USEEIO:
                hit = max((b for b in bridge if row["factor_code"].startswith(b["factor_code_prefix"])),
                          key=lambda b: len(b["factor_code_prefix"]), default=None)
                assert hit is not None, f"{path}: useeio {row['factor_code']} has no industry in the bridge"
                code = hit["industry_code"]
            if code:
                found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def test_every_shipped_industry_code_resolves_to_a_factor_in_every_spend_set():
    """The contract with classification (issue 15, 17): whatever industry code a shipped map, keyword table or
    expense-type table names resolves, by longest prefix, to a factor of every shipped spend set; the only gaps
    are the ones a crosswalk declares in its metadata (USEEIO publishes no electricity factor)."""
    codes = _shipped_industry_codes()
    assert {"351", "353", "19", "41", "86"} <= set(codes)      # from bas2025@1.1.0 and the bridged maps
    for set_id, folder in CROSSWALKS.items():
        crosswalk = read(folder / "crosswalk.csv")
        factors = _factor_codes(set_id)
        gaps = json.loads((folder / "crosswalk.meta.json").read_text(encoding="utf-8"))["no_factor"]
        for code, where in codes.items():
            row = _resolve(code, crosswalk)
            assert row is not None, (set_id, code, where)
            if row["industry_code"] in gaps:
                assert not row["factor_code"]
                continue
            assert row["factor_code"] in factors, (set_id, code, where, row["factor_code"])
    assert json.loads((CROSSWALKS["useeio"] / "crosswalk.meta.json").read_text())["no_factor"].keys() == {"351"}
    for set_id in ("exiobase", "defra_sic"):
        assert json.loads((CROSSWALKS[set_id] / "crosswalk.meta.json").read_text())["no_factor"] == {}


@pytest.mark.parametrize("code,expected", [("8710", "87"), ("4941", "49.3-5"), ("87301", "87"), ("3530", "35.2-3"),
                                           ("3511", "35.1"), ("4639", "10.8"), ("2016", "20B"), ("4690", "32")])
def test_uk_sic_codes_resolve_to_defra_groups(code, expected):
    """Issue 17 prices UK council spend through the same seam: UK SIC 2007 = NACE at class level."""
    assert _resolve(code, read(CROSSWALKS["defra_sic"] / "crosswalk.csv"))["factor_code"] == expected
