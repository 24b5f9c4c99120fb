"""Tests for pipeline.i18n: both languages have the same labels; numbers formatted the Swedish and English way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline import i18n, numbers
from pipeline.errors import UsageError


def test_languages_have_the_same_keys():
    sv, en = i18n.labels("sv"), i18n.labels("en")
    assert sv.keys() == en.keys()
    assert all(sv[k].strip() and en[k].strip() for k in sv.keys())


def test_placeholders_match_between_languages():
    import string

    sv, en = i18n.labels("sv"), i18n.labels("en")
    for key in sv.keys():
        fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731
        assert fields(sv[key]) == fields(en[key]), key


def test_default_language_is_swedish_and_unknown_is_a_usage_error():
    assert i18n.labels(None).lang == "sv"
    with pytest.raises(UsageError, match="--lang de: unknown language; use one of sv, en"):
        i18n.labels("de")


@pytest.mark.parametrize("value, decimals, lang, expected", [
    (1234567.891, 0, "sv", "1\u00a0234\u00a0568"),
    (1234567.891, 1, "en", "1,234,567.9"),
    (Decimal("-1500.25"), 2, "sv", "\u22121\u00a0500,25"),
    (-0.04, 1, "sv", "0,0"),
    (None, 1, "en", "–"),
])
def test_fmt_number(value, decimals, lang, expected):
    assert numbers.fmt_number(value, decimals, lang) == expected


def test_fmt_percent_signed_and_tonnes():
    assert numbers.fmt_percent(0.5833, 0, "sv", signed=True) == "+58\u00a0%"
    assert numbers.fmt_percent(0.125, 1, "en") == "12.5%"
    assert numbers.fmt_tonnes(10499.0, lang="en") == "10.5"      # below 100 t: one decimal
    assert numbers.fmt_tonnes(123456.0, lang="sv") == "123"       # from 100 t: whole tonnes
    assert numbers.fmt_msek(98620.0, "sv") == "0,1"


def test_label_formatting_and_readable_codes():
    sv = i18n.labels("sv")
    assert sv.t("report_title", year=2024) == "Klimatrapport 2024"
    assert sv.rule_level("account_group") == "kontogrupp"
    assert sv.reason("personnel") == "personalkostnader"
    assert sv.rule_level("something_new") == "something_new"


def test_ingest_notes_read_in_swedish_and_unknown_notes_stay_as_written():
    labels = i18n.labels
    sv = labels("sv")
    assert sv.note("2 row(s) have no readable amount (or one out of range): they are quarantined and count as 0 in "
                   "the sums") == ("2 rad(er) saknar läsbart belopp (eller har ett belopp utanför gränserna): de läggs "
                               "i karantän och räknas som 0 i summorna")
    assert sv.note("replaces batch 3, batch 4 (as asked): batch 3 (a.csv)") == "ersätter batch 3, batch 4 (som du valde): " \
                                                                             "batch 3 (a.csv)"
    assert labels("en").note('the amount column "Belopp" includes VAT: the batch is marked amounts_include_vat, and '
                             'VAT is taken off when emissions are computed') == (
        'the amount column "Belopp" includes VAT: the batch is marked as amounts including VAT, and VAT is taken off '
        'when emissions are computed')
    assert sv.note("something new") == "something new"


def test_the_batches_of_an_overlap_note_read_in_the_notes_language():
    # as ingest writes it (overlap.BatchOverlap.describe) with --only-new; a file name may hold parentheses
    note = ("only the new rows are loaded: 4,120 row(s) already loaded in another batch are quarantined "
            "(already-loaded): batch 1 (goteborg (1).csv, 2024-05-01..2024-05-31): 1 new, 4,100 same, 20 changed, "
            "0 gone; batch 3 (b.csv): 0 new, 0 same, 0 changed, 7 gone")
    assert i18n.labels("sv").note(note) == (
        "bara de nya raderna läses in: 4 120 rad(er) som redan finns i en annan batch läggs i karantän (redan "
        "inläst): batch 1 (goteborg (1).csv, 2024-05-01..2024-05-31): nya 1, oförändrade 4 100, ändrade 20, "
        "saknas i filen 0; batch 3 (b.csv): nya 0, oförändrade 0, ändrade 0, saknas i filen 7")
    assert i18n.labels("en").note(note) == note
