"""Tests for the command line: --help on every verb, exit codes and one-line errors."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import VERB_MODULES, main


def available_verbs() -> list[str]:
    return list(VERB_MODULES) + ["validate"]


def test_every_verb_module_is_registered():
    """A verb module that is not listed in VERB_MODULES would never be reachable from the command line."""
    import pipeline.cli

    modules = {p.stem for p in Path(pipeline.cli.__file__).parent.glob("*.py") if not p.stem.startswith("_")}
    assert modules == set(VERB_MODULES)
    for name in VERB_MODULES:
        assert callable(importlib.import_module(f"pipeline.cli.{name}").register), name


def test_top_level_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for verb in available_verbs():
        assert verb in out


@pytest.mark.parametrize("verb", available_verbs())
def test_every_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit) as exc:
        main([verb, "--help"])
    assert exc.value.code == 0
    assert "usage: klimatspend " + verb in capsys.readouterr().out


def test_unknown_option_is_a_usage_error(capsys):
    assert main(["ingest", "x.csv", "--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("klimatspend: ") and "unrecognized arguments" in err
    assert len(err.strip().splitlines()) == 1
    assert not err.startswith("klimatspend: klimatspend"), err      # the program is named once


def test_a_bad_value_names_the_verb_once(capsys):
    assert main(["show", "--year", "x"]) == 2
    assert capsys.readouterr().err.strip() == ("klimatspend: show: argument --year: invalid int value: 'x' "
                                               "(see `klimatspend show --help`)")


def test_missing_file_exits_1_with_one_line(tmp_path, capsys):
    code = main(["ingest", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "k.duckdb")])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err == "klimatspend: nope.csv: no such file"


def test_run_without_year_is_a_usage_error(tmp_path, capsys):
    assert main(["run", "--db", str(tmp_path / "k.duckdb")]) == 2
    assert "--year" in capsys.readouterr().err


def test_foreign_database_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a database" * 100)
    assert main(["batches", "--db", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "not a DuckDB database file" in err and "Traceback" not in err


def test_console_script_runs_without_traceback(tmp_path):
    """The installed entry point (python -m pipeline) gives a one-line error and exit code 1."""
    proc = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(tmp_path / "nope.csv"),
                           "--db", str(tmp_path / "k.duckdb")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == ["klimatspend: nope.csv: no such file"]


def test_ingest_json_reports_reconciled_counts(tmp_path, capsys, fixtures):
    db = tmp_path / "k.duckdb"
    code = main(["ingest", str(fixtures / "ledger_small_sv.csv"), "--year", "2024", "--db", str(db), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("batch_id", "status", "rows_read", "rows_loaded", "rows_rejected", "sum_read", "sum_loaded",
                "sum_rejected", "currency"):
        assert key in data
    assert data["rows_read"] == data["rows_loaded"] + data["rows_rejected"]
    assert data["sum_read"] == pytest.approx(data["sum_loaded"] + data["sum_rejected"])


def test_a_bug_in_a_verb_is_one_line_not_a_traceback(capsys, monkeypatch):
    """An unexpected exception (a bug) ends with one line naming it and how to report it, exit code 1."""
    import pipeline.cli as cli

    def broken(args):
        raise AttributeError("'Namespace' object has no attribute 'only'")

    original = cli.build_parser

    def with_a_broken_verb():
        parser = original()
        parser._subparsers._group_actions[0].choices["init"].set_defaults(func=broken)
        return parser

    monkeypatch.setattr(cli, "build_parser", with_a_broken_verb)
    monkeypatch.delenv("KLIMATSPEND_DEBUG", raising=False)
    assert main(["init"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("klimatspend: internal error (AttributeError: 'Namespace' object has no attribute 'only')")
    assert "please report it" in err[0]
