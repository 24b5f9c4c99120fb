"""pipeline.numbers: one rule for writing numbers (reports, web, CLI) and one for reading what people write."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline import numbers
from pipeline.numbers import PLAIN, fmt_number, fmt_percent, parse_number


@pytest.mark.parametrize("text, expected", [
    # what the ledger-side reader (activity data) accepted
    ("1 250,5", 1250.5), ("1250.5", 1250.5), ("1,250.5", 1250.5), ("-3", -3.0), ("+3", 3.0),
    ("1.234,5", 1234.5), ("12.", 12.0), (".5", 0.5), ("1,5e3", 1500.0), ("3\u00a0400\u00a0000", 3400000.0),
    # what the input-table reader (budget, investments) accepted besides
    ("\u221212", -12.0), ("\u22123,0", -3.0), ("1\u202f234,50", 1234.5), (" 1 234,50 ", 1234.5),
    ("1,25", 1.25), ("1.234", 1.234),
])
def test_parse_number_accepts_what_either_old_reader_accepted(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text, message", [
    ("", "is empty"), ("  \u00a0", "is empty"), ("abc", "is not a number"), ("1,2,3", "is not a number"),
    ("12 %", "is not a number"), ("1e999", "is not a finite number"), ("inf", "is not a number"),
    ("%", "is not a number"),
])
def test_parse_number_refuses_with_a_message_that_completes_value_x(text, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        parse_number(text)


def test_a_trailing_percent_sign_only_when_asked():
    assert parse_number("12 %", percent=True) == 12.0
    assert parse_number("\u22121,5\u00a0%", percent=True) == -1.5
    assert parse_number("0.16", percent=True) == 0.16


@pytest.mark.parametrize("value, decimals, expected", [
    (12345.6, 1, "12,345.6"), (-1234.5, 2, "-1,234.50"), (None, 0, "-"), (Decimal("1500.25"), 2, "1,500.25"),
    (float("nan"), 0, "-"), (-0.04, 1, "0.0"),
])
def test_the_cli_prints_plain_english_ascii(value, decimals, expected):
    assert fmt_number(value, decimals, PLAIN) == expected


def test_plain_percent_and_signed():
    assert fmt_percent(0.125, 1, PLAIN) == "12.5 %"
    assert fmt_percent(None, 1, PLAIN) == "-"
    assert fmt_number(12.4, 0, PLAIN, signed=True) == "+12"
    assert fmt_number(-12.4, 0, PLAIN, signed=True) == "-12"


def test_infinity_and_nan_are_missing_in_every_style():
    for lang in ("sv", "en"):
        assert fmt_number(float("inf"), 0, lang) == "–"
        assert fmt_percent(float("nan"), 1, lang) == "–"
        assert numbers.fmt_tonnes(float("nan"), lang=lang) == "–"


def test_dates_are_iso_in_every_language():
    from datetime import date, datetime

    assert numbers.fmt_date(datetime(2024, 3, 5, 14, 7, 59)) == "2024-03-05 14:07"
    assert numbers.fmt_date(date(2024, 3, 5)) == "2024-03-05"
    assert numbers.fmt_date(None) == ""


def test_a_long_name_is_cut_with_an_ellipsis_and_a_short_one_kept():
    name = "Insurance and pension funding services, except compulsory social security services (66)"
    assert numbers.fmt_short(name, 40) == "Insurance and pension funding services,…"
    assert len(numbers.fmt_short(name, 40)) == 40
    assert numbers.fmt_short("Construction work (45)", 40) == "Construction work (45)"
