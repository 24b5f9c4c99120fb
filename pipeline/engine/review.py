"""The mapping review: per account of a run, what the ledger calls it, what the account map says, how the run
classified it, conflicts between the two and suggestions (the mart `mapping_review` over `run_account`); and a
person's decisions on it (accept the suggestion, keep the map's row, or choose), saved as audited organisation
overrides (`pipeline.factors.overrides`) and loaded as the derived account map that the next run uses.

The CLI (`klimatspend mapping`), the web page (/mapping) and the Excel workbook read it from here.
"""

from __future__ import annotations

import re
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # annotations only: the CLI builds its parser without loading DuckDB
    import duckdb

from ..access import audit
from .. import organisations as pipeline_organisations
from ..errors import UsageError
from ..factors import overrides as ov
from . import marts

# What a review can be narrowed to: every account, conflicts, accounts with unmapped spend, accounts with a suggestion.
REVIEW_FILTERS = ("all", "conflicts", "unmapped", "suggestions")
DECISIONS = ("accept", "keep", "override")


def default_overrides_path(db_path: str | Path) -> Path:
    """Return the organisation overrides CSV used with a database: <database name>.overrides.csv next to it."""
    p = Path(db_path)
    return p.with_name(p.stem + ".overrides.csv")


def run_record(con: duckdb.DuckDBPyConnection, run_id: int) -> dict:
    """Return a complete run's id, year, organisation and versions; UsageError when there is none."""
    cur = con.execute("""select run_id, year, organisation_id, factor_set_id, factor_set_version, mapping_id,
                                mapping_version, settings from run where run_id = ? and status = 'complete'""",
                      [run_id])
    row = cur.fetchone()
    if row is None:
        raise UsageError(f"run {run_id}: no such complete run; see `klimatspend run --list`")
    return dict(zip([d[0] for d in cur.description], row))


def review_rows(con: duckdb.DuckDBPyConnection, run_id: int, *, organisation_id: str | None = None,
                only: str = "all", limit: int | None = None) -> list[dict]:
    """Return the mapping review of a run, one row per organisation and account, largest spend first.

    `only` narrows it (REVIEW_FILTERS): conflicts, accounts with unmapped spend, or accounts with a suggestion.
    Amounts in SEK (floats), emissions in kg CO2e.
    """
    if only not in REVIEW_FILTERS:
        raise UsageError(f"--only {only}: use one of {', '.join(REVIEW_FILTERS)}")
    rows = marts.read(con, "mapping_review", run_id, order_by="abs(spend_sek) desc, organisation_id, account")
    if organisation_id:
        rows = [r for r in rows if r["organisation_id"] == organisation_id]
    if only == "conflicts":
        rows = [r for r in rows if r["is_conflict"]]
    elif only == "unmapped":
        rows = [r for r in rows if r["unmapped_spend_sek"]]
    elif only == "suggestions":
        rows = [r for r in rows if r["suggested_rule_id"]]
    return rows[:limit] if limit else rows


def review_totals(rows: list[dict]) -> dict:
    """Return what a review says in numbers: accounts, conflicts, unmapped spend (and how much waits for activity
    data), accounts with a suggestion, spend classified by the ledger's own words (SEK)."""
    return {
        "accounts": len(rows),
        "conflicts": sum(1 for r in rows if r["is_conflict"]),
        "unmapped_accounts": sum(1 for r in rows if r["unmapped_spend_sek"]),
        "unmapped_spend_sek": sum(r["unmapped_spend_sek"] or 0 for r in rows),
        "needs_activity_data_sek": sum(r["needs_activity_data_sek"] or 0 for r in rows),
        "unmapped_without_activity_sek": sum((r["unmapped_spend_sek"] or 0) - (r["needs_activity_data_sek"] or 0)
                                             for r in rows),
        "suggestions": sum(1 for r in rows if r["suggested_rule_id"]),
        "account_text_spend_sek": sum(r["spend_sek"] or 0 for r in rows if r["rule_level"] == "account_text"),
    }


def review_row(con: duckdb.DuckDBPyConnection, run: dict, organisation_id: str, account: str) -> dict:
    """Return one account's review row; UsageError naming the account when the run has no such account."""
    rows = [r for r in review_rows(con, run["run_id"], organisation_id=organisation_id) if r["account"] == account]
    if not rows:
        raise UsageError(f"account {account!r} has no lines of organisation {organisation_id!r} in run "
                         f"{run['run_id']}; see `klimatspend mapping review --run {run['run_id']}`")
    return rows[0]


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
    """Return, per category, the factors the organisation's base account map and the keyword table use for it
    (code, name, value, unit), most used first."""
    base_id, base_version = base_mapping(con, *organisation_mapping(con, run, organisation_id), organisation_id)
    cur = con.execute("""
        with rows as (
            select category_id, factor_code
            from account_map
            where mapping_id = ? and mapping_version = ? and not is_excluded and factor_code is not null
              and factor_set_id = ?
            union all
            select category_id, factor_code
            from text_rule
            where not is_excluded and factor_code is not null and factor_set_id = ?
        ),
        used as (
            select category_id, factor_code, count(*) as n_prefixes from rows group by 1, 2
        )
        select u.category_id, u.factor_code, max(f.factor_name) as factor_name, max(f.value) as value,
               max(f.numerator_unit || '/' || f.denominator_unit) as unit, max(u.n_prefixes) as n_prefixes
        from used u join factor f on f.factor_code = u.factor_code and f.factor_set_id = ? and f.version = ?
                                   and f.gas = 'CO2e'
        group by 1, 2
        order by u.category_id, max(u.n_prefixes) desc, u.factor_code""",
                      [base_id, base_version, run["factor_set_id"], run["factor_set_id"], run["factor_set_id"],
                       run["factor_set_version"]])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def save_account_override(con: duckdb.DuckDBPyConnection, overrides_path: Path, run: dict, *, organisation_id: str,
                          account: str, category_id: str | None, factor_code: str | None,
                          exclusion_reason: str | None, note: str, author: str, author_role: str,
                          ip: str | None = None, industry_code: str | None = None,
                          factor_set_id: str | None = None, decision: str = "override") -> dict:
    """Append an account override for `organisation_id`, load it as the organisation's derived account map
    (which its next runs use) and audit it.

    The choice is an exclusion reason, or a category with a factor (`factor_set_id`, default the run's set) and/or
    an industry code (NACE digits, priced by each factor set's crosswalk); `decision` (accept | keep | override)
    is recorded in the audit log. Returns the override row, the derived map 'id@version' and the spend of the
    account in the run. Raises UsageError (or the overrides module's SchemaError) when the choice is not valid.
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
        industry_code = re.sub(r"[^0-9]", "", industry_code or "")
        if industry_code and not 2 <= len(industry_code) <= 5:
            raise UsageError(f"industry {industry_code!r}: give a NACE / SNI 2007 code of 2-5 digits, e.g. 1011")
        factor_set_id = factor_set_id or run["factor_set_id"]
        if factor_code:
            version = run["factor_set_version"] if factor_set_id == run["factor_set_id"] else None
            known = con.execute("""select count(*) from factor where factor_set_id = ? and factor_code = ?
                                   and (? is null or version = ?)""",
                                [factor_set_id, factor_code, version, version]).fetchone()[0]
            if not known:
                raise UsageError(f"emission factor {factor_code!r} is not in {factor_set_id}"
                                 f"{'@' + version if version else ''}; choose one from the list")
        elif not industry_code and category_id != "energy":
            raise UsageError("choose an emission factor or an industry (NACE code) for the account, or exclude it")
    spend = con.execute("""select coalesce(sum(amount_sek), 0), count(*) from line_emission where run_id = ?
                           and organisation_id = ? and account = ?""",
                        [run["run_id"], organisation_id, account]).fetchone()
    row = ov.append_override(Path(overrides_path), {
        "organisation_id": organisation_id, "kind": "account", "match_value": account,
        "category_id": "" if excluded else category_id,
        "factor_set_id": "" if excluded or not factor_code else factor_set_id,
        "factor_code": "" if excluded else (factor_code or ""), "industry_code": "" if excluded else industry_code,
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
                         "decision": decision, "industry_code": row["industry_code"] or None,
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


def accept_suggestion(con: duckdb.DuckDBPyConnection, overrides_path: Path, run: dict, *, organisation_id: str,
                      account: str, author: str, author_role: str, note: str = "", ip: str | None = None) -> dict:
    """Confirm the review's suggestion for an account (the ledger's word for a conflict, the keyword table's
    suggestion for an account the map does not know) as an audited organisation override; see save_account_override."""
    row = review_row(con, run, organisation_id, account)
    if not row["suggested_rule_id"]:
        raise UsageError(f"account {account} has no suggestion to accept; choose a category and factor with "
                         "`klimatspend mapping override`")
    why = note or f"accepted the suggestion of keyword rule {row['suggested_rule_id']} for the account text " \
                   f"\"{row['account_name'] or ''}\""
    return save_account_override(
        con, overrides_path, run, organisation_id=organisation_id, account=account,
        category_id=row["suggested_category_id"], factor_code=row["suggested_factor_code"],
        factor_set_id=row["suggested_factor_set_id"], industry_code=row["suggested_industry_code"],
        exclusion_reason=row["suggested_exclusion_reason"], note=why, author=author, author_role=author_role,
        ip=ip, decision="accept")


def keep_map_row(con: duckdb.DuckDBPyConnection, overrides_path: Path, run: dict, *, organisation_id: str,
                 account: str, author: str, author_role: str, note: str = "", ip: str | None = None) -> dict:
    """Confirm the account map's row for an account whose text contradicts it: the map's judgement then stands
    (the keyword table no longer applies to it); an audited organisation override, see save_account_override."""
    row = review_row(con, run, organisation_id, account)
    if row["map_prefix"] is None:
        raise UsageError(f"account {account} is not in the account map; there is no map row to keep")
    m = con.execute("""select category_id, factor_set_id, factor_code, industry_code, is_excluded, exclusion_reason
                       from account_map where mapping_id = ? and mapping_version = ? and account_prefix = ?""",
                    [*organisation_mapping(con, run, organisation_id), row["map_prefix"]]).fetchone()
    why = note or f"kept the account map's row {row['map_prefix']} ({row['map_label'] or ''}) against the account " \
                   f"text \"{row['account_name'] or ''}\""
    return save_account_override(
        con, overrides_path, run, organisation_id=organisation_id, account=account,
        category_id=None if m[4] else m[0], factor_set_id=m[1], factor_code=m[2], industry_code=m[3],
        exclusion_reason=m[5] if m[4] else None, note=why, author=author, author_role=author_role, ip=ip,
        decision="keep")
