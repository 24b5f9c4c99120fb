"""Convert the US EPA Supply Chain GHG Emission Factors (USEEIO) files into klimatspend's long format.

Input: the EPA's two CSV files of one release, `..._NAICS_CO2e_USD<year>.csv` (one "All GHGs" row per
NAICS-6 code, kg CO2e per USD) and `..._NAICS_byGHG_USD<year>.csv` (one row per code and gas, kg of the
gas per USD). Output: one factor per row with the gas normalised to a short name (`CO2e` for the all-gas
total, `CO2`, `CH4`, `N2O`, ...), the value with margins (purchaser price) and without margins (producer
price), and units on both sides. Values are copied as the EPA printed them (no float round trip).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ...errors import DataError

# EPA gas names -> short names used in the `factor.gas` column.
GAS_SHORT_NAMES = {
    "All GHGs": "CO2e",
    "Carbon dioxide": "CO2",
    "Methane": "CH4",
    "Nitrous oxide": "N2O",
    "Carbon tetrafluoride": "CF4",
    "Hexafluoroethane": "C2F6",
    "Perfluoropropane": "C3F8",
    "Perfluorobutane": "C4F10",
    "Perfluorocyclobutane": "c-C4F8",
    "Perfluorohexane": "C6F14",
    "Sulfur hexafluoride": "SF6",
    "Nitrogen trifluoride": "NF3",
    "HFC-23": "HFC-23",
    "HFC-32": "HFC-32",
    "HFC-125": "HFC-125",
    "HFC-134a": "HFC-134a",
    "HFC-143a": "HFC-143a",
    "HFC-236fa": "HFC-236fa",
    # Already expressed in CO2e by the EPA (a mix of unspecified gases cannot be given in kg of one gas).
    "HFCs and PFCs, unspecified": "HFCs_PFCs_unspecified_CO2e",
}
_CO2E_GASES = {"All GHGs", "HFCs and PFCs, unspecified"}

_EXPECTED = ["2017 NAICS Code", "2017 NAICS Title", "GHG", "Unit", "Supply Chain Emission Factors without Margins",
             "Margins of Supply Chain Emission Factors", "Supply Chain Emission Factors with Margins", "Reference USEEIO Code"]


def numerator_unit(epa_gas: str) -> str:
    """Return the numerator unit for an EPA gas name: 'kg CO2e' for totals, else 'kg <short name>'."""
    if epa_gas in _CO2E_GASES:
        return "kg CO2e"
    return f"kg {GAS_SHORT_NAMES[epa_gas]}"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != _EXPECTED:
            raise DataError(f"{path.name}: unexpected header {reader.fieldnames}; expected the EPA columns {_EXPECTED}",
                            code="input-error")
        return list(reader)


def convert_useeio(co2e_csv: Path, bygas_csv: Path, *, currency: str = "USD", label: str = "EPA SCGHGEF") -> list[dict]:
    """Read the EPA CO2e and per-gas files; return long-format factor rows (dicts of OUTPUT_COLUMNS, strings).

    The CO2e file gives gas 'CO2e'; the per-gas file gives one row per gas. `source_ref` of each row is
    '<label> CO2e file; USEEIO <code>' or '<label> byGHG file; USEEIO <code>'. Raises DataError on an
    unknown gas, a unit that does not match the gas, or a code that is in one file but not the other.
    """
    out: list[dict] = []
    codes_total: set[str] = set()
    for source, path in (("CO2e", co2e_csv), ("byGHG", bygas_csv)):
        for line, row in enumerate(_rows(path), start=2):
            gas = row["GHG"]
            if gas not in GAS_SHORT_NAMES:
                raise DataError(f"{path.name}: line {line}: unknown gas {gas!r}; add it to GAS_SHORT_NAMES", code="input-error")
            if source == "CO2e" and gas != "All GHGs":
                raise DataError(f"{path.name}: line {line}: the CO2e file holds gas {gas!r}", code="input-error")
            unit = row["Unit"]
            expected_prefix = "kg CO2e/" if gas in _CO2E_GASES else "kg/"
            if not unit.startswith(expected_prefix) or "purchaser price" not in unit:
                raise DataError(f"{path.name}: line {line}: unit {unit!r} does not fit gas {gas!r}", code="input-error")
            code = row["2017 NAICS Code"].strip()
            if source == "CO2e":
                codes_total.add(code)
            elif code not in codes_total:
                raise DataError(f"{path.name}: line {line}: NAICS {code} has no total in {co2e_csv.name}", code="input-error")
            note = ""
            if gas == "HFCs and PFCs, unspecified":
                note = "EPA states this mix in kg CO2e, not kg of gas"
            out.append({
                "factor_code": code,
                "factor_name": row["2017 NAICS Title"].strip(),
                "gas": GAS_SHORT_NAMES[gas],
                "value": row["Supply Chain Emission Factors with Margins"].strip(),
                "value_without_margins": row["Supply Chain Emission Factors without Margins"].strip(),
                "numerator_unit": numerator_unit(gas),
                "denominator_unit": currency,
                "source_ref": f"{label} {source} file; USEEIO {row['Reference USEEIO Code'].strip()}",
                "notes": note,
            })
    return out
