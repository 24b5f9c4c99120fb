"""Tests for pipeline.store: creation, migrations, foreign and newer files."""

from __future__ import annotations

import duckdb
import pytest

from pipeline import store
from pipeline.errors import DatabaseError, ForeignDatabaseError, SchemaTooNewError


def test_new_database_gets_every_migration(tmp_path):
    con = store.connect(tmp_path / "a.duckdb")
    applied = [n for n, _ in store.applied_migrations(con)]
    assert applied == [m.migration_id for m in store.available_migrations()]
    tables = {r[0] for r in con.execute("show tables").fetchall()}
    assert {"ledger_batch", "ledger_line", "rejected_line", "factor", "factor_set", "account_map",
            "line_emission", "run", "price_index", "exchange_rate"} <= tables
    con.close()


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "a.duckdb"
    store.connect(path).close()
    con = store.connect(path)
    assert store.migrate(con, path) == []
    con.close()


def test_older_database_is_migrated(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    first = store.available_migrations()[:1]
    monkeypatch.setattr(store, "available_migrations", lambda: first)
    monkeypatch.setattr(store, "build_views", lambda con: None)   # that old version had other SQL models
    store.connect(path).close()
    monkeypatch.undo()
    con = store.connect(path)
    assert [n for n, _ in store.applied_migrations(con)] == [m.migration_id for m in store.available_migrations()]
    con.close()


def test_newer_database_is_refused_with_advice(tmp_path):
    path = tmp_path / "new.duckdb"
    con = store.connect(path)
    con.execute("insert into schema_migration (migration_id, name) values (9999, 'from_the_future')")
    con.close()
    with pytest.raises(SchemaTooNewError, match="newer klimatspend .*9999.*upgrade"):
        store.connect(path)


def test_foreign_duckdb_file_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    other = duckdb.connect(str(path))
    other.execute("create table customers (id integer)")
    other.close()
    with pytest.raises(ForeignDatabaseError, match="not a klimatspend database"):
        store.connect(path)


def test_non_duckdb_file_is_refused(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("hello, this is not a database\n" * 100)
    with pytest.raises(DatabaseError, match="not a DuckDB database file"):
        store.connect(path)


def test_missing_file_without_create(tmp_path):
    with pytest.raises(DatabaseError, match="klimatspend init"):
        store.connect(tmp_path / "missing.duckdb", create=False)
