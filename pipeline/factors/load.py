"""Load the shipped reference data (emission_factors/) into the database: idempotent, fast, immutable releases.

Released factor-set versions, account-map versions and crosswalk versions are immutable: each is
recorded in `reference_release` with the sha256 of its files. Loading again skips an unchanged
release; a release whose files changed since it was loaded raises ReleaseChangedError (code
`release-changed`) instead of overwriting numbers that published runs may rest on. Categories,
exchange rates, price indices and default exclusions are current data and are replaced in place.
Bulk work is done by DuckDB's read_csv, never by Python row loops.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import DataError
from ..resources import factors_dir
from .schema import read_meta
from ..store import transaction

FACTOR_SET_META = "factor_set.meta.json"
ACCOUNT_MAP_META = "account_map.meta.json"
CROSSWALK_META = "crosswalk.meta.json"
TEXT_RULES_META = "text_rules.meta.json"
FX_FILE = Path("exchange_rates/ecb_annual.csv")
CPI_FILE = Path("price_indices/cpi.csv")
CATEGORIES_FILE = Path("categories.csv")
EXCLUSIONS_FILE = Path("exclusions.csv")

# Tables whose row counts load_reference_data reports.
COUNTED_TABLES = ["category", "factor_set", "factor", "account_map", "price_index", "exchange_rate", "exclusion",
                  "industry_crosswalk", "expense_type_map", "factor_industry", "text_rule", "reference_release"]


class ReleaseChangedError(DataError):
    """A released (immutable) reference-data version differs from the copy already in the database."""

    code = "release-changed"


@dataclass(frozen=True)
class Release:
    """One versioned reference-data release: a directory with a metadata file and its data files."""

    kind: str            # factor_set | account_map | crosswalk | text_rules
    release_id: str
    version: str
    directory: Path
    meta: dict

    @property
    def status(self) -> str:
        """Return 'released', 'draft' or 'custom' as declared in the metadata (default 'released')."""
        return self.meta.get("status", "released")

    @property
    def label(self) -> str:
        """Return 'id@version', the way releases are named to users."""
        return f"{self.release_id}@{self.version}"

    def sha256(self) -> str:
        """Return the sha256 over the names and bytes of every file in the release directory, in name order."""
        digest = hashlib.sha256()
        for path in sorted(p for p in self.directory.iterdir() if p.is_file()):
            digest.update(path.name.encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
        return digest.hexdigest()


def _sql_path(path: Path) -> str:
    """Quote a filesystem path as a SQL string literal (single quotes doubled)."""
    return "'" + str(path).replace("'", "''") + "'"


def _read_csv(path: Path) -> str:
    """Return a DuckDB table expression that reads `path` as all-VARCHAR columns (empty cell = NULL).

    Columns are then selected by name and cast, so a file's column order does not matter.
    """
    return f"read_csv({_sql_path(path)}, header = true, delim = ',', quote = '\"', escape = '\"', all_varchar = true)"


def _csv_columns(path: Path) -> set[str]:
    """Return the header names of a CSV data file (to take optional columns when present)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return set(next(csv.reader(handle), []))


def _value_or_null(path: Path, column: str) -> str:
    """Return `column` if the CSV has it, else NULL (for use inside an expression)."""
    return column if column in _csv_columns(path) else "null"


def _optional(path: Path, column: str) -> str:
    """Return `column` if the CSV has it, else a NULL of that name (older releases lack newer optional columns)."""
    return column if column in _csv_columns(path) else f"null as {column}"


def discover_releases(root: Path, kind: str) -> list[Release]:
    """Return the releases of `kind` (factor_set | account_map | crosswalk | text_rules) shipped under `root`, sorted."""
    if kind == "factor_set":
        metas = sorted(root.glob(f"*/*/{FACTOR_SET_META}"))
        id_key, version_key = "factor_set_id", "version"
    elif kind == "account_map":
        metas = sorted(root.glob(f"account_maps/*/*/{ACCOUNT_MAP_META}"))
        id_key, version_key = "mapping_id", "mapping_version"
    elif kind == "crosswalk":
        metas = sorted(root.glob(f"crosswalks/*/*/{CROSSWALK_META}"))
        id_key, version_key = "crosswalk_id", "version"
    elif kind == "text_rules":
        metas = sorted(root.glob(f"text_rules/*/*/{TEXT_RULES_META}"))
        id_key, version_key = "ruleset_id", "version"
    else:
        raise ValueError(f"unknown release kind {kind!r}")
    releases = []
    for meta_path in metas:
        meta = read_meta(meta_path)
        release_id, version = meta.get(id_key), meta.get(version_key)
        if release_id != meta_path.parent.parent.name or version != meta_path.parent.name:
            raise DataError(f"{meta_path}: declares {id_key}={release_id!r}, {version_key}={version!r} but lives in "
                            f"{meta_path.parent.parent.name}/{meta_path.parent.name}; make them agree", code="metadata-error")
        releases.append(Release(kind, release_id, version, meta_path.parent, meta))
    return releases


def load_reference_data(con: duckdb.DuckDBPyConnection, root: Path | None = None) -> dict[str, int]:
    """Load every shipped released reference-data file into `con`; return row counts per table.

    Idempotent (a second call changes nothing) and atomic (on any error nothing is kept). Raises
    ReleaseChangedError when a released version in the database differs from the shipped files.
    """
    root = Path(root) if root else factors_dir()
    with transaction(con):
        _load_categories(con, root / CATEGORIES_FILE)
        for release in discover_releases(root, "factor_set"):
            if release.status == "released":
                load_factor_set(con, release)
        for release in discover_releases(root, "account_map"):
            if release.status == "released":
                load_account_map(con, release)
        for release in discover_releases(root, "crosswalk"):
            if release.status == "released":
                load_crosswalk(con, release)
        for release in discover_releases(root, "text_rules"):
            if release.status == "released":
                load_text_rules(con, release)
        _load_exchange_rates(con, root / FX_FILE)
        _load_price_indices(con, root / CPI_FILE)
        _load_exclusions(con, root / EXCLUSIONS_FILE)
    return reference_counts(con)


def reference_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return the number of rows in each reference-data table."""
    return {table: con.execute(f"select count(*) from {table}").fetchone()[0] for table in COUNTED_TABLES}


def _check_release(con: duckdb.DuckDBPyConnection, release: Release, sha: str, exists_sql: str, params: list) -> bool:
    """Return True when `release` must be inserted, False when it is already loaded unchanged; raise when it changed."""
    row = con.execute("select sha256, loaded_at from reference_release where kind = ? and release_id = ? and version = ?",
                      [release.kind, release.release_id, release.version]).fetchone()
    if row is not None:
        if row[0] == sha:
            return False
        raise ReleaseChangedError(
            f"{release.directory}: {release.kind.replace('_', ' ')} {release.label} is released and immutable, but its files "
            f"differ from the copy loaded into the database on {row[1]:%Y-%m-%d}; put the change in a new version "
            f"directory (e.g. {release.release_id}/{_next_version(release.version)}) instead of editing {release.version}")
    if con.execute(exists_sql, params).fetchone()[0]:
        raise ReleaseChangedError(
            f"{release.directory}: the database already holds {release.label} from another source; "
            "released versions are immutable: give these files a new version")
    return True


def _next_version(version: str) -> str:
    parts = version.split(".")
    if parts and parts[-1].isdigit():
        parts[-1] = str(int(parts[-1]) + 1)
        return ".".join(parts)
    return version + ".1"


def _record_release(con: duckdb.DuckDBPyConnection, release: Release, sha: str) -> None:
    con.execute("insert into reference_release (kind, release_id, version, sha256, status) values (?, ?, ?, ?, ?)",
                [release.kind, release.release_id, release.version, sha, release.status])


def load_factor_set(con: duckdb.DuckDBPyConnection, release: Release) -> bool:
    """Insert one factor-set release (metadata row + factors.csv) unless already loaded; return True when inserted."""
    sha = release.sha256()
    if not _check_release(con, release, sha, "select count(*) from factor_set where factor_set_id = ? and version = ?",
                          [release.release_id, release.version]):
        return False
    meta = release.meta
    missing = [k for k in ("name", "base_year", "currency") if meta.get(k) in (None, "")]
    if missing:
        raise DataError(f"{release.directory / FACTOR_SET_META}: missing {', '.join(missing)}", code="metadata-error")
    con.execute(
        "insert into factor_set (factor_set_id, version, name, publisher, url, licence, base_year, currency, price_basis, "
        "gases, gwp, region, relative_uncertainty, is_partial, metadata) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [release.release_id, release.version, meta["name"], meta.get("publisher"), meta.get("url"), meta.get("licence"),
         int(meta["base_year"]), meta["currency"], meta.get("price_basis"), meta.get("gases"), meta.get("gwp"),
         meta.get("region"), meta.get("relative_uncertainty"), bool(meta.get("is_partial", False)),
         json.dumps(meta, ensure_ascii=False)])
    data = release.directory / "factors.csv"
    # region (EXIOBASE), factor_year (Defra), published_value and flag (doubtful factors) are optional columns.
    con.execute(
        "insert into factor (factor_set_id, version, factor_code, factor_name, gas, value, value_without_margins, "
        "numerator_unit, denominator_unit, source_ref, notes, region, factor_year, published_value, flag) "
        f"select ?, ?, factor_code, factor_name, gas, cast(value as double), cast(value_without_margins as double), "
        f"numerator_unit, denominator_unit, source_ref, notes, nullif({_value_or_null(data, 'region')}, ''), "
        f"cast(nullif({_value_or_null(data, 'factor_year')}, '') as integer), "
        f"cast(nullif({_value_or_null(data, 'published_value')}, '') as double), nullif({_value_or_null(data, 'flag')}, '') "
        f"from {_read_csv(data)}",
        [release.release_id, release.version])
    _record_release(con, release, sha)
    return True


def load_account_map(con: duckdb.DuckDBPyConnection, release: Release) -> bool:
    """Insert one account-map release unless already loaded; return True when inserted."""
    sha = release.sha256()
    if not _check_release(con, release, sha, "select count(*) from account_map where mapping_id = ? and mapping_version = ?",
                          [release.release_id, release.version]):
        return False
    data = release.directory / "account_map.csv"
    con.execute(
        "insert into account_map (mapping_id, mapping_version, account_prefix, account_name, category_id, factor_set_id, "
        "factor_code, industry_code, scope3_category, is_excluded, exclusion_reason, source, notes) "
        f"select ?, ?, account_prefix, account_name, category_id, factor_set_id, factor_code, "
        f"{_optional(data, 'industry_code')}, cast(scope3_category as integer), cast(is_excluded as boolean), "
        f"exclusion_reason, {_optional(data, 'source')}, notes from {_read_csv(data)}",
        [release.release_id, release.version])
    _record_release(con, release, sha)
    return True


def load_crosswalk(con: duckdb.DuckDBPyConnection, release: Release) -> bool:
    """Insert one crosswalk release (industry codes or expense types, by `table` in its metadata); True when inserted."""
    sha = release.sha256()
    table = release.meta.get("table")
    if table not in ("industry_crosswalk", "expense_type_map", "factor_industry"):
        raise DataError(f"{release.directory / CROSSWALK_META}: 'table' must be industry_crosswalk, expense_type_map "
                        "or factor_industry", code="metadata-error")
    if not _check_release(con, release, sha, f"select count(*) from {table} where crosswalk_id = ? and version = ?",
                          [release.release_id, release.version]):
        return False
    data = release.directory / "crosswalk.csv"
    if table == "industry_crosswalk":
        con.execute(
            "insert into industry_crosswalk (crosswalk_id, version, industry_code, industry_name, category_id, "
            "factor_set_id, factor_code, is_supplier_rule, notes) select ?, ?, industry_code, industry_name, category_id, "
            f"factor_set_id, factor_code, coalesce(cast({_value_or_null(data, 'is_supplier_rule')} as boolean), true), notes "
            f"from {_read_csv(data)}", [release.release_id, release.version])
    elif table == "factor_industry":
        con.execute(
            "insert into factor_industry (crosswalk_id, version, factor_set_id, factor_code_prefix, industry_code, notes) "
            f"select ?, ?, factor_set_id, factor_code_prefix, industry_code, notes from {_read_csv(data)}",
            [release.release_id, release.version])
    else:
        con.execute(
            "insert into expense_type_map (crosswalk_id, version, source_column, expense_type, category_id, factor_set_id, "
            "factor_code, industry_code, is_excluded, exclusion_reason, notes) select ?, ?, source_column, expense_type, "
            f"category_id, factor_set_id, factor_code, {_optional(data, 'industry_code')}, cast(is_excluded as boolean), "
            f"exclusion_reason, notes from {_read_csv(data)}",
            [release.release_id, release.version])
        # The same rules as an account map: for files such as UK council spend data the expense type (text)
        # is the ledger's "account", so a run classifies them like any account (rule level 'account').
        con.execute(
            """insert into account_map (mapping_id, mapping_version, account_prefix, account_name, category_id,
                   factor_set_id, factor_code, industry_code, scope3_category, is_excluded, exclusion_reason, notes)
               select crosswalk_id, version, expense_type, expense_type, category_id, factor_set_id, factor_code,
                      industry_code, case when is_excluded then null else 1 end, is_excluded, exclusion_reason,
                      'from ' || source_column || ': ' || coalesce(notes, '')
               from expense_type_map where crosswalk_id = ? and version = ?
               qualify row_number() over (partition by expense_type order by source_column) = 1""",
            [release.release_id, release.version])
    _record_release(con, release, sha)
    return True


def load_text_rules(con: duckdb.DuckDBPyConnection, release: Release) -> bool:
    """Insert one keyword-table release (text_rules.csv: keywords over account and invoice texts); True when inserted."""
    sha = release.sha256()
    if not _check_release(con, release, sha, "select count(*) from text_rule where ruleset_id = ? and version = ?",
                          [release.release_id, release.version]):
        return False
    data = release.directory / "text_rules.csv"
    con.execute(
        "insert into text_rule (ruleset_id, version, rule_id, account_prefix, expected_in, match_in, keywords, "
        "category_id, industry_code, factor_set_id, factor_code, is_excluded, exclusion_reason, priority, source, notes) "
        "select ?, ?, rule_id, account_prefix, expected_in, match_in, keywords, category_id, industry_code, factor_set_id, "
        "factor_code, cast(is_excluded as boolean), exclusion_reason, cast(priority as integer), source, notes "
        f"from {_read_csv(data)}", [release.release_id, release.version])
    # which ledgers the table reads (country) and whether their account is itself the text (UK expense types)
    con.execute("insert or replace into text_ruleset (ruleset_id, version, country, account_is_text) values (?, ?, ?, ?)",
                [release.release_id, release.version, release.meta.get("country"),
                 bool(release.meta.get("account_is_text", False))])
    _record_release(con, release, sha)
    return True


def ensure_reference_data(con: duckdb.DuckDBPyConnection) -> None:
    """Load the shipped reference data when the database has none yet (a database made without `init`)."""
    if not con.execute("select count(*) from factor_set").fetchone()[0]:
        load_reference_data(con)


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DataError(f"{path}: shipped reference file is missing; reinstall klimatspend or restore the file",
                        code="missing-file")
    return path


def _load_categories(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute("insert or replace into category (category_id, name_sv, name_en, sort_order) "
                f"select category_id, name_sv, name_en, cast(sort_order as integer) from {_read_csv(_require(path))}")


def _load_exchange_rates(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    tag = f"emission_factors/{FX_FILE.as_posix()}"
    # Rows of the shipped file are replaced as a whole; rows a user added from other sources stay.
    con.execute("delete from exchange_rate where source like ?", [tag + "%"])
    con.execute("insert or replace into exchange_rate (year, currency, units_per_eur, is_extrapolated, source) "
                "select cast(year as integer), currency, cast(units_per_eur as double), cast(is_extrapolated as boolean), "
                f"? || ': ' || source from {_read_csv(_require(path))}", [tag])


def _load_price_indices(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    tag = f"emission_factors/{CPI_FILE.as_posix()}"
    con.execute("delete from price_index where source like ?", [tag + "%"])
    con.execute("insert or replace into price_index (country_code, year, index_value, base_year, is_extrapolated, source) "
                "select country_code, cast(year as integer), cast(index_value as double), cast(base_year as integer), "
                f"cast(is_extrapolated as boolean), ? || ': ' || source from {_read_csv(_require(path))}", [tag])


def _load_exclusions(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    if not path.is_file():
        return
    con.execute("insert or replace into exclusion (exclusion_id, match_kind, match_value, reason, notes) "
                f"select exclusion_id, match_kind, match_value, reason, notes from {_read_csv(path)}")
