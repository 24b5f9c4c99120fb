"""Tests for `klimatspend init` and `klimatspend demo` as a user runs them."""

from __future__ import annotations

import json

import pytest

from pipeline import store
from pipeline.cli import main


def test_init_creates_database_with_reference_data(tmp_path, capsys):
    db = tmp_path / "k.duckdb"
    assert main(["init", "--db", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["created"] is True and data["schema_version"] >= 1
    con = store.connect(db)
    assert con.execute("select count(*) from factor where factor_set_id = 'useeio'").fetchone()[0] > 1000
    con.close()
    assert main(["init", "--db", str(db)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_init_honours_environment_variable(tmp_path, monkeypatch, capsys):
    db = tmp_path / "from_env.duckdb"
    monkeypatch.setenv("KLIMATSPEND_DB", str(db))
    assert main(["init"]) == 0
    assert db.exists()


@pytest.fixture
def demo_run(demo_once):
    """The session's one demo run (small ledgers) in an empty directory: the directory and what it printed."""
    return demo_once


def test_demo_from_empty_directory_prints_department_table(demo_run):
    demo_dir, out = demo_run
    assert "Emissions 2025" in out
    assert "Barn- och utbildningsförvaltningen" in out and "Total" in out
    assert (demo_dir / "klimatspend.duckdb").exists()
    assert (demo_dir / "klimatspend_demo" / "emissions_by_department_2025.csv").exists()


def test_demo_is_safe_to_run_twice_and_its_json_has_the_department_table(demo_run, capsys, monkeypatch):
    """A second `demo --json` in the same directory loads no file again and computes no new run; what it prints is
    the 2025 department table, whose emissions and shares add up to the total."""
    demo_dir, _ = demo_run
    monkeypatch.chdir(demo_dir)
    con = store.connect(demo_dir / "klimatspend.duckdb")
    before = con.execute("select count(*), sum(rows_loaded) from ledger_batch where status = 'loaded'").fetchone()
    runs_before = con.execute("select count(*) from run").fetchone()[0]
    con.close()
    capsys.readouterr()
    assert main(["demo", "--lines-per-year", "2000", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["files_newly_loaded"] == 0
    con = store.connect(demo_dir / "klimatspend.duckdb")
    after = con.execute("select count(*), sum(rows_loaded) from ledger_batch where status = 'loaded'").fetchone()
    assert after == before
    assert con.execute("select count(*) from run").fetchone()[0] == runs_before
    con.close()
    assert data["year"] == 2025
    names = {d["name"] for d in data["by_department"]}
    assert "Vård- och omsorgsförvaltningen" in names
    total = sum(d["emissions_kg_co2e"] for d in data["by_department"])
    assert total == pytest.approx(data["total_emissions_kg_co2e"])
    assert data["rows_quarantined"] == 6  # the deliberate bad rows of the 2025 file (two more load with a warning)
    shares = sum(d["share_of_total"] for d in data["by_department"])
    assert shares == pytest.approx(1.0)


def test_demo_runs_with_the_swedish_default_and_shows_the_sensitivity(demo_run):
    """The demo's organisations are Swedish: EXIOBASE's Swedish region prices them, the run says which convention it
    used, the report shows what US EPA factors give for the same purchases, and electricity without kWh is in the
    headline as a flagged estimate."""
    demo_dir, out = demo_run
    assert "factors exiobase@3.4.0 (SE)" in out and "convention inflation first in the ledger currency" in out
    assert "sensitivity: with useeio@1.3.0 factors the same purchases give" in out
    assert "estimate: Älvbybostäder AB electricity" in out and "load kWh to replace it" in out
    con = store.connect(demo_dir / "klimatspend.duckdb")
    run = con.execute("select run_id, factor_set_id, settings from run where year = 2025").fetchone()
    assert run[1] == "exiobase" and json.loads(run[2])["factor_region"] == "SE"
    assert con.execute("select count(*) from run_sensitivity where run_id = ? and factor_set_id = 'useeio'",
                       [run[0]]).fetchone()[0] > 0
    con.close()
    html = (demo_dir / "klimatspend_demo" / "reports" / "klimatrapport_2025_sv.html").read_text(encoding="utf-8")
    assert 'data-key="sensitivity_t" data-factor-set="useeio"' in html
    assert "Med US EPA:s faktorer ger samma inköp" in html
    assert 'data-key="energy_estimate" data-kind="electricity"' in html
    assert 'data-key="convention" data-value="ledger_currency_first"' in html
