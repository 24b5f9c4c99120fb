"""Tests for pipeline.report_html: parse the report - figures equal the marts, nothing external, text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from tests.helpers import report_seed as seed
from pipeline.report import data as report_data, html as report_html
from pipeline import store
from pipeline.engine import marts, runs as engine_runs

FORBIDDEN_TAGS = {"script", "link", "img", "iframe", "object", "embed", "base", "form", "audio", "video", "source",
                  "track", "frame", "frameset", "applet", "image", "use", "foreignobject", "input", "picture"}
URL_ATTRIBUTES = {"src", "srcset", "href", "xlink:href", "action", "formaction", "poster", "data", "background",
                  "cite", "longdesc", "manifest", "ping", "codebase", "archive"}


class Page(HTMLParser):
    """Collect every start tag with its attributes, and the visible text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, **wanted) -> list[dict]:
        return [a for _, a in self.tags if all(a.get(k.replace("_", "-")) == v for k, v in wanted.items())]

    def one(self, **wanted) -> dict:
        found = self.find(**wanted)
        assert len(found) == 1, (wanted, found)
        return found[0]


@pytest.fixture(scope="module")
def html_sv(db) -> str:
    con, _ = db
    data = report_data.gather(con, 2024, budget=seed.budget_section(2.0, 10.499),
                              investments=seed.investments_section())
    return report_html.render_html(data, "sv")


@pytest.fixture(scope="module")
def html_en(db) -> str:
    con, _ = db
    return report_html.render_html(report_data.gather(con, 2024), "en")


def assert_self_contained(html: str) -> None:
    page = Page(html)
    for tag, attrs in page.tags:
        assert tag not in FORBIDDEN_TAGS, tag
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES:
                assert value.startswith("#"), (tag, name, value)  # in-page anchors only
            assert not name.startswith("on"), (tag, name)          # no event handlers
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S) + [a["style"] for _, a in page.tags
                                                                          if "style" in a]
    for css in styles:
        assert "url(" not in css and "@import" not in css and "@font-face" not in css
    # 'http' appears only as the SVG namespace, in text (e.g. a factor set's source URL) and in inert
    # descriptive attributes (data-*, aria-label) that may repeat ledger text
    for _, attrs in page.tags:
        for name, value in attrs.items():
            if "http" in value and not name.startswith("data-") and name != "aria-label":
                assert name == "xmlns" and value == "http://www.w3.org/2000/svg", (name, value)
    meta = page.one(http_equiv="Content-Security-Policy")
    assert "default-src 'none'" in meta["content"]


def test_report_is_self_contained(html_sv, html_en):
    assert_self_contained(html_sv)
    assert_self_contained(html_en)


def test_self_containment_check_catches_external_references():
    for bad in ['<img src="https://x.invalid/a.png">', '<link rel="stylesheet" href="https://x.invalid/a.css">',
                '<style>body{background:url(https://x.invalid/a.png)}</style>', '<a href="https://x.invalid">x</a>',
                '<div onclick="fetch(1)">x</div>']:
        with pytest.raises(AssertionError):
            assert_self_contained('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">' + bad)


def test_headline_figures_equal_the_marts(html_sv, db):
    con, runs = db
    totals = marts.read(con, "run_totals", runs[2024])[0]
    page = Page(html_sv)
    total = page.one(data_key="total_emissions_t")
    assert float(total["data-value"]) == pytest.approx(totals["total_emissions_kg_co2e"] / 1000)
    rng = page.one(data_key="range_t")
    assert float(rng["data-lower"]) == pytest.approx(totals["emissions_lower_kg_co2e"] / 1000)
    assert float(rng["data-upper"]) == pytest.approx(totals["emissions_upper_kg_co2e"] / 1000)
    assert float(page.one(data_key="spend_in_scope_sek")["data-value"]) == pytest.approx(float(totals["total_spend_sek"]))
    assert float(page.one(data_key="change_t")["data-value"]) == pytest.approx(8.499)
    assert float(page.one(data_key="coverage_share")["data-value"]) == pytest.approx(95120 / 98620)
    # Swedish number format in the visible text: 10,5 t; range 6,7-16,5 (set ±30 %, widened by data quality); +425 %
    text = " ".join(page.text)
    assert "10,5" in text
    assert "sannolikt mellan 6,7 och 16,5" in text
    assert "+425\u00a0%" in text


def test_department_rows_equal_the_mart_in_rank_order(html_sv, db):
    con, runs = db
    mart = sorted(marts.read(con, "emissions_by_department", runs[2024]), key=lambda r: -r["emissions_kg_co2e"])
    rows = re.findall(r'<tr data-organisation="([^"]*)" data-department="([^"]*)">\s*<td class="num">(\d+)</td>.*?'
                      r'data-value="([^"]+)"', html_sv, flags=re.S)
    assert len(rows) == len(mart)
    for (org, _dep, rank, value), expected in zip(rows, mart):
        assert org == expected["organisation_id"]
        assert float(value) == pytest.approx(expected["emissions_kg_co2e"] / 1000)
    assert [int(r[2]) for r in rows] == list(range(1, len(mart) + 1))
    bars = re.findall(r'<svg[^>]*class="chart hbar".*?</svg>', html_sv, flags=re.S)[0]
    values = [float(v) for v in re.findall(r'class="bar"[^>]*data-value="([^"]+)"', bars)]
    assert values == pytest.approx([r["emissions_kg_co2e"] / 1000 for r in mart])
    assert "+58\u00a0%" in html_sv  # Socialförvaltningen, 1.2 t -> 1.9 t


def test_categories_and_coverage_equal_the_marts(html_sv, db):
    con, runs = db
    cats = {r["category_id"]: r for r in marts.read(con, "emissions_by_category", runs[2024])}
    found = re.findall(r'<tr data-category="([^"]+)">.*?data-value="([^"]+)"', html_sv, flags=re.S)
    assert {k: float(v) for k, v in found} == pytest.approx({k: r["emissions_kg_co2e"] / 1000 for k, r in cats.items()})
    cov = {r["rule_level"]: float(r["spend_sek"]) for r in marts.read(con, "spend_coverage", runs[2024])}
    found = re.findall(r'<tr data-level="([^"]+)">.*?data-value="([^"]+)"', html_sv, flags=re.S)
    assert {k: float(v) for k, v in found} == pytest.approx(cov)


def test_ledger_text_is_html_escaped(html_sv):
    assert "<script>alert" not in html_sv
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; AB" in html_sv or \
        "&lt;script&gt;alert('x')&lt;/script&gt; AB" in html_sv
    page = Page(html_sv)
    assert seed.SCRIPT_SUPPLIER in " ".join(page.text)   # shown as text
    assert "=cmd|reskontra_2024.csv" in " ".join(page.text)
    assert not any(tag == "script" for tag, _ in page.tags)
    for svg in re.findall(r"<svg.*?</svg>", html_sv, flags=re.S):
        ET.fromstring(svg)  # every chart is well-formed XML


def test_budget_follow_up_details(html_sv):
    assert "efter: behöver −31 % per år från 2025" in html_sv and "−16 % per år från 2023" in html_sv
    # Socialförvaltningen has only an English verdict: the Swedish report shows its status label instead
    assert '<span class="badge behind">ligger efter budgeten</span>' in html_sv and "behind: needs −40 %" not in html_sv
    assert '<span class="badge on_track">i fas</span>' in html_sv
    assert "&lt;b&gt;Kultur&lt;/b&gt;" in html_sv and "<b>Kultur" not in html_sv
    assert "Tre perspektiv" in html_sv and "geografiskt" in html_sv
    assert 'data-series="Trend"' in html_sv
    assert "Observera: inga beräknade år för 2022" in html_sv
    assert "budgeten tar då slut september 2027 i stället för mars 2027" in html_sv
    assert "Investeringsplanen sluter inte gapet före 2026." in html_sv
    assert "gröna investeringar" in html_sv


def test_a_budget_that_cannot_be_followed_up_shows_its_error(db):
    con, _ = db
    data = report_data.gather(con, 2024, budget={"name": "Bolaget", "error": "no computed runs for bolag"})
    html = report_html.render_html(data, "en")
    assert "The budget Bolaget cannot be followed up: no computed runs for bolag" in html
    assert 'id="chart-history"' in html and 'data-key="remaining_budget_t"' not in html
    assert_self_contained(html)


def test_budget_and_investments_sections(html_sv, html_en):
    page = Page(html_sv)
    assert page.one(data_key="runs_out_year") is not None
    assert 'class="chart lines"' in html_sv and 'data-series="Budgetbana"' in html_sv
    budget_points = re.findall(r'<circle class="point"[^>]*data-series="Budgetbana"', html_sv)
    assert len(budget_points) == 8  # 2023..2030
    assert float(page.one(data_key="green_share")["data-value"]) == 0.75
    assert "=Ombyggnad kök" in " ".join(page.text)
    assert "Ingen koldioxidbudget" not in html_sv
    # English, without a budget: the notes instead of figures, and the emissions history chart
    assert "No carbon budget defined yet – see klimatspend budget." in html_en
    assert "No investments registered yet – see klimatspend investments." in html_en
    assert 'id="chart-history"' in html_en and 'data-key="remaining_budget_t"' not in html_en


def test_languages(html_sv, html_en):
    assert '<html lang="sv">' in html_sv and "<title>Klimatrapport 2024" in html_sv
    assert '<html lang="en">' in html_en and "<title>Climate report 2024" in html_en
    assert "Methodology and sources" in html_en and "Metod och källor" in html_sv
    assert "10.5" in html_en and "Test publisher" in html_en and "https://example.org/factors" in html_en


def test_print_stylesheet_present(html_sv):
    css = re.search(r"<style>(.*?)</style>", html_sv, flags=re.S).group(1)
    assert "@media print" in css and "@page" in css and "break-before: page" in css


def test_write_reports_writes_both_files(db, tmp_path):
    con, _ = db
    paths = report_html.write_reports(con, 2024, tmp_path / "out", "en")
    assert [p.name for p in paths] == ["klimatrapport_2024_en.xlsx", "klimatrapport_2024_en.html"]
    assert all(p.stat().st_size > 5000 for p in paths)
    assert not list((tmp_path / "out").glob("*.part"))


def test_a_run_without_classified_spend_still_renders(tmp_path):
    """Only an unmapped and an excluded line: no emissions, no categories, no suppliers - both reports still write."""
    con = store.connect(tmp_path / "empty.duckdb")
    try:
        for sql in seed.REFERENCE_SQL:
            con.execute(sql)
        con.execute("""insert into ledger_batch (batch_id, organisation_id, source_file_name, sha256, file_format,
                       fiscal_year, rows_read, rows_loaded, rows_rejected, status)
                       values (1, 'kommun', 'x.csv', 'a', 'csv', 2024, 2, 2, 0, 'loaded')""")
        seed.insert_lines(con, [(1, 2, "kommun", "2024-01", "9999", "?", "A", None, None, 100.0),
                                (1, 3, "kommun", "2024-01", "5011", "Löner", "A", None, None, 100.0)], 2024)
        engine_runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
        xlsx, html = report_html.write_reports(con, 2024, tmp_path / "out", "sv")
    finally:
        con.close()
    text = html.read_text(encoding="utf-8")
    assert_self_contained(text)
    assert float(Page(text).one(data_key="total_emissions_t")["data-value"]) == 0.0
    import openpyxl

    assert "Kategorier" in openpyxl.load_workbook(xlsx).sheetnames


def test_group_figures_when_the_run_covers_a_group(db, tmp_path):
    """A run over a municipality and its company: the consolidated figure leaves purchases within the group out.

    Hand-set here as the engine's marts give them (run_totals.group_emissions_kg_co2e, emissions_by_organisation).
    """
    con, _ = db
    data = report_data.gather(con, 2024)
    data.totals.update(group_emissions_kg_co2e=9499.0, intra_group_spend_sek=5000.0)
    data.organisation_totals = [
        {"organisation_id": "kommun", "is_group": True, "emissions_kg_co2e": 9499.0, "emissions_lower_kg_co2e": 6649.3,
         "emissions_upper_kg_co2e": 12348.7, "spend_sek": 93620.0, "intra_group_spend_sek": 5000.0,
         "intensity_kg_co2e_per_ksek": 105.0},
        {"organisation_id": "bolag", "is_group": False, "emissions_kg_co2e": 7000.0, "emissions_lower_kg_co2e": 4900.0,
         "emissions_upper_kg_co2e": 9100.0, "spend_sek": 40000.0, "intra_group_spend_sek": 0.0,
         "intensity_kg_co2e_per_ksek": 175.0},
    ]
    html = report_html.render_html(data, "sv")
    page = Page(html)
    assert float(page.one(data_key="group_emissions_t")["data-value"]) == pytest.approx(9.499)
    assert "Koncernen utan köp inom koncernen: 9,5" in " ".join(" ".join(page.text).split())
    assert "Testby kommun – koncernen" in html and 'data-group="true"' in html
    from pipeline.report import excel
    import openpyxl

    ws = openpyxl.load_workbook(excel.write_workbook(data, tmp_path / "g.xlsx", "sv"))["Sammanfattning"]
    values = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert values["Koncernen utan köp inom koncernen"] == pytest.approx(9.499)
    assert values["Testby kommun – koncernen"] == pytest.approx(9.499)
