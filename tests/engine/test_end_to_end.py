"""End to end as a new user: init (shipped reference data), ingest a Swedish ledger, register, kWh, run, show."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pipeline.cli import main

FILES = ("liten_kommun_2024.csv", "leverantorsregister.csv", "energi_2024.csv")


def cli_json(capsys, *argv) -> dict | list:
    code = main([*argv, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


@pytest.fixture
def computed(tmp_path, fixtures, capsys):
    """The fixture ledger computed with the shipped USEEIO set and Kommun-Bas 13 map; returns the run JSON."""
    db = str(tmp_path / "k.duckdb")
    cli_json(capsys, "init", "--db", db)
    # the US set by choice: the organisation's setting wins over the country its SEK ledger gives it (SE)
    cli_json(capsys, "org", "set", "kommun", "--name", "Lillby kommun", "--org-number", "212000-3997",
             "--factors", "useeio", "--db", db)
    ingested = cli_json(capsys, "ingest", str(fixtures / "engine" / FILES[0]), "--org", "kommun", "--year", "2024",
                        "--db", db)
    assert ingested[0]["rows_loaded"] == 13 if isinstance(ingested, list) else ingested["rows_loaded"] == 13
    cli_json(capsys, "suppliers", "load", str(fixtures / "engine" / FILES[1]), "--db", db)
    cli_json(capsys, "activity", "load", str(fixtures / "engine" / FILES[2]), "--org", "kommun", "--db", db)
    run = cli_json(capsys, "run", "--year", "2024", "--db", db)
    return db, run


def test_every_line_is_explained(computed, capsys):
    """Loaded 4,487,850.50 SEK = mapped + excluded + unmapped; coverage shares add up to 100 %."""
    db, run = computed
    assert run["loaded_spend_sek"] == pytest.approx(4487850.50)
    assert run["mapped_spend_sek"] + run["excluded_spend_sek"] + run["unmapped_spend_sek"] == \
        pytest.approx(run["loaded_spend_sek"])
    assert sum(c["share_of_spend"] for c in run["coverage"]) == pytest.approx(1.0)
    assert run["settings"]["mappings"] == {"kommun": "kommunbas13@2.0.0"}
    assert run["settings"]["text_rules"] == "sv_ledger_text@1.0.0" and run["settings"]["tail_spend"] == {}
    assert run["factor_set"] == "useeio@1.3.0"
    shown = cli_json(capsys, "show", "--year", "2024", "--by", "excluded", "--db", db)
    assert {r["exclusion_reason"]: r["spend_sek"] for r in shown["rows"]} == {
        "personnel": 1250000.0, "internal": 310000.0, "grants_transfers": 95000.0, "financial": 35000.0}
    unmapped = cli_json(capsys, "show", "--year", "2024", "--by", "unmapped", "--db", db)["rows"]
    # district heating without kWh is a flagged spend estimate (US EPA prices heat, 221330), not unmapped; an
    # account outside the chart is unmapped, never priced at an average
    assert [(r["account"], r["reason"], r["spend_sek"]) for r in unmapped] == [
        ("91110", "no-account-match", 4200.0)]


def test_levels_methods_and_scopes(computed, capsys, tmp_path):
    """Electricity: 60 MWh x 0.023 kg/kWh (Sweden 2024) = 1,380 kg on the one electricity line, scope 2.
    Diesel: 1,050 litres x (2.51279 + 0.61101) = 3,279.99 kg, of which 2,638.43 kg burnt (scope 1).
    District heating has no kWh: a flagged spend-based estimate until they come. The school build (403) is scope 3.2."""
    db, run = computed
    assert run["emissions_scope2_kg_co2e"] == pytest.approx(1380.0)
    assert run["emissions_scope1_kg_co2e"] == pytest.approx(1050 * 2.51279)
    accounts = {r["account"]: r for r in cli_json(capsys, "show", "--year", "2024", "--by", "account",
                                                  "--db", db)["rows"]}
    assert (accounts["46391"]["rule_level"], accounts["64400"]["rule_level"]) == ("supplier_industry",) * 2
    assert (accounts["62100"]["rule_level"], accounts["62100"]["emissions_kg_co2e"]) == ("activity", pytest.approx(1380))
    assert accounts["69100"]["emissions_kg_co2e"] == pytest.approx(1050 * (2.51279 + 0.61101))
    assert (accounts["62300"]["rule_level"], accounts["40310"]["rule_level"]) == ("account_group", "account_group")
    assert accounts["64400"]["spend_sek"] == pytest.approx(45750.50)   # the credit note nets within the account
    scopes = {(r["ghg_scope"], r["scope3_category"]) for r in cli_json(capsys, "show", "--year", "2024", "--by",
                                                                         "scope", "--db", db)["rows"]}
    assert {(1, None), (2, None), (3, 1), (3, 2), (3, 3)} <= scopes
    activity = cli_json(capsys, "show", "--year", "2024", "--by", "activity", "--db", db)["rows"]
    assert sorted(r["quantity_summary"] for r in activity) == ["1050 liter diesel", "60 MWh electricity_se"]
    assert Decimal(str(sum(r["covered_spend_sek"] for r in activity))) == Decimal("102000.00")
