"""Headers as real exports write them: synonyms, a dimension path in front of the name, cut-off headers."""

from __future__ import annotations

import pytest

from pipeline.ingest.columns import header_field, map_columns


@pytest.mark.parametrize("header, field, how", [
    ("Förvaltning", "department", "synonym"),
    ("RN1/FÖRVALTNING", "department", "last part"),         # Raindance / Sambruk: dimension path and name
    ("Dim 2: Ansvar", "cost_centre", "last part"),
    ("ORGANISATIO", "supplier_org_number", "truncated"),     # a fixed-width export cut it to eleven letters
    ("FÖRVALTNIN", "department", "truncated"),
    ("Kontobenämn", "account_name", "truncated"),
    ("FAKT NR", "invoice_id", "synonym"),
    ("UTFALL", "amount", "synonym"),
    ("konto_nr", "account", "synonym"),                      # Göteborg, Umeå
    ("konto_text", "account_name", "synonym"),
    ("faktura_nr", "invoice_id", "synonym"),
    ("org.nr", "supplier_org_number", "synonym"),
    ("Lev orgnr", "supplier_org_number", "synonym"),
    ("Bokf dat", "posting_date", "synonym"),
])
def test_header_field(header, field, how):
    assert header_field(header)[0::2] == (field, how)


@pytest.mark.parametrize("header", ["VERIFIKATIO", "Lev nr", "Kod", "Konte"])
def test_headers_that_fit_no_field_or_several_are_left_alone(header):
    """A cut header that starts synonyms of several fields (verifikationsnummer, -datum, -text) decides nothing;
    so does one shorter than five letters' worth of a name."""
    assert header_field(header) is None


def test_an_exact_synonym_wins_over_a_cut_or_prefixed_header():
    mapping = map_columns(["ORGANISATIO", "Organisationsnummer", "RN1/FÖRVALTNING", "Förvaltning", "Konto", "Belopp"])
    assert mapping.fields["supplier_org_number"] == "Organisationsnummer"
    assert mapping.fields["department"] == "Förvaltning"
    assert {"ORGANISATIO", "RN1/FÖRVALTNING"} <= set(mapping.extra)


def test_sambruk_headers_map_without_a_profile():
    mapping = map_columns(["RN1/FÖRVALTNING", "LEVERANTÖR", "ORGANISATIO", "FAKT NR", "KONTO", "UTFALL"])
    assert mapping.fields == {"department": "RN1/FÖRVALTNING", "supplier_name": "LEVERANTÖR",
                              "supplier_org_number": "ORGANISATIO", "invoice_id": "FAKT NR", "account": "KONTO",
                              "amount": "UTFALL"}
    assert mapping.source["department"] == "last part" and mapping.source["supplier_org_number"] == "truncated"
