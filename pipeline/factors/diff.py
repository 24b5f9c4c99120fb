"""Compare two factor-set versions: which factors and which reporting categories changed, and by how much.

Category change = mean over the account map's rows of that category of the factor (kg CO2e per
currency unit) in version B, divided by the same mean in version A, minus one. It says how much a
category's emissions would move for unchanged spend, before currency and inflation adjustments.
"""

from __future__ import annotations

import duckdb

from ..errors import UsageError


def parse_ref(text: str, what: str = "factor set") -> tuple[str, str | None]:
    """Split 'id@version' into (id, version); version None when not given."""
    name, _, version = text.partition("@")
    if not name:
        raise UsageError(f"{text!r} is not a {what} reference; write ID or ID@VERSION, e.g. useeio@1.3.0")
    return name, (version or None)


def resolve_set(con: duckdb.DuckDBPyConnection, text: str) -> tuple[str, str]:
    """Return (set_id, version) for 'set' or 'set@version'; the newest version when none is given."""
    set_id, version = parse_ref(text)
    rows = [r[0] for r in con.execute("select version from factor_set where factor_set_id = ?", [set_id]).fetchall()]
    if not rows:
        known = [r[0] for r in con.execute("select distinct factor_set_id from factor_set order by 1").fetchall()]
        raise UsageError(f"no factor set {set_id!r} in the database (known: {', '.join(known) or 'none'}); "
                         "run `klimatspend init` or `klimatspend factors load PATH`")
    if version is None:
        return set_id, max(rows, key=_version_key)
    if version not in rows:
        raise UsageError(f"factor set {set_id} has no version {version} (known: {', '.join(sorted(rows, key=_version_key))})")
    return set_id, version


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in version.replace("-", ".").split("."))


# A set with regions is compared in its default region, a set with a factor per year in its newest year.
_SLICE = """(region is null or region = (select coalesce(json_extract_string(metadata, '$.default_region'), region)
                                     from factor_set where factor_set_id = ? and version = ?))
            and (factor_year is null or factor_year = (select max(factor_year) from factor
                                                      where factor_set_id = ? and version = ?))"""


def diff_sets(con: duckdb.DuckDBPyConnection, a: tuple[str, str], b: tuple[str, str], *,
              mapping: tuple[str, str] = ("kommunbas13", "1.0.0"), gas: str = "CO2e", top: int = 10) -> dict:
    """Return the differences between factor sets a and b (each (id, version)) as a JSON-ready dict.

    Keys: sets (metadata of both), comparable (same currency and base year), codes (added, removed,
    changed, unchanged counts), categories (per category: rows, mean_a, mean_b, change_pct), top_changes.
    """
    meta = {}
    for label, (set_id, version) in (("a", a), ("b", b)):
        row = con.execute("select name, base_year, currency, gwp from factor_set where factor_set_id = ? and version = ?",
                          [set_id, version]).fetchone()
        meta[label] = {"set": f"{set_id}@{version}", "name": row[0], "base_year": row[1], "currency": row[2], "gwp": row[3]}
    con.execute("""create or replace temp table _diff as
        select coalesce(fa.factor_code, fb.factor_code) as factor_code,
               coalesce(fb.factor_name, fa.factor_name) as factor_name,
               fa.value as value_a, fb.value as value_b
        from (select * from factor where factor_set_id = ? and version = ? and gas = ? and {SLICE}) fa
        full outer join (select * from factor where factor_set_id = ? and version = ? and gas = ? and {SLICE}) fb
          on fa.factor_code = fb.factor_code""".replace("{SLICE}", _SLICE), [*a, gas, *a, *a, *b, gas, *b, *b])
    counts = con.execute("""select count(*) filter (where value_a is null), count(*) filter (where value_b is null),
                                   count(*) filter (where value_a <> value_b), count(*) filter (where value_a = value_b)
                            from _diff""").fetchone()
    categories = con.execute("""
        select m.category_id, count(*) as map_rows, avg(d.value_a) as mean_a, avg(d.value_b) as mean_b
        from account_map m join _diff d on d.factor_code = m.factor_code
        where m.mapping_id = ? and m.mapping_version = ? and not m.is_excluded and m.category_id is not null
        group by 1 order by 1""", list(mapping)).fetchall()
    top_rows = con.execute("""
        select factor_code, factor_name, value_a, value_b, value_b / value_a - 1 as change
        from _diff where value_a > 0 and value_b is not null and value_a <> value_b
        order by abs(value_b / value_a - 1) desc, factor_code limit ?""", [top]).fetchall()
    con.execute("drop table _diff")
    return {
        "sets": meta,
        "gas": gas,
        "mapping": f"{mapping[0]}@{mapping[1]}",
        "comparable": meta["a"]["currency"] == meta["b"]["currency"] and meta["a"]["base_year"] == meta["b"]["base_year"],
        "codes": {"added": counts[0], "removed": counts[1], "changed": counts[2], "unchanged": counts[3]},
        "categories": [{"category_id": c, "map_rows": n, "mean_a": ma, "mean_b": mb,
                        "change_pct": None if not ma or mb is None else 100.0 * (mb / ma - 1)}
                       for c, n, ma, mb in categories],
        "top_changes": [{"factor_code": c, "factor_name": n, "value_a": va, "value_b": vb, "change_pct": 100.0 * ch}
                        for c, n, va, vb, ch in top_rows],
    }
