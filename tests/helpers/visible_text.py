"""What a reader sees on a rendered page: the visible text of an HTML document, and the internal codes in it.

Used by the plain-words tests (issue 20): after a demo-like run, the Swedish dashboard and both HTML reports
must show words, not snake_case codes (`supplier_industry`, `alvby_kommun`), and the English report no
Swedish-only label from the catalogue.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# A code: two or more lowercase words joined by "_" (supplier_industry, alvby_kommun, taxes_vat).
SNAKE_CASE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-]|\.\w)")
_HIDDEN = {"script", "style", "head", "title", "template"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self._skip += 1
        # what a screen reader reads and a tooltip shows is read too
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value and not self._skip:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in _HIDDEN and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """Return the text of `html` a reader sees (no script, style or head; labels and titles included)."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def snake_case_codes(html: str, allowed: set[str] = frozenset()) -> list[str]:
    """Return the snake_case codes in the visible text of `html`, except file names and `allowed`, sorted."""
    found = set()
    for match in SNAKE_CASE.finditer(visible_text(html)):
        word = match.group(0)
        if word not in allowed:
            found.add(word)
    return sorted(found)
