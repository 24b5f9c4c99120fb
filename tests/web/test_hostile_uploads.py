"""Hostile uploads cannot take the web server down: the workbooks of issue 18 through the web, the child process
that reads an upload (memory and time limits), and the clean-up after a server that stopped mid-check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from pipeline.config import ReadLimits
from pipeline.web import routing, upload_check, uploads
from tests.helpers import web as support


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostiletpl") / "template.duckdb"
    return path, support.build_template(path)


@pytest.fixture
def app_factory(template, tmp_path):
    yield from support.client_factory(template[0], tmp_path)


def _upload(client, data: bytes, name: str):
    return support.post(client, "/upload", {"organisation_id": support.ORG, "year": "2024"}, page="/upload",
                        files={"file": (name, data, "application/octet-stream")})


@pytest.mark.parametrize("name,words", [
    ("dimension_bomb", 'declares its size as A1:XFD1048576'),
    ("expansion_bomb", "the workbook unpacks to 1,024.0 MB of XML"),
    ("many_rows", "times its packed size (limit 200"),
])
def test_hostile_workbooks_through_the_web_and_the_server_answers_afterwards(app_factory, hostile_workbooks, name,
                                                                            words):
    client, state = app_factory(read_in_child=True)
    assert support.login(client, "ulla").status_code == 303
    r = _upload(client, hostile_workbooks[name].read_bytes(), f"{name}.xlsx")
    assert r.status_code == 303
    assert state.jobs.wait_idle(120)
    page = client.get(r.headers["location"]).text
    assert "Filen kan inte läsas in" in page and words in page
    assert client.get("/upload").status_code == 200 and client.get("/batches").status_code == 200
    row = state.db.cursor().execute("select status from web_upload").fetchone()
    assert row == ("invalid",)


def test_a_reader_that_runs_out_of_memory_dies_alone(tmp_path, hostile_workbooks):
    """With the size checks opened wide, 3 million rows need more than 700 MB of address space: the child
    process dies and the check says so in one line; this process is untouched."""
    path = tmp_path / ("a" * 32 + ".upload")
    shutil.copy(hostile_workbooks["many_rows"], path)
    task = {"path": str(path), "options": {"organisation_id": "kommun", "year": 2024, "display_name": "rows.xlsx"},
            "findings_path": str(tmp_path / "f.csv"), "keys_path": str(tmp_path / "k.parquet")}
    wide_open = ReadLimits(max_rows=10**8, max_cells=10**10, max_xml_mb=10**5, max_ratio=10**5, read_memory_mb=700)
    with pytest.raises(upload_check.ReadLimitError) as exc:
        upload_check.run_check(task, tmp_path / "r.json", wide_open, "rows.xlsx")
    assert str(exc.value).startswith("rows.xlsx: the file could not be read (")
    assert "the server reads an upload with at most 700 MB of memory" in str(exc.value)
    assert exc.value.code == "read-limit" and "\n" not in str(exc.value)


def test_a_reader_that_takes_too_long_is_stopped(tmp_path):
    path = tmp_path / ("b" * 32 + ".upload")
    shutil.copy(support.LEDGER, path)
    task = {"path": str(path), "options": {"organisation_id": "kommun", "year": 2024, "display_name": "l.csv"},
            "findings_path": str(tmp_path / "f.csv"), "keys_path": str(tmp_path / "k.parquet")}
    with pytest.raises(upload_check.ReadLimitError, match=r"l.csv: reading the file took longer than 1 s and was "
                                                          r"stopped; the server reads an upload with at most"):
        upload_check.run_check(task, tmp_path / "r.json", ReadLimits(read_seconds=1), "l.csv")


def test_the_reason_of_a_dead_child_is_one_line():
    assert upload_check._reason(-6, "memory allocation of 549755813888 bytes failed\nstack backtrace:") == (
        "it needs more memory than allowed")
    assert upload_check._reason(-9, "") == "the reading process was stopped by signal 9"
    assert upload_check._reason(3, "Traceback (most recent call last):\n  File x\nValueError: odd") == (
        "the reading process ended with code 3: ValueError: odd")


def test_uploads_left_unfinished_by_a_stopped_server_fail_with_a_reason(app_factory, tmp_path):
    """After a crash the next start marks the uploads it left as failed (with the reason), removes their files and
    removes the private upload folder of the dead server."""
    client, state = app_factory(read_in_child=True)
    con = state.db.cursor()
    for upload_id, status in (("c" * 32, "validating"), ("d" * 32, "loading"), ("e" * 32, "validated"),
                              ("f" * 32, "validated")):
        con.execute("""insert into web_upload (upload_id, original_name, size_bytes, sha256, detected_type, uploaded_by,
                       organisation_id, options, status) values (?, ?, 1, 'x', 'text', 'ulla', 'kommun', '{}', ?)""",
                    [upload_id, f"{status}.csv", status])
    kept = uploads.upload_path(state.upload_dir, "f" * 32)
    kept.write_bytes(b"Datum;Konto;Belopp\n")
    leftover = uploads.upload_path(state.upload_dir, "c" * 32)
    leftover.write_bytes(b"half checked")
    uploads.findings_path(state.upload_dir, "c" * 32).write_bytes(b"x")
    # the private folder of a server that died: its process no longer exists
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = tmp_path / "tmp" / (routing.UPLOAD_DIR_PREFIX + "dead")
    stale.mkdir(parents=True)
    (stale / routing.SERVER_PID_FILE).write_text(dead)
    (stale / ("a" * 32 + ".upload")).write_bytes(b"a ledger")
    alive = tmp_path / "tmp" / (routing.UPLOAD_DIR_PREFIX + "alive")
    alive.mkdir()
    (alive / routing.SERVER_PID_FILE).write_text(str(os.getpid()))

    assert routing.remove_stale_upload_dirs(tmp_path / "tmp") == [stale]
    assert alive.is_dir()
    failed = uploads.recover_interrupted(con, state.upload_dir)
    assert sorted(failed) == ["c" * 32, "d" * 32, "e" * 32]
    rows = dict(con.execute("select upload_id, status from web_upload").fetchall())
    assert rows == {"c" * 32: "failed", "d" * 32: "failed", "e" * 32: "failed", "f" * 32: "validated"}
    message = json.loads(con.execute("select validation from web_upload where upload_id = ?",
                                      ["c" * 32]).fetchone()[0])["message"]
    assert message == ("validating.csv: the server stopped while the file was being checked; nothing was loaded: "
                       "upload the file again")
    assert not leftover.exists() and kept.exists()
    assert support.login(client, "ulla").status_code == 303
    assert message in client.get(f"/uploads/{'c' * 32}").text


def test_a_new_server_recovers_at_start(template, tmp_path):
    """The same through create_app: the state left in the database by a server that was killed."""
    from starlette.testclient import TestClient

    from pipeline import store
    from pipeline.web import WebConfig, create_app

    db = support.copy_db(template[0], tmp_path / "crashed.duckdb")
    con = store.connect(db)
    con.execute("""insert into web_upload (upload_id, original_name, size_bytes, sha256, detected_type, uploaded_by,
                   organisation_id, options, status) values (?, 'bomb.xlsx', 1, 'x', 'xlsx', 'ulla', 'kommun', '{}',
                   'validating')""", ["9" * 32])
    con.close()
    support.use_fast_hashing()
    app = create_app(WebConfig(db_path=db, upload_dir=tmp_path / "up"))
    with TestClient(app) as client:
        assert app.state.web.recovered == ["9" * 32]
        assert support.login(client, "ulla").status_code == 303
        assert "bomb.xlsx: the server stopped while the file was being checked" in client.get(
            f"/uploads/{'9' * 32}").text


def test_a_child_started_ahead_takes_the_next_check(tmp_path):
    """serve keeps one reading process started ahead (its imports take seconds); after a check the next starts."""
    path = tmp_path / ("e" * 32 + ".upload")
    shutil.copy(support.LEDGER, path)
    task = {"path": str(path), "options": {"organisation_id": "kommun", "year": 2024, "display_name": "l.csv"},
            "findings_path": str(tmp_path / "f.csv"), "keys_path": str(tmp_path / "k.parquet")}
    limits = ReadLimits()
    try:
        upload_check.prestart(limits)
        first = upload_check._warm[0]
        outcome = upload_check.run_check(task, tmp_path / "r.json", limits, "l.csv", warm=True)
        assert outcome.result["status"] == "validated" and outcome.result["counts"]["rows_loaded"] == 10
        assert first.poll() == 0                                   # it did the check and ended
        assert upload_check._warm is not None and upload_check._warm[0].poll() is None   # the next one waits
        other = ReadLimits(read_memory_mb=3000)
        upload_check.prestart(other)                               # other limits: a new child
        assert upload_check._warm[1] == other
    finally:
        upload_check.shutdown()
    assert upload_check._warm is None
