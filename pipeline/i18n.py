"""Swedish and English labels for the reports, and number formatting in each language.

Labels live in `reports/i18n/<lang>.json` (one flat key -> text map per language; both files have
the same keys, a test checks it). Numbers: Swedish uses a no-break space as thousands separator
and a decimal comma (`1 234,5`), English a comma and a decimal point (`1,234.5`).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from functools import lru_cache

from .errors import UsageError
from .resources import reports_dir

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
NBSP = "\u00a0"
MINUS = "\u2212"


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


def _as_float(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return float(value)


def fmt_number(value, decimals: int = 0, lang: str = DEFAULT_LANGUAGE, *, signed: bool = False) -> str:
    """Return `value` with thousands separators in `lang` ('1 234,5' in sv, '1,234.5' in en); '–' for None."""
    number = _as_float(value)
    if number is None or math.isnan(number):
        return "–"
    text = f"{abs(number):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        number = 0.0  # no "-0"
    if lang == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
    sign = MINUS if number < 0 else ("+" if signed and number > 0 else "")
    return sign + text


def fmt_percent(share, decimals: int = 1, lang: str = DEFAULT_LANGUAGE, *, signed: bool = False) -> str:
    """Return a share (0..1) as a percentage in `lang` ('12,5 %' in sv, '12.5%' in en); '–' for None."""
    number = _as_float(share)
    if number is None or math.isnan(number):
        return "–"
    text = fmt_number(number * 100, decimals, lang, signed=signed)
    return f"{text}{NBSP}%" if lang == "sv" else f"{text}%"


def fmt_tonnes(kg, decimals: int | None = None, lang: str = DEFAULT_LANGUAGE, *, signed: bool = False) -> str:
    """Return kilograms as tonnes with a precision that suits the size (0 decimals from 100 t, else 1)."""
    number = _as_float(kg)
    if number is None:
        return "–"
    tonnes = number / 1000
    if decimals is None:
        decimals = 0 if abs(tonnes) >= 100 else 1
    return fmt_number(tonnes, decimals, lang, signed=signed)


def fmt_sek(value, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return an amount in SEK rounded to whole kronor with separators."""
    return fmt_number(value, 0, lang)


def fmt_msek(value, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return an amount in SEK as millions with one decimal (1 234 567 -> '1,2')."""
    number = _as_float(value)
    return "–" if number is None else fmt_number(number / 1e6, 1, lang)
