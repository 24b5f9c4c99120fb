"""Build the SQL models (staging -> intermediate -> marts) in DuckDB and compute annual runs."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import activity, classify
from .factors import ensure_reference_data
from .store import transaction
from .errors import DataError, KlimatspendError, UsageError
from .resources import sql_dir

LAYERS = ("staging", "intermediate", "marts")


@dataclass(frozen=True)
class Model:
    """One SQL model: a file whose name is the view name and whose body is one select."""

    name: str
    layer: str
    sql: str


INFLATION_CONVENTIONS = ("factor_currency", "ledger_currency_first")


@dataclass
class RunSettings:
    """Conventions of a run; stored with it and stated in the reports."""

    use_margins: bool = True                       # purchaser-price factors (with margins)
    inflation_convention: str = "factor_currency"  # or 'ledger_currency_first'
    gases: str = "all"                             # all | co2 (budget scope; both are computed per line)
    vat_rate: float = 0.25                         # removes VAT when a batch includes it and a line has no VAT amount
    supplier_factor_uncertainty: float = 0.25      # relative uncertainty of supplier-specific factors

    def as_dict(self) -> dict:
        """Return the settings as plain data."""
        return {"use_margins": self.use_margins, "inflation_convention": self.inflation_convention,
                "gases": self.gases, "vat_rate": self.vat_rate,
                "supplier_factor_uncertainty": self.supplier_factor_uncertainty}


@dataclass
class RunResult:
    """A computed run: its id, the versions used, timings and check results."""

    run_id: int
    year: int
    factor_set_id: str
    factor_set_version: str
    mapping_id: str
    mapping_version: str
    settings: dict
    timings: dict[str, float] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)


def load_models(directory: Path | None = None) -> dict[str, Model]:
    """Read every model and check from `directory` (default: the shipped sql/); name -> Model."""
    base = directory or sql_dir()
    models: dict[str, Model] = {}
    for layer in (*LAYERS, "checks"):
        for path in sorted((base / layer).glob("*.sql")):
            models[path.stem] = Model(path.stem, layer, path.read_text(encoding="utf-8"))
    return models


def build_order(models: dict[str, Model]) -> list[Model]:
    """Return the non-check models in dependency order (a model after every model it names)."""
    names = [m for m in models if models[m].layer in LAYERS]
    deps = {n: {d for d in names if d != n and re.search(rf"\b{re.escape(d)}\b", models[n].sql)} for n in names}
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in ordered:
            return
        if n in visiting:
            raise DataError(f"sql/{models[n].layer}/{n}.sql: circular reference between models")
        visiting.add(n)
        for d in sorted(deps[n]):
            visit(d)
        visiting.discard(n)
        ordered.append(n)

    for n in sorted(names, key=lambda x: (LAYERS.index(models[x].layer), x)):
        visit(n)
    return [models[n] for n in ordered]


MODELS_MARKER = "_klimatspend_models"


def models_hash(models: dict[str, Model]) -> str:
    """Return a sha256 over every model's name and SQL (changes whenever a model changes)."""
    digest = hashlib.sha256()
    for name in sorted(models):
        digest.update(f"{models[name].layer}/{name}\0{models[name].sql}\0".encode("utf-8"))
    return digest.hexdigest()


def build_views(con: duckdb.DuckDBPyConnection, models: dict[str, Model] | None = None, *, force: bool = False) -> None:
    """Create (or replace) one view per staging, intermediate and mart model.

    Views persist in the database file; a marker view holds the hash of the models they were built from,
    so an unchanged set is not rebuilt (a new klimatspend version with changed SQL rebuilds them).
    """
    models = models or load_models()
    _ensure_variables(con)
    wanted = models_hash(models)
    if not force:
        try:
            row = con.execute(f"select models_hash from {MODELS_MARKER}").fetchone()
        except duckdb.Error:
            row = None
        if row and row[0] == wanted:
            return
    for model in build_order(models):
        try:
            con.execute(f"create or replace view {model.name} as\n{model.sql}")
        except duckdb.Error as exc:
            raise DataError(f"sql/{model.layer}/{model.name}.sql: {str(exc).splitlines()[0]}") from None
    con.execute(f"create or replace view {MODELS_MARKER} as select '{wanted}' as models_hash")


VARIABLE_DEFAULTS = {"run_id": None, "run_year": None, "run_organisation_id": None, "factor_set_id": None,
                     "factor_set_version": None, "mapping_id": None, "mapping_version": None, "use_margins": True,
                     "inflation_convention": "factor_currency", "crosswalk_id": None, "crosswalk_version": None,
                     "activity_factor_set_id": None, "activity_factor_version": None, "vat_rate": 0.25,
                     "supplier_factor_uncertainty": 0.25}


def _ensure_variables(con: duckdb.DuckDBPyConnection) -> None:
    # Views bind getvariable() at query time; give every variable a value so views can be created.
    defaults = VARIABLE_DEFAULTS
    existing = {r[0] for r in con.execute("select name from duckdb_variables()").fetchall()}
    for name, value in defaults.items():
        if name not in existing:
            _set_variable(con, name, value)


def _set_variable(con: duckdb.DuckDBPyConnection, name: str, value) -> None:
    if value is None:
        con.execute(f"set variable {name} = null")
    elif isinstance(value, bool):
        con.execute(f"set variable {name} = {'true' if value else 'false'}")
    elif isinstance(value, int):
        con.execute(f"set variable {name} = {int(value)}")
    elif isinstance(value, float):
        con.execute(f"set variable {name} = {float(value)!r}::double")
    else:
        con.execute(f"set variable {name} = ?", [str(value)])


def run_checks(con: duckdb.DuckDBPyConnection, models: dict[str, Model] | None = None) -> dict[str, list[tuple]]:
    """Run every sql/checks/assert_* query; return name -> offending rows (empty list = passed)."""
    models = models or load_models()
    out = {}
    for model in models.values():
        if model.layer == "checks":
            out[model.name] = con.execute(model.sql).fetchall()
    return out


def resolve_factor_set(con: duckdb.DuckDBPyConnection, spec: str | None, default: str = "useeio") -> tuple[str, str]:
    """Return (set id, version) for SET or SET@VERSION; without a version the newest loaded one."""
    spec = spec or default
    set_id, _, version = spec.partition("@")
    if version:
        row = con.execute("select factor_set_id, version from factor_set where factor_set_id = ? and version = ?",
                          [set_id, version]).fetchone()
    else:
        row = con.execute("select factor_set_id, version from factor_set where factor_set_id = ? "
                          "order by string_split(version, '.')::int[] desc limit 1", [set_id]).fetchone()
    if row is None:
        known = ", ".join(f"{a}@{b}" for a, b in con.execute(
            "select factor_set_id, version from factor_set order by 1, 2").fetchall()) or "none"
        raise UsageError(f"--factors {spec}: no such factor set in the database (loaded: {known}); "
                         "see `klimatspend factors list`")
    return row[0], row[1]


def resolve_mapping(con: duckdb.DuckDBPyConnection, spec: str | None, default: str = "kommunbas13") -> tuple[str, str]:
    """Return (mapping id, version) for MAP or MAP@VERSION; without a version the newest loaded one."""
    spec = spec or default
    map_id, _, version = spec.partition("@")
    if version:
        row = con.execute("select distinct mapping_id, mapping_version from account_map "
                          "where mapping_id = ? and mapping_version = ?", [map_id, version]).fetchone()
    else:
        row = con.execute("select distinct mapping_id, mapping_version, "
                          "string_split(mapping_version, '.')::int[] as version_key from account_map "
                          "where mapping_id = ? order by version_key desc limit 1", [map_id]).fetchone()
    if row is None:
        raise UsageError(f"--mapping {spec}: no such account map in the database; see `klimatspend factors list`")
    return row[0], row[1]


def compute_run(con: duckdb.DuckDBPyConnection, year: int, *, factors: str | None = None, mapping: str | None = None,
                settings: RunSettings | None = None, organisation_id: str | None = None,
                created_by: str | None = None, note: str | None = None, crosswalk: str | None = None,
                activity_factors: str | None = None) -> RunResult:
    """Compute emissions for every loaded line of `year` as a new run, atomically; return the run.

    Each organisation uses its own account map when it has one (`klimatspend org set ID --mapping MAP`),
    else `mapping` (default: newest kommunbas13). The previous unpublished run with the same year,
    organisation, factor set, mapping and settings is replaced; published runs are never touched.
    Fails (nothing kept) if any sql/checks assertion returns rows.
    """
    settings = settings or RunSettings()
    if settings.inflation_convention not in INFLATION_CONVENTIONS:
        raise UsageError(f"inflation convention {settings.inflation_convention!r}: use factor_currency or "
                         "ledger_currency_first")
    if settings.gases not in ("all", "co2"):
        raise UsageError(f"gases {settings.gases!r}: use all or co2")
    t0 = time.perf_counter()
    ensure_reference_data(con)
    fs_id, fs_version = resolve_factor_set(con, factors)
    try:
        default_map = resolve_mapping(con, mapping)
    except UsageError:
        if mapping:
            raise
        default_map = None
    n_lines = con.execute(
        "select count(*) from ledger_line l join ledger_batch b using (batch_id) "
        "where b.status = 'loaded' and l.fiscal_year = ? and (? is null or l.organisation_id = ?)",
        [year, organisation_id, organisation_id]).fetchone()[0]
    if n_lines == 0:
        raise UsageError(f"--year {year}: no loaded ledger lines for that year; load a ledger with "
                         "`klimatspend ingest FILE` first (see `klimatspend batches`)")
    run_orgs = classify.run_organisations(con, year, organisation_id, default_map)
    map_id, map_version = default_map or (run_orgs[0].mapping_id, run_orgs[0].mapping_version)
    cw_id, cw_version = classify.resolve_crosswalk(con, fs_id, crosswalk)
    act_version = activity.load_activity_factors(con, activity_factors)
    fs_row = con.execute("select upper(currency), base_year from factor_set where factor_set_id = ? and version = ?",
                         [fs_id, fs_version]).fetchone()
    cpi_country = {"USD": "USA", "GBP": "GBR", "SEK": "SWE", "EUR": "EMU", "NOK": "NOR", "DKK": "DNK"}.get(fs_row[0])
    missing = classify.missing_prices(con, year, organisation_id, fs_row[0], fs_row[1], cpi_country,
                                      settings.inflation_convention)
    if missing:
        raise DataError(f"run for {year} with {fs_id}@{fs_version}: missing {'; '.join(missing)}; load current "
                        "reference data with `klimatspend factors load` (or add the rates and indices)",
                        code="missing-prices")
    models = load_models()
    build_views(con, models)
    run_settings = settings.as_dict() | {
        "mappings": {o.organisation_id: f"{o.mapping_id}@{o.mapping_version}" for o in run_orgs},
        "crosswalk": f"{cw_id}@{cw_version}" if cw_id else None,
        "activity_factors": f"{activity.ACTIVITY_FACTOR_SET}@{act_version}"}
    timings: dict[str, float] = {"prepare": time.perf_counter() - t0}
    with transaction(con):
        run_id = con.execute("select nextval('run_id_seq')").fetchone()[0]
        for name, value in {"run_id": run_id, "run_year": int(year), "run_organisation_id": organisation_id,
                            "factor_set_id": fs_id, "factor_set_version": fs_version, "mapping_id": map_id,
                            "mapping_version": map_version, "use_margins": settings.use_margins,
                            "inflation_convention": settings.inflation_convention, "crosswalk_id": cw_id,
                            "crosswalk_version": cw_version, "activity_factor_set_id": activity.ACTIVITY_FACTOR_SET,
                            "activity_factor_version": act_version, "vat_rate": float(settings.vat_rate),
                            "supplier_factor_uncertainty": float(settings.supplier_factor_uncertainty)}.items():
            _set_variable(con, name, value)
        old = [r[0] for r in con.execute(
            """select run_id from run where year = ? and not is_published and factor_set_id = ?
               and factor_set_version = ? and mapping_id = ? and mapping_version = ?
               and organisation_id is not distinct from ? and settings = ?::json""",
            [year, fs_id, fs_version, map_id, map_version, organisation_id,
             json.dumps(run_settings)]).fetchall()]
        if old:
            ids = ", ".join(map(str, old))
            con.execute(f"delete from line_emission where run_id in ({ids})")
            con.execute(f"delete from run_organisation where run_id in ({ids})")
            con.execute(f"delete from run_activity where run_id in ({ids})")
            con.execute(f"delete from run where run_id in ({ids})")
        con.execute(
            """insert into run (run_id, year, organisation_id, factor_set_id, factor_set_version, mapping_id,
                                mapping_version, settings, created_by, note, status, activity_factor_version)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'computing', ?)""",
            [run_id, year, organisation_id, fs_id, fs_version, map_id, map_version,
             json.dumps(run_settings), created_by, note, act_version])
        con.executemany("insert into run_organisation (run_id, organisation_id, mapping_id, mapping_version, "
                        "default_factor_code, default_category_id) values (?, ?, ?, ?, ?, ?)",
                        [[run_id, o.organisation_id, o.mapping_id, o.mapping_version, o.default_factor_code,
                          o.default_category_id] for o in run_orgs])
        t1 = time.perf_counter()
        con.execute("insert into line_emission by name select getvariable('run_id') as run_id, * "
                    "from int_line__emissions")
        con.execute("insert into run_activity by name select getvariable('run_id') as run_id, * "
                    "from int_activity__scopes")
        timings["compute"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        failures = {name: rows for name, rows in run_checks(con, models).items() if rows}
        timings["checks"] = time.perf_counter() - t2
        if failures:
            detail = "; ".join(f"{name}: {len(rows)} row(s), e.g. {rows[0]}" for name, rows in failures.items())
            raise KlimatspendError(f"run for {year} failed its checks, nothing was kept: {detail}",
                                   code="check-failed")
        n_done = con.execute("select count(*) from line_emission where run_id = ?", [run_id]).fetchone()[0]
        con.execute("update run set status = 'complete', n_lines = ? where run_id = ?", [n_done, run_id])
    timings["total"] = time.perf_counter() - t0
    return RunResult(run_id=run_id, year=year, factor_set_id=fs_id, factor_set_version=fs_version,
                     mapping_id=map_id, mapping_version=map_version, settings=run_settings,
                     timings=timings, checks={name: 0 for name in models if models[name].layer == "checks"})


def results_checksum(con: duckdb.DuckDBPyConnection, run_id: int) -> str:
    """Return a checksum of a run's line results (count, spend, emissions, and a hash of every line's decision)."""
    build_views(con)
    row = con.execute("select results_checksum from int_runs__checksummed where run_id = ?", [run_id]).fetchone()
    return row[0] if row else "0:0:0:0"


def publish_run(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Freeze a run: its results are kept as they are, later runs never replace it, and a checksum of its
    line results is stored so that sql/checks/assert_published_runs_unchanged detects any change."""
    row = con.execute("select is_published, status from run where run_id = ?", [run_id]).fetchone()
    if row is None:
        raise UsageError(f"run {run_id}: no such run; see `klimatspend run --list`")
    if row[0]:
        raise UsageError(f"run {run_id} is already published (frozen)")
    if row[1] != "complete":
        raise UsageError(f"run {run_id} is {row[1]}, not complete; compute it again before publishing")
    con.execute("update run set is_published = true, published_at = current_timestamp, results_checksum = ? "
                "where run_id = ?", [results_checksum(con, run_id), run_id])


def latest_run_id(con: duckdb.DuckDBPyConnection, year: int, organisation_id: str | None = None) -> int | None:
    """Return the run to show for `year`: the newest published run, else the newest run."""
    row = con.execute(
        """select run_id from run where year = ? and status = 'complete'
           and (? is null or organisation_id is not distinct from ?)
           order by is_published desc, run_id desc limit 1""", [year, organisation_id, organisation_id]).fetchone()
    return row[0] if row else None


def mart(con: duckdb.DuckDBPyConnection, name: str, run_id: int, order_by: str | None = None) -> list[dict]:
    """Return the rows of mart `name` for one run as dicts."""
    models = load_models()
    if name not in models or models[name].layer != "marts":
        raise UsageError(f"unknown mart {name!r}")
    build_views(con, models)
    order = f" order by {order_by}" if order_by else ""
    cur = con.execute(f"select * exclude (run_id) from {name} where run_id = ?{order}", [run_id])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
