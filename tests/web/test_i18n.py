"""Swedish and English: every interface text is in the catalogue in both languages; numbers in each language's style."""

from __future__ import annotations

import re

import pytest

from pipeline import i18n, numbers
from tests.helpers.paths import ROOT

WEB = ROOT / "pipeline" / "web"
LITERAL = re.compile(r"""\bt\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*[,)]""")



def _texts() -> set[str]:
    found = set()
    for path in list((WEB / "templates").glob("*.html")) + list(WEB.rglob("*.py")):
        for m in LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.add((m.group(1) or m.group(2)).replace("\\'", "'").replace('\\"', '"'))
    from pipeline.web import routing, uploads
    from pipeline.web.pages import reports, upload

    found |= set(routing.MESSAGES.values()) | set(upload.STEP_TEXT) | set(reports.CSV_MARTS.values())
    found |= {p for p in ("Organisation must be 1-40 characters: a-z, digits and _.", "Year must be a year such as 2024.",
                          "Currency must be a three-letter code such as SEK.")}
    found |= {"left (estimated from the check of the same file)", "left (estimated from the previous run)"}
    assert uploads.FIELDS
    return found


def _symbolic() -> set[str]:
    """Message ids the templates build from codes (t('perspective_title_' ~ code))."""
    from pipeline.budget.definitions import PERSPECTIVES

    return {f"perspective_title_{p}" for p in PERSPECTIVES}


def test_every_interface_text_is_in_the_catalogue_in_both_languages():
    texts = _texts() | _symbolic()
    assert len(texts) > 150
    for lang in i18n.LANGUAGES:
        missing = sorted(t for t in texts if t not in i18n.labels(lang).keys())
        assert not missing, f"add to pipeline/i18n/catalogue/{lang}.json: {missing}"


def test_english_text_ids_are_their_own_english():
    """Gettext style: the English catalogue gives an English-text id back unchanged (pages read as written)."""
    en = i18n.labels("en")
    changed = sorted(t for t in _texts() if en[t] != t)
    assert not changed, changed


def test_text_lookup_falls_back_to_the_id_and_english_is_unchanged():
    assert i18n.labels("sv").text("Upload") == "Ladda upp"
    assert i18n.labels("en").text("Upload") == "Upload"
    assert i18n.labels("sv").text("not a known text") == "not a known text"
    assert i18n.labels("en").text("perspective_title_territorial") == "Territorial"
    assert i18n.pick_language("en") == "en" and i18n.pick_language("de") == "sv" and i18n.pick_language(None) == "sv"


@pytest.mark.parametrize("value,decimals,sv,en", [
    (1234567.891, 0, "1\u00a0234\u00a0568", "1,234,568"),
    (1234.5, 1, "1\u00a0234,5", "1,234.5"),
    (-1234.5, 2, "−1\u00a0234,50", "−1,234.50"),
    (-0.001, 1, "0,0", "0.0"),
    (None, 0, "–", "–"),
    (float("nan"), 0, "–", "–"),
])
def test_number_formats(value, decimals, sv, en):
    assert numbers.fmt_number(value, decimals, "sv") == sv
    assert numbers.fmt_number(value, decimals, "en") == en


def test_percent_and_tonnes():
    # the pages write "12.3 %" in both languages (space=NBSP, as pipeline.web.routing passes it)
    assert numbers.fmt_percent(0.1234, 1, "sv", space=numbers.NBSP) == "12,3\u00a0%"
    assert numbers.fmt_percent(0.1234, 1, "en", space=numbers.NBSP) == "12.3\u00a0%"
    assert numbers.fmt_tonnes(43250797.0, lang="sv") == "43\u00a0251"       # 43,250.8 t: no decimals above 100 t
    assert numbers.fmt_tonnes(48650.0, lang="en") == "48.6"                   # 48.65 t rounds half to even
