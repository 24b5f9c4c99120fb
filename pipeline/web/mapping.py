"""Mapping unmapped accounts from the web app: saved as organisation overrides (author and date) through
`pipeline.factors.overrides`, loaded as a derived account map that the next run of the year uses."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ..access import audit
from .. import organisations as pipeline_organisations
from ..errors import UsageError
from ..factors import overrides as ov



def base_mapping(con: duckdb.DuckDBPyConnection, mapping_id: str, mapping_version: str,
                 organisation_id: str) -> tuple[str, str]:
    """Return the released account map behind a map: a derived `<org>_<base>@<v>.<n>` gives `<base>@<v>`."""
    prefix = f"{organisation_id}_"
    derived = con.execute("""select count(*) from reference_release where kind = 'account_map' and release_id = ?
                             and version = ? and status = 'override'""", [mapping_id, mapping_version]).fetchone()[0]
    if derived and mapping_id.startswith(prefix) and "." in mapping_version:
        return mapping_id[len(prefix):], mapping_version.rsplit(".", 1)[0]
    return mapping_id, mapping_version


def organisation_mapping(con: duckdb.DuckDBPyConnection, run: dict, organisation_id: str) -> tuple[str, str]:
    """Return the account map (id, version) the run used for `organisation_id`'s lines."""
    row = con.execute("select mapping_id, mapping_version from run_organisation where run_id = ? "
                      "and organisation_id = ?", [run["run_id"], organisation_id]).fetchone()
    return (row[0], row[1]) if row and row[0] else (run["mapping_id"], run["mapping_version"])


def run_organisations(con: duckdb.DuckDBPyConnection, run: dict) -> list[str]:
    """Return the organisations whose lines a run covers."""
    rows = con.execute("select organisation_id from run_organisation where run_id = ? order by 1",
                       [run["run_id"]]).fetchall()
    if rows:
        return [r[0] for r in rows]
    return [run["organisation_id"]] if run["organisation_id"] else []


def mapping_for_run(con: duckdb.DuckDBPyConnection, year: int, organisation_id: str | None) -> str | None:
    """Return the default account map for a new run of (year, organisation): the one the latest such run used
    (organisations with their own map, e.g. one with overrides, use theirs); None lets the engine choose."""
    row = con.execute("""select mapping_id, mapping_version from run where year = ? and status = 'complete'
                         and organisation_id is not distinct from ? order by run_id desc limit 1""",
                      [year, organisation_id]).fetchone()
    if row is None:
        row = con.execute("""select mapping_id, mapping_version from run where status = 'complete'
                             and organisation_id is not distinct from ? order by run_id desc limit 1""",
                          [organisation_id]).fetchone()
    if row is None:
        return None
    return base_mapping(con, row[0], row[1], organisation_id or "")[0]


def factor_choices(con: duckdb.DuckDBPyConnection, run: dict, organisation_id: str) -> list[dict]:
    """Return, per category, the factors the organisation's base account map uses for it (code, name, value)."""
    base_id, base_version = base_mapping(con, *organisation_mapping(con, run, organisation_id), organisation_id)
    cur = con.execute("""
        with used as (
            select category_id, factor_code, count(*) as n_prefixes
            from account_map
            where mapping_id = ? and mapping_version = ? and not is_excluded and factor_code is not null
              and factor_set_id = ?
            group by 1, 2
        )
        select u.category_id, u.factor_code, max(f.factor_name) as factor_name, max(f.value) as value,
               max(f.numerator_unit || '/' || f.denominator_unit) as unit, max(u.n_prefixes) as n_prefixes
        from used u join factor f on f.factor_code = u.factor_code and f.factor_set_id = ? and f.version = ?
                                   and f.gas = 'CO2e'
        group by 1, 2
        order by u.category_id, max(u.n_prefixes) desc, u.factor_code""",
                      [base_id, base_version, run["factor_set_id"], run["factor_set_id"], run["factor_set_version"]])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def save_account_override(con: duckdb.DuckDBPyConnection, overrides_path: Path, run: dict, *, organisation_id: str,
                          account: str, category_id: str | None, factor_code: str | None,
                          exclusion_reason: str | None, note: str, author: str, author_role: str,
                          ip: str | None = None) -> dict:
    """Append an account override for `organisation_id`, load it as the organisation's derived account map
    (which its next runs use) and audit it.

    Returns the override row, the derived map 'id@version' and the spend of the account in the run.
    Raises UsageError (or the overrides module's SchemaError) when the choice is not valid.
    """
    if organisation_id not in run_organisations(con, run):
        raise UsageError(f"organisation {organisation_id!r} is not part of run {run['run_id']}")
    account = (account or "").strip()
    if not re.fullmatch(r"[0-9]{1,6}", account):
        raise UsageError(f"account {account!r}: only numeric account prefixes (1-6 digits) can be mapped; "
                         "map text codes with an import profile or a keyword override")
    excluded = bool(exclusion_reason)
    if excluded:
        if exclusion_reason not in ov.REASONS:
            raise UsageError(f"exclusion reason {exclusion_reason!r}: use one of {', '.join(ov.REASONS)}")
    else:
        if category_id not in ov.CATEGORIES:
            raise UsageError(f"category {category_id!r}: use one of {', '.join(ov.CATEGORIES)}")
        known = con.execute("""select count(*) from factor where factor_set_id = ? and version = ? and factor_code = ?""",
                            [run["factor_set_id"], run["factor_set_version"], factor_code or ""]).fetchone()[0]
        if not known:
            raise UsageError(f"emission factor {factor_code!r} is not in {run['factor_set_id']}@"
                             f"{run['factor_set_version']}; choose one from the list")
    spend = con.execute("""select coalesce(sum(amount_sek), 0), count(*) from line_emission where run_id = ?
                           and organisation_id = ? and account = ?""",
                        [run["run_id"], organisation_id, account]).fetchone()
    row = ov.append_override(Path(overrides_path), {
        "organisation_id": organisation_id, "kind": "account", "match_value": account,
        "category_id": "" if excluded else category_id,
        "factor_set_id": "" if excluded else run["factor_set_id"], "factor_code": "" if excluded else factor_code,
        "is_excluded": "true" if excluded else "false", "exclusion_reason": exclusion_reason or "",
        "author": author, "notes": (note or "").replace("\n", " ").strip()[:500]})
    base = base_mapping(con, *organisation_mapping(con, run, organisation_id), organisation_id)
    loaded = ov.load_overrides(con, Path(overrides_path), organisation_id, base)
    # the organisation's own account map from now on: the derived map, newest version (the engine's setting)
    pipeline_organisations.set_organisation(con, organisation_id, mapping=loaded.mapping.split("@")[0])
    audit.record(con, "mapping.override", actor=author, actor_role=author_role, object_kind="account",
                 object_id=account, ip=ip,
                 detail={"organisation_id": organisation_id, "run_id": run["run_id"], "year": run["year"],
                         "override_id": row["override_id"], "category_id": row["category_id"] or None,
                         "factor": f"{row['factor_set_id']}:{row['factor_code']}" if row["factor_code"] else None,
                         "exclusion_reason": row["exclusion_reason"] or None, "note": row["notes"],
                         "base_mapping": f"{base[0]}@{base[1]}", "derived_mapping": loaded.mapping,
                         "spend_sek_in_run": float(spend[0]), "lines_in_run": spend[1]})
    return {"override": row, "mapping": loaded.mapping, "spend_sek": float(spend[0]), "n_lines": spend[1]}


def saved_overrides(overrides_path: Path, organisations: list[str]) -> list[dict]:
    """Return the account overrides in the file that apply to any of `organisations` (newest first)."""
    path = Path(overrides_path)
    if not path.is_file():
        return []
    rows = [r for r in ov.read_overrides(path)
            if r["kind"] == "account" and r["organisation_id"] in ("", *organisations)]
    return list(reversed(rows))
