"""Tests for pipeline.report_excel: read the workbook back (sheets, figures equal the marts, charts,
formula-injection safety), and convert it with LibreOffice headless to prove it opens without repair."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from tests.helpers import report_seed as seed
from pipeline.report import data as report_data, excel
from pipeline.engine import marts

SHEETS_SV = ["Sammanfattning", "Förvaltningar", "Fastighet", "Socialförvaltningen", "Barn- och utbildningsförvaltnin",
             'HYPERLINK("http   example.inval', "(förvaltning saknas)", "Kultur- och fritidsförvaltninge",
             "Kategorier", "Leverantörer", "Leverantörer att prata med", "Konton", "Månader", "Ej klassificerat", "Kontogranskning", "Exkluderat",
             "Avstämning", "Faktorsamlingar", "Energiuppskattningar", "Tveksamma faktorer",
             "Budget och utfall", "Investeringar", "Metod och källor"]


@pytest.fixture(scope="module")
def workbook_path(db, tmp_path_factory):
    """The Swedish workbook of 2024 with a budget and investments section."""
    con, _ = db
    data = report_data.gather(con, 2024, budget=seed.budget_section(2.0, 10.499),
                              investments=seed.investments_section())
    return excel.write_workbook(data, tmp_path_factory.mktemp("xlsx") / "k.xlsx", "sv")


@pytest.fixture(scope="module")
def wb(workbook_path):
    return openpyxl.load_workbook(workbook_path)


def table(ws, header_text: str) -> tuple[list[str], list[list]]:
    """Return (headers, rows) of the table whose first header cell is `header_text`."""
    for row in ws.iter_rows():
        if row[0].value == header_text:
            top = row[0].row
            headers = []
            for c in ws[top]:
                if c.value is None:
                    break
                headers.append(c.value)
            rows = []
            for r in ws.iter_rows(min_row=top + 1, max_col=len(headers), values_only=True):
                if all(v is None for v in r):
                    break
                rows.append(list(r))
            return headers, rows
    raise AssertionError(f"{ws.title}: no table starting with {header_text!r}")


def key_value(ws, label: str):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == label:
                return ws.cell(row=cell.row, column=cell.column + 1).value
    raise AssertionError(f"{ws.title}: no figure {label!r}")


def test_sheets_in_order(wb):
    assert wb.sheetnames == SHEETS_SV


def test_summary_figures_equal_the_marts(wb, db):
    con, runs = db
    totals = marts.read(con, "run_totals", runs[2024])[0]
    ws = wb["Sammanfattning"]
    assert key_value(ws, "Utsläpp från inköp") == pytest.approx(totals["total_emissions_kg_co2e"] / 1000)
    assert key_value(ws, "Lägre (t CO₂e)") == pytest.approx(totals["emissions_lower_kg_co2e"] / 1000)
    assert key_value(ws, "Inköp som räknas") == pytest.approx(float(totals["total_spend_sek"]))
    assert key_value(ws, "Exkluderade utgifter") == pytest.approx(float(totals["excluded_spend_sek"]))
    assert key_value(ws, "Förändring %") == pytest.approx(8499 / 2000)
    assert key_value(ws, "Budgeten tar slut") == 2027
    assert key_value(ws, "Bedömning") == "efter: behöver −31 % per år från 2025"
    assert ws.cell(row=1, column=1).value == "Klimatrapport 2024 – underlag för ekonomi"


def test_department_category_supplier_account_sheets_equal_the_marts(wb, db):
    con, runs = db
    run = runs[2024]
    headers, rows = table(wb["Förvaltningar"], "Plats")
    col = headers.index("Utsläpp (t CO₂e)")
    # the engine's stored placeholder for lines without a department is worded in the workbook's language
    from pipeline.organisations import NO_DEPARTMENT

    dep = {("(förvaltning saknas)" if r["department"] == NO_DEPARTMENT else r["department"]):
           r["emissions_kg_co2e"] / 1000 for r in marts.read(con, "emissions_by_department", run)}
    got = {r[headers.index("Förvaltning")].lstrip("'"): r[col] for r in rows}
    assert got == pytest.approx(dep)

    headers, rows = table(wb["Kategorier"], "Kategori")
    cats = {r["category_name_sv"]: r for r in marts.read(con, "emissions_by_category", run)}
    for r in rows:
        assert r[2] == pytest.approx(cats[r[0]]["emissions_kg_co2e"] / 1000)
        assert r[headers.index("Kreditnotor")] == pytest.approx(float(cats[r[0]]["credit_notes_sek"]))
    food = next(r for r in rows if r[0] == "Livsmedel")
    assert food[headers.index("Kreditnotor")] == -1000  # a negative number stays a number

    headers, rows = table(wb["Leverantörer"], "Leverantör")
    assert sum(r[2] for r in rows) == pytest.approx(10.499)
    # the suppliers to take into supplier dialogue: share, data quality and the width of the range, in tonnes
    headers, rows = table(wb["Leverantörer att prata med"], "Leverantör")
    hot = marts.read(con, "supplier_hotspots", run)
    assert headers[2:6] == ["Utsläpp (t CO₂e)", "Andel", "Datakvalitet (1 bäst – 5)",
                            "Osäkerhetsintervallets bredd (t CO₂e)"]
    widths = [r[5] for r in rows]
    assert widths == sorted(widths, reverse=True) and len(rows) == min(len(hot), 10)
    assert rows[0][5] == pytest.approx(max(h["range_width_kg_co2e"] for h in hot) / 1000)
    headers, rows = table(wb["Konton"], "Konto")
    accounts = marts.read(con, "emissions_by_account", run)
    assert sum(r[headers.index("Belopp (kr)")] for r in rows) == pytest.approx(
        sum(float(a["spend_sek"]) for a in accounts))

    # each account's factor by code and by name, as the mart gives them (a reader sees what was priced)
    by_account = {a["account"]: (a["factor_code"], a["factor_name"]) for a in accounts}
    assert {r[0].lstrip("'"): (r[headers.index("Faktor")], r[headers.index("Faktorns namn")]) for r in rows} \
        == by_account
    assert any(name for _, name in by_account.values())

    headers, rows = table(wb["Socialförvaltningen"], "Kategori")
    assert sum(r[headers.index("Utsläpp (t CO₂e)")] for r in rows) == pytest.approx(1.9)
    assert sum(r[headers.index("Belopp (kr)")] for r in rows) == pytest.approx(30000 + 4000 + 80000 + 3000)
    named = [(r[headers.index("Faktor")], r[headers.index("Faktorns namn")]) for r in rows]
    assert all(bool(code) == bool(name) for code, name in named) and any(code for code, _ in named), named


def test_mapping_review_sheet_lists_every_account_with_text_map_row_classification_and_factor(wb, db):
    """The mapping review sheet: one row per account of the run, largest spend first, as the mart says."""
    con, runs = db
    review = marts.read(con, "mapping_review", runs[2024], order_by="abs(spend_sek) desc, organisation_id, account")
    headers, rows = table(wb["Kontogranskning"], "Konto")
    assert headers[:6] == ["Konto", "Kontotext i reskontran", "Belopp (kr)", "Utsläpp (t CO₂e)", "Kartans rad",
                           "Benämning i kartan"]
    assert "Konflikt" in headers and "Bransch (SNI)" in headers and "Största leverantörer" in headers
    assert [r[0].lstrip("'") for r in rows] == [r["account"] for r in review]
    spend = headers.index("Belopp (kr)")
    assert [r[spend] for r in rows] == pytest.approx([float(r["spend_sek"]) for r in review])
    factor = headers.index("Faktor")
    assert [r[factor] for r in rows] == [r["factor_code"] for r in review]


def test_budget_and_investment_sheets(wb):
    ws = wb["Budget och utfall"]
    headers, rows = table(ws, "År")
    assert headers == ["År", "Budget", "Utfall", "Avvikelse", "Budget ackumulerat", "Utfall ackumulerat", "Trend"]
    assert [r[0] for r in rows] == list(range(2023, 2031))
    assert rows[1][2] == pytest.approx(10.499) and rows[0][1] == pytest.approx(2.0)
    assert key_value(ws, "Bedömning") == "efter: behöver −31 % per år från 2025"
    headers, rows = table(ws, "Organisation")
    assert [r[1] for r in rows] == ["Socialförvaltningen", "<b>Kultur</b>"] and rows[0][6] == "ligger efter budgeten"
    headers, rows = table(ws, "Perspektiv")
    assert [r[0] for r in rows] == ["organisationens inköp", "geografiskt"]
    inv = wb["Investeringar"]
    assert key_value(inv, "Grön andel") == 0.75
    assert key_value(inv, "Avgiften går till") == "gröna investeringar"
    _, rows = table(inv, "Projekt")
    assert "'=Ombyggnad kök" in {r[0] for r in rows}
    _, rows = table(inv, "År")
    assert [r[0] for r in rows] == [2025, 2026]


def test_reconciliation_sheet(wb):
    headers, rows = table(wb["Avstämning"], "Fil-id")
    by_id = {r[0]: dict(zip(headers, r)) for r in rows}
    assert set(by_id) == {2, 3, 4}
    assert by_id[2]["Rader lästa"] == 14 and by_id[2]["Rader avvisade"] == 1 and by_id[2]["Rader stämmer"] == "ja"
    assert by_id[2]["Summa avvisad"] == 500
    assert by_id[4]["Status"] == "ersatt"
    assert by_id[2]["Fil"] == "'=cmd|reskontra_2024.csv"  # ledger text is escaped


def test_charts_are_native_bar_and_line_charts(workbook_path):
    with zipfile.ZipFile(workbook_path) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        kinds = {n: re.findall(r"<(?:c:)?(barChart|lineChart)>", z.read(n).decode()) for n in charts}
        sheet1_rels = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert sorted(k for v in kinds.values() for k in v) == ["barChart", "lineChart"]
    assert "drawing" in sheet1_rels  # the department chart is on the summary sheet
    with zipfile.ZipFile(workbook_path) as z:
        bar = next(z.read(n).decode() for n in charts if "barChart" in z.read(n).decode())
    ref = re.search(r"<cat><strRef><f>'Förvaltningar'!\$([A-Z]+)\$(\d+):", bar)
    header = openpyxl.load_workbook(workbook_path)["Förvaltningar"][f"{ref.group(1)}{int(ref.group(2)) - 1}"].value
    assert header == "Förvaltning (organisation)"  # two organisations: each bar names its organisation


def test_formatting_frozen_header_autofilter_widths(wb):
    ws = wb["Förvaltningar"]
    headers, _ = table(ws, "Plats")
    top = next(c.row for c in ws["A"] if c.value == "Plats")
    assert ws.freeze_panes == f"A{top + 1}"
    assert ws.auto_filter.ref.startswith(f"A{top}:")
    emissions = ws.cell(row=top + 1, column=headers.index("Utsläpp (t CO₂e)") + 1)
    spend = ws.cell(row=top + 1, column=headers.index("Inköp som räknas") + 1)
    share = ws.cell(row=top + 1, column=headers.index("Andel av totalen") + 1)
    assert (emissions.number_format, spend.number_format, share.number_format) == ("#,##0.0", "#,##0", "0.0%")
    assert ws.column_dimensions["C"].width >= 30


def test_ledger_text_is_escaped_against_formula_injection(wb, workbook_path):
    evil = wb['HYPERLINK("http   example.inval']
    assert evil["A1"].value == "'" + seed.EVIL_DEPARTMENT and evil["A1"].data_type == "s"
    _, rows = table(wb["Leverantörer"], "Leverantör")
    names = {r[0] for r in rows}
    assert {"'" + seed.MINUS_SUPPLIER, "'" + seed.PLUS_SUPPLIER, "'" + seed.AT_SUPPLIER,
            "'" + seed.TAB_SUPPLIER, seed.SCRIPT_SUPPLIER} <= names
    _, rows = table(wb["Ej klassificerat"], "Konto")
    assert "'=1+1" in {r[0] for r in rows}
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(excel.FORMULA_STARTERS), f"{ws.title}!{cell.coordinate}"
    with zipfile.ZipFile(workbook_path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode()


@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+46 70", "'+46 70"), ("-x", "'-x"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Vård AB", "Vård AB"), ("a\x00b\x1fc", "abc"), ("x" * 40000, "x" * 32767),
])
def test_excel_text(value, expected):
    assert excel.excel_text(value) == expected


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    names = [excel.sheet_name(n, taken) for n in
             ["Konton", "konton", "a/b:c*d?e[f]g\\h", "'quoted'", "=1+1", "x" * 40, "x" * 40, "History", ""]]
    assert names[:2] == ["Konton", "konton (2)"]  # sheet names are unique regardless of case
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\']", n) for n in names)
    assert names[4] == "1+1" and names[5] != names[6] and names[7] == "History (2)" and names[8] == "-"
    assert len({n.lower() for n in names}) == len(names)


def test_without_budget_and_investments_the_sheets_say_so_in_english(db, tmp_path):
    con, _ = db
    path = excel.write_workbook(report_data.gather(con, 2024), tmp_path / "en.xlsx", "en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Summary" and "Budget vs actual" in wb.sheetnames
    assert wb["Budget vs actual"]["A3"].value == "No carbon budget defined yet – see klimatspend budget."
    assert wb["Investments"]["A3"].value == "No investments registered yet – see klimatspend investments."
    with zipfile.ZipFile(path) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 1  # departments only


def libreoffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.fail("LibreOffice is needed for this test: apt-get install -y libreoffice-calc-nogui "
                    "(.ci/run installs it)")
    return exe


def convert_with_libreoffice(path, tmp_path):
    """Convert `path` to xlsx with LibreOffice headless; return (converted path or None, output text)."""
    out = tmp_path / "lo"
    result = subprocess.run(
        [libreoffice(), f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    converted = out / path.name
    ok = result.returncode == 0 and converted.exists() and "Error" not in result.stderr
    return (converted if ok else None), result.stderr + result.stdout


def test_libreoffice_check_fails_on_a_damaged_workbook(workbook_path, tmp_path):
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(workbook_path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[: len(data) // 2] if name == "xl/workbook.xml" else data)
    converted, output = convert_with_libreoffice(damaged, tmp_path)
    assert converted is None and "could not be loaded" in output


def test_libreoffice_opens_and_rewrites_the_workbook(workbook_path, tmp_path):
    """LibreOffice reads the file (no repair), rewrites it as xlsx; sheets, figures and charts survive."""
    converted, output = convert_with_libreoffice(workbook_path, tmp_path)
    assert converted is not None, output
    wb = openpyxl.load_workbook(converted)
    assert wb.sheetnames == SHEETS_SV
    original = openpyxl.load_workbook(workbook_path)
    assert key_value(wb["Sammanfattning"], "Utsläpp från inköp") == pytest.approx(
        key_value(original["Sammanfattning"], "Utsläpp från inköp"))
    assert wb['HYPERLINK("http   example.inval']["A1"].value == "'" + seed.EVIL_DEPARTMENT
    with zipfile.ZipFile(converted) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        kinds = sorted(k for n in charts for k in re.findall(r"<(?:c:)?(barChart|lineChart)>", z.read(n).decode()))
    assert kinds == ["barChart", "lineChart"]
