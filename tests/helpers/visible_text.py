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


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    def __init__(self, skip_lang: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._skip_lang = skip_lang
        self._open: list[tuple[str, bool]] = []   # open elements, and whether each one is skipped for its lang

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self._skip += 1
        if self._skip_lang and tag not in _VOID:
            quoted = dict(attrs).get("lang") == self._skip_lang
            self._open.append((tag, quoted))
            self._skip += quoted
        # what a screen reader reads and a tooltip shows is read too
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value and not self._skip:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in _HIDDEN and self._skip:
            self._skip -= 1
        if self._skip_lang and any(t == tag for t, _ in self._open):
            while self._open:
                t, quoted = self._open.pop()
                self._skip -= quoted
                if t == tag:
                    break

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str, skip_lang: str | None = None) -> str:
    """Return the text of `html` a reader sees (no script, style or head; labels and titles included); with
    `skip_lang`, without the elements marked as quoted in that language (lang="en" on a factor set's own notes)."""
    parser = _Text(skip_lang)
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
