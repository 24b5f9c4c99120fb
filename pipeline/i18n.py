"""Swedish and English labels for the reports.

Labels live in `reports/i18n/<lang>.json` (one flat key -> text map per language; both files have
the same keys, a test checks it). Numbers are formatted by pipeline.numbers.
"""

from __future__ import annotations

import json
from functools import lru_cache

from .errors import UsageError
from .resources import reports_dir

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"


def check_language(lang: str | None) -> str:
    """Return `lang` if it is a supported language code (default sv); UsageError otherwise."""
    lang = (lang or DEFAULT_LANGUAGE).lower()
    if lang not in LANGUAGES:
        raise UsageError(f"--lang {lang}: unknown language; use one of {', '.join(LANGUAGES)}")
    return lang


@lru_cache(maxsize=None)
def _load(lang: str) -> dict[str, str]:
    path = reports_dir() / "i18n" / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8"))


class Labels:
    """The label texts of one language: `labels["key"]`, `labels.t("key", year=2024)`."""

    def __init__(self, lang: str):
        self.lang = check_language(lang)
        self._texts = _load(self.lang)

    def __getitem__(self, key: str) -> str:
        try:
            return self._texts[key]
        except KeyError:
            raise KeyError(f"reports/i18n/{self.lang}.json has no label {key!r}") from None

    def t(self, key: str, **values) -> str:
        """Return label `key` with `{name}` placeholders filled from `values`."""
        return self[key].format(**values)

    def keys(self) -> set[str]:
        """Return every label key of this language."""
        return set(self._texts)

    def rule_level(self, level: str | None) -> str:
        """Return the readable name of a classification level (rule_level), or the code itself."""
        return self._texts.get(f"level_{level}", level or "")

    def reason(self, reason: str | None) -> str:
        """Return the readable name of an exclusion reason, or the code itself."""
        return self._texts.get(f"reason_{reason}", reason or "")


def labels(lang: str | None = None) -> Labels:
    """Return the Labels of `lang` (sv or en; default sv)."""
    return Labels(check_language(lang))
