"""Organisations: the register of municipalities, regions and companies with their settings (account map,
tail-spend default, parent group, capital projects, country and factor set) that ingest, runs, budget and the
web read."""

from __future__ import annotations

import re
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # annotations only: the CLI builds its parser without loading DuckDB
    import duckdb

from .errors import UsageError
from .factors.categories import category_ids
from .tables import Column, read_table, require

ORGANISATION_KINDS = ("municipality", "region", "company", "other")
CATEGORIES = category_ids()
ORGANISATION_ID = re.compile(r"^[a-z0-9_]{1,40}$")      # an organisation id: 1-40 of a-z, digits and _


class UnknownOrganisationError(UsageError):
    """An organisation id that is not in the register (a typo must not create a new organisation)."""

    code = "unknown-organisation"


def check_organisation_id(organisation_id: str) -> str:
    """Return `organisation_id` if it is a valid id (1-40 characters: a-z, digits, _), else raise UsageError."""
    if not ORGANISATION_ID.match(organisation_id or ""):
        raise UsageError(f"organisation id {organisation_id!r}: use 1-40 characters: a-z, digits and _ "
                         "(e.g. alvby_kommun)")
    return organisation_id


def organisation_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Return id -> name of every organisation, by id."""
    return dict(con.execute("select organisation_id, name from organisation order by organisation_id").fetchall())


def require_organisation(con: duckdb.DuckDBPyConnection, organisation_id: str, option: str = "--org") -> None:
    """Raise UnknownOrganisationError, listing the known organisations, unless `organisation_id` is registered."""
    known = organisation_names(con)
    if organisation_id in known:
        return
    listed = ", ".join(f"{k} ({v})" if v != k else k for k, v in known.items()) or "none yet"
    raise UnknownOrganisationError(
        f"{option} {organisation_id}: no such organisation (known: {listed}); add it first with "
        f"`klimatspend org add {organisation_id} --name NAME`")


def add_organisation(con: duckdb.DuckDBPyConnection, organisation_id: str, *, name: str, kind: str | None = None,
                     org_number: str | None = None, parent: str | None = None) -> dict:
    """Register a new organisation (`klimatspend org add`); raise UsageError if the id is taken or invalid."""
    check_organisation_id(organisation_id)
    if not (name or "").strip():
        raise UsageError(f"org add {organisation_id}: give the organisation's name with --name, e.g. "
                         "--name 'Älvby kommun'")
    if organisation_id in organisation_names(con):
        raise UsageError(f"organisation {organisation_id} already exists; change it with "
                         f"`klimatspend org set {organisation_id} ...`")
    return set_organisation(con, organisation_id, name=name.strip(), kind=kind, org_number=org_number, parent=parent)


def group_members(con: duckdb.DuckDBPyConnection, organisation_id: str) -> list[str]:
    """Return `organisation_id` and the organisations whose parent it is (its group), by id."""
    rows = con.execute("select organisation_id from organisation where organisation_id = ? "
                       "or parent_organisation_id = ? order by organisation_id",
                       [organisation_id, organisation_id]).fetchall()
    return [r[0] for r in rows]

# The spend factor set that fits an organisation's country (ISO 3166 alpha-2): Swedish organisations use the
# Swedish region of EXIOBASE, UK ones the Defra/Leeds SIC multipliers, every other the US EPA set. The run's
# sensitivity shows what the other applicable sets give for the same purchases.
COUNTRY_FACTOR_SETS = {"SE": "exiobase", "GB": "defra_sic"}
DEFAULT_FACTOR_SET = "useeio"
# Sets shipped with regions take the organisation's country as the region when they have it.
REGIONAL_SETS = ("exiobase",)
COUNTRY_NAMES = {"SE": "Sweden", "GB": "United Kingdom", "US": "United States", "NO": "Norway", "DK": "Denmark",
                 "FI": "Finland", "DE": "Germany"}


def default_factor_set(country: str | None) -> str:
    """Return the factor set id that fits `country` (ISO alpha-2): SE -> exiobase, GB -> defra_sic, else useeio."""
    return COUNTRY_FACTOR_SETS.get((country or "").upper(), DEFAULT_FACTOR_SET)


def applicable_factor_sets(country: str | None) -> list[str]:
    """Return the factor sets whose figures a run of an organisation in `country` shows, its default first:
    SE -> exiobase, useeio; GB -> defra_sic, useeio, exiobase; another country -> useeio, exiobase (when the
    country is a region of it: the caller checks); no country -> useeio."""
    country = (country or "").upper()
    if country == "SE":
        return ["exiobase", DEFAULT_FACTOR_SET]
    if country == "GB":
        return ["defra_sic", DEFAULT_FACTOR_SET, "exiobase"]
    if country:
        return [DEFAULT_FACTOR_SET, "exiobase"]
    return [DEFAULT_FACTOR_SET]


def normalise_country(text: str) -> str:
    """Return an ISO 3166 alpha-2 country code in upper case; UK is read as GB. Raises UsageError otherwise."""
    code = text.strip().upper()
    code = {"UK": "GB", "SWE": "SE", "GBR": "GB", "USA": "US"}.get(code, code)
    if len(code) != 2 or not code.isalpha():
        raise UsageError(f"--country {text}: give an ISO 3166 two-letter code, e.g. SE or GB")
    return code


def newest_version_sql(column: str) -> str:
    # Versions like 1.10.0 sort numerically; a non-numeric part sorts as text after the numeric ones.
    return f"try_cast(string_split({column}, '.') as int[]) desc nulls last, {column} desc"


def newest_mapping_version(con: duckdb.DuckDBPyConnection, mapping_id: str) -> str | None:
    """Return the newest loaded version of account map `mapping_id`, or None if none is loaded."""
    row = con.execute(f"select mapping_version from (select distinct mapping_version from account_map "
                      f"where mapping_id = ?) order by {newest_version_sql('mapping_version')} limit 1",
                      [mapping_id]).fetchone()
    return row[0] if row else None


def set_organisation(con: duckdb.DuckDBPyConnection, organisation_id: str, *, name: str | None = None,
                     org_number: str | None = None, kind: str | None = None, parent: str | None = None,
                     mapping: str | None = None, default_factor: str | None = None,
                     default_category: str | None = None, country: str | None = None,
                     factor_set: str | None = None, factor_region: str | None = None) -> dict:
    """Create or update an organisation's settings (only the arguments given change); return its row.

    `mapping` is MAP or MAP@VERSION (its own account map, e.g. bas2025 for a company); '' clears it.
    `default_factor` is a factor code of the run's factor set used for tail spend that matches no rule;
    '' clears it. `parent` makes the organisation part of the parent's consolidated group. `country` (ISO
    alpha-2) chooses the default factor set; `factor_set` (SET or SET@VERSION) and `factor_region` override it.
    """
    if kind is not None and kind not in ORGANISATION_KINDS:
        raise UsageError(f"--kind {kind}: use one of {', '.join(ORGANISATION_KINDS)}")
    if default_category not in (None, "") and default_category not in CATEGORIES:
        raise UsageError(f"--default-category {default_category}: use one of {', '.join(CATEGORIES)}")
    if parent is not None and parent != "":
        if parent == organisation_id:
            raise UsageError(f"--parent {parent}: an organisation cannot be its own parent")
        if con.execute("select 1 from organisation where organisation_id = ?", [parent]).fetchone() is None:
            raise UsageError(f"--parent {parent}: no such organisation; create it first with "
                             f"`klimatspend org set {parent} --name NAME`")
    map_id = map_version = None
    if mapping:
        map_id, _, map_version = mapping.partition("@")
        known = newest_mapping_version(con, map_id)
        if known is None:
            raise UsageError(f"--mapping {mapping}: no such account map in the database; "
                             "see `klimatspend factors list`")
        if map_version and con.execute("select 1 from account_map where mapping_id = ? and mapping_version = ? "
                                       "limit 1", [map_id, map_version]).fetchone() is None:
            raise UsageError(f"--mapping {mapping}: version {map_version} is not loaded (newest: {known})")
    if factor_set:
        set_id, _, version = factor_set.partition("@")
        known = con.execute("select count(*) from factor_set where factor_set_id = ? and (? = '' or version = ?)",
                            [set_id, version, version]).fetchone()[0]
        if not known:
            raise UsageError(f"--factors {factor_set}: no such factor set in the database; see `klimatspend factors list`")
    country = normalise_country(country) if country else country
    con.execute("insert into organisation (organisation_id, name) values (?, ?) on conflict do nothing",
                [organisation_id, name or organisation_id])
    updates: dict[str, object] = {}
    if name is not None:
        updates["name"] = name
    if org_number is not None:
        updates["org_number"] = normalise_org_number(org_number) if org_number else None
    if kind is not None:
        updates["kind"] = kind
    if parent is not None:
        updates["parent_organisation_id"] = parent or None
    if mapping is not None:
        updates["mapping_id"] = map_id or None
        updates["mapping_version"] = map_version or None
    if default_factor is not None:
        updates["default_factor_code"] = default_factor or None
    if default_category is not None:
        updates["default_category_id"] = default_category or None
    if country is not None:
        updates["country"] = country or None
    if factor_set is not None:
        updates["factor_set"] = factor_set or None
    if factor_region is not None:
        updates["factor_region"] = factor_region.strip().upper() or None
    for column, value in updates.items():
        con.execute(f"update organisation set {column} = ? where organisation_id = ?", [value, organisation_id])
    return organisation_row(con, organisation_id)


def organisation_row(con: duckdb.DuckDBPyConnection, organisation_id: str) -> dict:
    """Return one organisation's settings as a dict; raise UsageError if it does not exist."""
    cur = con.execute("select organisation_id, name, org_number, kind, parent_organisation_id, mapping_id, "
                      "mapping_version, default_factor_code, default_category_id, country, factor_set, factor_region "
                      "from organisation where organisation_id = ?", [organisation_id])
    row = cur.fetchone()
    if row is None:
        raise UsageError(f"organisation {organisation_id!r}: no such organisation; see `klimatspend org list`")
    return dict(zip([d[0] for d in cur.description], row))


def list_organisations(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return every organisation's settings, parents before their members."""
    cur = con.execute("select organisation_id, name, org_number, kind, parent_organisation_id, mapping_id, "
                      "mapping_version, default_factor_code, default_category_id, country, factor_set, factor_region "
                      "from organisation order by coalesce(parent_organisation_id, organisation_id), parent_organisation_id nulls first, "
                      "organisation_id")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def normalise_org_number(text: str) -> str:
    """Return a Swedish organisation number as NNNNNN-NNNN (from 10 digits, 12 digits or with a dash)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 12:
        digits = digits[2:]
    if len(digits) != 10:
        raise UsageError(f"org number {text!r}: expected 10 digits (NNNNNN-NNNN)")
    return f"{digits[:6]}-{digits[6:]}"


def add_capital_project(con: duckdb.DuckDBPyConnection, organisation_id: str, project_prefix: str,
                        name: str | None = None) -> None:
    """Declare project code (or prefix) `project_prefix` of an organisation an investment project (scope 3 cat. 2)."""
    organisation_row(con, organisation_id)
    if not project_prefix.strip():
        raise UsageError("--capital-project: give a project code or the start of one")
    con.execute("insert or replace into capital_project (organisation_id, project_prefix, name) values (?, ?, ?)",
                [organisation_id, project_prefix.strip(), name])


def remove_capital_project(con: duckdb.DuckDBPyConnection, organisation_id: str, project_prefix: str) -> None:
    """Remove a declared investment project."""
    con.execute("delete from capital_project where organisation_id = ? and project_prefix = ?",
                [organisation_id, project_prefix.strip()])


# The department register: the readable name of each department code, per organisation (migration 0060).
# A ledger keeps the department as booked (`1100` in a housing company's cost-centre column); people read a
# name ("Centrum"). Loaded from a small file per organisation (CSV or xlsx, columns code and name) by
# `klimatspend org departments` and the web, and from an SIE file's #OBJEKT names; every page, report and
# sheet shows a department through `department_label`.

DEPARTMENT_COLUMNS = [
    Column("code", required=True, synonyms=("department_code", "kod", "avdelning", "kostnadsställe",
                                            "kostnadsstalle", "ansvar", "resultatenhet", "department", "förvaltning")),
    Column("name", required=True, synonyms=("department_name", "namn", "benämning", "benamning", "beskrivning",
                                            "description")),
]


def read_department_file(path: str | Path, display_name: str | None = None) -> list[dict]:
    """Read a department file (code, name; CSV or xlsx); return [{code, name}]; InputValidationError on problems."""
    table = read_table(path, DEPARTMENT_COLUMNS, display_name=display_name, unique=("code",))
    return [{"code": str(r["code"]).strip(), "name": str(r["name"]).strip()}
            for r in require(table, "fix the department file and load it again")]


def load_departments(con: duckdb.DuckDBPyConnection, organisation_id: str, rows: list[dict],
                     source: str | None = None, *, replace: bool = True) -> int:
    """Store code → name for `organisation_id` (replacing its register unless replace=False); return rows stored."""
    require_organisation(con, organisation_id)
    con.execute("begin transaction")
    try:
        if replace:
            con.execute("delete from department_register where organisation_id = ?", [organisation_id])
        for r in rows:
            con.execute("insert or replace into department_register "
                        "(organisation_id, department_code, department_name, source) values (?, ?, ?, ?)",
                        [organisation_id, r["code"], r["name"], source])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(rows)


def department_names(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """Return (organisation_id, code) -> name of every registered department."""
    return {(o, c): n for o, c, n in con.execute(
        "select organisation_id, department_code, department_name from department_register").fetchall()}


def list_departments(con: duckdb.DuckDBPyConnection, organisation_id: str) -> list[dict]:
    """Return the register of one organisation: [{code, name, source}] by code."""
    return [{"code": c, "name": n, "source": s} for c, n, s in con.execute(
        "select department_code, department_name, source from department_register where organisation_id = ? "
        "order by department_code", [organisation_id]).fetchall()]


# What the engine stores as the department of a line that has none (sql/intermediate/int_line_keys__classified.sql;
# a test keeps the two equal): a reader sees their own language's words for it, never this stored text
NO_DEPARTMENT = "(okänd förvaltning)"


def department_label(names: dict[tuple[str, str], str], organisation_id: str | None, department: str | None,
                     ) -> str | None:
    """Return what a reader sees for a department: "Centrum (1100)" when the register names the code, else the
    department as booked; None for no department (the engine's NO_DEPARTMENT included: the caller words it)."""
    if department is None or department == "" or department == NO_DEPARTMENT:
        return None
    name = names.get((organisation_id or "", str(department)))
    if name is None and not organisation_id:
        # a view over several organisations without the organisation at hand: a name only if it is unambiguous
        found = {n for (o, c), n in names.items() if c == str(department)}
        name = found.pop() if len(found) == 1 else None
    if not name or name == department:
        return department
    return f"{name} ({department})"
