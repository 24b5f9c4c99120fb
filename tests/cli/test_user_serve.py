"""`klimatspend user ...` and the checks `klimatspend serve` makes before starting."""

from __future__ import annotations

import io
import json
import sys

import pytest

from pipeline.access import audit, auth
from pipeline import store
from pipeline.cli import main

from tests.helpers import web as support
from tests.helpers.browser import free_port  # noqa: E402


@pytest.fixture(autouse=True)
def fast_hashing():
    support.use_fast_hashing()


def run(argv, stdin_text=None, monkeypatch=None):
    if stdin_text is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    return main(argv)


def test_user_add_from_stdin_list_set_role_disable(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "k.duckdb")
    assert run(["user", "add", "Adam", "--role", "admin", "--password-stdin", "--display-name", "Adam A",
                "--db", db], "correct horse battery\n", monkeypatch) == 0
    assert "user adam added as admin" in capsys.readouterr().out
    assert run(["user", "add", "rita", "--role", "reviewer", "--password-stdin", "--db", db],
               "another long password\n", monkeypatch) == 0
    assert run(["user", "set-role", "rita", "uploader", "--db", db]) == 0
    assert run(["user", "disable", "rita", "--db", db]) == 0
    capsys.readouterr()
    assert run(["user", "list", "--json", "--db", db]) == 0
    users = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert users["adam"]["role"] == "admin" and users["adam"]["display_name"] == "Adam A"
    assert users["rita"]["role"] == "uploader" and users["rita"]["is_active"] is False
    con = store.connect(db)
    try:
        assert auth.login(con, "adam", "correct horse battery").user is not None
        actions = [(e["action"], e["source"], e["actor"].startswith("cli:")) for e in audit.entries(con)]
        assert actions[:4] == [("user.disable", "cli", True), ("user.role", "cli", True), ("user.add", "cli", True),
                               ("user.add", "cli", True)]
    finally:
        con.close()


def test_user_errors_are_one_line_with_exit_code(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "k.duckdb")
    assert run(["user", "add", "adam", "--role", "admin", "--password-stdin", "--db", db], "short\n",
               monkeypatch) == 1
    err = capsys.readouterr().err
    assert err.startswith("klimatspend: the password is too short") and "Traceback" not in err
    assert run(["user", "add", "adam", "--role", "admin", "--password-stdin", "--db", db], "\n", monkeypatch) == 2
    assert "standard input was empty" in capsys.readouterr().err
    assert run(["user", "set-role", "nobody", "admin", "--db", db]) == 1
    assert "no user called 'nobody'" in capsys.readouterr().err
    assert run(["user", "add", "x1", "--role", "boss", "--db", db]) == 2


def test_user_add_without_terminal_or_stdin_option_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["user", "add", "adam", "--role", "admin", "--db", str(tmp_path / "k.duckdb")]) == 2
    assert "use --password-stdin" in capsys.readouterr().err


def test_serve_refuses_to_start_without_an_administrator(tmp_path, capsys):
    db = tmp_path / "k.duckdb"
    assert main(["serve", "--db", str(db), "--port", str(free_port())]) == 1   # any free port: none is fixed
    err = capsys.readouterr().err
    assert "no administrator can log in yet" in err and "klimatspend user add NAME --role admin" in err


def test_serve_rejects_a_bad_port(tmp_path, capsys):
    assert main(["serve", "--db", str(tmp_path / "k.duckdb"), "--port", "70000"]) == 2
    assert "--port 70000" in capsys.readouterr().err


def test_serve_says_when_the_port_is_taken(tmp_path, capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["serve", "--db", str(tmp_path / "k.duckdb"), "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "choose another --port" in err


def test_serve_trusts_proxy_headers_only_from_named_proxies(tmp_path, capsys):
    assert main(["serve", "--db", str(tmp_path / "k.duckdb"), "--port", str(free_port()),
                 "--trust-proxy", "localhost"]) == 2
    assert "--trust-proxy localhost: not an IP address or network" in capsys.readouterr().err


def test_user_with_organisations_and_unknown_ones(tmp_path, capsys, monkeypatch):
    import io

    db = str(tmp_path / "k.duckdb")
    assert main(["org", "add", "kommun", "--name", "Lillby kommun", "--db", db]) == 0
    assert main(["org", "add", "bolag", "--name", "Lillby Bostäder AB", "--kind", "company", "--parent", "kommun",
                 "--db", db]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["user", "add", "bo", "--role", "uploader", "--org", "bolag", "--password-stdin", "--db", db]) == 0
    assert "user bo added as uploader, sees bolag" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["user", "add", "eva", "--role", "reviewer", "--org", "bolg", "--password-stdin", "--db", db]) == 1
    assert ("--org bolg: no such organisation (known: bolag, kommun); add it first with "
            "`klimatspend org add bolg --name NAME`") in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["user", "add", "ada", "--role", "admin", "--org", "bolag", "--password-stdin", "--db", db]) == 1
    assert "an administrator sees every organisation" in capsys.readouterr().err
    assert main(["user", "orgs", "bo", "--org", "kommun", "--org", "bolag", "--db", db]) == 0
    assert main(["user", "list", "--db", db, "--json"]) == 0
    users = {u["username"]: u for u in __import__("json").loads(capsys.readouterr().out.split("\n", 1)[1])}
    assert users["bo"]["organisations"] == ["bolag", "kommun"]
