"""Line texts: fill the catalogues' text templates ({month}, {week}, {unit}, ...) per generated row."""

from __future__ import annotations

import re

import numpy as np

from .allocation import Units

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")

_TOKEN_RE = re.compile(r"\{(\w+)\}")


def render(templates: tuple[str, ...] | list[str], choice: np.ndarray, tokens: dict[str, np.ndarray]) -> np.ndarray:
    """Fill text templates per row: `choice[i]` picks the template, `tokens[name][i]` the values."""
    out = np.empty(choice.size, dtype=object)
    for t, template in enumerate(templates):
        rows = np.flatnonzero(choice == t)
        if rows.size == 0:
            continue
        parts = _TOKEN_RE.split(template)        # literal, token, literal, token, ...
        acc = np.full(rows.size, parts[0], dtype=object)
        for j in range(1, len(parts), 2):
            acc = acc + tokens[parts[j]][rows] + parts[j + 1]
        out[rows] = acc
    return out


# Lookup arrays so that tokens are built by indexing, not by formatting every row.
_WEEK_STR = np.array([str(i) for i in range(60)], dtype=object)
_YEAR_STR = np.array([str(2000 + i) for i in range(100)], dtype=object)
_MONTH_STR = np.array(MONTHS_SV, dtype=object)
_MONTH_CAP = np.array([m.capitalize() for m in MONTHS_SV], dtype=object)


def date_tokens(dates: np.ndarray, units: Units, unit_idx: np.ndarray, rng: np.random.Generator,
                extra: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Per-row values for the text templates, derived from the posting dates and units."""
    days = dates.astype("datetime64[D]")
    month = (days.astype("datetime64[M]").astype(np.int64) % 12).astype(int)
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    # ISO week: the week's Thursday decides the ISO year; count weeks from that year's 1 January
    thursday = days - ((days.astype(np.int64) + 3) % 7).astype("timedelta64[D]") + np.timedelta64(3, "D")
    week = (thursday - thursday.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64) // 7 + 1
    tokens = {
        "month": _MONTH_STR[month], "Month": _MONTH_CAP[month],
        "week": _WEEK_STR[week],
        "q": _WEEK_STR[month // 3 + 1],
        "year": _YEAR_STR[year - 2000],
        "period": np.array(np.datetime_as_string(dates.astype("datetime64[M]"), unit="M"), dtype=object),
        "date": np.array(np.datetime_as_string(dates, unit="D"), dtype=object),
        "unit": units.names[unit_idx],
        "n": _WEEK_STR[rng.integers(1, 41, size=dates.size)],
    }
    if extra:
        tokens.update(extra)
    return tokens
