"""The shipped activity factors (kg CO2e per kWh, litre, km ...): find a release and load it into the database."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import DataError, UsageError
from ..resources import factors_dir

ACTIVITY_FACTOR_SET = "klimatspend_activity"
ACTIVITY_FACTOR_DIR = "activity_factors"


def release_dir(version: str | None = None) -> tuple[str, Path]:
    """Return (version, folder) of the shipped activity-factor release (newest when `version` is None)."""
    base = factors_dir() / ACTIVITY_FACTOR_DIR
    versions = sorted((p.name for p in base.iterdir() if p.is_dir() and (p / "activity_factors.csv").exists()),
                      key=lambda v: [int(x) if x.isdigit() else x for x in v.split(".")]) if base.is_dir() else []
    if not versions:
        raise DataError(f"{base}: no activity-factor release found; reinstall klimatspend")
    chosen = version or versions[-1]
    if chosen not in versions:
        raise UsageError(f"activity factors {chosen}: not shipped (available: {', '.join(versions)})")
    return chosen, base / chosen


def load_activity_factors(con: duckdb.DuckDBPyConnection, version: str | None = None) -> str:
    """Load the shipped activity-factor release into `activity_factor` unless already there; return its version."""
    chosen, folder = release_dir(version)
    if con.execute("select 1 from activity_factor where activity_factor_set_id = ? and version = ? limit 1",
                   [ACTIVITY_FACTOR_SET, chosen]).fetchone():
        return chosen
    path = str(folder / "activity_factors.csv").replace("'", "''")
    con.execute(
        f"""insert into activity_factor (activity_factor_set_id, version, activity_code, activity_name, year,
                component, ghg_scope, scope3_category, gas, value, numerator_unit, denominator_unit,
                relative_uncertainty, source, source_ref, licence, notes)
            select ?, ?, activity_code, activity_name, cast(year as integer), component, cast(ghg_scope as integer),
                   cast(nullif(scope3_category, '') as integer), gas, cast(value as double), numerator_unit,
                   denominator_unit, cast(relative_uncertainty as double), source, source_ref, licence,
                   nullif(notes, '')
            from read_csv('{path}', header = true, all_varchar = true)""", [ACTIVITY_FACTOR_SET, chosen])
    return chosen


def activity_codes(con: duckdb.DuckDBPyConnection, version: str) -> dict[str, set[str]]:
    """Return activity code -> the canonical units it has factors for, in release `version`."""
    out: dict[str, set[str]] = {}
    for code, unit in con.execute("select distinct activity_code, denominator_unit from activity_factor "
                                  "where activity_factor_set_id = ? and version = ?",
                                  [ACTIVITY_FACTOR_SET, version]).fetchall():
        out.setdefault(code, set()).add(unit)
    return out


def table_totals(con: duckdb.DuckDBPyConnection, version: str) -> dict[tuple[str, str], float]:
    """Return (activity code, canonical unit) -> kg CO2e per unit of the newest year, all components summed."""
    rows = con.execute(
        """select activity_code, denominator_unit, sum(value) as total
           from activity_factor
           where activity_factor_set_id = ? and version = ? and gas = 'CO2e'
           group by activity_code, denominator_unit, year
           qualify year = max(year) over (partition by activity_code, denominator_unit)""",
        [ACTIVITY_FACTOR_SET, version]).fetchall()
    return {(code, unit): total for code, unit, total in rows}
