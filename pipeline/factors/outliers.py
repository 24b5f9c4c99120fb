"""Doubtful factors: checks that flag a factor far from its neighbours, and the shipped decision about each one.

A factor set with regions (EXIOBASE) or years (Defra) is checked product by product:

    zero            the published value is 0 (no output of the product in that region): it would price
                    spend at nothing
    neighbours      value / median(the same product in the neighbouring regions, zeros left out)
                    > NEIGHBOUR_HIGH or < NEIGHBOUR_LOW  (European regions compare with Europe, others with all)
    groups          value / median(every code of the set in the same year) > GROUP_HIGH or < GROUP_LOW (Defra)
    years           value / median(the same code over the set's years) > YEAR_HIGH or < YEAR_LOW (Defra)
    combustion      only with a combustion-only extract (maintainer build step): for combustion-dominated products
                    (fuels, electricity, heat, gas, transport) value / combustion-only value > COMBUSTION_HIGH or
                    < COMBUSTION_LOW; the all-gas total should be close to its combustion part there

Every flag must be decided in the set's `flagged_factors.csv`: `overridden` (factors.csv holds the value used
and the reason, `published_value` the original) or `doubtful` (kept as published; lines priced by it are flagged
in the results, mart `flagged_factors`). `klimatspend factors validate` recomputes the checks and reports any
flag without a decision.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem

NEIGHBOUR_HIGH, NEIGHBOUR_LOW = 5.0, 1 / 8
GROUP_HIGH, GROUP_LOW = 10.0, 1 / 100
YEAR_HIGH, YEAR_LOW = 2.5, 1 / 2.5
COMBUSTION_HIGH, COMBUSTION_LOW = 3.0, 1 / 3
# EXIOBASE product codes whose emissions are mostly combustion (fuels, electricity, gas, heat, transport).
COMBUSTION_PRODUCTS = ("p10.", "p11.", "p23.", "p40.", "p60.", "p61.", "p62")
EUROPE = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GB GR HR HU IE IT LT LU LV MT NL NO PL PT RO SE SI SK CH".split())
FLAGGED_FILE = "flagged_factors.csv"
DECISIONS = ("overridden", "doubtful")


@dataclass(frozen=True)
class Flag:
    """One factor a check flags: where it is, which check, its published value and the ratio that tripped it."""

    region: str
    factor_code: str
    factor_year: str
    check: str
    value: float
    ratio: float | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Return (region, factor_code, factor_year, check): the row's identity in flagged_factors.csv."""
        return self.region, self.factor_code, self.factor_year, self.check


def _median_nonzero(values: list[float]) -> float | None:
    values = [v for v in values if v > 0]
    return statistics.median(values) if values else None


def neighbour_flags(values: dict[tuple[str, str], float]) -> list[Flag]:
    """Return zero and neighbour flags for {(region, code): kg CO2e per unit} of a set with regions."""
    regions = sorted({r for r, _ in values})
    codes = sorted({c for _, c in values})
    flags = []
    for code in codes:
        for region in regions:
            value = values.get((region, code))
            if value is None:
                continue
            near = EUROPE if region in EUROPE else set(regions)
            median = _median_nonzero([values[(r, code)] for r in near if r != region and (r, code) in values])
            if value == 0:
                flags.append(Flag(region, code, "", "zero", value, None))
            elif median and not NEIGHBOUR_LOW <= value / median <= NEIGHBOUR_HIGH:
                flags.append(Flag(region, code, "", "neighbours", value, value / median))
    return flags


def neighbour_median(values: dict[tuple[str, str], float], region: str, code: str) -> float | None:
    """Return the median of `code` over `region`'s neighbours (zeros and the region itself left out)."""
    regions = {r for r, _ in values}
    near = EUROPE if region in EUROPE else regions
    return _median_nonzero([values[(r, code)] for r in near if r != region and (r, code) in values])


def combustion_flags(values: dict[tuple[str, str], float], combustion: dict[tuple[str, str], float]) -> list[Flag]:
    """Return flags where a combustion-dominated product's total is far from its combustion-only value."""
    flags = []
    for (region, code), value in sorted(values.items()):
        comb = combustion.get((region, code))
        if not code.startswith(COMBUSTION_PRODUCTS) or not comb or value <= 0:
            continue
        if not COMBUSTION_LOW <= value / comb <= COMBUSTION_HIGH:
            flags.append(Flag(region, code, "", "combustion", value, value / comb))
    return flags


def year_group_flags(values: dict[tuple[str, str], float]) -> list[Flag]:
    """Return flags for {(code, year): value} of a set with years: near-zero or far above the year's other codes,
    and a year far from the same code's other years."""
    flags = []
    years = sorted({y for _, y in values})
    codes = sorted({c for c, _ in values})
    for year in years:
        median = _median_nonzero([v for (c, y), v in values.items() if y == year])
        for code in codes:
            value = values.get((code, year))
            if value is None or not median:
                continue
            if not GROUP_LOW <= value / median <= GROUP_HIGH:
                flags.append(Flag("", code, year, "groups", value, value / median))
    for code in codes:
        own = [values[(code, y)] for y in years if (code, y) in values]
        median = _median_nonzero(own)
        for year in years:
            value = values.get((code, year))
            if value is None or not median or value / median < GROUP_LOW:
                continue
            if not YEAR_LOW <= value / median <= YEAR_HIGH:
                flags.append(Flag("", code, year, "years", value, value / median))
    return flags


def read_combustion(path: Path) -> dict[tuple[str, str], float]:
    """Return {(region, product name): kg CO2e per EUR} from a combustion-only extract (Region, Sector, GWP100 per
    million EUR); rows it cannot read are skipped (the shared extract has one name split over two cells)."""
    out = {}
    with Path(path).open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) != 3 or row[0] == "Region":
                continue
            try:
                out[(row[0], row[1])] = float(row[2]) / 1e6
            except ValueError:
                continue
    return out


def combustion_by_code(path: Path, factors_csv: Path) -> dict[tuple[str, str], float]:
    """Return the combustion-only extract keyed by (region, factor code), codes found by name in `factors_csv`."""
    with Path(factors_csv).open(encoding="utf-8", newline="") as handle:
        codes = {r["factor_name"]: r["factor_code"] for r in csv.DictReader(handle)}
    return {(region, codes[name]): v for (region, name), v in read_combustion(path).items() if name in codes}


def read_published(factors_csv: Path) -> tuple[dict, str]:
    """Return ({key: published value}, kind) from a factors.csv: kind 'regions' keys (region, code), 'years'
    keys (code, year); the published value is `published_value` where the file has it, else `value` (CO2e rows)."""
    with Path(factors_csv).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        rows = [r for r in reader if r.get("gas", "CO2e") == "CO2e"]
    def published(r: dict) -> float:
        return float(r.get("published_value") or r["value"])
    if "region" in fields and any(r.get("region") for r in rows):
        return {(r["region"], r["factor_code"]): published(r) for r in rows}, "regions"
    if "factor_year" in fields and any(r.get("factor_year") for r in rows):
        return {(r["factor_code"], r["factor_year"]): published(r) for r in rows}, "years"
    return {("", r["factor_code"]): published(r) for r in rows}, "plain"


def set_flags(factors_csv: Path, combustion: dict[tuple[str, str], float] | None = None) -> list[Flag]:
    """Return every flag the checks raise on a factor set's factors.csv (combustion only when an extract is given)."""
    values, kind = read_published(factors_csv)
    if kind == "regions":
        flags = neighbour_flags(values)
        if combustion:
            flags += combustion_flags(values, combustion)
        return flags
    if kind == "years":
        return year_group_flags(values)
    return []


def read_decisions(flagged_csv: Path) -> dict[tuple[str, str, str, str], dict]:
    """Return {(region, code, year, check): row} of a set's flagged_factors.csv (empty when there is none)."""
    path = Path(flagged_csv)
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {(r["region"], r["factor_code"], r["factor_year"], r["check"]): r for r in csv.DictReader(handle)}


def check_decisions(set_dir: Path, combustion_csv: Path | None = None) -> list[Problem]:
    """Return a problem for every flagged factor of the set in `set_dir` that has no decision, and for every
    factors.csv row whose flag disagrees with the decisions (an overridden factor must say so, and why).
    With `combustion_csv` (a combustion-only extract) the combustion check runs too."""
    set_dir = Path(set_dir)
    factors_csv = set_dir / "factors.csv"
    if not factors_csv.is_file():
        return []
    combustion = combustion_by_code(combustion_csv, factors_csv) if combustion_csv else None
    decisions = read_decisions(set_dir / FLAGGED_FILE)
    label = f"{set_dir.name}/{FLAGGED_FILE}"
    problems = []
    checks_run = {"zero", "neighbours", "groups", "years"} | ({"combustion"} if combustion else set())
    flags = set_flags(factors_csv, combustion)
    for flag in flags:
        decision = decisions.get(flag.key)
        if decision is None:
            where = " ".join(x for x in (flag.region, flag.factor_code, flag.factor_year) if x)
            ratio = "" if flag.ratio is None else f" (ratio {flag.ratio:.2f})"
            problems.append(Problem(label, "doubtful-factor",
                                    f"has no decision for {where}: the {flag.check} check flags it{ratio}; add a row "
                                    "(overridden with the value used and the reason, or doubtful)"))
        elif decision.get("decision") not in DECISIONS or not decision.get("reason"):
            problems.append(Problem(label, "doubtful-factor", "needs a decision (overridden or doubtful) and a reason",
                                    column="decision", value=decision.get("decision", "")))
    flagged_keys = {f.key for f in flags}
    for key, row in decisions.items():
        # a combustion decision can be checked only for the products the given extract has
        checkable = key[3] in checks_run and (key[3] != "combustion" or (key[0], key[1]) in combustion)
        if checkable and key not in flagged_keys:
            problems.append(Problem(label, "stale-decision", "decides a factor that no check flags any more; remove "
                                    "the row", value=" ".join(x for x in key if x)))
    overridden = {(k[0], k[1], k[2]) for k, r in decisions.items() if r.get("decision") == "overridden"}
    with factors_csv.open(encoding="utf-8", newline="") as handle:
        for row_no, row in enumerate(csv.DictReader(handle), start=1):
            key = (row.get("region") or "", row["factor_code"], row.get("factor_year") or "")
            if row.get("flag") == "overridden" and key not in overridden:
                problems.append(Problem(f"{set_dir.name}/factors.csv", "doubtful-factor",
                                        f"is marked overridden but {FLAGGED_FILE} has no override for it", row=row_no,
                                        column="flag", value="overridden"))
            if key in overridden and row.get("flag") != "overridden" and row.get("gas", "CO2e") == "CO2e":
                problems.append(Problem(f"{set_dir.name}/factors.csv", "doubtful-factor",
                                        f"is overridden in {FLAGGED_FILE} but its row keeps the published value",
                                        row=row_no, column="flag", value=row.get("flag") or ""))
    return problems
