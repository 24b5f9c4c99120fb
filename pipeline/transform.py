"""Build the SQL models (staging -> intermediate -> marts) in DuckDB and compute annual runs."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .errors import DataError, KlimatspendError, UsageError
from .resources import sql_dir

LAYERS = ("staging", "intermediate", "marts")


@dataclass(frozen=True)
class Model:
    """One SQL model: a file whose name is the view name and whose body is one select."""

    name: str
    layer: str
    sql: str


@dataclass
class RunSettings:
    """Conventions of a run; stored with it and stated in the reports."""

    use_margins: bool = True                       # purchaser-price factors (with margins)
    inflation_convention: str = "factor_currency"  # or 'ledger_currency_first'
    gases: str = "all"                             # all | co2 (budget scope; both are computed per line)

    def as_dict(self) -> dict:
        """Return the settings as plain data."""
        return {"use_margins": self.use_margins, "inflation_convention": self.inflation_convention,
                "gases": self.gases}


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


def build_views(con: duckdb.DuckDBPyConnection, models: dict[str, Model] | None = None) -> None:
    """Create (or replace) one view per staging, intermediate and mart model."""
    models = models or load_models()
    _ensure_variables(con)
    for model in build_order(models):
        try:
            con.execute(f"create or replace view {model.name} as\n{model.sql}")
        except duckdb.Error as exc:
            raise DataError(f"sql/{model.layer}/{model.name}.sql: {str(exc).splitlines()[0]}") from None


def _ensure_variables(con: duckdb.DuckDBPyConnection) -> None:
    # Views bind getvariable() at query time; give every variable a value so views can be created.
    defaults = {"run_id": None, "run_year": None, "run_organisation_id": None, "factor_set_id": None,
                "factor_set_version": None, "mapping_id": None, "mapping_version": None, "use_margins": True,
                "inflation_convention": "factor_currency"}
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
                created_by: str | None = None, note: str | None = None) -> RunResult:
    """Compute emissions for every loaded line of `year` as a new run, atomically; return the run.

    The previous unpublished run with the same year, organisation, factor set and mapping is replaced;
    published runs are never touched. Fails (nothing kept) if any sql/checks assertion returns rows.
    """
    settings = settings or RunSettings()
    if settings.inflation_convention not in ("factor_currency", "ledger_currency_first"):
        raise UsageError(f"inflation convention {settings.inflation_convention!r}: use factor_currency or "
                         "ledger_currency_first")
    t0 = time.perf_counter()
    fs_id, fs_version = resolve_factor_set(con, factors)
    map_id, map_version = resolve_mapping(con, mapping)
    models = load_models()
    build_views(con, models)
    n_lines = con.execute(
        "select count(*) from ledger_line l join ledger_batch b using (batch_id) "
        "where b.status = 'loaded' and l.fiscal_year = ? and (? is null or l.organisation_id = ?)",
        [year, organisation_id, organisation_id]).fetchone()[0]
    if n_lines == 0:
        raise UsageError(f"--year {year}: no loaded ledger lines for that year; load a ledger with "
                         "`klimatspend ingest FILE` first (see `klimatspend batches`)")
    timings: dict[str, float] = {}
    try:
        con.execute("begin transaction")
        run_id = con.execute("select nextval('run_id_seq')").fetchone()[0]
        for name, value in {"run_id": run_id, "run_year": int(year), "run_organisation_id": organisation_id,
                            "factor_set_id": fs_id, "factor_set_version": fs_version, "mapping_id": map_id,
                            "mapping_version": map_version, "use_margins": settings.use_margins,
                            "inflation_convention": settings.inflation_convention}.items():
            _set_variable(con, name, value)
        old = [r[0] for r in con.execute(
            """select run_id from run where year = ? and not is_published and factor_set_id = ?
               and factor_set_version = ? and mapping_id = ? and mapping_version = ?
               and organisation_id is not distinct from ? and settings = ?::json""",
            [year, fs_id, fs_version, map_id, map_version, organisation_id,
             json.dumps(settings.as_dict())]).fetchall()]
        if old:
            con.execute(f"delete from line_emission where run_id in ({', '.join(map(str, old))})")
            con.execute(f"delete from run where run_id in ({', '.join(map(str, old))})")
        con.execute(
            """insert into run (run_id, year, organisation_id, factor_set_id, factor_set_version, mapping_id,
                                mapping_version, settings, created_by, note, status)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'computing')""",
            [run_id, year, organisation_id, fs_id, fs_version, map_id, map_version,
             json.dumps(settings.as_dict()), created_by, note])
        t1 = time.perf_counter()
        con.execute("insert into line_emission by name select getvariable('run_id') as run_id, * "
                    "from int_line__emissions")
        timings["compute"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        failures = {name: rows for name, rows in run_checks(con, models).items() if rows}
        timings["checks"] = time.perf_counter() - t2
        if failures:
            detail = "; ".join(f"{name}: {len(rows)} row(s), e.g. {rows[0]}" for name, rows in failures.items())
            raise KlimatspendError(f"run for {year} failed its checks, nothing was kept: {detail}",
                                   code="check-failed")
        con.execute("update run set status = 'complete' where run_id = ?", [run_id])
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass
        raise
    timings["total"] = time.perf_counter() - t0
    return RunResult(run_id=run_id, year=year, factor_set_id=fs_id, factor_set_version=fs_version,
                     mapping_id=map_id, mapping_version=map_version, settings=settings.as_dict(),
                     timings=timings, checks={name: 0 for name in models if models[name].layer == "checks"})


def publish_run(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Freeze a run: its results are kept as they are; later runs never replace it."""
    row = con.execute("select is_published from run where run_id = ?", [run_id]).fetchone()
    if row is None:
        raise UsageError(f"run {run_id}: no such run; see `klimatspend run --list`")
    if row[0]:
        raise UsageError(f"run {run_id} is already published (frozen)")
    con.execute("update run set is_published = true, published_at = current_timestamp where run_id = ?", [run_id])


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
