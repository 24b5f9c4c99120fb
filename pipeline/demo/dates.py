"""Posting dates: months drawn by season, days within a month, weekends and New Year's Day moved to working days."""

from __future__ import annotations

import numpy as np

from .catalogues import SEASONS


def season_months(rng: np.random.Generator, n: int, season: str) -> np.ndarray:
    """Return `n` months (1-12) drawn with the relative weights of `season`."""
    w = np.array(SEASONS[season], dtype=float)
    return rng.choice(12, size=n, p=w / w.sum()) + 1


def month_starts(year: int) -> np.ndarray:
    """Return the first day of every month of `year` and 1 January of the next year (13 datetime64 days)."""
    return np.array([np.datetime64(f"{year}-{m:02d}-01") for m in range(1, 13)] + [np.datetime64(f"{year + 1}-01-01")])


def posting_dates(rng: np.random.Generator, year: int, months: np.ndarray, *, workdays: bool = True) -> np.ndarray:
    """Uniform posting dates within the given months; weekends move to the Friday before (or Monday after)."""
    starts = month_starts(year)
    lengths = (starts[1:] - starts[:-1]).astype(int)
    offset = np.floor(rng.random(months.size) * lengths[months - 1]).astype(int)
    d = starts[months - 1] + offset.astype("timedelta64[D]")
    return to_workday(d, year) if workdays else d


def to_workday(d: np.ndarray, year: int) -> np.ndarray:
    """Return the dates moved off weekends (to the Friday before) and off 1 January (to the first working day)."""
    wd = (d.astype("datetime64[D]").astype(np.int64) + 3) % 7          # Monday = 0
    back = np.where(wd == 5, 1, np.where(wd == 6, 2, 0)).astype("timedelta64[D]")
    out = d - back
    early = out < np.datetime64(f"{year}-01-02")          # New Year's Day is no working day either
    first_workday = np.datetime64(f"{year}-01-02")
    first_workday += {5: 2, 6: 1}.get(int((first_workday.astype(np.int64) + 3) % 7), 0)
    out[early] = first_workday
    return out


def month_end_workday(year: int, months: np.ndarray) -> np.ndarray:
    """Return the last working day of each given month (1-12) of `year`."""
    starts = month_starts(year)
    return to_workday(starts[months] - np.timedelta64(1, "D"), year)
