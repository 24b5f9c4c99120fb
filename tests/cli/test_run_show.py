"""Tests for the engine's command-line verbs: run, show, compare, org, suppliers, activity."""

from __future__ import annotations

import json

import pytest
from tests.helpers.engine_seed import add_batch, add_lines, add_org, seed_reference

from pipeline import store
from pipeline.cli import main


@pytest.fixture
def db(tmp_path):
    """A database with the test factor set and a small two-department ledger for 2024."""
    path = tmp_path / "k.duckdb"
    con = store.connect(path)
    seed_reference(con)
    add_org(con, "org", org_number="212000-0001")
    add_batch(con, 1)
    add_lines(con, 1, [
        dict(source_row=2, account="4610", amount=10000, department="Socialförvaltningen", committee="SN",
             cost_centre="31010", supplier_org_number="556000-0003"),
        dict(source_row=3, account="6461", amount=2500, department="Serviceförvaltningen", committee="SEN",
             period="2024-04"),
        dict(source_row=4, account="5010", amount=50000, department="Serviceförvaltningen"),
        dict(source_row=5, account="6221", amount=4000, department="Serviceförvaltningen"),
    ])
    con.close()
    return path


def run_json(capsys, *argv) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_run_json_has_the_documented_keys(db, capsys):
    """4610: 10,000 x 0.1 x 0.5 = 500 kg; 6461: 2,500 x 0.1 x 0.2 = 50 kg; 6221 unmapped (needs kWh)."""
    out = run_json(capsys, "run", "--year", "2024", "--factors", "test@1.0", "--mapping", "map@1.0",
                   "--db", str(db), "--json")
    for key in ("run_id", "year", "total_spend_sek", "excluded_spend_sek", "unmapped_spend_sek",
                "total_emissions_kg_co2e", "by_department"):
        assert key in out
    assert out["total_emissions_kg_co2e"] == pytest.approx(550.0)
    assert (out["total_spend_sek"], out["excluded_spend_sek"], out["unmapped_spend_sek"]) == (16500, 50000, 4000)
    names = {d["name"]: d for d in out["by_department"]}
    assert set(names) == {"Socialförvaltningen", "Serviceförvaltningen"}
    assert names["Socialförvaltningen"]["emissions_kg_co2e"] == pytest.approx(500.0)
    assert names["Serviceförvaltningen"]["spend_sek"] == 6500
    assert sum(c["share_of_spend"] for c in out["coverage"]) == pytest.approx(1.0)
    assert out["settings"]["mappings"] == {"org": "map@1.0"}


def test_publish_then_show_and_compare(db, capsys):
    first = run_json(capsys, "run", "--year", "2024", "--factors", "test@1.0", "--mapping", "map@1.0", "--publish",
                     "--db", str(db), "--json")
    assert first["is_published"] is True
    second = run_json(capsys, "run", "--year", "2024", "--factors", "test@1.0", "--mapping", "map@1.0",
                      "--without-margins", "--db", str(db), "--json")
    assert second["run_id"] != first["run_id"]
    shown = run_json(capsys, "show", "--year", "2024", "--by", "category", "--db", str(db), "--json")
    assert shown["run_id"] == first["run_id"]  # the published run is the year's current one
    assert {r["category_id"] for r in shown["rows"]} == {"care_education", "food"}
    compared = run_json(capsys, "compare", str(first["run_id"]), str(second["run_id"]), "--by", "category",
                        "--db", str(db), "--json")
    # Without margins: F1 0.4 -> 400 kg (-100, -20 %), F2 0.1 -> 25 kg (-25, -50 %).
    rows = {r["category_id"]: r for r in compared["rows"]}
    assert rows["care_education"]["difference_kg_co2e"] == pytest.approx(-100.0)
    assert rows["care_education"]["difference_pct"] == pytest.approx(-20.0)
    assert rows["food"]["difference_pct"] == pytest.approx(-50.0)
    assert compared["changed"]["settings.use_margins"] == [True, False]
    assert compared["totals"]["difference_kg_co2e"] == pytest.approx(-125.0)


def test_verify_lists_each_published_run_and_fails_on_a_changed_one(db, capsys):
    assert main(["run", "--verify", "--db", str(db), "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip() == "no published runs to verify"
    first = run_json(capsys, "run", "--year", "2024", "--factors", "test@1.0", "--mapping", "map@1.0", "--publish",
                     "--json", "--db", str(db))
    assert main(["run", "--verify", "--db", str(db), "--lang", "sv"]) == 0
    assert capsys.readouterr().out.strip() == \
        f"körning {first['run_id']} (2024, alla organisationer): oförändrad sedan publiceringen"
    con = store.connect(db)
    con.execute("update run_line set emissions_kg_co2e = emissions_kg_co2e * 2 where run_id = ?", [first["run_id"]])
    con.close()
    assert main(["run", "--verify", "--db", str(db), "--lang", "en"]) == 1
    assert "CHANGED since publication" in capsys.readouterr().out
    assert main(["run", "--verify", "--json", "--db", str(db)]) == 1
    assert [(r["run_id"], r["unchanged"]) for r in json.loads(capsys.readouterr().out)] == [(first["run_id"], False)]


def test_show_views_as_table_and_csv(db, capsys):
    assert main(["run", "--year", "2024", "--factors", "test@1.0", "--mapping", "map@1.0", "--db", str(db)]) == 0
    capsys.readouterr()
    for by in ("department", "unit", "organisation", "category", "scope", "method", "supplier", "account", "month",
               "activity", "coverage", "excluded", "unmapped"):
        assert main(["show", "--year", "2024", "--by", by, "--db", str(db)]) == 0, by
        out = capsys.readouterr().out
        assert out.startswith(f"2024, run 1, by {by}"), by
    assert main(["show", "--year", "2024", "--by", "unmapped", "--csv", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == ("organisation_id,account,reason,spend_sek,n_lines,account_name,largest_suppliers,"
                        "suggested_rule_id,suggested_category_id,suggested_industry_code,suggested_factor_set_id,"
                        "suggested_factor_code,suggested_exclusion_reason")
    assert lines[1] == "org,6221,needs-activity-data,4000.00,1,,,,,,,,"
    assert main(["show", "--year", "2024", "--by", "month", "--csv", "--db", str(db)]) == 0
    # March: 4610 10,000 (500 kg) + 6221 4,000 (unmapped, 0 kg); the personnel line is excluded. April: 6461.
    assert capsys.readouterr().out.strip().splitlines()[1:] == ["2024-03,14000.00,500.0,0.5",
                                                                "2024-04,2500.00,50.0,0.05"]


def test_show_without_a_run_says_what_to_do(db, capsys):
    assert main(["show", "--year", "2023", "--db", str(db)]) == 2
    assert "compute one with `klimatspend run --year 2023`" in capsys.readouterr().err


def test_org_suppliers_and_activity_verbs(db, tmp_path, capsys):
    """Set up the organisation, load a supplier register and kWh, and see both change the run.

    Supplier 556000-0003 has SNI 86101 -> crosswalk 86 -> F3 0.3: 10,000 x 0.1 x 0.3 = 300 kg (was 500).
    Electricity 6221: 20 MWh x 0.023 kg/kWh = 460 kg (was unmapped).
    """
    con = store.connect(db)
    con.execute("""insert into industry_crosswalk (crosswalk_id, version, industry_code, category_id, factor_set_id,
                                                   factor_code) values ('cw', '1.0', '86', 'care_education', 'test', 'F3')""")
    con.close()
    out = run_json(capsys, "org", "set", "org", "--name", "Älvby kommun", "--default-factor", "F9", "--db", str(db),
                   "--json")
    assert (out["name"], out["default_factor_code"]) == ("Älvby kommun", "F9")
    register = tmp_path / "leverantorsregister.csv"
    register.write_text("Organisationsnummer;Namn;SNI 2007;SNI-text\n5560000003;Vårdbolaget AB;86101;Sjukhusvård\n",
                        encoding="utf-8")
    assert run_json(capsys, "suppliers", "load", str(register), "--db", str(db), "--json")["rows_loaded"] == 1
    energy = tmp_path / "energi.csv"
    energy.write_text("år;konto;aktivitet;mängd;enhet\n2024;622;electricity_se;20;MWh\n", encoding="utf-8")
    loaded = run_json(capsys, "activity", "load", str(energy), "--org", "org", "--db", str(db), "--json")
    assert loaded["rows_loaded"] == 1
    out = run_json(capsys, "run", "--year", "2024", "--factors", "test@1.0", "--mapping", "map@1.0",
                   "--db", str(db), "--json")
    assert out["total_emissions_kg_co2e"] == pytest.approx(300 + 50 + 460)
    assert out["unmapped_spend_sek"] == 0
    assert out["emissions_scope2_kg_co2e"] == pytest.approx(460.0)
    assert out["settings"]["crosswalk"] == "cw@1.0"
    listed = run_json(capsys, "activity", "list", "--db", str(db), "--json")
    assert [(r["quantity"], r["unit"]) for r in listed] == [(20000.0, "kWh")]
    factors = run_json(capsys, "activity", "factors", "--code", "electricity_se", "--db", str(db), "--json")
    assert {r["year"] for r in factors["rows"]} == {2021, 2022, 2023, 2024, 2025}


def test_bad_register_lists_every_error(db, tmp_path, capsys):
    register = tmp_path / "reg.csv"
    register.write_text("Organisationsnummer;Namn;SNI 2007\n55600-0003;A;86101\n5560000004;B;8\n", encoding="utf-8")
    assert main(["suppliers", "load", str(register), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert 'reg.csv: row 2, column "Organisationsnummer": value "55600-0003" is not an organisation number' in err
    assert 'row 3, column "SNI 2007": value "8" is not an SNI 2007 code (2-5 digits)' in err
    assert err.strip().endswith("nothing was loaded")


def test_org_country_and_factor_set_choose_the_run_set(tmp_path, capsys):
    """`org set --country` chooses the default set (SE: exiobase); `--factors` must name a loaded set and
    `--country` a two-letter code; the list shows which set each organisation's runs use."""
    db = tmp_path / "k.duckdb"
    assert main(["init", "--db", str(db)]) == 0
    capsys.readouterr()
    out = run_json(capsys, "org", "set", "kommun", "--country", "se", "--db", str(db), "--json")
    assert out["country"] == "SE"
    capsys.readouterr()
    assert main(["org", "set", "kommun", "--factors", "nosuchset", "--db", str(db)]) == 2
    assert "--factors nosuchset: no such factor set in the database" in capsys.readouterr().err
    assert main(["org", "set", "kommun", "--country", "Sverige", "--db", str(db)]) == 2
    assert "--country Sverige: give an ISO 3166 two-letter code, e.g. SE or GB" in capsys.readouterr().err
    assert main(["org", "list", "--db", str(db)]) == 0
    assert "exiobase (country)" in capsys.readouterr().out
