"""Plain words for the people who read the figures (issue 20), checked on rendered pages after a demo-like run.

One small demo (2,000 lines a year) per module: the Swedish dashboard and both HTML reports the demo wrote
must show no snake_case code (`supplier_industry`, `alvby_kommun`, `taxes_vat`) in visible text, the English
report no Swedish-only label of the catalogue (and the Swedish report no English-only one), departments by
name, and the budget's run-out as month and year, never a day.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

from pipeline import store
from pipeline.cli import VERB_MODULES, main
from pipeline.i18n import CATALOGUE_DIR
from tests.helpers import web as support
from tests.helpers.visible_text import snake_case_codes, visible_text


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`klimatspend demo` on small ledgers: (database path, reports folder)."""
    base = tmp_path_factory.mktemp("plain")
    db = base / "demo.duckdb"
    assert main(["demo", "--lines-per-year", "2000", "--db", str(db), "--dir", str(base / "out"), "--json"]) == 0
    return db, base / "out" / "reports"


@pytest.fixture(scope="module")
def dashboard_sv(demo, tmp_path_factory):
    """The Swedish dashboard and glossary of the demo's latest run, as a reviewer sees them."""
    from starlette.testclient import TestClient

    from pipeline.access import auth
    from pipeline.web import WebConfig, create_app

    db, _ = demo
    support.use_fast_hashing()
    con = store.connect(db)
    auth.add_user(con, "rita", support.PASSWORD, "reviewer", display_name="Rita")
    con.close()
    work = tmp_path_factory.mktemp("web")
    app = create_app(WebConfig(db_path=db, upload_dir=work / "uploads", overrides_path=work / "overrides.csv"))
    con = store.connect(db)
    # the ledger lines of the housing company's largest priced line: department, category, account and supplier
    run_id, dept, cat, account, supplier = con.execute(
        """select e.run_id, e.department, coalesce(e.category_id, e.rule_level), e.account,
                  coalesce(e.supplier_org_number, e.supplier_name, '')
           from line_emission e where e.run_id = (select max(run_id) from run where year = 2025)
             and e.organisation_id = 'alvbybostader' and e.factor_code is not null
           order by e.emissions_kg_co2e desc limit 1""").fetchone()
    con.close()
    lines = "/drill?" + urlencode({"run": run_id, "department": dept, "category": cat, "account": account,
                                   "supplier": supplier})
    with TestClient(app) as client:
        assert support.login(client, "rita").status_code == 303
        pages = {path: client.get(path).text for path in ("/dashboard", "/glossary", "/budget")}
        pages["lines"] = client.get(lines).text
        pages["/reports"] = client.get("/reports").text
        got = client.get(f"/reports/{run_id}/files/klimatrapport_2025_sv.html")
        pages["download"] = (got.status_code, got.headers.get("content-disposition", ""), len(got.content))
    return pages


def _catalogue(lang: str) -> dict[str, str]:
    return json.loads((CATALOGUE_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def _labels_only_in(lang: str) -> set[str]:
    """Catalogue texts of `lang` of two words or more that the other language writes differently."""
    own, other = _catalogue(lang), _catalogue("en" if lang == "sv" else "sv")
    return {v for k, v in own.items() if k != "lang" and other.get(k) != v and " " in v.strip() and "{" not in v
            and len(v) >= 12}


def test_swedish_dashboard_shows_no_codes(dashboard_sv):
    html = dashboard_sv["/dashboard"]
    assert snake_case_codes(html) == []
    text = visible_text(html)
    # rule levels, exclusion reasons and organisations as words; the company's departments by name
    assert "leverantörens bransch" in text.lower() and "skatter och moms" in text.lower()
    assert "Älvbybostäder AB" in text and "Centrum (1100)" in text
    assert "Inköp som räknas" in text and "inga utsläpp räknas för dem" in text
    assert 'href="/glossary"' in html
    # the suppliers to take into supplier dialogue, with share, data quality and range
    assert "Leverantörer att prata med" in text and "Osäkerhetsintervallets bredd (t CO2e)" in text


def test_ledger_lines_show_rules_and_factors_by_name_with_unit(dashboard_sv):
    html = dashboard_sv["lines"]
    assert snake_case_codes(html) == []
    text = visible_text(html)
    assert "Reskontrarader" in text
    # a factor line: the product's name, its value and unit with the set's price year (EXIOBASE: EUR, 2011)
    assert re.search(r"[A-Za-z][a-z ,]{6,} \d,\d{3} kg CO2e per EUR \(i priser från 2011\)", text), text[-1500:]


def test_glossary_page_explains_the_words(dashboard_sv):
    text = visible_text(dashboard_sv["/glossary"])
    for term in ("Utgiftsbaserad metod", "Scope 3, kategori 1 och 2", "Datakvalitet", "Exkluderade utgifter",
                 "Restutgifter", "Faktorsamling", "Konvention"):
        assert term in text


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_reports_show_no_codes_and_only_their_language(demo, lang):
    _, reports = demo
    html = (reports / f"klimatrapport_2025_{lang}.html").read_text(encoding="utf-8")
    assert snake_case_codes(html) == []
    text = visible_text(html)
    # a factor set's own notes are quoted in English and marked lang="en"; everything else is in the page's language
    own = visible_text(html, skip_lang="en" if lang == "sv" else None)
    foreign = sorted(label for label in _labels_only_in("sv" if lang == "en" else "en") if label in own)
    assert foreign == []
    if lang == "en":
        for swedish in ("Invånarnas konsumtion", "Organisationen (koncernen)", "Borås verkliga data som exempel"):
            assert swedish not in text
    assert "Centrum (1100)" in text
    assert 'href="#glossary"' in html


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_budget_runs_out_as_month_and_year_never_a_day(demo, dashboard_sv, lang):
    _, reports = demo
    text = visible_text((reports / f"klimatrapport_2025_{lang}.html").read_text(encoding="utf-8"))
    if lang == "sv":
        text += visible_text(dashboard_sv["/budget"])
    assert not re.search(r"(tar slut|runs out|Tar slut|Runs out)[^.]{0,60}\b20\d\d-\d\d-\d\d\b", text), \
        "a run-out date with a day"
    runs_out = "Budgeten tar slut" if lang == "sv" else "Budget runs out"
    assert re.search(runs_out + r":? \w+ 20\d\d \((sannolikt|likely) 20\d\d", text)


def test_every_command_the_texts_advise_exists():
    """A text that tells the reader to run `klimatspend VERB` names a verb the CLI has."""
    verbs = set(VERB_MODULES) | {"validate"}
    for lang in ("sv", "en"):
        for key, text in _catalogue(lang).items():
            for verb in re.findall(r"klimatspend ([a-z]+)", text):
                assert verb in verbs, f"{lang}.json {key}: klimatspend {verb} is not a command"


def test_budget_page_names_measure_statuses_in_swedish(dashboard_sv):
    html = dashboard_sv["/budget"]
    assert snake_case_codes(html) == []
    assert "<td>beslutad</td>" in html and "<td>decided</td>" not in html and "<td>planned</td>" not in html


def test_reports_page_offers_the_reports_the_demo_wrote(dashboard_sv):
    """The demo writes its reports into its own folder; the Reports page lists them (report_output) for download."""
    html = dashboard_sv["/reports"]
    for lang in ("sv", "en"):
        for suffix in ("html", "xlsx"):
            assert f"klimatrapport_2025_{lang}.{suffix}" in html
    assert "Ingen rapport har skrivits" not in html
    status, disposition, size = dashboard_sv["download"]
    assert status == 200 and "attachment" in disposition and size > 10_000
