"""The SQL models (sql/staging -> intermediate -> marts, and checks) as DuckDB views.

The views are part of the database schema: `store.connect` builds them once when a database is opened
for writing (or migrated), and again only when the shipped SQL changes (a marker view holds a hash of
the model files). Readers never rebuild them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..currencies import CURRENCY_COUNTRY
from ..errors import DataError
from ..resources import sql_dir

MACROS = "macros"                                  # sql/macros/<name>.sql: one `create or replace macro <name>`
LAYERS = ("staging", "intermediate", "marts")


@dataclass(frozen=True)
class Model:
    """One SQL model: a file whose name is the view name and whose body is one select."""

    name: str
    layer: str
    sql: str



def load_models(directory: Path | None = None) -> dict[str, Model]:
    """Read every model and check from `directory` (default: the shipped sql/); name -> Model."""
    base = directory or sql_dir()
    models: dict[str, Model] = {}
    models.update({m.name: m for m in generated_macros()})
    for layer in (MACROS, *LAYERS, "checks"):
        for path in sorted((base / layer).glob("*.sql")):
            models[path.stem] = Model(path.stem, layer, path.read_text(encoding="utf-8"))
    return models


def generated_macros() -> list[Model]:
    """Return the macros made from rules whose one home is Python (pipeline/currencies.py): cpi_country(currency)
    and the table currency_countries() (currency, country_code)."""
    cases = " ".join(f"when '{c}' then '{country}'" for c, country in CURRENCY_COUNTRY.items())
    rows = ", ".join(f"('{c}', '{country}')" for c, country in CURRENCY_COUNTRY.items())
    note = "-- The country whose consumer price index deflates a currency (pipeline/currencies.py).\n"
    return [Model("cpi_country", MACROS, note + "create or replace macro cpi_country(currency) as "
                  f"case upper(currency) {cases} end"),
            Model("currency_countries", MACROS, note + "create or replace macro currency_countries() as table "
                  f"select * from (values {rows}) as t(currency, country_code)")]


def build_order(models: dict[str, Model]) -> list[Model]:
    """Return the macros, then the views in dependency order (a model after every model it names); no checks."""
    names = [m for m in models if models[m].layer in LAYERS]
    known = set(names)
    deps = {n: (_named_models(models[n].sql) & known) - {n} for n in names}
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
    macros = sorted((m for m in models.values() if m.layer == MACROS), key=lambda m: m.name)
    return macros + [models[n] for n in ordered]


_WORD = re.compile(r"\w+")
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_QUOTED_WORD = re.compile(r"'(\w+)'")
_COMMENT_OR_STRING = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.S)


def _named_models(sql: str) -> set[str]:
    """Return the words of `sql` outside comments and strings, and the strings that are one word: a table macro
    reads the model whose name it is given as a string (`line_results('int_line__inputs', ...)`)."""
    words = set(_WORD.findall(strip_comments(sql)))
    no_comments = _COMMENT.sub(" ", sql)
    return words | set(_QUOTED_WORD.findall(no_comments))


def strip_comments(sql: str) -> str:
    """Return `sql` without its comments and string literals, so that a model named there is not a dependency."""
    return _COMMENT_OR_STRING.sub(lambda m: "''" if m.group(0).startswith("'") else " ", sql)


MODELS_MARKER = "_klimatspend_models"


def models_hash(models: dict[str, Model]) -> str:
    """Return a sha256 over every model's name and SQL (changes whenever a model changes)."""
    digest = hashlib.sha256()
    for name in sorted(models):
        digest.update(f"{models[name].layer}/{name}\0{models[name].sql}\0".encode("utf-8"))
    return digest.hexdigest()


def views_current(con: duckdb.DuckDBPyConnection, models: dict[str, Model] | None = None) -> bool:
    """Return True when the database's views were built from the shipped SQL models (the marker hash matches)."""
    try:
        row = con.execute(f"select models_hash from {MODELS_MARKER}").fetchone()
    except duckdb.Error:
        return False
    return bool(row) and row[0] == models_hash(models or load_models())


def build_views(con: duckdb.DuckDBPyConnection, models: dict[str, Model] | None = None, *, force: bool = False) -> None:
    """Create (or replace) one view per staging, intermediate and mart model.

    Views persist in the database file; a marker view holds the hash of the models they were built from,
    so an unchanged set is not rebuilt (a new klimatspend version with changed SQL rebuilds them).
    """
    models = models or load_models()
    ensure_variables(con)
    wanted = models_hash(models)
    if not force and views_current(con, models):
        return
    con.execute("begin transaction")
    try:
        for model in build_order(models):
            try:
                if model.layer == MACROS:
                    con.execute(model.sql)
                else:
                    con.execute(f"create or replace view {model.name} as\n{model.sql}")
            except duckdb.Error as exc:
                raise DataError(f"sql/{model.layer}/{model.name}.sql: {str(exc).splitlines()[0]}") from None
        con.execute(f"create or replace view {MODELS_MARKER} as select '{wanted}' as models_hash")
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


VARIABLE_DEFAULTS = {"run_id": None, "run_year": None, "run_organisation_id": None, "factor_set_id": None,
                     "factor_set_version": None, "mapping_id": None, "mapping_version": None, "use_margins": True,
                     "inflation_convention": "ledger_currency_first", "crosswalk_id": None, "crosswalk_version": None,
                     "activity_factor_set_id": None, "activity_factor_version": None, "vat_rate": 0.25,
                     "supplier_factor_uncertainty": 0.25}


def ensure_variables(con: duckdb.DuckDBPyConnection) -> None:
    # Views bind getvariable() at query time; give every variable a value so views can be created.
    defaults = VARIABLE_DEFAULTS
    existing = {r[0] for r in con.execute("select name from duckdb_variables()").fetchall()}
    for name, value in defaults.items():
        if name not in existing:
            set_variable(con, name, value)


def set_variable(con: duckdb.DuckDBPyConnection, name: str, value) -> None:
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


