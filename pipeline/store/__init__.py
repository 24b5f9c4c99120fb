"""The DuckDB store: open or create the database file and apply versioned schema migrations.

DuckDB lets one process write a database file (and no other process read it meanwhile). A command that finds
the file held by another klimatspend process waits for it (`$KLIMATSPEND_LOCK_WAIT` seconds, default 30),
saying so once, then gives up with one line naming the process. While `klimatspend serve` runs, the server
keeps a read-only copy next to the database (`<db>.snapshot.duckdb`, `write_snapshot`), refreshed after each
change it makes; commands that only read (`open_for_reading`: show, report, batches list) open that copy and
say of when it is.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Callable

import duckdb

from ..config import duckdb_settings, lock_wait_seconds
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


def connect(db_path: str | Path, *, create: bool = True, read_only: bool = False, wait: float | None = None,
            say: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the klimatspend database at `db_path`, creating and migrating it as needed.

    Opened for writing, the schema is migrated and the SQL model views are (re)built when the shipped
    SQL changed (pipeline/store/models.py). When another process holds the file, waits up to `wait` seconds
    (None: the setting, lock_wait_seconds()), telling `say` once (default: a line on stderr). Raises
    DatabaseError with a message that says what to do when the file is missing (and create is False),
    still held by another process, not a DuckDB file, not a klimatspend database, or written by a newer version.
    """
    path = Path(db_path)
    if str(path) != ":memory:":
        if path.is_dir():
            raise DatabaseError(f"{path}: is a directory, not a database file; pass a file path with --db")
        if not path.exists() and not create:
            raise DatabaseError(f"{path}: no database here; run `klimatspend init --db {path}` first")
        if path.parent and not path.parent.exists():
            raise DatabaseError(f"{path}: the folder {path.parent} does not exist; create it or choose another --db path")
    con = _open(path, read_only=read_only, wait=wait, say=say)
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


LOCK_RETRY_S = 0.25
_HOLDER = re.compile(r"\(PID (\d+)\)")


def _stderr(text: str) -> None:
    print(f"klimatspend: {text}", file=sys.stderr, flush=True)


def _open(path: Path, *, read_only: bool, wait: float | None, say: Callable[[str], None] | None):
    """duckdb.connect, waiting while another process holds the file; DatabaseError with one line otherwise."""
    wait = lock_wait_seconds() if wait is None else wait
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            _apply_settings(con)
            return con
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise DatabaseError(f"{path}: not a DuckDB database file ({_first_line(text)}); choose another --db "
                                    "path") from None
            holder = lock_holder(path, text)
            if time.monotonic() >= deadline:
                raise DatabaseError(f"{path}: in use by {holder}" + (f" (waited {wait:.0f} s)" if wait else "")
                                    + f"; {_advice(path, holder)}") from None
            if not told:
                (say or _stderr)(f"{path} is in use by {holder}; waiting up to {wait:.0f} s "
                                 f"(setting {'KLIMATSPEND_LOCK_WAIT'}) …")
                told = True
            time.sleep(LOCK_RETRY_S)
        except duckdb.Error as exc:
            raise DatabaseError(f"{path}: cannot open the database ({_first_line(str(exc))})") from None


def _apply_settings(con: duckdb.DuckDBPyConnection) -> None:
    """Set the memory limit and threads of the database instance (pipeline.config.duckdb_settings)."""
    for name, value in duckdb_settings().items():
        try:
            text = str(value).replace("'", "")
            con.execute(f"set {name} = '{text}'" if isinstance(value, str) else f"set {name} = {int(value)}")
        except duckdb.Error as exc:
            con.close()
            raise DatabaseError(f"setting {name} = {value!r} is not valid ({_first_line(str(exc))}); check "
                                "KLIMATSPEND_MEMORY_LIMIT / KLIMATSPEND_THREADS") from None


def lock_holder(path: str | Path, message: str = "") -> str:
    """Describe the process holding the database, from DuckDB's lock message: "the web server (PID 123,
    http://127.0.0.1:8000/)", "another klimatspend process (PID 123: klimatspend ingest)" or the like."""
    m = _HOLDER.search(message)
    pid = int(m.group(1)) if m else None
    server = server_info(path)
    if server and (pid is None or server.get("pid") == pid):
        return f"the web server (PID {server['pid']}, {server.get('url', '')})".replace(", )", ")")
    if pid is None:
        return "another klimatspend process (web server or command)"
    command = _command_of(pid)
    return f"another process (PID {pid}" + (f": {command})" if command else ")")


def _command_of(pid: int) -> str | None:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    words = [" ".join(a.decode("utf-8", "replace").split())[:60] for a in argv if a]
    for i, word in enumerate(words):
        if word.endswith("klimatspend"):
            return " ".join(["klimatspend", *(Path(w).name for w in words[i + 1:i + 3])])
    return Path(words[0]).name if words else None


def _advice(path: Path, holder: str) -> str:
    if holder.startswith("the web server"):
        return ("load and change data through the web app, or stop the server first; `klimatspend show`, `report` "
                "and `batches list` read its copy while it runs")
    return "try again when it has finished, or stop it"


# -- the web server's read-only copy ---------------------------------------------------------------------

def server_info_path(db_path: str | Path) -> Path:
    """Return where a running `klimatspend serve` notes its process and address (next to the database)."""
    p = Path(db_path)
    return p.with_name(p.name + ".serve.json")


def snapshot_path(db_path: str | Path) -> Path:
    """Return where a running `klimatspend serve` keeps its read-only copy of the database."""
    p = Path(db_path)
    return p.with_name(p.name + ".snapshot.duckdb")


def write_server_info(db_path: str | Path, url: str) -> Path:
    """Note this process as the web server of `db_path` (its PID and address); return the file."""
    path = server_info_path(db_path)
    path.write_text(json.dumps({"pid": os.getpid(), "url": url, "started_at": datetime.now().isoformat(
        timespec="seconds")}), encoding="utf-8")
    return path


def remove_server_info(db_path: str | Path) -> None:
    """Remove the server note and the read-only copy (the server is stopping)."""
    server_info_path(db_path).unlink(missing_ok=True)
    snapshot_path(db_path).unlink(missing_ok=True)


def server_info(db_path: str | Path) -> dict | None:
    """Return the note of the web server running on `db_path` ({pid, url, started_at}), or None."""
    try:
        info = json.loads(server_info_path(db_path).read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)
    except PermissionError:
        return info                      # alive, another user's process
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info


def write_snapshot(con: duckdb.DuckDBPyConnection, db_path: str | Path) -> Path:
    """Write a consistent read-only copy of the database to snapshot_path(db_path) (replaced atomically).

    One transaction of `con` copies every table, view and macro (COPY FROM DATABASE); readers that have the
    previous copy open keep reading it. Costs about a second per 200,000 ledger lines.
    """
    target = snapshot_path(db_path)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    source = con.execute("select current_database()").fetchone()[0]
    alias = "ks_snapshot_copy"
    con.execute(f"attach '{str(tmp).replace(chr(39), chr(39) * 2)}' as {alias}")
    try:
        con.execute(f'copy from database "{source}" to {alias}')
    finally:
        con.execute(f"detach {alias}")
    try:
        os.chmod(tmp, Path(db_path).stat().st_mode & 0o777)
    except OSError:
        pass
    os.replace(tmp, target)
    return target


def open_for_reading(db_path: str | Path, *, wait: float | None = None,
                     say: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database for a command that only reads (show, report, batches list).

    While the web server holds the file, its read-only copy is opened instead and `say` (default: stderr) tells
    of when it is; otherwise the database itself (for writing when its views must be rebuilt, else read-only,
    so that several readers can run at once), waiting for another command like connect() does.
    """
    path = Path(db_path)
    if not path.exists():
        return connect(path, create=False)
    server = server_info(path)
    copy = snapshot_path(path)
    if server and copy.is_file():
        try:
            con = duckdb.connect(str(copy), read_only=True)
        except duckdb.Error:
            con = None
        if con is not None:
            when = datetime.fromtimestamp(copy.stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S")
            (say or _stderr)(f"the web server (PID {server['pid']}, {server.get('url', '')}) holds {path}; this is "
                             f"its read-only copy of {when}, refreshed after each change in the web app")
            return con
    try:
        con = connect(path, create=False, read_only=True, wait=wait, say=say)
    except DatabaseError as exc:
        if "open it once for writing" not in str(exc):
            raise
        return connect(path, create=False, wait=wait, say=say)
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
