"""Two processes and one database: a writer waits for the lock (saying so once) and gives up with one line; while
`klimatspend serve` runs, commands that only read open the server's read-only copy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline import store
from pipeline.cli import main
from pipeline.errors import DatabaseError
from tests.helpers import web as support
from tests.helpers.browser import free_port
from tests.helpers.paths import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def _hold(db: Path, seconds: float) -> subprocess.Popen:
    """Open `db` for writing in another process for `seconds`; return once it holds the lock."""
    script = textwrap.dedent(f"""
        import sys, time
        from pipeline import store
        con = store.connect({str(db)!r})
        print("holding", flush=True)
        time.sleep({seconds})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_writer_waits_says_so_once_and_gives_up_with_one_line(tmp_path):
    db = tmp_path / "k.duckdb"
    store.connect(db).close()
    holder = _hold(db, 30)
    said = []
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseError) as exc:
            store.connect(db, wait=1.0, say=said.append)
        assert time.monotonic() - started >= 1.0
    finally:
        holder.kill()
        holder.wait()
    assert len(said) == 1 and said[0].startswith(f"{db} is in use by another process (PID {holder.pid}")
    assert "waiting up to 1 s (setting KLIMATSPEND_LOCK_WAIT)" in said[0]
    message = str(exc.value)
    assert message.startswith(f"{db}: in use by another process (PID {holder.pid}: python") and "\n" not in message
    assert message.endswith("(waited 1 s); try again when it has finished, or stop it")


def test_a_writer_gets_the_database_when_the_other_one_finishes(tmp_path):
    db = tmp_path / "k.duckdb"
    store.connect(db).close()
    holder = _hold(db, 1.5)
    said = []
    con = store.connect(db, wait=30, say=said.append)
    con.close()
    holder.wait()
    assert len(said) == 1


def test_a_second_ingest_waits_for_the_first(tmp_path, capsys, monkeypatch):
    """The issue: a second ingest failed at once with "database is in use"; now it waits and loads."""
    db = tmp_path / "k.duckdb"
    assert main(["ingest", str(FIXTURES / "ledger_small_sv.csv"), "--year", "2024", "--db", str(db)]) == 0
    holder = _hold(db, 2)
    monkeypatch.setenv("KLIMATSPEND_LOCK_WAIT", "60")
    capsys.readouterr()
    path = tmp_path / "second.csv"
    path.write_text("Datum;Konto;Belopp;Förvaltning\n2024-05-02;4610;10,00;KLF\n", encoding="utf-8")
    assert main(["ingest", str(path), "--year", "2024", "--db", str(db)]) == 0
    holder.wait()
    out = capsys.readouterr()
    assert "is in use by another process" in out.err and "batch 2 loaded 1 of 1 rows" in out.out


def test_readers_open_the_web_servers_copy(tmp_path, capsys):
    """`klimatspend serve` holds the database and keeps a copy: show, report and batches list read it and say of
    when; a writer waits and then names the server in one line."""
    db = tmp_path / "k.duckdb"
    assert main(["ingest", str(FIXTURES / "ledger_small_sv.csv"), "--year", "2024", "--db", str(db)]) == 0
    support.use_fast_hashing()
    from pipeline.access import auth

    con = store.connect(db)
    auth.add_user(con, "adam", support.PASSWORD, "admin")
    con.close()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    klimatspend = str(Path(sys.executable).with_name("klimatspend"))
    server = subprocess.Popen([klimatspend, "serve", "--db", str(db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        for _ in range(200):
            if store.snapshot_path(db).is_file() and store.server_info(db):
                break
            time.sleep(0.1)
        assert store.server_info(db)["url"] == f"http://127.0.0.1:{port}/"
        capsys.readouterr()
        assert main(["batches", "list", "--db", str(db), "--json"]) == 0
        out = capsys.readouterr()
        assert '"source_file_name": "ledger_small_sv.csv"' in out.out
        assert out.err.startswith(f"klimatspend: the web server (PID {server.pid}, http://127.0.0.1:{port}/) holds "
                                  f"{db}; this is its read-only copy of ")
        os.environ["KLIMATSPEND_LOCK_WAIT"] = "1"
        try:
            assert main(["ingest", str(FIXTURES / "ledger_small_sv.csv"), "--year", "2025", "--db", str(db)]) == 1
        finally:
            del os.environ["KLIMATSPEND_LOCK_WAIT"]
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1] == (f"klimatspend: {db}: in use by the web server (PID {server.pid}, http://127.0.0.1:{port}/) "
                           "(waited 1 s); load and change data through the web app, or stop the server first; "
                           "`klimatspend show`, `report` and `batches list` read its copy while it runs")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(20)
    assert not store.server_info_path(db).exists() and not store.snapshot_path(db).exists()
