"""Build the shipped EXIOBASE 3.4 factor set (all 49 regions) from the total multipliers by region.

    python -m pipeline.factors.build exiobase TOTALS_CSV CONCORDANCE_CSV OUT_DIR [--combustion COMBUSTION_CSV]

TOTALS_CSV: region, sector (EXIOBASE product name), Scope 1, Scope 2, Scope 3, Total lifecycle, in kg CO2e per
million EUR at 2011 basic prices (bloom-contrib's EXIOBASE 3.4 ixi 2011 extract). CONCORDANCE_CSV: the official
cpasut64_exiobase3p concordance, used only for the product codes of the names. COMBUSTION_CSV (optional, a
maintainer's plausibility input, never shipped): Region, Sector, GWP100 of the combustion-only 2022 extract.

Writes OUT_DIR/factors.csv (one CO2e row per region and product, kg CO2e per EUR = Total lifecycle / 1e6) and
OUT_DIR/flagged_factors.csv (every factor a check in pipeline.factors.outliers flags, with the decision):

* zero (no output in the region): overridden with the median of the same product in the neighbouring regions,
  because a buyer in that region buys imports, not nothing; left doubtful when no neighbour produces it;
* Swedish products the crosswalk uses: decided one by one in SE_DECISIONS with the reason;
* every other flag: doubtful, kept as published; lines priced by it are flagged in the results.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ...errors import DataError
from ..outliers import Flag, combustion_flags, neighbour_flags, neighbour_median, read_combustion

SOURCE_REF = "EXIOBASE 3.4 ixi 2011 total multipliers (bloom-contrib scope.csv); region {region}, product {code}"
FACTOR_COLUMNS = ["factor_code", "factor_name", "region", "gas", "value", "value_without_margins", "numerator_unit",
                  "denominator_unit", "published_value", "flag", "source_ref", "notes"]
FLAGGED_COLUMNS = ["region", "factor_code", "factor_year", "factor_name", "check", "ratio", "published_value",
                   "decision", "value_used", "reason"]

# Swedish products used by the industry crosswalk that a check flags: the decision and why. A value is either a
# number (kg CO2e per EUR) or 'median' (the European neighbours' median) or 'proxy:<code>' (another SE product).
SE_DECISIONS: dict[str, tuple[str, str, str]] = {
    "p40.3": ("overridden", "proxy:p40.11.g",
              "Steam and hot water supply services: SE 5.59 kg/EUR is 3.7 times the combustion-only 2022 extract "
              "(1.53), although heat supply emits almost only by combustion, and would put district heat above "
              "coal power. Swedish district heating is produced mostly from biomass and waste in combined heat and "
              "power plants: the same plants' SE product 'Electricity by biomass and waste' (0.343 kg/EUR) is used. "
              "Give the supplier's own factor (miljövärde) or load kWh for a real figure"),
    "p40.2.1": ("overridden", "median",
                "Distribution services of gaseous fuels through mains: SE 3.71 kg/EUR is 6.5 times the European "
                "median; Sweden's small gas grid had little output in 2011. The European median is used"),
    "p24.a": ("overridden", "median",
              "Plastics, basic: SE 0.057 kg/EUR is a ninth of the European median; making basic plastics is "
              "energy-intensive everywhere. The European median is used"),
}


def read_totals(path: Path) -> dict[tuple[str, str], float]:
    """Return {(region, product name): kg CO2e per EUR} from the totals CSV (Total lifecycle / 1e6)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"region", "sector", "Total lifecycle"} <= set(reader.fieldnames or []):
            raise DataError(f"{Path(path).name}: expected columns region, sector, Total lifecycle", code="input-error")
        return {(r["region"], r["sector"]): float(r["Total lifecycle"]) / 1e6 for r in reader}


def read_codes(path: Path) -> dict[str, str]:
    """Return {EXIOBASE product name: product code} from the cpasut64_exiobase3p concordance."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return {r["target_name"]: r["target_code"] for r in csv.DictReader(handle)}


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def build(totals_csv: Path, concordance_csv: Path, out_dir: Path, combustion_csv: Path | None = None) -> dict:
    """Write factors.csv and flagged_factors.csv for every region; return counts {factors, flagged, overridden}."""
    totals = read_totals(totals_csv)
    codes = read_codes(concordance_csv)
    missing = sorted({name for _, name in totals if name not in codes})
    if missing:
        raise DataError(f"{Path(totals_csv).name}: products without a code in the concordance: {missing[:5]}",
                        code="input-error")
    names = {codes[n]: n for _, n in totals}
    values = {(region, codes[name]): value for (region, name), value in totals.items()}
    flags: list[Flag] = neighbour_flags(values)
    if combustion_csv:
        combustion = {(region, codes[name]): v for (region, name), v in read_combustion(combustion_csv).items()
                      if name in codes}
        flags += combustion_flags(values, combustion)
    decided: list[dict] = []
    used: dict[tuple[str, str], tuple[float, str]] = {}
    for flag in sorted(flags, key=lambda f: (f.region, f.factor_code, f.check)):
        decision, value_used, reason = _decide(flag, values, names)
        if decision == "overridden":
            used[(flag.region, flag.factor_code)] = (value_used, reason)
        decided.append({"region": flag.region, "factor_code": flag.factor_code, "factor_year": "",
                        "factor_name": names[flag.factor_code], "check": flag.check,
                        "ratio": "" if flag.ratio is None else f"{flag.ratio:.3g}",
                        "published_value": _fmt(flag.value), "decision": decision,
                        "value_used": _fmt(value_used), "reason": reason})
    # A factor flagged by two checks gets one decision: an override by either applies to the row.
    for row in decided:
        key = (row["region"], row["factor_code"])
        if key in used and row["decision"] != "overridden":
            row["decision"], row["value_used"] = "overridden", _fmt(used[key][0])
            row["reason"] = used[key][1]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doubtful = {(r["region"], r["factor_code"]) for r in decided if r["decision"] == "doubtful"}
    with (out_dir / "factors.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FACTOR_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for (region, code), value in sorted(values.items()):
            override = used.get((region, code))
            flag = "overridden" if override else ("doubtful" if (region, code) in doubtful else "")
            note = override[1] if override else ("flagged by a plausibility check (see flagged_factors.csv); kept as "
                                                 "published" if flag else "")
            writer.writerow({"factor_code": code, "factor_name": names[code], "region": region, "gas": "CO2e",
                             "value": _fmt(override[0] if override else value), "value_without_margins": "",
                             "numerator_unit": "kg CO2e", "denominator_unit": "EUR",
                             "published_value": _fmt(value) if override else "", "flag": flag,
                             "source_ref": SOURCE_REF.format(region=region, code=code), "notes": note})
    with (out_dir / "flagged_factors.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FLAGGED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(decided)
    return {"factors": len(values), "flagged": len(decided), "overridden": len(used)}


def _decide(flag: Flag, values: dict[tuple[str, str], float], names: dict[str, str]) -> tuple[str, float, str]:
    """Return (decision, value used, reason) for one flag."""
    if flag.region == "SE" and flag.factor_code in SE_DECISIONS:
        decision, rule, reason = SE_DECISIONS[flag.factor_code]
        if rule == "median":
            value = neighbour_median(values, flag.region, flag.factor_code)
        elif rule.startswith("proxy:"):
            value = values[(flag.region, rule.split(":", 1)[1])]
        else:
            value = float(rule)
        if value is None:
            raise DataError(f"SE {flag.factor_code}: no value for the decision {rule!r}", code="input-error")
        return decision, value, reason
    if flag.check == "zero":
        median = neighbour_median(values, flag.region, flag.factor_code)
        if median:
            return ("overridden", median,
                    f"No output of '{names[flag.factor_code]}' in {flag.region} in 2011 (multiplier 0): a buyer there "
                    "buys imports, so the median of the neighbouring regions that produce it is used")
        return ("doubtful", flag.value, "No output in the region nor in its neighbours (multiplier 0); lines priced "
                "by it are flagged in the results")
    what = {"neighbours": "its neighbouring regions' median", "combustion": "the combustion-only 2022 extract"}
    return ("doubtful", flag.value,
            f"{flag.ratio:.2g} times {what[flag.check]}; kept as published, lines priced by it are flagged in the "
            "results")
