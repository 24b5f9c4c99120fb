"""Build the shipped Defra/Leeds UK spend-based factor set from the published SIC multipliers.

    python -m pipeline.factors.build defra SIC_MULTIPLIERS_TXT OUT_DIR

Input: the GHG_SIC_multipliers sheet as pipe-separated text after a commented header (`SIC code | SIC category |
2015 | ... | 2023`), kg CO2e per GBP at current basic prices, excluding VAT. Output: OUT_DIR/factors.csv, one CO2e
row per SIC group and year (factor_year; the value is in that year's prices), and OUT_DIR/flagged_factors.csv with
every factor a check in pipeline.factors.outliers flags. Defra's figures are official and kept as published:
every flag is `doubtful` (lines priced by it are flagged in the results); the crosswalk avoids the outlier
groups 46 (wholesale), 7 (metal ores) and 65.3 (pension funding).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ...errors import DataError
from ..outliers import year_group_flags

FACTOR_COLUMNS = ["factor_code", "factor_name", "factor_year", "gas", "value", "value_without_margins",
                  "numerator_unit", "denominator_unit", "published_value", "flag", "source_ref", "notes"]
FLAGGED_COLUMNS = ["region", "factor_code", "factor_year", "factor_name", "check", "ratio", "published_value",
                   "decision", "value_used", "reason"]
SOURCE_REF = "Defra/Leeds spend-based emissions multipliers 1997-2023, sheet GHG_SIC_multipliers, SIC {code}, {year}"


def read_multipliers(path: Path) -> tuple[list[str], dict[str, str], dict[tuple[str, str], str]]:
    """Return (years, {code: name}, {(code, year): value as printed}) from the pipe-separated text."""
    years: list[str] = []
    names: dict[str, str] = {}
    values: dict[tuple[str, str], str] = {}
    with Path(path).open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if line.startswith("# Columns:"):
                years = [c.strip() for c in line.split(":", 1)[1].split("|")][2:]
                continue
            if not line.strip() or line.startswith("#"):
                continue
            cells = [c.strip() for c in line.split("|")]
            if not years or len(cells) != len(years) + 2:
                raise DataError(f"{Path(path).name}: line {line_no}: expected {len(years) + 2} cells separated by '|'",
                                code="input-error")
            code = cells[0].replace(" ", "")
            names[code] = cells[1]
            for year, text in zip(years, cells[2:]):
                float(text)
                values[(code, year)] = text
    if not values:
        raise DataError(f"{Path(path).name}: no multipliers found", code="input-error")
    return years, names, values


def build(source: Path, out_dir: Path) -> dict:
    """Write factors.csv and flagged_factors.csv; return counts {factors, flagged}."""
    years, names, values = read_multipliers(source)
    flags = year_group_flags({k: float(v) for k, v in values.items()})
    what = {"groups": "the median of all SIC groups that year", "years": "the same group's median over 2015-2023"}
    decided = [{"region": "", "factor_code": f.factor_code, "factor_year": f.factor_year,
                "factor_name": names[f.factor_code], "check": f.check, "ratio": f"{f.ratio:.3g}",
                "published_value": values[(f.factor_code, f.factor_year)], "decision": "doubtful",
                "value_used": values[(f.factor_code, f.factor_year)],
                "reason": f"{f.ratio:.2g} times {what[f.check]}; an official figure, kept as published; lines priced "
                          "by it are flagged in the results"}
               for f in sorted(flags, key=lambda f: (f.factor_code, f.factor_year, f.check))]
    doubtful = {(r["factor_code"], r["factor_year"]) for r in decided}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "factors.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FACTOR_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for code in names:
            for year in years:
                flagged = (code, year) in doubtful
                writer.writerow({"factor_code": code, "factor_name": names[code], "factor_year": year, "gas": "CO2e",
                                 "value": values[(code, year)], "value_without_margins": "",
                                 "numerator_unit": "kg CO2e", "denominator_unit": "GBP", "published_value": "",
                                 "flag": "doubtful" if flagged else "",
                                 "source_ref": SOURCE_REF.format(code=code, year=year),
                                 "notes": "flagged by a plausibility check (see flagged_factors.csv); kept as published"
                                 if flagged else ""})
    with (out_dir / "flagged_factors.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FLAGGED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(decided)
    return {"factors": len(values), "flagged": len(decided)}
