"""Build the shipped activity-factor table (emission_factors/activity_factors/) from public sources.

A developer tool, run once per release; the product never reads the sources at run time:

    python -m pipeline.factors.build activity --defra ghg-conversion-factors-2024-...xlsx \\
        --electricity-dir .../factors/electricity --out emission_factors/activity_factors/1.0.0

Sources (licences in the metadata file written next to the CSV):
* UK DESNZ/DEFRA "GHG Conversion Factors for Company Reporting" 2024 full set v1.1 (OGL v3.0): fuels
  burnt (scope 1), well-to-tank (scope 3 category 3), heat and steam, vehicles and land travel.
* Electricity Maps yearly life-cycle grid intensity per zone (ODbL), via thegreenwebfoundation/co2.js.
* Ember average grid intensity per country (CC BY-SA 4.0), via thegreenwebfoundation/co2.js.

Every output row names its source cell (sheet!cell for the xlsx, file and key for the JSON).
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

DEFRA_SOURCE = "UK DESNZ GHG Conversion Factors for Company Reporting 2024, full set v1.1"
DEFRA_LICENCE = "OGL-3.0"
EMAPS_LICENCE = "ODbL-1.0 (Electricity Maps; attribution and share-alike)"
EMBER_LICENCE = "CC-BY-SA-4.0 (Ember)"

COLUMNS = ["activity_code", "activity_name", "year", "component", "ghg_scope", "scope3_category", "gas", "value",
           "numerator_unit", "denominator_unit", "relative_uncertainty", "source", "source_ref", "licence", "notes"]

# DEFRA unit labels -> the unit names klimatspend uses.
UNIT_NAMES = {"litres": "litre", "cubic metres": "m3", "kWh (Gross CV)": "kWh", "kWh": "kWh", "kg": "kg",
              "tonnes": "tonne", "km": "km", "passenger.km": "passenger-km"}


@dataclass(frozen=True)
class DefraPick:
    """One factor to take from the DEFRA workbook: a row found by its type label and unit, one column."""

    activity_code: str
    activity_name: str
    sheet: str
    type_label: str          # the 'Fuel' / 'Type' cell of the row (carried down over blank cells)
    unit_label: str          # the 'Unit' cell of the row
    component: str
    ghg_scope: int
    scope3_category: int | None
    co2e_col: int            # 0-based column of the kg CO2e value
    co2_col: int | None      # 0-based column of 'kg CO2e of CO2 per unit', when the sheet has it
    relative_uncertainty: float
    notes: str = ""
    multiplier: float = 1.0  # applied to the cell value (unit derivations, stated in notes)
    unit_out: str | None = None


_FUEL_U = 0.1
_NOTE_BIO = ("Biofuel: the scope-1 value holds CH4 and N2O only; its CO2 is biogenic and reported outside the "
             "scopes (DEFRA 'Outside of scopes' sheet)")
_NOTE_BLEND = ("UK forecourt average biofuel blend; Swedish forecourt diesel and petrol carry a different, "
               "yearly changing bio share (reduktionsplikt): give your own factor per litre when you know it")

DEFRA_PICKS: tuple[DefraPick, ...] = (
    # Diesel, forecourt average blend
    DefraPick("diesel", "Diesel (average biofuel blend)", "Fuels", "Diesel (average biofuel blend)", "litres",
              "combustion", 1, None, 3, 4, _FUEL_U, _NOTE_BLEND),
    DefraPick("diesel", "Diesel (average biofuel blend)", "WTT- fuels", "Diesel (average biofuel blend)", "litres",
              "wtt", 3, 3, 3, None, _FUEL_U, "Well-to-tank: extraction, refining and transport of the fuel"),
    DefraPick("diesel_mineral", "Diesel (100% mineral diesel)", "Fuels", "Diesel (100% mineral diesel)", "litres",
              "combustion", 1, None, 3, 4, _FUEL_U),
    DefraPick("diesel_mineral", "Diesel (100% mineral diesel)", "WTT- fuels", "Diesel (100% mineral diesel)",
              "litres", "wtt", 3, 3, 3, None, _FUEL_U),
    # Petrol, forecourt average blend
    DefraPick("petrol", "Petrol (average biofuel blend)", "Fuels", "Petrol (average biofuel blend)", "litres",
              "combustion", 1, None, 3, 4, _FUEL_U, _NOTE_BLEND),
    DefraPick("petrol", "Petrol (average biofuel blend)", "WTT- fuels", "Petrol (average biofuel blend)", "litres",
              "wtt", 3, 3, 3, None, _FUEL_U),
    # HVO (hydrotreated vegetable oil, HVO100)
    DefraPick("hvo", "HVO (biodiesel HVO)", "Bioenergy", "Biodiesel HVO", "litres", "combustion", 1, None, 3, None,
              _FUEL_U, _NOTE_BIO),
    DefraPick("hvo", "HVO (biodiesel HVO)", "WTT- bioenergy", "Biodiesel HVO", "litres", "wtt", 3, 3, 3, None, 0.3,
              "Well-to-tank of HVO depends strongly on the feedstock; DEFRA's UK average"),
    # Vehicle biogas (biomethane, compressed): per kg as sold in Sweden, per Nm3 derived with the DEFRA density
    DefraPick("biogas", "Vehicle biogas (biomethane, compressed)", "Bioenergy", "Biomethane (compressed)", "kg",
              "combustion", 1, None, 3, None, _FUEL_U, _NOTE_BIO),
    DefraPick("biogas", "Vehicle biogas (biomethane, compressed)", "WTT- bioenergy", "Biomethane (compressed)", "kg",
              "wtt", 3, 3, 3, None, 0.3, "Well-to-tank of biomethane depends on the feedstock; DEFRA's UK average"),
    DefraPick("biogas", "Vehicle biogas (biomethane, compressed)", "Bioenergy", "Biomethane (compressed)", "kg",
              "combustion", 1, None, 3, None, _FUEL_U,
              _NOTE_BIO + "; per m3 (normal cubic metre) = per kg x 0.725 kg/m3 (DEFRA 'Fuel properties', biomethane "
              "density)", 0.725, "m3"),
    DefraPick("biogas", "Vehicle biogas (biomethane, compressed)", "WTT- bioenergy", "Biomethane (compressed)", "kg",
              "wtt", 3, 3, 3, None, 0.3, "per m3 = per kg x 0.725 kg/m3 (DEFRA 'Fuel properties', biomethane density)",
              0.725, "m3"),
    # Natural gas (mains), per m3 and per kWh (gross CV, as billed)
    DefraPick("natural_gas", "Natural gas", "Fuels", "Natural gas", "cubic metres", "combustion", 1, None, 3, 4,
              _FUEL_U),
    DefraPick("natural_gas", "Natural gas", "WTT- fuels", "Natural gas", "cubic metres", "wtt", 3, 3, 3, None, _FUEL_U),
    DefraPick("natural_gas", "Natural gas", "Fuels", "Natural gas", "kWh (Gross CV)", "combustion", 1, None, 3, 4,
              _FUEL_U, "per kWh on a gross calorific value basis (as billed)"),
    DefraPick("natural_gas", "Natural gas", "WTT- fuels", "Natural gas", "kWh (Gross CV)", "wtt", 3, 3, 3, None,
              _FUEL_U, "per kWh on a gross calorific value basis (as billed)"),
    # Heating oil (eldningsolja 1 is a gas oil)
    DefraPick("heating_oil", "Heating oil (gas oil, eldningsolja 1)", "Fuels", "Gas oil", "litres", "combustion", 1,
              None, 3, 4, _FUEL_U),
    DefraPick("heating_oil", "Heating oil (gas oil, eldningsolja 1)", "WTT- fuels", "Gas oil", "litres", "wtt", 3, 3,
              3, None, _FUEL_U),
    # Wood fuels
    DefraPick("wood_pellets", "Wood pellets", "Bioenergy", "Wood pellets", "kWh", "combustion", 1, None, 3, None,
              _FUEL_U, _NOTE_BIO),
    DefraPick("wood_pellets", "Wood pellets", "Bioenergy", "Wood pellets", "tonnes", "combustion", 1, None, 3, None,
              _FUEL_U, _NOTE_BIO),
    DefraPick("wood_pellets", "Wood pellets", "WTT- bioenergy", "Wood pellets", "tonnes", "wtt", 3, 3, 3, None, 0.3),
    DefraPick("wood_pellets", "Wood pellets", "WTT- bioenergy", "Wood pellets", "kWh", "wtt", 3, 3, 3, None, 0.3),
    DefraPick("wood_chips", "Wood chips", "Bioenergy", "Wood chips", "kWh", "combustion", 1, None, 3, None, _FUEL_U,
              _NOTE_BIO),
    DefraPick("wood_chips", "Wood chips", "Bioenergy", "Wood chips", "tonnes", "combustion", 1, None, 3, None,
              _FUEL_U, _NOTE_BIO),
    DefraPick("wood_chips", "Wood chips", "WTT- bioenergy", "Wood chips", "tonnes", "wtt", 3, 3, 3, None, 0.3),
    DefraPick("wood_chips", "Wood chips", "WTT- bioenergy", "Wood chips", "kWh", "wtt", 3, 3, 3, None, 0.3),
    # District heating: DEFRA's UK value (gas-fired CHP dominated) is a conservative stand-in
    DefraPick("district_heating_uk", "District heat and steam (UK average)", "Heat and steam",
              "District heat and steam", "kWh", "generation", 2, None, 4, 5, 0.5,
              "UK district heat (gas-fired); Swedish district heating is mostly biomass and waste heat and usually "
              "far lower: give your supplier's published value (Energiföretagen 'lokala miljövärden') as an own factor"),
    DefraPick("district_heating_uk", "District heat and steam (UK average)", "WTT- heat and steam",
              "District heat and steam", "kWh", "wtt", 3, 3, 4, None, 0.5),
    DefraPick("district_heating_uk", "District heat and steam (UK average)", "Transmission and distribution",
              "5% loss", "kWh", "distribution_loss", 3, 3, 4, 5, 0.5, "Distribution losses of district heat (5 %)"),
    DefraPick("district_heating_uk", "District heat and steam (UK average)", "WTT- heat and steam", "5% loss", "kWh",
              "wtt_distribution_loss", 3, 3, 4, None, 0.5),
    # Travel and vehicles by distance
    DefraPick("car_km", "Car, average size, unknown fuel", "Passenger vehicles", "Average car", "km", "vehicle", 1,
              None, 23, 24, 0.3, "Own or leased cars (scope 1); UK fleet average. Staff cars on mileage allowance are "
              "scope 3 category 6"),
    DefraPick("car_km", "Car, average size, unknown fuel", "WTT- pass vehs & travel- land", "Average car", "km", "wtt",
              3, 3, 8, None, 0.3),
    DefraPick("bus_pkm", "Bus, average local bus", "Business travel- land", "Average local bus", "passenger.km",
              "vehicle", 3, 6, 3, 4, 0.3, "Business travel (scope 3 category 6); UK average local bus"),
    DefraPick("bus_pkm", "Bus, average local bus", "WTT- pass vehs & travel- land", "Average local bus",
              "passenger.km", "wtt", 3, 6, 3, None, 0.3),
    DefraPick("rail_pkm", "Rail, national (UK)", "Business travel- land", "National rail", "passenger.km", "vehicle",
              3, 6, 3, 4, 0.5, "UK national rail (partly diesel); Swedish electric rail is far lower: give your own "
              "factor when known"),
    DefraPick("rail_pkm", "Rail, national (UK)", "WTT- pass vehs & travel- land", "National rail", "passenger.km",
              "wtt", 3, 6, 3, None, 0.5),
)

ELECTRICITY_ZONES = {"SE": ("electricity_se", "Electricity, Sweden (location-based, life cycle)"),
                     "SE-SE1": ("electricity_se1", "Electricity, bidding zone SE1 Luleå (location-based)"),
                     "SE-SE2": ("electricity_se2", "Electricity, bidding zone SE2 Sundsvall (location-based)"),
                     "SE-SE3": ("electricity_se3", "Electricity, bidding zone SE3 Stockholm (location-based)"),
                     "SE-SE4": ("electricity_se4", "Electricity, bidding zone SE4 Malmö (location-based)")}
EMBER_PICKS = {"SWE": ("electricity_se_ember", "Electricity, Sweden (Ember generation average)"),
               "EU": ("electricity_eu_ember", "Electricity, EU-27 average (Ember generation average)")}


def _col_letter(index: int) -> str:
    """Return the spreadsheet column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _number(value) -> float | None:
    """Return a cell value as float, or None when it is blank or text."""
    if isinstance(value, bool) or value in ("", None):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def find_defra_row(rows: list[list], pick: DefraPick) -> int:
    """Return the 0-based row index in `rows` of the pick's (type label, unit); raise KeyError if absent.

    The type label is carried down over blank cells, as the workbook shows a fuel name once above its unit rows.
    """
    current = None
    for i, row in enumerate(rows):
        cells = list(row) + [""] * 4
        if str(cells[1]).strip():
            current = str(cells[1]).strip()
        if current == pick.type_label and str(cells[2]).strip() == pick.unit_label:
            return i
    raise KeyError(f"{pick.sheet}: no row {pick.type_label!r} / {pick.unit_label!r}")


def defra_rows(workbook_path: Path, year: int = 2024) -> list[dict]:
    """Extract the DEFRA_PICKS from the workbook at `workbook_path`; one dict per (pick, gas), values in kg per unit."""
    wb = CalamineWorkbook.from_path(str(workbook_path))
    sheets: dict[str, list[list]] = {}
    out = []
    for pick in DEFRA_PICKS:
        rows = sheets.setdefault(pick.sheet, wb.get_sheet_by_name(pick.sheet).to_python())
        i = find_defra_row(rows, pick)
        unit = pick.unit_out or UNIT_NAMES[pick.unit_label]
        for gas, col in (("CO2e", pick.co2e_col), ("CO2", pick.co2_col)):
            if col is None:
                continue
            value = _number(rows[i][col]) if col < len(rows[i]) else None
            if value is None:
                raise ValueError(f"{pick.sheet}!{_col_letter(col)}{i + 1}: expected a number for {pick.activity_code}")
            ref = f"{pick.sheet}!{_col_letter(col)}{i + 1} ({pick.type_label}, {pick.unit_label})"
            if pick.multiplier != 1.0:
                ref += f" x {pick.multiplier:g}"
            out.append({
                "activity_code": pick.activity_code, "activity_name": pick.activity_name, "year": year,
                "component": pick.component, "ghg_scope": pick.ghg_scope, "scope3_category": pick.scope3_category,
                "gas": gas, "value": round(value * pick.multiplier, 8),
                "numerator_unit": "kg CO2e" if gas == "CO2e" else "kg CO2", "denominator_unit": unit,
                "relative_uncertainty": pick.relative_uncertainty, "source": DEFRA_SOURCE, "source_ref": ref,
                "licence": DEFRA_LICENCE, "notes": pick.notes})
    return out


def electricity_rows(electricity_dir: Path) -> list[dict]:
    """Extract Swedish grid intensities (Electricity Maps per year and zone, Ember latest) as kg CO2e per kWh."""
    out = []
    for path in sorted(electricity_dir.glob("electricitymaps_yearly_*.json")):
        year = int(path.stem.rsplit("_", 1)[1])
        data = json.loads(path.read_text(encoding="utf-8"))
        for zone, (code, name) in ELECTRICITY_ZONES.items():
            entry = data[zone]["carbonIntensity"]
            if entry["unit"] != "gCO2eq/kWh":
                raise ValueError(f"{path.name}: {zone} unit is {entry['unit']!r}, expected gCO2eq/kWh")
            out.append({
                "activity_code": code, "activity_name": name, "year": year, "component": "generation",
                "ghg_scope": 2, "scope3_category": None, "gas": "CO2e", "value": entry["value"] / 1000,
                "numerator_unit": "kg CO2e", "denominator_unit": "kWh", "relative_uncertainty": 0.3,
                "source": "Electricity Maps yearly carbon intensity (life cycle), via thegreenwebfoundation/co2.js",
                "source_ref": f"{path.name}: {zone}.carbonIntensity = {entry['value']} gCO2eq/kWh",
                "licence": EMAPS_LICENCE,
                "notes": "Location-based, life-cycle intensity of consumed electricity (includes upstream); a "
                         "market-based figure needs the supplier's residual mix or guarantees of origin"})
    path = electricity_dir / "ember_average_intensities.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, (code, name) in EMBER_PICKS.items():
        entry = data[key]
        out.append({
            "activity_code": code, "activity_name": name, "year": int(entry["year"]), "component": "generation",
            "ghg_scope": 2, "scope3_category": None, "gas": "CO2e",
            "value": round(entry["emissions_intensity_gco2_per_kwh"] / 1000, 8), "numerator_unit": "kg CO2e",
            "denominator_unit": "kWh", "relative_uncertainty": 0.3,
            "source": "Ember yearly electricity data, average grid intensity, via thegreenwebfoundation/co2.js",
            "source_ref": f"{path.name}: {key}.emissions_intensity_gco2_per_kwh = "
                          f"{entry['emissions_intensity_gco2_per_kwh']}",
            "licence": EMBER_LICENCE,
            "notes": "Average intensity of generation in the country or region (latest year Ember publishes)"})
    return out


def write_csv(rows: list[dict], path: Path) -> None:
    """Write `rows` as the long-format activity-factor CSV at `path` (UTF-8, header first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(rows, key=lambda r: (r["activity_code"], r["year"], r["denominator_unit"], r["component"], r["gas"]))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row[k] is None else row[k]) for k in COLUMNS})


def main(argv: list[str] | None = None) -> int:
    """Command line: build activity_factors.csv from the DEFRA workbook and the electricity JSON files."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--defra", type=Path, required=True, help="the DEFRA/DESNZ 2024 full-set xlsx")
    p.add_argument("--electricity-dir", type=Path, required=True, help="folder with electricitymaps_yearly_*.json "
                                                                        "and ember_average_intensities.json")
    p.add_argument("--out", type=Path, required=True, help="release folder, e.g. emission_factors/activity_factors/1.0.0")
    args = p.parse_args(argv)
    rows = defra_rows(args.defra) + electricity_rows(args.electricity_dir)
    write_csv(rows, args.out / "activity_factors.csv")
    print(f"{len(rows)} rows -> {args.out / 'activity_factors.csv'}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
