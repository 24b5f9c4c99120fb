"""Swedish and English: every interface text has a Swedish translation; numbers in each language's style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import numbers
from pipeline.web import i18n

WEB = Path(__file__).resolve().parent.parent / "pipeline" / "web"
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


def test_every_interface_text_has_a_swedish_translation():
    texts = _texts()
    assert len(texts) > 150
    missing = sorted(t for t in texts if t not in i18n.SV)
    assert not missing, f"add Swedish for: {missing}"


def test_translate_falls_back_to_english_and_english_is_unchanged():
    assert i18n.translate("Upload", "sv") == "Ladda upp"
    assert i18n.translate("Upload", "en") == "Upload"
    assert i18n.translate("not a known text", "sv") == "not a known text"
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
