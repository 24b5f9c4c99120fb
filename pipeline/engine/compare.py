"""Compare two runs side by side (e.g. the same year after a factor update): what changed and by how much."""

from __future__ import annotations

import json

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # annotations only: the CLI builds its parser without loading DuckDB
    import duckdb

from . import marts
from ..errors import UsageError

# --by -> (mart, key columns)
GROUPINGS = {
    "department": ("emissions_by_department", ["organisation_id", "department"]),
    "category": ("emissions_by_category", ["category_id"]),
    "organisation": ("emissions_by_organisation", ["organisation_id", "is_group"]),
    "supplier": ("emissions_by_supplier", ["supplier_key"]),
    "account": ("emissions_by_account", ["organisation_id", "account"]),
    "scope": ("emissions_by_scope", ["organisation_id", "ghg_scope", "scope3_category"]),
}
SETTING_KEYS = ("year", "run_organisation_id", "factor_set_id", "factor_set_version", "mapping_id", "mapping_version",
                "is_published")


def run_header(con: duckdb.DuckDBPyConnection, run_id: int) -> dict:
    """Return a run's headline row (run_totals) or raise UsageError if there is no such run."""
    rows = marts.read(con, "run_totals", run_id, exact=True)
    if not rows:
        raise UsageError(f"run {run_id}: no such run; see `klimatspend run --list`")
    return rows[0]


def differences(a: dict, b: dict) -> dict:
    """Return the settings and versions that differ between two run_totals rows: name -> (a, b)."""
    out = {k: (a[k], b[k]) for k in SETTING_KEYS if a[k] != b[k]}
    sa = json.loads(a["settings"]) if isinstance(a["settings"], str) else (a["settings"] or {})
    sb = json.loads(b["settings"]) if isinstance(b["settings"], str) else (b["settings"] or {})
    for key in sorted(set(sa) | set(sb)):
        if sa.get(key) != sb.get(key):
            out[f"settings.{key}"] = (sa.get(key), sb.get(key))
    return out


def compare_runs(con: duckdb.DuckDBPyConnection, run_a: int, run_b: int, by: str = "department") -> dict:
    """Compare runs A and B grouped `by` (department, category, organisation, supplier, account or scope).

    Returns {'run_a', 'run_b', 'changed': {setting: (a, b)}, 'totals': {...}, 'rows': [...]}; each row has the
    keys, spend and emissions in A and B, the difference B - A in kg and in % of A (None when A is 0),
    largest absolute difference first.
    """
    if by not in GROUPINGS:
        raise UsageError(f"--by {by}: use one of {', '.join(GROUPINGS)}")
    head_a, head_b = run_header(con, run_a), run_header(con, run_b)
    mart_name, keys = GROUPINGS[by]
    key_list = ", ".join(keys)
    join = " and ".join(f"a.{k} is not distinct from b.{k}" for k in keys)
    cur = con.execute(
        f"""with a as (select * from {mart_name} where run_id = ?),
                 b as (select * from {mart_name} where run_id = ?),
                 joined as (
                     select {', '.join(f'coalesce(a.{k}, b.{k}) as {k}' for k in keys)},
                            a.spend_sek as spend_a_sek, b.spend_sek as spend_b_sek,
                            coalesce(a.emissions_kg_co2e, 0) as emissions_a_kg_co2e,
                            coalesce(b.emissions_kg_co2e, 0) as emissions_b_kg_co2e
                     from a full outer join b on {join})
            select *,
                   emissions_b_kg_co2e - emissions_a_kg_co2e as difference_kg_co2e,
                   case when emissions_a_kg_co2e <> 0
                        then (emissions_b_kg_co2e - emissions_a_kg_co2e) / abs(emissions_a_kg_co2e) * 100
                   end as difference_pct
            from joined
            order by abs(emissions_b_kg_co2e - emissions_a_kg_co2e) desc, {key_list}""", [run_a, run_b])
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    ta, tb = head_a["total_emissions_kg_co2e"] or 0.0, head_b["total_emissions_kg_co2e"] or 0.0
    return {
        "run_a": run_a, "run_b": run_b, "by": by, "changed": differences(head_a, head_b),
        "totals": {"emissions_a_kg_co2e": ta, "emissions_b_kg_co2e": tb, "difference_kg_co2e": tb - ta,
                   "difference_pct": (tb - ta) / abs(ta) * 100 if ta else None,
                   "spend_a_sek": head_a["loaded_spend_sek"], "spend_b_sek": head_b["loaded_spend_sek"]},
        "rows": rows,
    }
