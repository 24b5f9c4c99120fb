"""Tests for pipeline.ingest: whole files through ingest_file — reconciliation, profiles, real public files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.errors import InputFileError, MissingColumnError, UsageError
from pipeline.ingest import IngestOptions, ingest_file, preview_columns
from pipeline.ingest.profiles import get_profile, load_profiles, suggest_profiles
from tests.helpers.paths import FIXTURES

INGEST = FIXTURES / "ingest"


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _lines(con, batch_id: int) -> list[dict]:
    cur = con.execute("select * from ledger_line where batch_id = ? order by source_row", [batch_id])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_worked_example_reconciles(con, tmp_path):
    """Five rows; every one is loaded or quarantined, and the sums reconcile.

    row 2  4610  1 234,50   -> loaded   1 234.50
    row 3  6461  12,5O      -> quarantined (type-error); no readable amount, counts 0 in the sums
    row 4  7010  (100,00)   -> loaded    -100.00   (parentheses = negative)
    row 5  6461  200,00-    -> loaded    -200.00   (trailing minus = credit)
    row 6  Summa 934,50     -> quarantined (total-row): the file's own total
    rows read 5 = loaded 3 + quarantined 2
    sum read  = 1 234.50 - 100.00 - 200.00 + 934.50 = 1 869.00
    sum loaded = 1 234.50 - 100.00 - 200.00 = 934.50; sum quarantined = 0 + 934.50 = 934.50
    1 869.00 = 934.50 + 934.50, and the total row equals the loaded sum.
    """
    path = _write(tmp_path, "ledger_2024.csv", "Bokföringsdatum;Konto;Förvaltning;Belopp\r\n"
                  "2024-03-05;4610;Socialförvaltningen;1 234,50\r\n"
                  "2024-03-06;6461;Servicekontoret;12,5O\r\n"
                  "2024-03-07;7010;Tekniska förvaltningen;(100,00)\r\n"
                  "2024-03-08;6461;Servicekontoret;200,00-\r\n"
                  ";;Summa;934,50\r\n", "cp1252")
    r = ingest_file(con, path, IngestOptions(year=2024))
    assert (r.status, r.rows_read, r.rows_loaded, r.rows_rejected) == ("loaded", 5, 3, 2)
    assert (r.sum_read, r.sum_loaded, r.sum_rejected) == (1869.00, 934.50, 934.50)
    assert r.errors[0] == 'ledger_2024.csv: row 3, column "Belopp": value "12,5O" is not a number (type-error)'
    assert r.errors[1].startswith("ledger_2024.csv: row 6: the row looks like a total")
    assert "row 6 is the file's own total (934.50); it equals the sum of the loaded rows (934.50)" in r.notes
    stored = con.execute("select rows_read, rows_loaded, rows_rejected, sum_read, sum_loaded, sum_rejected, status "
                         "from ledger_batch where batch_id = ?", [r.batch_id]).fetchone()
    assert stored == (5, 3, 2, Decimal("1869.00"), Decimal("934.50"), Decimal("934.50"), "loaded")
    assert [(x["source_row"], x["amount"]) for x in _lines(con, r.batch_id)] == [
        (2, Decimal("1234.50")), (4, Decimal("-100.00")), (5, Decimal("-200.00"))]


def test_empty_rows_are_skipped_and_said_so(con, tmp_path):
    """Rows with nothing in any cell (";;;" or blank lines) are not ledger lines: not counted as read, and the
    result says how many were skipped, in both languages."""
    from pipeline.i18n import labels

    path = _write(tmp_path, "gaps.csv", "Bokföringsdatum;Konto;Förvaltning;Belopp\n"
                  "2024-03-05;4610;Socialförvaltningen;100,00\n"
                  ";;;\n"
                  "\n"
                  "2024-03-06;6461;Servicekontoret;50,00\n")
    r = ingest_file(con, path, IngestOptions(year=2024))
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.sum_loaded) == (2, 2, 0, 150.00)
    note = next(n for n in r.notes if "empty row" in n)
    assert note == "2 empty row(s) skipped: no cell holds anything, so they are not ledger lines and not counted as read"
    assert labels("sv").note(note).startswith("2 tom(ma) rad(er) hoppades över")


def test_all_number_and_date_forms_in_one_file(con, tmp_path):
    rows = [("2024-03-05", "1 234,50"), ("20240306", "1\u00a0234,50"), ("07.03.2024", "1.234,50"),
            ("2024-03-08 00:00:00", "-1 234,50"), ("2024-03-09", "1 234,50-"), ("2024-03-10", "(1 234,50)"),
            ("2024-03-11", "1234.50")]
    body = "Datum;Konto;Belopp\n" + "".join(f"{d};4610;{a}\n" for d, a in rows)
    r = ingest_file(con, _write(tmp_path, "forms.csv", body), IngestOptions(year=2024, department="Kommunledningsförvaltningen"))
    assert r.rows_loaded == 7 and r.rows_rejected == 0
    got = [(x["posting_date"].day, x["amount"]) for x in _lines(con, r.batch_id)]
    assert got == [(5, Decimal("1234.50")), (6, Decimal("1234.50")), (7, Decimal("1234.50")),
                   (8, Decimal("-1234.50")), (9, Decimal("-1234.50")), (10, Decimal("-1234.50")),
                   (11, Decimal("1234.50"))]


@pytest.fixture(scope="module")
def uk(tmp_path_factory):
    """Both UK council files loaded once with the UK profile: (connection, {file: result})."""
    from pipeline import store

    connection = store.connect(tmp_path_factory.mktemp("uk") / "uk.duckdb")
    results = {name: ingest_file(connection, INGEST / "uk" / name, IngestOptions(profile="uk-council-spend"))
               for name in ("calderdale_2022-08_clean.csv", "harrogate_2022-08_clean.csv")}
    yield connection, results
    connection.close()


@pytest.mark.parametrize("name,total,rows", [("calderdale_2022-08_clean.csv", "15901508.75", 1956),
                                             ("harrogate_2022-08_clean.csv", "5385270.74", 1873)])
def test_uk_council_files_load_with_reconciled_totals(uk, name, total, rows):
    con, results = uk
    r = results[name]
    assert (r.status, r.rows_read, r.rows_loaded, r.rows_rejected, r.currency) == ("loaded", rows, rows, 0, "GBP")
    assert Decimal(str(r.sum_read)) == Decimal(total) == Decimal(str(r.sum_loaded))
    stored = con.execute("select sum(amount), count(*) from ledger_line where batch_id = ?", [r.batch_id]).fetchone()
    assert stored == (Decimal(total), rows)


def test_uk_account_is_the_expense_type_text(uk):
    con, results = uk
    calderdale, harrogate = results["calderdale_2022-08_clean.csv"], results["harrogate_2022-08_clean.csv"]
    assert calderdale.column_mapping["fields"]["account"] == \
        "Procurement Classification: Council's Procurement Category Name"
    assert calderdale.column_mapping["fallbacks"]["account"] == ["Expense Code"]
    assert harrogate.column_mapping["fields"]["account"] == "Expenditure Code"
    accounts = dict(con.execute("select account, count(*) from ledger_line where batch_id = ? group by all",
                                [calderdale.batch_id]).fetchall())
    assert accounts["Private Contractors"] == 589
    # 7 rows have no procurement category: their expense code stands in, so nothing is lost
    assert accounts["17LC0074"] == 3
    # the other expense columns (and the fallback) stay with every line, by their headers
    extra = json.loads(_lines(con, calderdale.batch_id)[0]["extra"])
    assert extra["Expense Code"] == "88769499" and extra["Definition"] == "Residential Care"
    lines = _lines(con, harrogate.batch_id)
    assert (lines[0]["account"], lines[0]["department"], lines[0]["cost_centre"], lines[0]["currency"]) == (
        "Fuel/Oil", "Community", "Arboriculture", "GBP")
    assert json.loads(lines[0]["extra"])["Expenditure Category"] == "Transport"


def test_uk_file_without_profile_is_recognised_and_reconciles(con):
    """Issue 17: a council file loads as published, with no --profile: the profile is chosen by its columns."""
    result = ingest_file(con, INGEST / "uk" / "harrogate_2022-08_clean.csv")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (1873, 1873, 0)
    assert f"{result.sum_read:.2f}" == "5385270.74"
    assert any("read with the import profile uk-council-spend" in n for n in result.notes)
    assert result.currency == "GBP"


SIE_FILES = {
    # file: (ledger lines, quarantined, sum of ledger lines)
    "BL0001_typ4.SE": (108, 0, "65624.70"),
    "MAMUT_SIE4_EXPORT.SE": (8, 0, "260946.19"),
    "SIE4_Exempelfil_med_underdim.SE": (421, 0, "4704529.30"),
    "Sie4.se": (58, 37, "74553.39"),                       # 37 lines on the account "FEL" (not a number)
    "XE_SIE_4_20151125095119.SE": (28, 0, "169200.00"),
    "transaktioner_ovnbolag.se": (144, 0, "1686546.38"),
    "transaktioner_ovnbolag-bad-balance.se": (144, 1, "1686546.38"),
}


@pytest.mark.parametrize("name", list(SIE_FILES))
def test_sie_files_load_and_reconcile(con, name):
    lines, rejected, total = SIE_FILES[name]
    r = ingest_file(con, INGEST / "sie" / name)
    assert (r.file_format, r.rows_read, r.rows_rejected, r.rows_loaded) == ("sie", lines, rejected, lines - rejected)
    assert Decimal(str(r.sum_read)) == Decimal(total)
    facts = r.source_info["sie"]
    # every transaction of the file is accounted for: ledger lines + other lines = all transactions
    assert Decimal(facts["ledger_lines_sum"]) + Decimal(facts["other_lines_sum"]) == Decimal(
        facts["all_transactions_sum"])
    assert Decimal(facts["ledger_lines_sum"]) == Decimal(total)


def test_unbalanced_sie_voucher_is_reported(con):
    r = ingest_file(con, INGEST / "sie" / "transaktioner_ovnbolag-bad-balance.se")
    assert r.errors == ['transaktioner_ovnbolag-bad-balance.se: row 3908, column "Belopp": voucher B 1 of 2011-01-07 '
                        'does not balance: its 3 transactions sum to -12771.00 (unbalanced-voucher)']
    assert "1 voucher(s) do not balance" in " ".join(r.notes)
    assert r.source_info["sie"]["all_transactions_sum"] == "-12771.00"


def test_unbalanced_sie_voucher_without_ledger_lines_is_a_warning(con):
    r = ingest_file(con, INGEST / "sie" / "XE_SIE_4_20151125095119.SE")
    assert r.rows_rejected == 0
    assert r.warnings == ["XE_SIE_4_20151125095119.SE: row 1356: voucher 1 1 of 2015-09-12 does not balance: its 2 "
                          "transactions sum to 2.00 (no ledger line in it; nothing quarantined) (unbalanced-voucher)"]


def test_sie_objects_become_department_and_project_and_account_names_are_kept(con):
    r = ingest_file(con, INGEST / "sie" / "Sie4.se")
    line = next(x for x in _lines(con, r.batch_id) if x["source_row"] == 727)
    assert (line["account"], line["account_name"], line["department"], line["cost_centre"], line["project"]) == (
        "6010", "Hyror mm", "kostnadsställe nr 1", "1", "Projekt 1")
    assert line["posting_date"].isoformat() == "2014-01-14" and line["description"] == "136 Standardleverantören"
    assert json.loads(line["extra"])["Verifikation"] == "1 8"


def test_sie_scope_option_widens_the_ledger_lines(con):
    narrow = ingest_file(con, INGEST / "sie" / "transaktioner_ovnbolag.se", IngestOptions(organisation_id="a"))
    wide = ingest_file(con, INGEST / "sie" / "transaktioner_ovnbolag.se",
                       IngestOptions(organisation_id="b", profile="sie-with-investments",
                                     create_organisation=True))
    assert wide.rows_read > narrow.rows_read
    assert wide.source_info["sie"]["ledger_accounts"] == get_profile("sie-with-investments").sie_ledger_accounts


def test_open_accounts_payable_format(con):
    r = ingest_file(con, INGEST / "open_ap_2024.csv", IngestOptions(year=2024))
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (8, 7, 1)
    assert r.sum_loaded == 577384.90
    lines = _lines(con, r.batch_id)
    assert (lines[0]["account"], lines[0]["account_name"], lines[0]["department"], lines[0]["supplier_org_number"],
            lines[0]["amount"]) == ("4610", "Köp av huvudverksamhet", "Socialförvaltningen", "556036-0793",
                                    Decimal("125000.00"))
    assert lines[5]["account_name"] == "Programvaror - licenser"
    batch = con.execute("select amounts_include_vat from ledger_batch where batch_id = ?", [r.batch_id]).fetchone()
    assert batch == (False,)   # "exkl. moms"


def test_amount_header_including_vat_marks_the_batch(con, tmp_path):
    path = _write(tmp_path, "inkl.csv", "Datum;Konto;Belopp inkl. moms\n2024-01-02;4610;125,00\n")
    r = ingest_file(con, path, IngestOptions(year=2024, department="Kommunledningsförvaltningen"))
    assert con.execute("select amounts_include_vat from ledger_batch where batch_id = ?",
                       [r.batch_id]).fetchone() == (True,)
    assert any("includes VAT" in n for n in r.notes)


def test_file_without_dates_needs_a_declared_period(con, tmp_path):
    path = _write(tmp_path, "nodate.csv", "Konto;Belopp\n4610;100\n4620;50\n")
    with pytest.raises(MissingColumnError, match=r"nodate.csv: no date or period column found \(headers: 'Konto', "
                                                 r"'Belopp'\); pass --year YYYY or --period YYYY-MM"):
        ingest_file(con, path)
    r = ingest_file(con, path, IngestOptions(period="2024-05", department="Kommunledningsförvaltningen"))
    assert r.rows_loaded == 2
    assert {(x["period"], x["fiscal_year"], x["posting_date"]) for x in _lines(con, r.batch_id)} == {
        ("2024-05", 2024, None)}


@pytest.mark.parametrize("period", ["2024-13", "24-05", "2024/05", "1980-01"])
def test_bad_declared_period_is_a_usage_error(con, tmp_path, period):
    path = _write(tmp_path, "p.csv", "Konto;Belopp\n4610;100\n")
    with pytest.raises(UsageError, match="--period"):
        ingest_file(con, path, IngestOptions(period=period))


def test_currency_column_and_currency_option(con, tmp_path):
    path = _write(tmp_path, "cur.csv", "Datum;Konto;Belopp;Valuta\n2024-01-02;4610;10,00;eur\n2024-01-03;4610;5,00;\n")
    r = ingest_file(con, path, IngestOptions(currency="NOK", department="Kommunledningsförvaltningen"))
    assert [x["currency"] for x in _lines(con, r.batch_id)] == ["EUR", "NOK"]


def test_map_option_and_profile_columns(con, tmp_path):
    path = _write(tmp_path, "custom.csv", "När;Vilket konto;Hur mycket\n2024-01-02;4610;10,00\n")
    with pytest.raises(MissingColumnError):
        ingest_file(con, path)
    r = ingest_file(con, path, IngestOptions(column_overrides={"account": "Vilket konto", "amount": "Hur mycket",
                                                               "posting_date": "När"}, department="Kommunledningsförvaltningen"))
    assert r.rows_loaded == 1 and r.column_mapping["source"]["account"] == "--map"


def test_profiles_file_of_the_user(con, tmp_path):
    profiles = tmp_path / "mine.toml"
    profiles.write_text('[kommunx]\ndescription = "Kommun X"\ncurrency = "EUR"\ndecimal = "point"\n'
                        '[kommunx.columns]\naccount = ["Vilket konto"]\namount = "Hur mycket"\n'
                        'posting_date = "När"\n', encoding="utf-8")
    path = _write(tmp_path, "custom.csv", "När;Vilket konto;Hur mycket\n2024-01-02;4610;1,234\n")
    r = ingest_file(con, path, IngestOptions(profile="kommunx", profiles_file=str(profiles), department="Kommunledningsförvaltningen"))
    assert r.currency == "EUR" and r.sum_loaded == 1234.0 and r.profile == "kommunx"
    assert "kommunx" in load_profiles(profiles) and "raindance" in load_profiles(profiles)
    # an explicit option wins over the profile
    r2 = ingest_file(con, path, IngestOptions(profile="kommunx", profiles_file=str(profiles), currency="SEK",
                                              organisation_id="other", decimal_comma=True, department="Kommunledningsförvaltningen",
                                              create_organisation=True))
    assert r2.currency == "SEK" and r2.sum_loaded == 1.23


@pytest.mark.parametrize("content,message", [
    ('[x]\nfoo = 1\n', "unknown setting(s) foo"),
    ('[x.columns]\nkontot = "K"\n', "columns.kontot is not a field"),
    ('[x]\ndecimal = "dot"\n', 'decimal must be "comma" or "point"'),
    ('[x]\naccount_pattern = "("\n', "account_pattern is not a valid regular expression"),
    ("[x\n", "not a valid TOML profiles file"),
])
def test_bad_profiles_file_is_a_clear_usage_error(tmp_path, content, message):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_profiles(path)


def test_unknown_profile_lists_the_profiles():
    with pytest.raises(UsageError, match=r"--profile visma2: no such import profile; available: goteborg, open-ap, "
                                         r"raindance, sambruk"):
        get_profile("visma2")


def test_every_shipped_profile_loads_and_has_a_description():
    profiles = load_profiles()
    assert {"raindance", "unit4", "visma", "open-ap", "uk-council-spend", "sie"} <= set(profiles)
    assert all(p.description for p in profiles.values())
    assert get_profile("agresso").name == "unit4" and get_profile("UK").name == "uk-council-spend"


def test_suggested_profiles_for_uk_headers():
    assert suggest_profiles(["Service Area", "Expense Type", "Amount", "Date"]) == ["uk-council-spend"]


def test_preview_shows_what_was_detected(con):
    pv = preview_columns(con, INGEST / "open_ap_2024.csv", IngestOptions())
    assert (pv["format"], pv["encoding"], pv["delimiter"], pv["header_row"], pv["rows"]) == (
        "csv", "utf-8 with BOM", ";", 1, 8)
    fields = {c["header"]: (c["field"], c["found_by"]) for c in pv["columns"]}
    assert fields["Konto"] == ("account", "synonym")
    assert fields["Konterat belopp exkl. moms"] == ("amount", "synonym")
    assert pv["columns"][0]["sample"][0] == "Socialförvaltningen" and pv["missing_required"] == []
    assert con.execute("select count(*) from ledger_batch").fetchone() == (0,)


def test_dry_run_stores_nothing(con):
    r = ingest_file(con, INGEST / "open_ap_2024.csv", IngestOptions(year=2024, dry_run=True))
    assert (r.status, r.batch_id, r.rows_loaded, r.rows_rejected) == ("validated", None, 7, 1)
    assert r.sum_loaded == 577384.90
    for table in ("ledger_batch", "ledger_line", "rejected_line", "validation_issue"):
        assert con.execute(f"select count(*) from {table}").fetchone() == (0,)


def test_missing_file_and_directory(con, tmp_path):
    with pytest.raises(InputFileError, match="^nope.csv: no such file$"):
        ingest_file(con, tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match="no such file"):
        ingest_file(con, tmp_path)


def test_ingest_after_a_half_read_result_on_the_same_connection(con):
    """DuckDB 2 refuses to register a DataFrame while a result is half read; callers (web app) may leave one."""
    con.execute("select * from range(10)").fetchone()
    r = ingest_file(con, INGEST / "ledger_title_rows.xlsx")
    assert r.rows_loaded == 4


@pytest.mark.parametrize("title_end,body_end", [("\n", "\r\n"), ("\r\n", "\r\n"), ("\r", "\r"), ("\n", "\n")])
def test_line_endings_mixed_or_not_keep_row_numbers(con, tmp_path, title_end, body_end):
    text = (f"Leverantörsreskontra{title_end}Uttag 2024-04-02{title_end}"
            + body_end.join(["Datum;Konto;Belopp", "2024-01-02;4610;1,00", "2024-01-03;4620;2,00"]) + body_end)
    path = _write(tmp_path, "endings.csv", text, "cp1252")
    r = ingest_file(con, path, IngestOptions(year=2024, department="Kommunledningsförvaltningen"))
    assert [x["source_row"] for x in _lines(con, r.batch_id)] == [4, 5] and r.sum_loaded == 3.0


def test_sie_department_names_fill_the_register_without_overwriting_a_loaded_one(con):
    """Sie4.se names dimension 1's objects (#OBJEKT 1 "1" "kostnadsställe nr 1"): they join the register of the
    organisation, except a code the register already names (a loaded register file wins)."""
    from pipeline.organisations import add_organisation, list_departments, load_departments

    add_organisation(con, "bolaget", name="Bolaget AB", kind="company")
    load_departments(con, "bolaget", [{"code": "2", "name": "Lagret"}], source="avdelningar.csv")
    r = ingest_file(con, INGEST / "sie" / "Sie4.se", IngestOptions(organisation_id="bolaget"))
    register = {d["code"]: (d["name"], d["source"]) for d in list_departments(con, "bolaget")}
    assert register["1"] == ("kostnadsställe nr 1", "Sie4.se")
    assert register["2"] == ("Lagret", "avdelningar.csv")
    assert any("from the file's #OBJEKT added to the department register" in n for n in r.notes)
    from pipeline.i18n import labels
    assert any(labels("sv").note(n).endswith("avdelningsnamn från filens #OBJEKT lades till i avdelningsregistret")
               for n in r.notes)
