"""Mapping unmapped accounts from the web app: saved as organisation overrides (author and date) through
`pipeline.factors.overrides`, loaded as a derived account map that the next run of the year uses."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from .. import audit
from ..errors import UsageError
from ..factors import overrides as ov

ALL_ORGANISATIONS = "all"      # derived-map prefix for runs that cover every organisation


def base_mapping(con: duckdb.DuckDBPyConnection, mapping_id: str, mapping_version: str,
                 organisation_id: str | None) -> tuple[str, str]:
    """Return the released account map behind a run's map: a derived `<org>_<base>@<v>.<n>` gives `<base>@<v>`."""
    prefix = f"{organisation_id or ALL_ORGANISATIONS}_"
    derived = con.execute("""select count(*) from reference_release where kind = 'account_map' and release_id = ?
                             and version = ? and status = 'override'""", [mapping_id, mapping_version]).fetchone()[0]
    if derived and mapping_id.startswith(prefix) and "." in mapping_version:
        return mapping_id[len(prefix):], mapping_version.rsplit(".", 1)[0]
    return mapping_id, mapping_version


def mapping_for_run(con: duckdb.DuckDBPyConnection, year: int, organisation_id: str | None) -> str | None:
    """Return the account map a new run of (year, organisation) should use: the organisation's derived map with
    its overrides when one exists for the base map of the latest run, else the latest run's map (None: default)."""
    row = con.execute("""select mapping_id, mapping_version from run where year = ? and status = 'complete'
                         and organisation_id is not distinct from ? order by run_id desc limit 1""",
                      [year, organisation_id]).fetchone()
    if row is None:
        row = con.execute("""select mapping_id, mapping_version from run where status = 'complete'
                             and organisation_id is not distinct from ? order by run_id desc limit 1""",
                          [organisation_id]).fetchone()
    if row is None:
        return None
    base_id, _ = base_mapping(con, row[0], row[1], organisation_id)
    derived_id = f"{organisation_id or ALL_ORGANISATIONS}_{base_id}"
    has_derived = con.execute("select count(*) from account_map where mapping_id = ?", [derived_id]).fetchone()[0]
    return derived_id if has_derived else base_id


def factor_choices(con: duckdb.DuckDBPyConnection, run: dict) -> list[dict]:
    """Return, per category, the factors the run's base account map uses for it (code, name, value, unit)."""
    base_id, base_version = base_mapping(con, run["mapping_id"], run["mapping_version"], run["organisation_id"])
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


def save_account_override(con: duckdb.DuckDBPyConnection, overrides_path: Path, run: dict, *, account: str,
                          category_id: str | None, factor_code: str | None, exclusion_reason: str | None,
                          note: str, author: str, author_role: str, ip: str | None = None) -> dict:
    """Append an account override for the run's organisation, load it (derived account map) and audit it.

    Returns the override row, the derived map 'id@version' and the spend of the account in the run.
    Raises UsageError (or the overrides module's SchemaError) when the choice is not valid.
    """
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
    organisation = run["organisation_id"] or ""
    spend = con.execute("""select coalesce(sum(amount_sek), 0), count(*) from line_emission where run_id = ?
                           and account = ?""", [run["run_id"], account]).fetchone()
    row = ov.append_override(Path(overrides_path), {
        "organisation_id": organisation, "kind": "account", "match_value": account,
        "category_id": "" if excluded else category_id,
        "factor_set_id": "" if excluded else run["factor_set_id"], "factor_code": "" if excluded else factor_code,
        "is_excluded": "true" if excluded else "false", "exclusion_reason": exclusion_reason or "",
        "author": author, "notes": (note or "").replace("\n", " ").strip()[:500]})
    base = base_mapping(con, run["mapping_id"], run["mapping_version"], run["organisation_id"])
    loaded = ov.load_overrides(con, Path(overrides_path), run["organisation_id"] or ALL_ORGANISATIONS, base)
    audit.record(con, "mapping.override", actor=author, actor_role=author_role, object_kind="account",
                 object_id=account, ip=ip,
                 detail={"organisation_id": run["organisation_id"], "run_id": run["run_id"], "year": run["year"],
                         "override_id": row["override_id"], "category_id": row["category_id"] or None,
                         "factor": f"{row['factor_set_id']}:{row['factor_code']}" if row["factor_code"] else None,
                         "exclusion_reason": row["exclusion_reason"] or None, "note": row["notes"],
                         "base_mapping": f"{base[0]}@{base[1]}", "derived_mapping": loaded.mapping,
                         "spend_sek_in_run": float(spend[0]), "lines_in_run": spend[1]})
    return {"override": row, "mapping": loaded.mapping, "spend_sek": float(spend[0]), "n_lines": spend[1]}


def saved_overrides(overrides_path: Path, organisation_id: str | None) -> list[dict]:
    """Return the account overrides in the file that apply to `organisation_id` (newest first)."""
    path = Path(overrides_path)
    if not path.is_file():
        return []
    rows = [r for r in ov.read_overrides(path)
            if r["kind"] == "account" and r["organisation_id"] in ("", organisation_id or "")]
    return list(reversed(rows))
