"""`klimatspend mapping`: the review of a real-layout ledger (Sambruk format), and decisions as audited overrides."""

from __future__ import annotations

import csv
import json

import pytest

from pipeline.cli import main
from tests.helpers.paths import FIXTURES

SAMBRUK = FIXTURES / "ingest" / "real_layouts" / "sambruk_2016-03.csv"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path, capsys):
    path = tmp_path / "k.duckdb"
    assert run(capsys, "init", "--db", path)[0] == 0
    assert run(capsys, "ingest", SAMBRUK, "--org", "orebro", "--period", "2016-03", "--db", path)[0] == 0
    # the review's figures below are those of the US set, chosen in the organisation's settings (its SEK ledger made
    # it Swedish, whose default set is EXIOBASE)
    assert run(capsys, "org", "set", "orebro", "--factors", "useeio", "--db", path)[0] == 0
    assert run(capsys, "run", "--year", "2016", "--db", path)[0] == 0
    return path


def test_review_lists_every_account_largest_first_with_conflicts_and_suggestions(db, capsys):
    code, out, _ = run(capsys, "mapping", "review", "--year", "2016", "--db", db, "--json")
    data = json.loads(out)
    assert code == 0 and data["year"] == 2016
    accounts = data["accounts"]
    assert [a["account"] for a in accounts[:3]] == ["46350", "61710", "46340"]
    assert len(accounts) == 26 and sum(a["spend_sek"] for a in accounts) == pytest.approx(1599323.25)
    by = {a["account"]: a for a in accounts}
    assert (by["46310"]["rule_level"], by["46310"]["category_id"], by["46310"]["industry_code"],
            by["46310"]["factor_code"], by["46310"]["factor_value"]) == (
        "account_text", "care_education", "8510", "624410", 0.215)
    assert by["64610"]["is_conflict"] and by["64610"]["suggested_rule_id"] == "electricity"
    assert by["46200"]["unmapped_reason"] == "no-account-match" and by["46200"]["suggested_industry_code"] == "8790"
    # district heating (62300) and fuels (69100) are spend estimates under US EPA; electricity waits for kWh
    assert data["currency"] == "SEK" and data["totals"] == {
        "accounts": 26, "conflicts": 1, "unmapped_accounts": 4,
        "unmapped_spend_sek": 124500.0, "needs_activity_data_sek": 56400.0,
        "unmapped_without_activity_sek": 68100.0, "suggestions": 2,
        "account_text_spend_sek": pytest.approx(1215250.0),
        # the same amounts in the ledger's currency (SEK here)
        "unmapped_spend": 124500.0, "needs_activity_data": 56400.0, "unmapped_without_activity": 68100.0,
        "account_text_spend": pytest.approx(1215250.0)}
    assert all(a["spend"] == pytest.approx(a["spend_sek"]) for a in accounts)
    code, out, _ = run(capsys, "mapping", "review", "--only", "conflicts", "--db", db)
    assert code == 0 and "64610" in out and "CONFLICT" in out and "46350" not in out


def test_accept_keep_and_override_write_audited_overrides_the_next_run_uses(db, tmp_path, capsys):
    overrides = tmp_path / "k.overrides.csv"
    code, out, _ = run(capsys, "mapping", "accept", "46200", "--author", "Anna", "--db", db)
    assert code == 0 and out.startswith(f"{overrides}: override 1 for account 46200 of orebro: care_education, "
                                        "industry 8790, factor useeio:623990")
    assert run(capsys, "mapping", "keep", "64610", "--author", "Anna", "--db", db)[0] == 0
    code, _, _ = run(capsys, "mapping", "override", "77100", "--category", "goods", "--industry", "32.99",
                     "--factor", "useeio:339999", "--author", "Bo", "--note", "byggvaror", "--db", db)
    assert code == 0
    with overrides.open(encoding="utf-8") as handle:
        rows = [(r["match_value"], r["category_id"], r["industry_code"], r["factor_code"], r["author"])
                for r in csv.DictReader(handle)]
    assert rows == [("46200", "care_education", "8790", "623990", "Anna"),
                    ("64610", "goods", "2229", "326199", "Anna"),
                    ("77100", "goods", "3299", "339999", "Bo")]
    assert run(capsys, "run", "--year", "2016", "--db", db)[0] == 0
    totals = json.loads(run(capsys, "mapping", "review", "--db", db, "--json")[1])["totals"]
    assert (totals["conflicts"], totals["unmapped_without_activity_sek"], totals["suggestions"]) == (0, 0.0, 0)


def test_decisions_that_cannot_be_made_say_why(db, capsys):
    code, _, err = run(capsys, "mapping", "accept", "46350", "--author", "Anna", "--db", db)
    assert code == 2 and err.strip() == ("klimatspend: account 46350 has no suggestion to accept; choose a category "
                                         "and factor with `klimatspend mapping override`")
    code, _, err = run(capsys, "mapping", "override", "77100", "--category", "goods", "--factor", "useeio:999999",
                       "--author", "A", "--db", db)
    assert code == 2 and err.strip() == ("klimatspend: emission factor '999999' is not in useeio@1.3.0; choose one "
                                         "from the list")
    code, _, err = run(capsys, "mapping", "override", "77100", "--author", "A", "--db", db)
    assert code == 2 and "give --category with --factor SET:CODE and/or --industry NACE, or --exclude REASON" in err
    code, _, err = run(capsys, "mapping", "review", "--year", "2031", "--db", db)
    assert code == 2 and "--year 2031: no computed run" in err


def test_mapping_alone_is_the_review(db, capsys):
    """`klimatspend mapping` without an action prints the review with its defaults (all accounts, no limit)."""
    code, out, _ = run(capsys, "mapping", "--year", "2016", "--db", db, "--json")
    code_review, out_review, _ = run(capsys, "mapping", "review", "--year", "2016", "--db", db, "--json")
    assert code == code_review == 0 and json.loads(out) == json.loads(out_review)


def test_review_of_a_uk_council_gives_its_amounts_in_pounds_beside_the_sek_ones(tmp_path, capsys):
    """A UK council's review in --json: currency GBP, each amount `X` in pounds beside `X_sek` (the marts' SEK at the
    run year's rates), so that no program reads SEK under a GBP heading."""
    db = tmp_path / "k.duckdb"
    harrogate = next((FIXTURES / "ingest" / "uk").glob("harrogate*.csv"))
    assert run(capsys, "init", "--db", db)[0] == 0
    assert run(capsys, "ingest", harrogate, "--org", "harrogate", "--profile", "uk-council-spend", "--db", db)[0] == 0
    assert run(capsys, "run", "--year", "2022", "--db", db)[0] == 0
    code, out, _ = run(capsys, "mapping", "review", "--year", "2022", "--db", db, "--json")
    data = json.loads(out)
    assert code == 0 and data["currency"] == "GBP"
    largest = max(data["accounts"], key=lambda a: abs(a["spend_sek"] or 0))
    rate = largest["spend"] / largest["spend_sek"]                # GBP per SEK of 2022: about 0.08
    assert 0.05 < rate < 0.12
    assert all(a["spend"] == pytest.approx(a["spend_sek"] * rate, abs=0.02) for a in data["accounts"])
    assert data["totals"]["unmapped_spend"] == pytest.approx(data["totals"]["unmapped_spend_sek"] * rate, abs=0.02)
