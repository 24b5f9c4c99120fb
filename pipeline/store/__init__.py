"""The DuckDB store: open or create the database file and apply versioned schema migrations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import duckdb

from ..errors import DatabaseError, ForeignDatabaseError, SchemaTooNewError
from .models import build_views, views_current

APPLICATION = "klimatspend"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One schema migration: a numbered SQL file in pipeline/migrations/."""

    migration_id: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """Return the migrations shipped with this version, in order of their number."""
    found = []
    for entry in files("pipeline.store.migrations").iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.migration_id)
    return found


def schema_version() -> int:
    """Return the newest migration number this version knows."""
    return max(m.migration_id for m in available_migrations())


def connect(db_path: str | Path, *, create: bool = True, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the klimatspend database at `db_path`, creating and migrating it as needed.

    Opened for writing, the schema is migrated and the SQL model views are (re)built when the shipped
    SQL changed (pipeline/store/models.py). Raises DatabaseError with a message that says what to do when the file is missing (and
    create is False), locked by another process, not a DuckDB file, not a klimatspend
    database, or written by a newer version.
    """
    path = Path(db_path)
    if str(path) != ":memory:":
        if path.is_dir():
            raise DatabaseError(f"{path}: is a directory, not a database file; pass a file path with --db")
        if not path.exists() and not create:
            raise DatabaseError(f"{path}: no database here; run `klimatspend init --db {path}` first")
        if path.parent and not path.parent.exists():
            raise DatabaseError(f"{path}: the folder {path.parent} does not exist; create it or choose another --db path")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise DatabaseError(
                f"{path}: the database is in use by another klimatspend process (web server or CLI); "
                "stop it or use another --db"
            ) from None
        raise DatabaseError(f"{path}: not a DuckDB database file ({_first_line(text)}); choose another --db path") from None
    except duckdb.Error as exc:
        raise DatabaseError(f"{path}: cannot open the database ({_first_line(str(exc))})") from None
    try:
        if not read_only:
            migrate(con, path)
            build_views(con)
        else:
            _check_version(con, path)
            if not views_current(con):
                raise DatabaseError(f"{path}: the database was last opened by another klimatspend version; open it "
                                    f"once for writing (`klimatspend init --db {path}`) and try again")
    except Exception:
        con.close()
        raise
    return con


def migrate(con: duckdb.DuckDBPyConnection, path: str | Path = "database") -> list[int]:
    """Apply every shipped migration that the database lacks; return the numbers applied.

    A fresh (empty) database is initialised. Each migration runs in its own transaction.
    """
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
    if "app_meta" not in tables:
        if tables:
            raise ForeignDatabaseError(
                f"{path}: this DuckDB file holds tables ({', '.join(sorted(tables)[:5])}) but is not a klimatspend "
                "database; choose another --db path"
            )
        con.execute("begin")
        con.execute("create table app_meta (key varchar primary key, value varchar)")
        con.execute(
            "create table schema_migration (migration_id integer primary key, name varchar not null, "
            "applied_at timestamp not null default current_timestamp)"
        )
        con.execute("insert into app_meta values ('application', ?)", [APPLICATION])
        con.execute("commit")
    else:
        app = con.execute("select value from app_meta where key = 'application'").fetchone()
        if not app or app[0] != APPLICATION:
            raise ForeignDatabaseError(f"{path}: not a klimatspend database; choose another --db path")
    applied = _check_version(con, path)
    done = []
    for mig in available_migrations():
        if mig.migration_id in applied:
            continue
        try:
            con.execute("begin")
            con.execute(mig.sql)
            con.execute("insert into schema_migration (migration_id, name) values (?, ?)", [mig.migration_id, mig.name])
            con.execute("commit")
        except duckdb.Error as exc:
            con.execute("rollback")
            raise DatabaseError(
                f"{path}: schema migration {mig.migration_id:04d}_{mig.name} failed ({_first_line(str(exc))}); "
                "the database is unchanged; report this with the file"
            ) from None
        done.append(mig.migration_id)
    return done


def _check_version(con: duckdb.DuckDBPyConnection, path: str | Path) -> set[int]:
    try:
        applied = {r[0] for r in con.execute("select migration_id from schema_migration").fetchall()}
    except duckdb.CatalogException:
        raise ForeignDatabaseError(f"{path}: not a klimatspend database; choose another --db path") from None
    known = {m.migration_id for m in available_migrations()}
    unknown = sorted(applied - known)
    if unknown:
        raise SchemaTooNewError(
            f"{path}: the database was written by a newer klimatspend (schema migration {unknown[-1]:04d}, "
            f"this version knows up to {max(known):04d}); upgrade klimatspend to open it"
        )
    return applied


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block as one transaction: commit at the end, roll back on any error or interrupt (then re-raise)."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass  # the transaction may already be aborted; nothing was kept either way
        raise
    con.execute("commit")


def finish_pending(con: duckdb.DuckDBPyConnection) -> None:
    """Run a caller's half-read result to its end: DuckDB 2 refuses `register` while one is open."""
    try:
        con.complete()
    except AttributeError:   # DuckDB before 2.0 has no complete() and no such restriction
        pass


def applied_migrations(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    """Return (number, name) of the migrations applied to this database."""
    return [tuple(r) for r in con.execute("select migration_id, name from schema_migration order by 1").fetchall()]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
