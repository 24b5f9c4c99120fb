"""Tests for `klimatspend report`: files written, --json listing, --lang, --format, errors that say what to do."""

from __future__ import annotations

import json

import pytest

from tests.helpers import report_seed as seed
from pipeline.cli import main


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path, runs = seed.shared_database(tmp_path_factory)
    return path, runs


def test_report_all_formats_json(db, tmp_path, capsys):
    path, runs = db
    out = tmp_path / "reports"
    code = main(["report", "--year", "2024", "--format", "all", "--out", str(out), "--db", str(path), "--json"])
    captured = capsys.readouterr()
    assert code == 0
    listing = json.loads(captured.out)
    assert listing["year"] == 2024 and listing["run_id"] == runs[2024] and listing["lang"] == "sv"
    assert [f["format"] for f in listing["files"]] == ["xlsx", "html"]
    for f in listing["files"]:
        assert (out / f"klimatrapport_2024_sv.{f['format']}").stat().st_size == f["bytes"]
    assert "writing klimatrapport_2024_sv.html" in captured.err  # progress on stderr, stdout stays JSON


def test_report_html_only_in_english_for_a_run(db, tmp_path, capsys):
    path, runs = db
    code = main(["report", "--run", str(runs[2023]), "--format", "html", "--lang", "en", "--out", str(tmp_path),
                 "--db", str(path)])
    assert code == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "klimatrapport_2023_en.html")
    assert '<html lang="en">' in (tmp_path / "klimatrapport_2023_en.html").read_text(encoding="utf-8")
    assert not (tmp_path / "klimatrapport_2023_en.xlsx").exists()


@pytest.mark.parametrize("argv, code, message", [
    (["--year", "2022"], 2, "klimatspend: no run for 2022; compute one with `klimatspend run --year 2022`"),
    ([], 2, "klimatspend: report: give --year YYYY (or --run RUN_ID) (see `klimatspend report --help`)"),
    (["--year", "2024", "--lang", "de"], 2, "invalid choice: 'de'"),
])
def test_report_errors(db, tmp_path, capsys, argv, code, message):
    path, _ = db
    assert main(["report", *argv, "--out", str(tmp_path), "--db", str(path)]) == code
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_report_out_is_a_file(db, tmp_path, capsys):
    path, _ = db
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["report", "--year", "2024", "--out", str(target), "--db", str(path)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_report_without_database(tmp_path, capsys):
    assert main(["report", "--year", "2024", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "no database here; run `klimatspend init" in capsys.readouterr().err
