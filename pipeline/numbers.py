"""Numbers as text and back: the one place that formats numbers for people and parses the numbers people write.

Formatting (`fmt_number`, `fmt_percent`, `fmt_tonnes`, `fmt_sek`, `fmt_msek`, `fmt_date`) takes a
language code: "sv" writes `1 234,5` (no-break space, decimal comma), "en" writes `1,234.5`, and
"plain" is the terminal style of the CLI: English separators in ASCII (`-` as minus and for a
missing value), "plain_sv" the same in Swedish (`1 234,5`, ASCII space). Reports and web pages use sv/en; the CLI uses plain.

Parsing (`parse_number`) reads what spreadsheets and finance systems export: decimal comma or
point, space, no-break space or narrow no-break space as thousands separator, `1.234,5` and
`1,234.5`, a Unicode minus (−12), and (when asked) a trailing percent sign.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

NBSP = "\u00a0"
NNBSP = "\u202f"          # narrow no-break space: French/Swedish typography, some exports use it
MINUS = "\u2212"
PLAIN = "plain"           # the CLI's terminal style (English separators, ASCII only)
PLAIN_SV = "plain_sv"     # the CLI's terminal style in Swedish (space and decimal comma, ASCII only)


@dataclass(frozen=True)
class NumberStyle:
    """How one language writes numbers: separators, minus sign, the text for a missing value, and ' %'."""

    thousands: str
    decimal: str
    minus: str
    missing: str
    percent_space: str     # between the number and '%'


STYLES: dict[str, NumberStyle] = {
    "sv": NumberStyle(NBSP, ",", MINUS, "–", NBSP),
    "en": NumberStyle(",", ".", MINUS, "–", ""),
    # The CLI prints to terminals and logs that may not be UTF-8-clean: ASCII only, as it always has.
    PLAIN: NumberStyle(",", ".", "-", "-", " "),
    PLAIN_SV: NumberStyle(" ", ",", "-", "-", " "),
}


def style(lang: str) -> NumberStyle:
    """Return the NumberStyle of `lang` (sv, en or plain); an unknown code gets the English style."""
    return STYLES.get(lang, STYLES["en"])


def _as_float(value) -> float | None:
    """Return `value` as a float, or None for None, NaN and ±infinity (nothing sensible to print)."""
    if value is None:
        return None
    number = float(value)   # Decimal from DuckDB too: display precision is far below float's
    return None if math.isnan(number) or math.isinf(number) else number


def fmt_number(value, decimals: int = 0, lang: str = "sv", *, signed: bool = False) -> str:
    """Return `value` rounded to `decimals` with thousands separators in `lang` ('1 234,5' sv, '1,234.5' en).

    None, NaN and infinity give the style's missing mark ('–', plain '-'); a value that rounds to zero
    has no minus sign; `signed` adds '+' to positive values.
    """
    st = style(lang)
    number = _as_float(value)
    if number is None:
        return st.missing
    text = f"{abs(number):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        number = 0.0  # no "-0"
    if st.thousands != "," or st.decimal != ".":
        text = text.replace(",", "\0").replace(".", st.decimal).replace("\0", st.thousands)
    sign = st.minus if number < 0 else ("+" if signed and number > 0 else "")
    return sign + text


def fmt_percent(share, decimals: int = 1, lang: str = "sv", *, signed: bool = False,
                space: str | None = None) -> str:
    """Return a share (0..1) as a percentage in `lang` ('12,5 %' sv, '12.5%' en, '12.5 %' plain).

    `space` overrides the text between number and '%' (the web pages write '12.5 %' in English too).
    """
    st = style(lang)
    number = _as_float(share)
    if number is None:
        return st.missing
    text = fmt_number(number * 100, decimals, lang, signed=signed)
    return f"{text}{st.percent_space if space is None else space}%"


def fmt_tonnes(kg, decimals: int | None = None, lang: str = "sv", *, signed: bool = False) -> str:
    """Return kilograms as tonnes; by default 0 decimals from 100 t and 1 below (precision that suits the size)."""
    number = _as_float(kg)
    if number is None:
        return style(lang).missing
    tonnes = number / 1000
    if decimals is None:
        decimals = 0 if abs(tonnes) >= 100 else 1
    return fmt_number(tonnes, decimals, lang, signed=signed)


def fmt_sek(value, lang: str = "sv") -> str:
    """Return an amount in SEK rounded to whole kronor with separators."""
    return fmt_number(value, 0, lang)


def fmt_msek(value, lang: str = "sv") -> str:
    """Return an amount in SEK as millions with one decimal (1 234 567 -> '1,2')."""
    number = _as_float(value)
    return style(lang).missing if number is None else fmt_number(number / 1e6, 1, lang)


def fmt_date(value) -> str:
    """Return a date or timestamp as ISO 8601 (YYYY-MM-DD, with HH:MM for timestamps) in every language; '' for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fmt_short(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters, ending in "…" when cut (a long name in a table or chart)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


MONTHS = {"sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
                  "november", "december"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December")}
_RANGE_WORDS = {"sv": ("sannolikt", "sannolikt från {year}, eller aldrig"), "en": ("likely", "likely from {year}, or never")}


def _year_fraction(value) -> float | None:
    """A fractional year (2028.29), an ISO date ("2028-04-18") or a year (2028) as a fractional year; None if none."""
    if value is None or value == "":
        return None
    if isinstance(value, (date, datetime)):
        return value.year + (value.timetuple().tm_yday - 1) / 366
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}", value):
        return int(value[:4]) + (int(value[5:7]) - 1) / 12
    number = _as_float(value)
    return number


def fmt_runs_out(value, lang: str = "sv", earliest=None, latest=None, *, ranged: bool = False) -> str:
    """Write when a budget runs out as month and year ("april 2028"), with its range in years when known
    ("april 2028 (sannolikt 2027–2030)"); never a day. `value`: fractional year, ISO date or year; "" for None.

    `ranged` says a range was computed: then a missing `latest` means the budget may last (", or never").
    """
    x = _year_fraction(value)
    if x is None:
        return ""
    lang = lang if lang in MONTHS else "sv"
    year = int(x)
    month = min(11, max(0, int((x - year) * 12)))
    text = f"{MONTHS[lang][month]} {year}"
    lo, hi = _year_fraction(earliest), _year_fraction(latest)
    likely, open_ended = _RANGE_WORDS[lang]
    if lo is not None and hi is not None and (int(lo), int(hi)) != (year, year):
        text += f" ({likely} {int(lo)}–{int(hi)})"
    elif lo is not None and hi is None and ranged:
        text += f" ({open_ended.format(year=int(lo))})"
    return text


def parse_number(text: str, *, percent: bool = False) -> float:
    """Parse a number as people write it ('1 234,5', '1.234,5', '1,234.5', '−12', '.5') to a finite float.

    Thousands separators: space, no-break space (U+00A0) or narrow no-break space (U+202F). With both ','
    and '.' the last one is the decimal mark; a lone ',' is a decimal comma. `percent` also accepts a
    trailing '%' ('12 %' -> 12.0; dividing by 100 is the caller's business). Raises ValueError whose
    text completes "value ... ": "is empty", "is not a number", "is not a finite number".
    """
    if not text.strip():
        raise ValueError("is empty")
    t = text.strip().replace(NBSP, " ").replace(NNBSP, " ").replace(MINUS, "-")
    if percent:
        t = t.rstrip("%").strip()
    t = t.replace(" ", "")
    if "," in t and "." in t:          # 1.234,5 or 1,234.5: the last one is the decimal mark
        t = t.replace(",", "") if t.rfind(".") > t.rfind(",") else t.replace(".", "").replace(",", ".")
    elif "," in t:
        t = t.replace(",", ".")
    if not _NUMBER.fullmatch(t):
        raise ValueError("is not a number")
    value = float(t)
    if not math.isfinite(value):
        raise ValueError("is not a finite number")
    return value
