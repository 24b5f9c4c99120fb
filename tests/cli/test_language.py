"""The CLI speaks the reader's language: `--lang sv|en`, else KLIMATSPEND_LANG, else LANG (issue 20)."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.cli import main
from pipeline.cli._output import language_from


@pytest.mark.parametrize("argv, environ, lang", [
    (["run", "--year", "2025"], {"LANG": "sv_SE.UTF-8"}, "sv"),
    (["run", "--year", "2025"], {"LANG": "en_GB.UTF-8"}, "en"),
    (["run", "--year", "2025"], {"LANG": "C.UTF-8"}, "en"),
    (["run", "--year", "2025"], {}, "en"),
    (["run", "--lang", "en"], {"LANG": "sv_SE.UTF-8"}, "en"),
    (["run", "--lang=sv"], {"LANG": "C"}, "sv"),
    (["run"], {"LANG": "sv_SE.UTF-8", "KLIMATSPEND_LANG": "en"}, "en"),
    (["run"], {"LANG": "en_US.UTF-8", "LC_ALL": "sv_FI.UTF-8"}, "sv"),
])
def test_language_from_options_and_environment(argv, environ, lang):
    assert language_from(argv, environ) == lang


@pytest.fixture
def seeded(seeded_db_file, tmp_path):
    db = tmp_path / "seed.duckdb"
    shutil.copyfile(seeded_db_file, db)
    return db


def test_run_prints_swedish_words_with_lang_sv(seeded, capsys):
    assert main(["run", "--year", "2025", "--factors", "test@1.0", "--mapping", "map@1.0", "--db", str(seeded),
                 "--lang", "sv"]) == 0
    captured = capsys.readouterr()
    assert "Utsläpp 2025" in captured.out and "Totalt" in captured.out and "inköp som räknas, kr" in captured.out
    assert "klassificering:" in captured.out and "Emissions" not in captured.out
    # progress on stderr, in Swedish, step by step
    assert "beräknar 2025 …" in captured.err and "räknar utsläpp per rad" in captured.err


def test_run_prints_english_by_default_here(seeded, capsys):
    assert main(["run", "--year", "2025", "--factors", "test@1.0", "--mapping", "map@1.0", "--db", str(seeded)]) == 0
    out = capsys.readouterr().out
    assert "Emissions 2025" in out and "Total" in out and "coverage:" in out
    assert "supplier_industry" not in out and "account_group" not in out


def _words(capsys, *args) -> str:
    """Run the CLI; return what it printed on stdout (no traceback on stderr)."""
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in out.err
    return out.out


@pytest.mark.parametrize("lang, words, other", [
    ("sv", ["batch 1: 2 av 5 rader inlästa; 3 i karantän", "summor (SEK): lästa 434,50 = inlästa 1 034,50",
            "rader kontrollerade mot reskontrans regler: 5"], "quarantined"),
    ("en", ["batch 1 loaded 2 of 5 rows; 3 quarantined", "sums (SEK): read 434.50 = loaded 1,034.50",
            "checks of the ledger contract passed"], "karantän"),
])
def test_ingest_result_lines_in_the_cli_language(tmp_path, capsys, lang, words, other):
    from tests.helpers.paths import FIXTURES
    from tests.helpers.visible_text import snake_case_codes

    out = _words(capsys, "ingest", FIXTURES / "ledger_small_sv.csv", "--year", "2024", "--db",
                 tmp_path / "k.duckdb", "--lang", lang)
    assert all(w in out for w in words), out
    assert other not in out and snake_case_codes(out) == []


@pytest.mark.parametrize("lang, words", [
    ("sv", ["raderna finns redan inlästa (batch 1)", "räknas inte igen"]),
    ("en", ["already loaded as batch 1"]),
])
def test_ingest_of_a_loaded_file_says_so_in_the_cli_language(tmp_path, capsys, lang, words):
    from tests.helpers.paths import FIXTURES

    db = tmp_path / "k.duckdb"
    _words(capsys, "ingest", FIXTURES / "ledger_small_sv.csv", "--year", "2024", "--db", db)
    out = _words(capsys, "ingest", FIXTURES / "ledger_small_sv.csv", "--year", "2024", "--db", db, "--lang", lang)
    assert all(w in out for w in words), out


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """The two-department ledger of tests/cli/test_run_show.py, computed once for 2024 (personnel excluded,
    6221 unmapped: it needs kWh)."""
    from tests.helpers.engine_seed import add_batch, add_lines, add_org, seed_reference

    from pipeline import store

    path = tmp_path_factory.mktemp("words") / "k.duckdb"
    con = store.connect(path)
    seed_reference(con)
    add_org(con, "org", org_number="212000-0001")
    add_batch(con, 1)
    add_lines(con, 1, [
        dict(source_row=2, account="4610", amount=10000, department="Socialförvaltningen", committee="SN",
             cost_centre="31010", supplier_org_number="556000-0003"),
        dict(source_row=3, account="6461", amount=2500, department="Serviceförvaltningen", period="2024-04"),
        dict(source_row=4, account="5010", amount=50000, department="Serviceförvaltningen"),
        dict(source_row=5, account="6221", amount=4000, department="Serviceförvaltningen"),
    ])
    con.close()
    assert main(["run", "--year", "2024", "--factors", "test@1.0", "--mapping", "map@1.0", "--db", str(path)]) == 0
    return path


@pytest.mark.parametrize("lang, words, other", [
    ("sv", ["2024, körning 1, per förvaltning, belopp i kr", "inköp kr", "andel", "per klassificering",
            "klassificeringsnivå", "personalkostnader", "exkluderat som", "utgiftsbaserad", "nämnd", "(inget ansvar)",
            "10 000", "energi: behöver kWh eller liter"], ["spend", "share", "personnel", "needs-activity-data"]),
    ("en", ["2024, run 1, by department, amounts in SEK", "spend SEK", "share", "by coverage", "rule level",
            "personnel costs", "excluded as", "spend-based", "committee", "(no cost centre)", "10,000",
            "energy: needs kWh or litres"],
     ["inköp", "andel", "personalkostnader", "ingen nämnd", "needs-activity-data"]),
])
def test_show_speaks_the_cli_language_in_every_view(small_run, capsys, lang, words, other):
    from pipeline.cli.show import VIEWS
    from tests.helpers.visible_text import snake_case_codes

    out = "".join(_words(capsys, "show", "--year", "2024", "--by", by, "--db", small_run, "--lang", lang)
                  for by in VIEWS)
    assert [w for w in words if w not in out] == []
    assert [w for w in other if w in out] == []
    assert snake_case_codes(out) == []


def test_show_by_account_names_the_factor_an_account_was_priced_with(small_run, capsys):
    # the factor's name (the test set's "care"), not its code F1; --json keeps the set, version and code as well
    out = _words(capsys, "show", "--year", "2024", "--by", "account", "--db", small_run, "--lang", "en")
    line = next(row for row in out.splitlines() if row.split()[1:2] == ["4610"])
    assert " care " in line and "F1" not in line
    assert main(["show", "--year", "2024", "--by", "account", "--json", "--db", str(small_run)]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out)["rows"] if r["account"] == "4610")
    assert (row["factor_set_id"], row["factor_set_version"], row["factor_code"], row["factor_name"]) == \
        ("test", "1.0", "F1", "care")


@pytest.mark.parametrize("lang, words, other", [
    ("sv", ["Granskning av kontoklassificeringen 2024", "rad i kontoplanen", "kategori", "förslag", "kontogrupp",
            "exkl. personalkostnader", "behöver kWh/liter"], ["Mapping review", "spend", "needs kWh"]),
    ("en", ["Mapping review 2024", "map row", "category", "suggestion", "account group", "excl. personnel costs",
            "needs kWh/litres"], ["Granskning", "inköp", "personalkostnader"]),
])
def test_mapping_review_speaks_the_cli_language(small_run, capsys, lang, words, other):
    from tests.helpers.visible_text import snake_case_codes

    out = _words(capsys, "mapping", "review", "--year", "2024", "--db", small_run, "--lang", lang)
    assert [w for w in words if w not in out] == [], out
    assert [w for w in other if w in out] == []
    assert snake_case_codes(out) == []


@pytest.mark.parametrize("lang, words", [
    ("sv", ["beslut 1 för konto 6221 i", "exkluderat som personalkostnader", "räkna om året"]),
    ("en", ["override 1 for account 6221 of org: excluded as personnel costs", "compute the year again"]),
])
def test_mapping_decision_speaks_the_cli_language(small_run, tmp_path, capsys, lang, words):
    from tests.helpers.visible_text import snake_case_codes

    db = tmp_path / "k.duckdb"
    shutil.copyfile(small_run, db)
    out = _words(capsys, "mapping", "override", "6221", "--exclude", "personnel", "--author", "Anna", "--db", db,
                 "--lang", lang)
    assert [w for w in words if w not in out] == [], out
    # the organisation's own account map is named by its id and version (org_map@...), as a factor set is
    assert snake_case_codes(out.replace(str(tmp_path), ""), allowed={"org_map"}) == []


@pytest.fixture(scope="module")
def budget_db(seeded_db_file, tmp_path_factory):
    """The seeded store (2023–2025 computed) with tests/fixtures/budget/budget.toml imported: budgets, measures,
    allocation by past emissions, a territorial and a residents' budget."""
    from tests.helpers.paths import FIXTURES

    db = tmp_path_factory.mktemp("budget_words") / "k.duckdb"
    shutil.copyfile(seeded_db_file, db)
    assert main(["budget", "import", str(FIXTURES / "budget" / "budget.toml"), "--db", str(db)]) == 0
    return db


@pytest.mark.parametrize("lang, words, other", [
    ("sv", ["utfall t", "bedömning: Ligger efter budgeten", "per förvaltning 2025 (fördelning: efter tidigare utsläpp",
            "2 av 3 efter eller över budget", "kostnad kr", "koncernen totalt", "tre perspektiv sida vid sida",
            "organisationens inköp", "i fas", "1 775"], ["verdict", "actual", "Behind", "grandfathering"]),
    ("en", ["actual t", "verdict: Behind the budget", "per department 2025 (allocation: by past emissions",
            "2 of 3 behind or over budget", "cost SEK", "group total", "three perspectives side by side",
            "on track", "1,775"], ["bedömning", "utfall", "Ligger efter", "grandfathering"]),
])
def test_budget_follow_up_speaks_the_cli_language(budget_db, capsys, lang, words, other):
    from tests.helpers.visible_text import snake_case_codes

    out = _words(capsys, "budget", "show", "--year", "2025", "--db", budget_db, "--lang", lang)
    assert [w for w in words if w not in out] == [], out
    assert [w for w in other if w in out] == []
    assert snake_case_codes(out) == []


@pytest.fixture(scope="module")
def investments_db(budget_db, tmp_path_factory):
    """budget_db with tests/fixtures/budget/investment_plan.csv imported (P5 not yet classified)."""
    from tests.helpers.paths import FIXTURES

    db = tmp_path_factory.mktemp("investment_words") / "k.duckdb"
    shutil.copyfile(budget_db, db)
    assert main(["investments", "import", str(FIXTURES / "budget" / "investment_plan.csv"), "--db", str(db)]) == 0
    return db


@pytest.mark.parametrize("lang, words, other", [
    ("sv", ["grön andel av investeringarna", "planerat mnkr", "58,8 %", "att klassificera: P5", "kapitalvaror",
            "investeringsplanen sluter gapet från 2027", "intern koldioxidavgift 2025", "fonden går till",
            "grön kategori", "EJ KLASSIFICERAD", "Totalt"], ["green share", "planned", "UNCLASSIFIED"]),
    ("en", ["green share of investments", "planned MSEK", "58.8 %", "to classify: P5", "capital goods",
            "the investment plan closes the gap from 2027", "internal carbon fee 2025", "the fund goes to",
            "green category", "UNCLASSIFIED", "Total"], ["grön andel", "planerat", "mnkr"]),
])
def test_investments_follow_up_speaks_the_cli_language(investments_db, capsys, lang, words, other):
    from tests.helpers.visible_text import snake_case_codes

    out = "".join(_words(capsys, "investments", verb, "--year", year, "--db", investments_db, "--lang", lang)
                  for verb, year in (("show", 2025), ("fee", 2025), ("register", 2026)))
    assert [w for w in words if w not in out] == [], out
    assert [w for w in other if w in out] == []
    assert snake_case_codes(out) == []


@pytest.mark.parametrize("lang, words, other", [
    ("sv", ["fil", "i karantän", "inläst", "lästa rader", "belopp inklusive moms", "avgränsare ';'",
            "decimaltecken 'komma'", "rader kontrollerade mot reskontrans regler: 5", "historik",
            "inläst av anna: 2 av 5 rader inlästa, 3 i karantän", "kolumn", "1 034,50"],
     ["rows read", "history", "quarantined"]),
    ("en", ["file", "quarantined", "loaded", "rows read", "amounts include VAT", "delimiter ';'",
            "decimal 'comma'", "checks of the ledger contract passed", "history",
            "loaded by anna: 2 of 5 rows loaded, 3 quarantined", "column", "1,034.50"],
     ["lästa", "historik", "karantän"]),
])
def test_batches_list_and_show_speak_the_cli_language(tmp_path, capsys, lang, words, other):
    from tests.helpers.paths import FIXTURES
    from tests.helpers.visible_text import snake_case_codes

    db = tmp_path / "k.duckdb"
    _words(capsys, "ingest", FIXTURES / "ledger_small_sv.csv", "--year", "2024", "--db", db, "--user", "anna")
    out = _words(capsys, "batches", "list", "--db", db, "--lang", lang) + _words(
        capsys, "batches", "show", "1", "--db", db, "--lang", lang)
    assert [w for w in words if w not in out] == [], out
    assert [w for w in other if w in out] == []
    assert snake_case_codes(out) == []


def test_ingest_show_columns_in_swedish_names_fields_in_words(tmp_path, capsys):
    from tests.helpers.paths import FIXTURES
    from tests.helpers.visible_text import snake_case_codes

    out = _words(capsys, "ingest", FIXTURES / "ingest" / "open_ap_2024.csv", "--show-columns", "--db",
                 tmp_path / "k.duckdb", "--lang", "sv")
    assert out.splitlines()[0].endswith("avgränsare ';', rubrik på rad 1, 8 datarader")
    assert "hittad genom" in out and "Leverantörens organisationsnummer  Leverantörens organisationsnummer" in out
    assert snake_case_codes(out) == []


@pytest.mark.parametrize("lang, words, other", [
    ("sv", ["perspektiv", "organisationens inköp", "fast årlig minskning", "efter tidigare utsläpp",
            "2 åtgärd(er)", "; giltig", "total budget 1 000,0 t från 2024", "geografisk koldioxidbudget",
            "Invånarnas konsumtion (2019)"], ["perspective", "measure(s)", "valid", "implied"]),
    ("en", ["perspective", "the organisation's procurement", "fixed yearly reduction", "by past emissions",
            "2 measure(s)", "; valid", "total budget 1,000.0 t from 2024", "territorial CO2 budget",
            "Residents' consumption (2019)"], ["perspektiv", "åtgärd", "giltig", "motsvarar"]),
])
def test_budget_list_check_path_and_territorial_speak_the_cli_language(budget_db, capsys, lang, words, other):
    from tests.helpers.paths import FIXTURES
    from tests.helpers.visible_text import snake_case_codes

    out = (_words(capsys, "budget", "list", "--db", budget_db, "--lang", lang)
           + _words(capsys, "budget", "check", FIXTURES / "budget" / "budget.toml", "--lang", lang)
           + _words(capsys, "budget", "path", "--total", "1000", "--start-year", "2024", "--start-emissions", "200",
                    "--to-year", "2026", "--lang", lang)
           + _words(capsys, "budget", "territorial", "Boras", "--to-year", "2026", "--lang", lang))
    assert [w for w in words if w not in out] == [], out
    assert [w for w in other if w in out] == []
    assert snake_case_codes(out) == []


@pytest.mark.parametrize("lang, line", [
    ("sv", "restutgifter med genomsnittsfaktor: på: Testby kommun (faktor F1)"),
    ("en", "tail spend priced at an average factor: on: Testby kommun (factor F1)"),
])
def test_run_and_show_name_the_tail_spend_setting_in_words(seeded, capsys, lang, line):
    assert main(["org", "set", "kommun", "--default-factor", "F1", "--db", str(seeded)]) == 0
    ran = _words(capsys, "run", "--year", "2025", "--factors", "test@1.0", "--mapping", "map@1.0", "--db", seeded,
                 "--lang", lang)
    shown = _words(capsys, "show", "--year", "2025", "--db", seeded, "--lang", lang)
    assert line in ran and line in shown
    assert "(koncern) (f" not in ran   # the organisation by name, not its group row


def test_investment_plan_check_and_classify_in_swedish(investments_db, tmp_path, capsys):
    from tests.helpers.paths import FIXTURES
    from tests.helpers.visible_text import snake_case_codes

    db = tmp_path / "k.duckdb"
    shutil.copyfile(investments_db, db)
    out = _words(capsys, "investments", "check", FIXTURES / "budget" / "investment_plan.csv", "--lang", "sv")
    out += _words(capsys, "investments", "classify", "P5", "--category", "not_green", "--by", "KS", "--date",
                  "2026-02-01", "--db", db, "--lang", "sv")
    assert "5 projekt, 7 rad(er); giltig; 1 ännu inte klassificerade (P5)" in out
    assert "projekt P5: inte grön (beslutat av KS 2026-02-01)" in out
    assert snake_case_codes(out) == []


@pytest.mark.parametrize("lang, words, other", [
    ("sv", ["körning 1 -> körning 2", "ändrat köparpriser (med marginaler): ja -> nej", "kategori", "skillnad t",
            "Köpt vård"], ["changed", "difference", "use_margins"]),
    ("en", ["run 1 -> run 2", "changed purchaser prices (with margins): yes -> no", "category", "difference t",
            "Purchased care"], ["ändrat", "skillnad"]),
])
def test_compare_speaks_the_cli_language(small_run, tmp_path, capsys, lang, words, other):
    from tests.helpers.visible_text import snake_case_codes

    db = tmp_path / "k.duckdb"
    shutil.copyfile(small_run, db)
    _words(capsys, "run", "--year", "2024", "--factors", "test@1.0", "--mapping", "map@1.0", "--without-margins",
           "--db", db)
    out = _words(capsys, "compare", "1", "2", "--by", "category", "--db", db, "--lang", lang)
    out += _words(capsys, "compare", "1", "2", "--db", db, "--lang", lang)
    assert [w for w in words if w not in out] == [], out
    assert [w for w in other if w in out] == []
    assert snake_case_codes(out) == []


@pytest.mark.parametrize("lang, words", [
    ("sv", ["namn", "typ", "kommun", "bolag", "(körningens)", "useeio (standard)"]),
    ("en", ["name", "kind", "municipality", "company", "(run default)", "useeio (default)"]),
])
def test_org_list_speaks_the_cli_language(budget_db, capsys, lang, words):
    out = _words(capsys, "org", "list", "--db", budget_db, "--lang", lang)
    assert [w for w in words if w not in out] == [], out


@pytest.mark.parametrize("lang, words", [
    ("sv", ["1 rader aktivitetsdata inlästa för Org som batch 1", "mängd", "förvaltning", "20,0"]),
    ("en", ["1 activity rows loaded for Org as batch 1", "quantity", "department", "20.0"]),
])
def test_activity_load_and_list_speak_the_cli_language(small_run, tmp_path, capsys, lang, words):
    from tests.helpers.visible_text import snake_case_codes

    db = tmp_path / "k.duckdb"
    shutil.copyfile(small_run, db)
    energy = tmp_path / "energi.csv"
    energy.write_text("år;konto;aktivitet;mängd;enhet;förvaltning\n2024;622;electricity_se;20;MWh;"
                      "Serviceförvaltningen\n", encoding="utf-8")
    out = _words(capsys, "activity", "load", energy, "--org", "org", "--db", db, "--lang", lang)
    out += _words(capsys, "activity", "list", "--db", db, "--lang", lang)
    assert [w for w in words if w not in out] == [], out
    # the activity is named by the code the file gives (electricity_se), as `activity factors` lists them
    assert snake_case_codes(out, allowed={"electricity_se"}) == []
