"""Territorial (geographic) carbon budgets of the 290 Swedish municipalities, from the shipped Klimatkollen data.

Data: `emission_factors/carbon_budgets/` (see its klimatkollen.meta.json for source and licence):
`municipalities.csv` (one row per kommun: budget in t CO2 from 2024, the path's start emissions and
Klimatkollen's published figures) and `municipality_emissions.csv` (long: SMHI measured emissions,
Klimatkollen's approximations for the years after SMHI's last, and the published Paris path).

The path is the exponential one of `paths.paris_path`: E(t) = E0 exp(−k (t − 2024)), k = E0 / B.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
import unicodedata
from functools import lru_cache
from pathlib import Path

from ..errors import DataError, UsageError
from ..resources import factors_dir
from .paths import BudgetPath, paris_path

MUNICIPALITIES_FILE = "municipalities.csv"
EMISSIONS_FILE = "municipality_emissions.csv"
SERIES = ("smhi", "approximated", "paris_path")
MUNICIPALITY_COLUMNS = [
    "kommun", "lan", "budget_t_co2", "budget_start_year", "start_emissions_t_co2",
    "needed_reduction_pct_klimatkollen", "budget_runs_out_klimatkollen", "stays_within_budget_klimatkollen",
    "hit_net_zero_klimatkollen", "never_net_zero_klimatkollen", "historical_change_pct_klimatkollen",
    "consumption_kg_co2e_per_person", "consumption_year", "notes",
]
EMISSION_COLUMNS = ["kommun", "series", "year", "emissions_t_co2"]


def data_dir() -> Path:
    """Directory of the shipped territorial budget data."""
    return factors_dir() / "carbon_budgets"


def fold(name: str) -> str:
    """Return `name` case- and accent-folded for lookups ("Borås" and "BORAS" both give "boras")."""
    text = unicodedata.normalize("NFKD", name.casefold().strip())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("-", " ").split())


@lru_cache(maxsize=4)
def load_municipalities(directory: str | None = None) -> tuple[dict, ...]:
    """Return the rows of municipalities.csv as dicts with typed values (numbers, years, booleans)."""
    path = Path(directory) if directory else data_dir()
    rows = []
    for row in _read_csv(path / MUNICIPALITIES_FILE):
        rows.append({
            "kommun": row["kommun"], "lan": row["lan"],
            "budget_t_co2": float(row["budget_t_co2"]), "budget_start_year": int(row["budget_start_year"]),
            "start_emissions_t_co2": float(row["start_emissions_t_co2"]),
            "needed_reduction_pct_klimatkollen": float(row["needed_reduction_pct_klimatkollen"]),
            "budget_runs_out_klimatkollen": row["budget_runs_out_klimatkollen"] or None,
            "stays_within_budget_klimatkollen": row["stays_within_budget_klimatkollen"] == "true",
            "hit_net_zero_klimatkollen": row["hit_net_zero_klimatkollen"] or None,
            "never_net_zero_klimatkollen": row["never_net_zero_klimatkollen"] == "true",
            "historical_change_pct_klimatkollen": float(row["historical_change_pct_klimatkollen"]),
            "consumption_kg_co2e_per_person": float(row["consumption_kg_co2e_per_person"]),
            "consumption_year": int(row["consumption_year"]),
            "notes": row["notes"] or None,
        })
    return tuple(rows)


@lru_cache(maxsize=4)
def _load_emissions(directory: str | None = None) -> dict[str, dict[str, dict[int, float]]]:
    path = Path(directory) if directory else data_dir()
    out: dict[str, dict[str, dict[int, float]]] = {}
    for row in _read_csv(path / EMISSIONS_FILE):
        out.setdefault(row["kommun"], {}).setdefault(row["series"], {})[int(row["year"])] = float(row["emissions_t_co2"])
    return out


def emissions(kommun: str, series: str = "smhi", directory: str | None = None) -> dict[int, float]:
    """Return year -> t CO2 of one series (smhi, approximated, paris_path) for the exact kommun name."""
    if series not in SERIES:
        raise UsageError(f"series {series!r}: use one of {', '.join(SERIES)}")
    return dict(_load_emissions(directory).get(kommun, {}).get(series, {}))


def find_municipality(name: str, directory: str | None = None) -> dict:
    """Return the municipality row for `name`, matched case- and accent-insensitively ("Boras" finds Borås).

    An exact (case-insensitive) match wins over an accent-folded one, so "Habo" and "Håbo" stay apart;
    a trailing " kommun" is ignored. Raises UsageError naming close matches when none or several fit.
    """
    rows = load_municipalities(directory)
    wanted = name.strip()
    for suffix in (" kommun", " stad", " kommune"):
        if wanted.casefold().endswith(suffix):
            wanted = wanted[: -len(suffix)]
    exact = [r for r in rows if r["kommun"].casefold() == wanted.casefold()]
    if len(exact) == 1:
        return exact[0]
    folded = [r for r in rows if fold(r["kommun"]) == fold(wanted)]
    if len(folded) == 1:
        return folded[0]
    if len(folded) > 1:
        names = " or ".join(r["kommun"] for r in folded)
        raise UsageError(f"municipality {name!r} is ambiguous: {names}; write it with å/ä/ö")
    close = difflib.get_close_matches(fold(wanted), [fold(r["kommun"]) for r in rows], n=3, cutoff=0.75)
    by_fold = {fold(r["kommun"]): r["kommun"] for r in rows}
    hint = f"; did you mean {', '.join(by_fold[c] for c in close)}?" if close else \
        "; see the 290 names in emission_factors/carbon_budgets/municipalities.csv"
    raise UsageError(f"municipality {name!r}: not one of Sweden's 290 municipalities{hint}")


def territorial_path(row: dict) -> BudgetPath:
    """Return the Paris path of a municipality row: B = budget_t_co2 from budget_start_year, E0 = start emissions."""
    return paris_path(row["budget_t_co2"], row["budget_start_year"], row["start_emissions_t_co2"])


def territorial_summary(name: str, to_year: int = 2050, directory: str | None = None) -> dict:
    """Return a municipality's geographic budget, path (year, E(t), b(t), cumulative) and history, t CO2."""
    row = find_municipality(name, directory)
    path = territorial_path(row)
    published = emissions(row["kommun"], "paris_path", directory)
    table = path.table(to_year)
    for r in table:
        r["published_rate_t_per_year"] = published.get(r["year"])
    return {
        "kommun": row["kommun"], "lan": row["lan"], "gas": "CO2", "unit": "t CO2",
        "budget_t_co2": row["budget_t_co2"], "budget_start_year": row["budget_start_year"],
        "start_emissions_t_co2_per_year": row["start_emissions_t_co2"], "k_per_year": path.k,
        "implied_yearly_reduction": path.rate,
        "klimatkollen": {
            "needed_reduction_pct": row["needed_reduction_pct_klimatkollen"],
            "budget_runs_out": row["budget_runs_out_klimatkollen"],
            "stays_within_budget": row["stays_within_budget_klimatkollen"],
            "hit_net_zero": row["hit_net_zero_klimatkollen"],
            "historical_change_pct": row["historical_change_pct_klimatkollen"],
        },
        "residents_consumption_kg_co2e_per_person": row["consumption_kg_co2e_per_person"],
        "residents_consumption_year": row["consumption_year"],
        "measured_t_co2": emissions(row["kommun"], "smhi", directory),
        "approximated_t_co2": emissions(row["kommun"], "approximated", directory),
        "path": table,
        "source": "Klimatkollen (Klimatbyrån, MIT licence), budgets from CEMUS/Uppsala University; "
                  "emissions SMHI Nationella emissionsdatabasen (CO2 only)",
    }


def _read_csv(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise DataError(f"{path}: cannot read the shipped territorial data ({exc.strerror}); reinstall klimatspend") \
            from None


# --- building the shipped files from the source (run by a maintainer, never at run time) -----------------

def build_from_klimatkollen(source_json: Path, out_dir: Path) -> dict:
    """Write municipalities.csv and municipality_emissions.csv from Klimatkollen's climate-data.json; return counts.

    Only the fields the product needs are kept; values are copied unchanged (t CO2, 3 decimals as published).
    """
    raw = source_json.read_bytes()
    data = json.loads(raw)
    mun_rows, em_rows = [], []
    for item in sorted(data, key=lambda x: x["kommun"]):
        runs_out = item["budgetRunsOut"]
        net_zero = str(item["hitNetZero"])
        budget_years = sorted(int(y) for y in item["emissionBudget"])
        notes = []
        if item["kommun"] in ("Gotland", "Skövde", "Mörbylånga"):
            notes.append("Klimatkollen deducts cement-plant emissions from this municipality's SMHI figures")
        mun_rows.append({
            "kommun": item["kommun"], "lan": item["län"],
            "budget_t_co2": _num(item["budget"]), "budget_start_year": budget_years[0],
            "start_emissions_t_co2": _num(item["emissionBudget"][str(budget_years[0])]),
            "needed_reduction_pct_klimatkollen": _num(item["neededEmissionChangePercent"]),
            "budget_runs_out_klimatkollen": runs_out if runs_out[:1].isdigit() else "",
            "stays_within_budget_klimatkollen": "false" if runs_out[:1].isdigit() else "true",
            "hit_net_zero_klimatkollen": net_zero if net_zero[:1].isdigit() else "",
            "never_net_zero_klimatkollen": "false" if net_zero[:1].isdigit() else "true",
            "historical_change_pct_klimatkollen": _num(item["historicalEmissionChangePercent"]),
            "consumption_kg_co2e_per_person": _num(item["totalConsumptionEmission"]),
            "consumption_year": 2019,
            "notes": "; ".join(notes),
        })
        smhi_years = {int(y) for y in item["emissions"]}
        for y, v in sorted(item["emissions"].items()):
            em_rows.append({"kommun": item["kommun"], "series": "smhi", "year": int(y), "emissions_t_co2": _num(v)})
        for y, v in sorted(item["approximatedHistoricalEmission"].items()):
            if int(y) not in smhi_years:
                em_rows.append({"kommun": item["kommun"], "series": "approximated", "year": int(y),
                                "emissions_t_co2": _num(v)})
        for y in budget_years:
            em_rows.append({"kommun": item["kommun"], "series": "paris_path", "year": y,
                            "emissions_t_co2": _num(item["emissionBudget"][str(y)])})
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(out_dir / MUNICIPALITIES_FILE, MUNICIPALITY_COLUMNS, mun_rows)
    _write_csv(out_dir / EMISSIONS_FILE, EMISSION_COLUMNS, em_rows)
    return {"municipalities": len(mun_rows), "emission_rows": len(em_rows),
            "source_sha256": hashlib.sha256(raw).hexdigest()}


def _num(value) -> str:
    return repr(float(value)) if not float(value).is_integer() else f"{float(value):.1f}"


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":  # pragma: no cover - maintainer tool
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "build":
        print("usage: python -m pipeline.budget.territorial build CLIMATE_DATA_JSON OUT_DIR", file=sys.stderr)
        sys.exit(2)
    print(build_from_klimatkollen(Path(sys.argv[2]), Path(sys.argv[3])))
