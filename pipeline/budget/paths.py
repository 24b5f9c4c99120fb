"""Carbon budget paths: yearly budgets in tonnes from a rate, a total (Paris path), linear to zero, or custom values.

Pure functions, no I/O. Every path answers two questions the follow-up needs: the yearly budget
`b(t)` in tonnes for a calendar year t, and the total `Σ b(t)` from a year onwards.

Rate-based (Borås: r = 16 % a year from 2020)::

    b(t) = E_base × (1 − r)^(t − t_base)                       for t ≥ t_base
    Σ_{t ≥ s} b(t) = b(s) / r                                  (geometric series)

Total budget B from year t0, exponential "Paris path" (as used for Swedish municipal budgets,
e.g. Klimatkollen and the CEMUS/Uppsala budgets)::

    E(t) = E0 × exp(−k (t − t0)),   k = E0 / B                 (emission *rate*, t/yr, at 1 January of t)
    ∫_{t0}^{∞} E(s) ds = E0 / k = B                            (the continuous cumulative equals B)
    b(t) = ∫_{t}^{t+1} E(s) ds = B (1 − e^(−k)) e^(−k (t − t0))  (the yearly amount, t, of calendar year t)
    Σ_{t ≥ t0} b(t) = B (1 − e^(−k)) / (1 − e^(−k)) = B        (the yearly discrete sum equals B exactly)
    b(t + 1) / b(t) = e^(−k)  ⇒ implied yearly reduction r = 1 − e^(−k)

So the Paris path is the rate-based path with r = 1 − e^(−k) and first-year budget b(t0) = B·r.
The published path values (Klimatkollen's `emissionBudget`) are the rates E(t); summing *those*
year by year gives E0 / (1 − e^(−k)) = B · k / (1 − e^(−k)), which exceeds B (by 31 % for k = 0.57),
so a follow-up must compare actual yearly emissions with b(t), never with E(t).

Linear to zero by year Z (E0 in the start year t0, nothing from Z on)::

    b(t) = E0 × (Z − t) / (Z − t0)                              for t0 ≤ t ≤ Z, 0 after
    Σ_{t ≥ t0} b(t) = E0 × (Z − t0 + 1) / 2

Custom: the yearly values as given; years after the last one have budget 0.

Worked example (rate): E_base = 1,000 t in 2023, r = 0.16:
b(2023) = 1,000; b(2024) = 1,000 × 0.84 = 840; b(2025) = 840 × 0.84 = 705.6; total from 2023 =
1,000 / 0.16 = 6,250 t; total from 2026 = b(2026) / 0.16 = 592.704 / 0.16 = 3,704.4 t.

Worked example (Paris): B = 1,000 t from 2024, E0 = 250 t/yr: k = 250 / 1,000 = 0.25;
e^(−0.25) = 0.778801; r = 22.12 %; b(2024) = 1,000 × 0.221199 = 221.199 t; b(2025) = 221.199 ×
0.778801 = 172.271 t; cumulative after 2025 = 1,000 × (1 − e^(−0.5)) = 393.469 t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

METHODS = ("rate", "paris", "linear", "custom")


class PathError(ValueError):
    """Parameters that do not define a budget path (the message says which and why)."""


@dataclass(frozen=True)
class BudgetPath:
    """A yearly budget path in tonnes; build it with rate_path, paris_path, linear_path or custom_path."""

    method: str
    start_year: int                                  # first year with a budget
    rate: float | None = None                        # rate: r; paris: implied 1 − e^(−k)
    base_emissions_t: float | None = None            # rate: E_base = b(start_year)
    total_t: float | None = None                     # paris: B
    start_emissions_t: float | None = None           # paris: E0 (t/yr); linear: E0 = b(start_year)
    k: float | None = None                           # paris: E0 / B
    zero_year: int | None = None                     # linear: Z
    values: dict[int, float] = field(default_factory=dict)  # custom: year -> t

    def budget_t(self, year: int) -> float | None:
        """Return b(year), the budget in tonnes for calendar `year`; None before the start year."""
        if year < self.start_year:
            return None
        t = year - self.start_year
        if self.method == "rate":
            return self.base_emissions_t * (1.0 - self.rate) ** t
        if self.method == "paris":
            return self.total_t * (1.0 - math.exp(-self.k)) * math.exp(-self.k * t)
        if self.method == "linear":
            if year >= self.zero_year:
                return 0.0
            return self.start_emissions_t * (self.zero_year - year) / (self.zero_year - self.start_year)
        return float(self.values.get(year, 0.0))

    def rate_at_t_per_year(self, year: float) -> float | None:
        """Return the Paris path's emission rate E(year) in t/yr (1 January of a whole year); None otherwise."""
        if self.method != "paris" or year < self.start_year:
            return None
        return self.start_emissions_t * math.exp(-self.k * (year - self.start_year))

    def total_from_t(self, year: int) -> float:
        """Return Σ b(t) for t ≥ `year` (the whole path when `year` ≤ start year), in tonnes."""
        year = max(year, self.start_year)
        if self.method == "rate":
            return self.budget_t(year) / self.rate
        if self.method == "paris":
            return self.total_t * math.exp(-self.k * (year - self.start_year))
        if self.method == "linear":
            return sum(self.budget_t(t) for t in range(year, self.zero_year + 1))
        return float(sum(v for y, v in self.values.items() if y >= year))

    def cumulative_t(self, from_year: int, to_year: int) -> float:
        """Return Σ b(t) for from_year ≤ t ≤ to_year, in tonnes (0 when the range is empty)."""
        from_year = max(from_year, self.start_year)
        if to_year < from_year:
            return 0.0
        return self.total_from_t(from_year) - self.total_from_t(to_year + 1)

    def implied_rate(self) -> float | None:
        """Return the constant yearly reduction the path implies (rate and Paris paths), else None."""
        return self.rate if self.method in ("rate", "paris") else None

    def describe(self) -> dict[str, str]:
        """Return a one-line description of the path in Swedish and English."""
        if self.method == "rate":
            pct = _pct(self.rate)
            return {"sv": f"−{pct} per år från {self.start_year} ({_t(self.base_emissions_t)} t {self.start_year})",
                    "en": f"−{pct} a year from {self.start_year} ({_t(self.base_emissions_t, 'en')} t in {self.start_year})"}
        if self.method == "paris":
            pct = _pct(self.rate)
            return {"sv": f"budget {_t(self.total_t)} t från {self.start_year} (Parisbana, −{pct} per år)",
                    "en": f"budget {_t(self.total_t, 'en')} t from {self.start_year} (Paris path, −{pct} a year)"}
        if self.method == "linear":
            return {"sv": f"linjärt till noll {self.zero_year} från {_t(self.start_emissions_t)} t {self.start_year}",
                    "en": f"linear to zero by {self.zero_year} from {_t(self.start_emissions_t, 'en')} t in {self.start_year}"}
        last = max(self.values) if self.values else self.start_year
        return {"sv": f"egna årsvärden {self.start_year}–{last}", "en": f"custom yearly values {self.start_year}–{last}"}

    def table(self, to_year: int, from_year: int | None = None) -> list[dict]:
        """Return rows (year, budget_t, cumulative_t, remaining_t[, rate_t_per_year]) from the start to `to_year`."""
        first = self.start_year if from_year is None else max(from_year, self.start_year)
        rows, cumulative = [], 0.0
        total = self.total_from_t(first)
        for year in range(first, to_year + 1):
            b = self.budget_t(year)
            cumulative += b
            row = {"year": year, "budget_t": b, "cumulative_t": cumulative, "remaining_t": total - cumulative}
            if self.method == "paris":
                row["rate_t_per_year"] = self.rate_at_t_per_year(year)
            rows.append(row)
        return rows


def rate_path(base_emissions_t: float, rate: float, base_year: int) -> BudgetPath:
    """Return the path b(t) = E_base × (1 − r)^(t − t_base); E_base in t, r as a share (0.16 = 16 %)."""
    _check_year(base_year, "base year")
    if not (isinstance(rate, (int, float)) and 0 < rate < 1):
        raise PathError(f"rate {rate!r}: give the yearly reduction as a share between 0 and 1, e.g. 0.16 for 16 %")
    _check_positive(base_emissions_t, "base emissions")
    return BudgetPath("rate", int(base_year), rate=float(rate), base_emissions_t=float(base_emissions_t))


def paris_path(total_t: float, start_year: int, start_emissions_t: float) -> BudgetPath:
    """Return the exponential path E(t) = E0 exp(−k (t − t0)), k = E0 / B; B and E0 in t (E0 in t/yr)."""
    _check_year(start_year, "start year")
    _check_positive(total_t, "total budget")
    _check_positive(start_emissions_t, "start emissions")
    k = float(start_emissions_t) / float(total_t)
    return BudgetPath("paris", int(start_year), rate=1.0 - math.exp(-k), total_t=float(total_t),
                      start_emissions_t=float(start_emissions_t), k=k)


def linear_path(start_emissions_t: float, start_year: int, zero_year: int) -> BudgetPath:
    """Return the path falling linearly from E0 (t) in the start year to 0 in `zero_year`."""
    _check_year(start_year, "start year")
    _check_year(zero_year, "zero year")
    if zero_year <= start_year:
        raise PathError(f"zero year {zero_year}: must be after the start year {start_year}")
    _check_positive(start_emissions_t, "start emissions")
    return BudgetPath("linear", int(start_year), start_emissions_t=float(start_emissions_t), zero_year=int(zero_year))


def custom_path(values: dict[int, float]) -> BudgetPath:
    """Return a path of given yearly budgets (year -> t, consecutive years, none negative); 0 after the last."""
    if not values:
        raise PathError("custom values: give at least one year with its budget in tonnes")
    years = sorted(int(y) for y in values)
    for y in years:
        _check_year(y, "year")
    gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if gaps:
        raise PathError(f"custom values: years {years[0]}–{years[-1]} must be consecutive; missing {gaps[0]}")
    for y, v in values.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
            raise PathError(f"custom value for {y}: {v!r} is not a number of tonnes ≥ 0")
    return BudgetPath("custom", years[0], values={int(y): float(v) for y, v in values.items()})


def implied_rate(k: float) -> float:
    """Return the yearly reduction 1 − e^(−k) implied by the Paris path's k (per year) as a share."""
    return 1.0 - math.exp(-k)


def _check_year(year, what: str) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        raise PathError(f"{what} {year!r}: give a calendar year such as 2024")


def _check_positive(value, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise PathError(f"{what} {value!r}: give a number of tonnes greater than 0")


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %".replace(".0 %", " %")


def _t(value: float, lang: str = "sv") -> str:
    text = f"{value:,.0f}"
    return text.replace(",", " ") if lang == "sv" else text


@dataclass(frozen=True)
class CombinedPath:
    """The sum of several paths, each counted from its own first year (the group view of companies' budgets).

    b(t) = Σ_i b_i(t) for the paths with t ≥ from_i;  Σ_{t≥s} b(t) = Σ_i Σ_{t ≥ max(s, from_i)} b_i(t).
    """

    parts: tuple[tuple[BudgetPath, int], ...]   # (path, first year counted)

    @property
    def start_year(self) -> int:
        """The earliest first year of the parts."""
        return min(max(p.start_year, f) for p, f in self.parts)

    @property
    def method(self) -> str:
        """'combined'."""
        return "combined"

    def budget_t(self, year: int) -> float | None:
        """Return Σ b_i(year) over the parts counted in `year`; None before every part starts."""
        if year < self.start_year:
            return None
        return sum((p.budget_t(year) or 0.0) for p, f in self.parts if year >= max(f, p.start_year))

    def total_from_t(self, year: int) -> float:
        """Return Σ_i Σ_{t ≥ max(year, from_i)} b_i(t), in tonnes."""
        return sum(p.total_from_t(max(year, f)) for p, f in self.parts)
