"""Maintainer tool: regenerate the shipped reference tables from their public source files.

    python -m pipeline.factors.build useeio  CO2E_CSV BYGAS_CSV  OUT_DIR
    python -m pipeline.factors.build fx      ECB_HISTORY_CSV     OUT_CSV
    python -m pipeline.factors.build cpi     WORLDBANK_CPI_CSV   OUT_CSV
    python -m pipeline.factors.build bas     KONTOPLAN_BAS_CSV   OUT_CSV     (BAS chart of accounts, ';' + BOM)
    python -m pipeline.factors.build activity --defra XLSX --electricity-dir DIR --out DIR   (activity factors)
    python -m pipeline.factors.build exiobase TOTALS_CSV CONCORDANCE_CSV OUT_DIR [--combustion CSV]
    python -m pipeline.factors.build defra   SIC_MULTIPLIERS_TXT OUT_DIR   (Defra/Leeds UK spend factors)
    python -m pipeline.factors.build crosswalks OUT_DIR      (industry crosswalks of the three spend sets)
    python -m pipeline.factors.build industry-codes MAP_DIR OUT_DIR VERSION   (an account map with industry codes)

The product never runs this at run time; it reads only the files under emission_factors/.
A released factor-set version must not be regenerated in place: write a new version directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..factor_file import write_factors
from . import activity_factors, defra_sic, exiobase_set
from .chart import convert_bas_chart, write_chart
from .industries import add_industry_codes, write_crosswalks
from .prices import build_cpi, build_fx
from .useeio import convert_useeio


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point of the maintainer tool; returns an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "activity":
        return activity_factors.main(args[1:])
    if args and args[0] == "exiobase" and len(args) in (4, 6):
        combustion = Path(args[5]) if len(args) == 6 and args[4] == "--combustion" else None
        if len(args) == 6 and combustion is None:
            print(__doc__, file=sys.stderr)
            return 2
        counts = exiobase_set.build(Path(args[1]), Path(args[2]), Path(args[3]), combustion)
        print(f"{counts['factors']} factors, {counts['flagged']} flags, {counts['overridden']} factors overridden")
    elif len(args) == 3 and args[0] == "defra":
        counts = defra_sic.build(Path(args[1]), Path(args[2]))
        print(f"{counts['factors']} factors, {counts['flagged']} flags")
    elif len(args) == 4 and args[0] == "industry-codes":
        print(f"{add_industry_codes(Path(args[1]), Path(args[2]), args[3])} rows with an industry code")
    elif len(args) == 2 and args[0] == "crosswalks":
        for folder in write_crosswalks(Path(args[1])):
            print(folder)
    elif len(args) == 4 and args[0] == "useeio":
        rows = convert_useeio(Path(args[1]), Path(args[2]), label="EPA SCGHGEF v1.3.0")
        write_factors(rows, Path(args[3]) / "factors.csv")
        print(f"{len(rows)} factor rows")
    elif len(args) == 3 and args[0] == "fx":
        print(f"{build_fx(Path(args[1]), Path(args[2]))} exchange-rate rows")
    elif len(args) == 3 and args[0] == "cpi":
        print(f"{build_cpi(Path(args[1]), Path(args[2]))} price-index rows")
    elif len(args) == 3 and args[0] == "bas":
        rows = convert_bas_chart(Path(args[1]))
        write_chart(rows, Path(args[2]))
        print(f"{len(rows)} chart-of-accounts rows")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
