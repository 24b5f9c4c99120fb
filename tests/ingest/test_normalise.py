"""Tests for pipeline.ingest.normalise: Swedish and English number, date, period, org-number and account forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from pipeline.ingest.columns import map_columns
from pipeline.ingest import normalise
from pipeline.ingest.normalise import NormaliseOptions, build_typed, detect_decimal_comma, install_macros


@pytest.fixture(scope="module")
def db():
    con = duckdb.connect()
    install_macros(con)
    yield con
    con.close()


NBSP, NNBSP = "\u00a0", "\u202f"

AMOUNTS = [
    # (text, decimal comma?, expected)
    ("1 234,50", True, "1234.50"),
    (f"1{NBSP}234,50", True, "1234.50"),
    (f"1{NNBSP}234,50", True, "1234.50"),
    ("1.234,50", True, "1234.50"),
    ("-1 234,50", True, "-1234.50"),
    ("1 234,50-", True, "-1234.50"),
    ("(1 234,50)", True, "-1234.50"),
    ("−1 234,50", True, "-1234.50"),          # Unicode minus
    ("1234.50", True, "1234.50"),              # a plain decimal point reads as such even in a comma file
    ("1234.50", False, "1234.50"),
    ("1,234.50", False, "1234.50"),
    ("1,234.50", True, "1234.50"),             # both separators: the last one is the decimal
    ("1.234.567,89", True, "1234567.89"),
    ("1 234 567", True, "1234567.00"),
    ("1,234,567", True, "1234567.00"),         # several groups: thousands, whatever the convention
    ("1.234", True, "1234.00"),                # one group of three after '.' in a comma file: thousands
    ("1,234", False, "1234.00"),
    ("12,5", False, "12.50"),                  # cannot be a thousands group: a decimal
    ("1234,5", True, "1234.50"),
    ("+5", True, "5.00"),
    ("100 kr", True, "100.00"),
    ("SEK 100", True, "100.00"),
    ("£1,234.50", False, "1234.50"),
    ("1 234:-", True, "1234.00"),
    ("1'234.50", False, "1234.50"),
    ("0,00", True, "0.00"),
]
BAD_AMOUNTS = ["12,5O", "abc", "--5", "1,2,3", "(100", "1e5", "12.34.56,7,8"]


@pytest.mark.parametrize("text,decimal_comma,expected", AMOUNTS)
def test_amount_forms(db, text, decimal_comma, expected):
    got = db.execute("select ks_amount(?, ?)", [text, decimal_comma]).fetchone()[0]
    assert got == Decimal(expected)


@pytest.mark.parametrize("text", BAD_AMOUNTS)
def test_amounts_that_are_not_numbers(db, text):
    assert db.execute("select ks_amount(?, true)", [text]).fetchone()[0] is None


@pytest.mark.parametrize("text,out_of_range", [
    ("9 999 999 999 999,99", False), ("-9 999 999 999 999,99", False), ("10 000 000 000 000,00", True),
    ("99999999999999999999", True), ("(6 000 000 000 000 000)", True), ("1" * 45, True), ("12,5O", False)])
def test_amounts_out_of_range_are_flagged_not_parsed(db, text, out_of_range):
    """Amounts of 10^13 or more (and numbers beyond DECIMAL(38, 2)) have no amount and chk_amount_range set."""
    row = _typed(db, [["4610", text, "2024-03-05"]], ["Konto", "Belopp", "Datum"])[0]
    assert row["chk_amount_range"] is out_of_range
    assert (row["amount"] is None) is (out_of_range or text == "12,5O")


@pytest.mark.parametrize("digits,ok", [("5560360793", True), ("5560360794", False), ("2120001884", True),
                                       ("9697123454", True), ("5566778899", True), ("1234567890", False)])
def test_luhn(db, digits, ok):
    assert db.execute("select ks_luhn_ok(?)", [digits]).fetchone()[0] is ok


def _typed(db, rows: list[list[str]], headers: list[str], **opts) -> list[dict]:
    """Build the typed table for hand-made rows and return it as dicts, by source row."""
    cols = ", ".join(f"c{i} varchar" for i in range(len(headers)))
    db.execute(f"create or replace temp table raw (source_row integer, {cols})")
    db.executemany(f"insert into raw values ({', '.join('?' for _ in range(len(headers) + 1))})",
                   [[i + 2, *r] for i, r in enumerate(rows)])
    build_typed(db, "raw", headers, map_columns(headers), NormaliseOptions(organisation_id="org", **opts), "typed")
    cur = db.execute("select * from typed order by source_row")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


@pytest.mark.parametrize("text,expected", [
    ("2024-03-05", date(2024, 3, 5)), ("20240305", date(2024, 3, 5)), ("05.03.2024", date(2024, 3, 5)),
    ("2024-03-05 00:00:00", date(2024, 3, 5)), ("2024-03-05T13:45:00", date(2024, 3, 5)),
    ("05/03/2024", date(2024, 3, 5)), ("5 Mar 2024", date(2024, 3, 5)), ("05-Mar-2024", date(2024, 3, 5)),
    ("2024/03/05", date(2024, 3, 5)), ("45356", date(2024, 3, 5)),   # Excel serial day number
])
def test_date_forms(db, text, expected):
    row = _typed(db, [[text, "4610", "1"]], ["Datum", "Konto", "Belopp"])[0]
    assert row["posting_date"] == expected and row["period"] == "2024-03" and row["fiscal_year"] == 2024
    assert row["chk_date_type"] is False


@pytest.mark.parametrize("text", ["2024-13-01", "31.02.2024", "mars", "2024-03"])
def test_dates_that_are_not_dates(db, text):
    row = _typed(db, [[text, "4610", "1"]], ["Datum", "Konto", "Belopp"])[0]
    assert row["posting_date"] is None and row["chk_date_type"] is True


@pytest.mark.parametrize("text,expected", [("2024-03", "2024-03"), ("202403", "2024-03"), ("2024-3", "2024-03"),
                                           ("03/2024", "2024-03"), ("2024-03-31", "2024-03"), ("3", "2024-03")])
def test_period_forms(db, text, expected):
    row = _typed(db, [[text, "4610", "1"]], ["Period", "Konto", "Belopp"], year=2024)[0]
    assert row["period"] == expected and row["fiscal_year"] == 2024 and row["chk_period_type"] is False


@pytest.mark.parametrize("text", ["202413", "2024-00", "13", "Q1"])
def test_periods_that_are_not_periods(db, text):
    row = _typed(db, [[text, "4610", "1"]], ["Period", "Konto", "Belopp"], year=2024)[0]
    assert row["chk_period_type"] is True


@pytest.mark.parametrize("text,normalised,invalid,foreign", [
    ("556036-0793", "556036-0793", False, False), ("5560360793", "556036-0793", False, False),
    ("556036 0793", "556036-0793", False, False), ("16556036-0793", "556036-0793", False, False),
    ("SE556036079301", "556036-0793", False, False),
    # only a valid Swedish number identifies the supplier; the others keep their row with a warning
    ("556036-0794", None, True, False), ("12345", None, True, False), ("SE556036079401", None, True, False),
    ("NO 912 345 678 MVA", None, False, True), ("DE260543043", None, False, True), ("FI 0112345-6", None, False, True),
])
def test_org_numbers(db, text, normalised, invalid, foreign):
    row = _typed(db, [["4610", "1", text]], ["Konto", "Belopp", "Organisationsnummer"], year=2024)[0]
    assert (row["supplier_org_number"], row["chk_org_invalid"], row["chk_org_foreign"]) == (normalised, invalid, foreign)


def test_account_with_its_text_in_the_same_cell(db):
    rows = _typed(db, [["4610 Köp av huvudverksamhet", "1"], ["4620 - Livsmedel", "1"], ["6110:El", "1"],
                       ["4610", "1"], ["4610.0", "1"], ["Fuel/Oil", "1"]],
                  ["Konto", "Belopp"], year=2024)
    assert [(r["account"], r["account_name"]) for r in rows] == [
        ("4610", "Köp av huvudverksamhet"), ("4620", "Livsmedel"), ("6110", "El"), ("4610", None), ("4610", None),
        ("Fuel/Oil", None)]


def test_account_text_is_not_split_when_accounts_are_free_text(db):
    rows = _typed(db, [["2022 Grants", "1"]], ["Expense Type", "Amount"], year=2024, split_account_text=False)
    # "Expense Type" maps to account_name by synonym, so there is no account at all here
    assert rows[0]["account"] is None and rows[0]["account_name"] == "2022 Grants"


def test_decimal_convention_is_detected_from_the_column(db):
    point = _typed(db, [["4610", "1,234.50"], ["4610", "12.00"], ["4610", "1,234"]], ["Konto", "Amount"], year=2024)
    comma = _typed(db, [["4610", "1.234,50"], ["4610", "12,00"], ["4610", "1.234"]], ["Konto", "Belopp"], year=2024)
    assert [r["amount"] for r in point] == [Decimal("1234.50"), Decimal("12.00"), Decimal("1234.00")]
    assert [r["amount"] for r in comma] == [Decimal("1234.50"), Decimal("12.00"), Decimal("1234.00")]


def test_department_falls_back_to_committee_then_cost_centre(db):
    rows = _typed(db, [["4610", "1", "Socialförvaltningen", "SN", "1100"], ["4610", "1", "", "SN", "1100"],
                       ["4610", "1", "", "", "1100"]],
                  ["Konto", "Belopp", "Förvaltning", "Nämnd", "Ansvar"], year=2024)
    assert [r["department"] for r in rows] == ["Socialförvaltningen", "SN", "1100"]


def test_total_rows_are_flagged(db):
    rows = _typed(db, [["4610", "100", "Vård"], ["", "100", "Summa"], ["", "100", "Totalt"], ["", "5", "Summering"],
                       ["4610", "1", "Summa"]], ["Konto", "Belopp", "Text"], year=2024)
    assert [r["chk_total_row"] for r in rows] == [False, True, True, False, False]


@pytest.mark.parametrize("text,expected", [(t, e) for t, dc, e in AMOUNTS if dc] + [(t, None) for t in BAD_AMOUNTS]
                         + [("1_000", None), ("1e5", None), ("1.234", "1234.00")])
def test_amounts_in_a_decimal_comma_file_take_the_same_value_on_the_fast_path(db, text, expected):
    """The typed table casts plain values directly; it must agree with the full parser."""
    rows = _typed(db, [["4610", text], ["4610", "1 000,50"], ["4610", "2,25"]], ["Konto", "Belopp"], year=2024)
    assert rows[0]["amount"] == (None if expected is None else Decimal(expected))


def test_decimal_convention_widens_an_unclear_sample(db, monkeypatch):
    """The first DECIMAL_SAMPLE amounts decide only when clear (2 to 1 and at least 100 of them); whole kronor
    at the top of a file are no verdict, so the wider sample is read: 10 "100" then 150 ",50" amounts is a comma
    file. With the first sample only (both limits 10), it is undecided (None)."""
    values = ["100"] * 10 + ["12,50"] * 150
    db.execute("create or replace temp table dec_raw as select unnest(?::varchar[]) as c0", [values])
    monkeypatch.setattr(normalise, "DECIMAL_SAMPLE", 10)
    assert detect_decimal_comma(db, "dec_raw", "c0") is True
    monkeypatch.setattr(normalise, "DECIMAL_SAMPLE_MAX", 10)
    assert detect_decimal_comma(db, "dec_raw", "c0") is None


def test_periods_and_date_months_are_parsed_per_distinct_value(db):
    """Period cells and dates are parsed once per distinct value and joined back: every row gets its own month."""
    rows = _typed(db, [["4610", "1", "2024-03", "2024-03-05"], ["4610", "2", "03/2024", ""], ["4610", "3", "", "2024-04-30"],
                       ["4610", "4", "13", "2024-05-01"], ["4610", "5", "2024-03", "2024-03-06"]],
                  ["Konto", "Belopp", "Period", "Datum"], year=2024)
    assert [r["period"] for r in rows] == ["2024-03", "2024-03", "2024-04", "2024-05", "2024-03"]
    assert [r["period_month"] for r in rows] == [202403, 202403, None, None, 202403]
    assert [r["date_month"] for r in rows] == [None, None, 202404, 202405, None]
    assert [r["chk_period_type"] for r in rows] == [False, False, False, True, False]
    assert [r["fiscal_year"] for r in rows] == [2024] * 5


PLAIN_EDGES = ["12,", ",5", "-0,5", "007,25", "12,345", "1" * 40, "-12", "+12,5", "12.345", "1.5", "0", "-0"]


@pytest.mark.parametrize("decimal_comma,expected", [
    # comma file: "12," and ",5" are not plain (no digit after / before the comma) and take the compacting fast
    # path (12.00, 0.50); "12,345" is plain: 12.345 rounded to cents = 12.35; "12.345" is a thousands group: 12345
    (True, ["12.00", "0.50", "-0.50", "7.25", "12.35", None, "-12.00", "12.50", "12345.00", "1.50", "0.00", "0.00"]),
    # point file: "12," and ",5" are not numbers; "12,345" is a thousands group; "12.345" is plain: 12.35
    (False, [None, None, "-0.50", "7.25", "12345.00", None, "-12.00", "12.50", "12.35", "1.50", "0.00", "0.00"]),
])
def test_plain_amounts_take_the_values_of_the_fast_path(db, decimal_comma, expected):
    """A plain cell (digits, one decimal separator, a leading minus) is cast without compacting; the values are those
    the compacting fast path and the full parser gave before, and a plain 40-digit number that no cast can read falls
    through to the full parser: out of range (no amount, chk_amount_range)."""
    rows = _typed(db, [["4610", v] for v in PLAIN_EDGES], ["Konto", "Belopp"], year=2024,
                  decimal_comma=decimal_comma)
    assert [r["amount"] for r in rows] == [None if e is None else Decimal(e) for e in expected]
    assert [r["chk_amount_range"] for r in rows] == [v == "1" * 40 for v in PLAIN_EDGES]
