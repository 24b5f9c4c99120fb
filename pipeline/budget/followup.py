"""Follow-up of a carbon budget: deviation, cumulative use, remaining budget, runs-out date, needed reduction, verdict.

Pure functions over yearly figures in tonnes (no I/O). A "unit" is whatever is followed up: the
organisation, a department, a company, the group, the territory or the residents.

Definitions for a follow-up year Y, the budget account starting in year s (`follow_up_from`):

    deviation(t)        = actual(t) − b(t)
    cumulative_use(Y)   = Σ_{t=s}^{Y} actual(t)
    cumulative_budget(Y)= Σ_{t=s}^{Y} b(t)
    remaining(Y)        = Σ_{t≥s} b(t) − cumulative_use(Y)            (the whole path's budget less what is used)

Trend (linear, fitted by least squares to the yearly actuals of the last n years ≤ Y)::

    â(y) = α + m·y                                       (t in calendar year y)
    f(x) = α + m (x − ½)                                 (emission rate, t/yr, at time x in years;
                                                         x = y is 1 January of y, so ∫_y^{y+1} f = â(y))

Runs-out date: the time T at which the trend, integrated from the start of year Y + 1, has used
the remaining budget R::

    ∫_{Y+1}^{T} f(x) dx = R   with f0 = f(Y+1), τ = T − (Y+1):   m τ²/2 + f0 τ − R = 0
    τ = R / f0                                (m = 0)
    τ = (−f0 + √(f0² + 2 m R)) / m            (m ≠ 0; no real root when m < 0 and f0² + 2 m R < 0:
                                               the trend reaches zero first and the budget never runs out)

When R ≤ 0 the budget has already run out; the date is found inside the year where cumulative use
passed the budget, spreading that year's emissions evenly over it. The trend is floored at zero and
planned measures subtract their yearly reductions from it (a step each January), so the general
case is integrated piecewise, year by year, with the same quadratic inside a year.

Constant yearly reduction needed from now (from the last actual a_Y, every later year r lower than
the one before, all of it within R)::

    Σ_{j≥1} a_Y (1 − r)^j = a_Y (1 − r) / r = R   ⇒   r = a_Y / (R + a_Y)

The same formula applied to the budget path itself gives the reduction the plan makes from Y on,
`r_plan = b(Y) / (b(Y) + Σ_{t>Y} b(t))` (for a rate path exactly r, for a Paris path 1 − e^(−k)).
Verdict: *on track* when r ≤ r_plan (no faster cuts are needed than the budget itself makes),
*behind* when r > r_plan, *over budget* when R ≤ 0.

Worked example (numbers used in the tests): a −16 % path with E_base = 500 t in 2023 has
Σ b = 500 / 0.16 = 3,125 t. Actuals 2023–2025: 500, 450, 400 t (cumulative 1,350 t). Remaining
R = 3,125 − 1,350 = 1,775 t. Budgets: 500, 420, 352.8 (cumulative 1,272.8 t), so 2025 is over by
47.2 t and the cumulative by 77.2 t. Trend: m = −50 t/yr, â(2026) = 350, f0 = 350 + 25 = 375;
m τ²/2 + f0 τ − R = −25 τ² + 375 τ − 1,775: f0² + 2 m R = 140,625 − 177,500 < 0, so the trend
reaches zero (after 7.5 years, having used 375²/100 = 1,406.25 t < 1,775 t) and the budget never
runs out on it. Needed: r = 400 / (1,775 + 400) = 18.39 % a year from 2026 > r_plan = 16 %: behind.
With R = 1,000 t instead: τ² − 15 τ + 40 = 0, τ = (15 − √65) / 2 = 3.4689, T = 2029.4689 →
2029-06-21; needed r = 400 / 1,400 = 28.57 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from .paths import BudgetPath

DEFAULT_TREND_YEARS = 5
HORIZON_YEARS = 150      # a budget that lasts longer than this on the trend is reported as not running out


@dataclass(frozen=True)
class Trend:
    """A linear trend of yearly emissions: â(y) = level_t + slope_t_per_year × (y − year)."""

    year: int                 # the last year the trend was fitted on
    level_t: float            # â(year), t
    slope_t_per_year: float   # m, t per year per year
    years: tuple[int, ...]    # the years fitted

    def yearly_t(self, year: int) -> float:
        """Return â(year), the trend's emissions in calendar `year` in t (may be negative; callers floor)."""
        return self.level_t + self.slope_t_per_year * (year - self.year)

    def rate_t_per_year(self, x: float) -> float:
        """Return f(x) = â evaluated at x − ½: the emission rate in t/yr at time x (x = y is 1 January of y)."""
        return self.level_t + self.slope_t_per_year * (x - 0.5 - self.year)


@dataclass
class YearRow:
    """One follow-up year of one unit, in tonnes."""

    year: int
    budget_t: float | None
    actual_t: float | None
    deviation_t: float | None
    cumulative_actual_t: float | None
    cumulative_budget_t: float | None
    remaining_t: float | None

    def as_dict(self) -> dict:
        """Return the row as plain data."""
        return dict(self.__dict__)


@dataclass
class FollowUp:
    """The follow-up of one unit in year Y: yearly rows, remaining budget, runs-out date, needed reduction, verdict."""

    year: int
    follow_up_from: int
    rows: list[YearRow]
    budget_t: float | None
    actual_t: float | None
    deviation_t: float | None
    cumulative_actual_t: float
    cumulative_budget_t: float
    total_budget_t: float
    remaining_t: float
    trend: Trend | None
    runs_out_year: float | None       # fractional year; None = does not run out on the trend
    runs_out_date: date | None
    has_run_out: bool
    needed_rate: float | None         # constant yearly reduction needed from Y + 1 (share)
    plan_rate: float | None           # the reduction the budget path itself makes from Y on (share)
    status: str                       # on_track | behind | over_budget | no_data
    verdict_sv: str
    verdict_en: str
    missing_years: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the follow-up as plain data (dates as ISO strings)."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("rows", "trend")}
        out["rows"] = [r.as_dict() for r in self.rows]
        out["runs_out_date"] = self.runs_out_date.isoformat() if self.runs_out_date else None
        out["trend"] = None if self.trend is None else {
            "years": list(self.trend.years), "level_t": self.trend.level_t,
            "slope_t_per_year": self.trend.slope_t_per_year}
        return out


def fit_trend(actuals: dict[int, float], year: int, n_years: int = DEFAULT_TREND_YEARS) -> Trend | None:
    """Fit â(y) = α + m·y by least squares to the actuals (year -> t) of the last `n_years` years ≤ `year`.

    One year gives a flat trend at that year's value; no years gives None.
    Example: 2023: 500, 2024: 450, 2025: 400 -> slope −50 t/yr, level 400 t in 2025.
    """
    years = sorted(y for y, v in actuals.items() if y <= year and v is not None)[-n_years:]
    if not years:
        return None
    last = years[-1]
    if len(years) == 1:
        return Trend(last, float(actuals[last]), 0.0, tuple(years))
    xs = [y - last for y in years]
    ys = [float(actuals[y]) for y in years]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (v - my) for x, v in zip(xs, ys)) / sxx
    return Trend(last, my + slope * (0 - mx), slope, tuple(years))


def needed_rate(last_actual_t: float, remaining_t: float) -> float | None:
    """Return r = a / (R + a): the constant yearly reduction from the next year that keeps within R (t).

    None when the budget is used up (R ≤ 0: no constant reduction keeps within it); 0 when nothing is emitted.
    Example: a = 400 t, R = 1,000 t -> 400 / 1,400 = 0.2857.
    """
    if remaining_t <= 0:
        return None
    if last_actual_t <= 0:
        return 0.0
    return last_actual_t / (remaining_t + last_actual_t)


def runs_out(remaining_t: float, trend: Trend, from_year: int, reductions_t: dict[int, float] | None = None,
             horizon_years: int = HORIZON_YEARS) -> float | None:
    """Return the fractional year at which the trend (less yearly reductions, floored at 0) uses `remaining_t`.

    Integration starts at 1 January of `from_year`; `reductions_t` maps year -> t/yr subtracted in that
    year. Returns None when the budget is not used up within `horizon_years`.
    Example: R = 1,000 t, f(x) = 375 − 50 (x − 2026): 2029.4689.
    """
    if remaining_t <= 0:
        return float(from_year)
    reductions_t = reductions_t or {}
    used = 0.0
    for year in range(from_year, from_year + horizon_years):
        c0 = trend.rate_t_per_year(year) - reductions_t.get(year, 0.0)   # rate at 1 January, t/yr
        m = trend.slope_t_per_year
        in_year = _integral_positive(c0, m, 1.0)
        if used + in_year >= remaining_t:
            return year + _solve_positive(c0, m, remaining_t - used)
        used += in_year
        if m <= 0 and trend.rate_t_per_year(year + 1) <= 0:
            return None   # the trend has reached zero and stays there (reductions only lower it)
    return None


def _integral_positive(c0: float, m: float, length: float) -> float:
    # ∫_0^length max(0, c0 + m s) ds
    if m == 0:
        return max(c0, 0.0) * length
    root = -c0 / m
    if c0 >= 0 and (m > 0 or root >= length):
        return c0 * length + m * length ** 2 / 2
    if c0 < 0 and (m < 0 or root >= length):
        return 0.0
    if c0 >= 0:          # falls to zero at root < length
        return c0 * root / 2
    rest = length - root  # rises from zero at root
    return m * rest ** 2 / 2


def _solve_positive(c0: float, m: float, need: float) -> float:
    # smallest s in [0, 1] with ∫_0^s max(0, c0 + m u) du = need (need > 0, and reachable within the year)
    if m == 0:
        return need / c0
    if c0 < 0:           # rising from zero at s0 = −c0/m
        s0 = -c0 / m
        return s0 + math.sqrt(2 * need / m)
    disc = c0 * c0 + 2 * m * need
    return (-c0 + math.sqrt(max(disc, 0.0))) / m


def runs_out_closed_form(remaining_t: float, trend: Trend, from_year: int) -> float | None:
    """Return T solving m τ²/2 + f0 τ = R, τ = T − from_year, f0 = f(from_year); None when it never runs out.

    The closed form of `runs_out` without measures and without the floor at zero (used to check it).
    """
    f0 = trend.rate_t_per_year(from_year)
    m = trend.slope_t_per_year
    if remaining_t <= 0:
        return float(from_year)
    if m == 0:
        return from_year + remaining_t / f0 if f0 > 0 else None
    disc = f0 * f0 + 2 * m * remaining_t
    if disc < 0:
        return None
    tau = (-f0 + math.sqrt(disc)) / m
    if tau < 0 or (f0 <= 0 and m < 0):
        return None
    return from_year + tau


def year_fraction_to_date(x: float) -> date:
    """Return the date at fractional year `x` (2029.5 is about 2 July 2029), by days of that year."""
    year = int(math.floor(x))
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return date(year, 1, 1) + timedelta(days=int(math.floor((x - year) * days)))


def ran_out_during(total_t: float, actuals: dict[int, float], from_year: int, to_year: int) -> float | None:
    """Return the fractional year when cumulative actuals passed `total_t`, spreading each year evenly; else None."""
    used = 0.0
    for year in range(from_year, to_year + 1):
        a = actuals.get(year) or 0.0
        if a > 0 and used + a >= total_t:
            return year + max(total_t - used, 0.0) / a
        used += a
    return None


def follow_up(path: BudgetPath, actuals: dict[int, float], year: int, *, follow_up_from: int | None = None,
              share: float = 1.0, trend_years: int = DEFAULT_TREND_YEARS,
              reductions_t: dict[int, float] | None = None) -> FollowUp:
    """Follow up `actuals` (year -> t) against `path` × `share` in `year`; return rows, remaining, dates, verdict.

    `follow_up_from` is the first year counted against the budget (default: the path's start year);
    `reductions_t` (year -> t/yr) are planned measures applied to the trend (a scenario).
    """
    start = max(follow_up_from or path.start_year, path.start_year)
    total = path.total_from_t(start) * share
    rows: list[YearRow] = []
    cum_a = cum_b = 0.0
    missing = []
    for y in range(start, year + 1):
        b = path.budget_t(y) * share
        a = actuals.get(y)
        cum_b += b
        if a is None:
            missing.append(y)
        else:
            cum_a += a
        rows.append(YearRow(y, b, a, None if a is None else a - b, cum_a, cum_b, total - cum_a))
    remaining = total - cum_a
    b_y = path.budget_t(year) * share if year >= path.start_year else None
    a_y = actuals.get(year)
    trend = fit_trend({y: v for y, v in actuals.items() if y >= start}, year, trend_years)
    has_run_out = remaining <= 0
    if has_run_out:
        when = ran_out_during(total, actuals, start, year)
    elif trend is None:
        when = None
    else:
        when = runs_out(remaining, trend, year + 1, reductions_t)
    last = a_y if a_y is not None else (actuals.get(trend.year) if trend else None)
    need = needed_rate(last, remaining) if last is not None else None
    plan = plan_rate(path, year, share) if year >= path.start_year else None
    status, sv, en = verdict(a_y, remaining, need, plan, year, when if has_run_out else None)
    return FollowUp(year=year, follow_up_from=start, rows=rows, budget_t=b_y, actual_t=a_y,
                    deviation_t=None if a_y is None or b_y is None else a_y - b_y, cumulative_actual_t=cum_a,
                    cumulative_budget_t=cum_b, total_budget_t=total, remaining_t=remaining, trend=trend,
                    runs_out_year=when, runs_out_date=year_fraction_to_date(when) if when is not None else None,
                    has_run_out=has_run_out, needed_rate=need, plan_rate=plan, status=status, verdict_sv=sv, verdict_en=en,
                    missing_years=missing)


def runs_out_range(path: BudgetPath, bounds: dict[str, dict[int, float]], year: int, **kw) -> dict:
    """Return {runs_out_earliest, runs_out_latest} (fractional years, None = not on the trend) from the actuals'
    upper and lower bounds (year -> t): higher emissions use the budget up sooner. Empty bounds give Nones.

    The run-out is shown as a year with this range, never as a day: the trend and the spend-based figures are
    far too uncertain for a date.
    """
    out = {"runs_out_earliest": None, "runs_out_latest": None}
    if not bounds or not bounds.get("upper") or not bounds.get("lower"):
        return out
    for key, side in (("runs_out_earliest", "upper"), ("runs_out_latest", "lower")):
        fu = follow_up(path, dict(bounds[side]), year, **kw)
        out[key] = fu.runs_out_year
    return out


def plan_rate(path, year: int, share: float = 1.0) -> float:
    """Return r_plan = b(Y) / (b(Y) + Σ_{t>Y} b(t)): the constant reduction the path itself makes from `year`.

    Rate path: exactly r (b(Y) / (b(Y) + b(Y)(1 − r)/r) = r); Paris path: 1 − e^(−k); 1 when nothing is left.
    """
    b = (path.budget_t(year) or 0.0) * share
    rest = path.total_from_t(year + 1) * share
    return b / (b + rest) if b + rest > 0 else 1.0


def verdict(actual_t: float | None, remaining_t: float, needed: float | None, plan: float | None, year: int,
            ran_out_at: float | None = None) -> tuple[str, str, str]:
    """Return (status, Swedish text, English text) for a unit's follow-up in `year`.

    on_track: the constant reduction needed from next year is no steeper than the path's own (r ≤ r_plan);
    behind: it is steeper, and the text states it; over_budget: the whole budget is used up (no constant
    reduction keeps within it); no_data: no actual emissions for the year.
    Example: needed 0.2343, plan 0.16 in 2025 -> "Behind the budget – needs −23 % a year from 2026".
    """
    if actual_t is None:
        return ("no_data", f"inga utfall för {year}", f"no actual emissions for {year}")
    if remaining_t <= 0:
        over = -remaining_t
        when = f" ({year_fraction_to_date(ran_out_at).isoformat()})" if ran_out_at is not None else ""
        return ("over_budget", f"budgeten är slut{when}: överskriden med {_t(over)} t",
                f"budget used up{when}: over by {_t(over)} t")
    if needed is not None and plan is not None and needed <= plan + 1e-9:
        return ("on_track", "i fas", "on track")
    pct = f"{(needed or 0.0) * 100:.0f}"
    if plan is not None and round((needed or 0.0) * 100) <= round(plan * 100):
        pct = f"{(needed or 0.0) * 100:.1f}"     # e.g. 16.3 against a 16 % plan: show the difference
    return ("behind", f"Ligger efter budgeten – kräver −{pct} %/år från {year + 1}",
            f"Behind the budget – needs −{pct} % a year from {year + 1}")


def measure_reductions(measures: list[dict], year_from: int, year_to: int) -> dict[int, float]:
    """Return year -> t/yr of planned reductions: each measure counts from its start year to its end year (inclusive).

    A measure is a dict with start_year, reduction_t_per_year and optional end_year (None = lasting).
    """
    out: dict[int, float] = {}
    for m in measures:
        end = m.get("end_year") or year_to
        for y in range(max(m["start_year"], year_from), min(end, year_to) + 1):
            out[y] = out.get(y, 0.0) + float(m["reduction_t_per_year"])
    return out


def cost_per_tonne(cost_sek: float | None, yearly_cost_sek: float | None, reduction_t_per_year: float,
                   years: int) -> float | None:
    """Return (cost + yearly cost × years) / (reduction × years) in SEK per t CO2e; None when nothing is reduced.

    Example: 2,000,000 SEK once, 50,000 SEK a year, 100 t a year over 10 years:
    (2,000,000 + 500,000) / 1,000 = 2,500 SEK/t.
    """
    if reduction_t_per_year <= 0 or years <= 0:
        return None
    return ((cost_sek or 0.0) + (yearly_cost_sek or 0.0) * years) / (reduction_t_per_year * years)


def _t(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def projection(trend: Trend | None, path, from_year: int, to_year: int, *, share: float = 1.0,
               reductions_t: dict[int, float] | None = None) -> list[dict]:
    """Return yearly rows from `from_year` to `to_year`: trend, reductions, scenario, budget and gap, in t.

    trend_t = max(0, â(y)); scenario_t = max(0, â(y) − reductions(y)); budget_t = share × b(y);
    gap_t = trend_t − budget_t (positive: the trend is above the budget); gap_after_t = scenario_t − budget_t.
    Example (trend 400 t in 2025 falling 50 t/yr, −16 % path from 500 t in 2023): 2026 trend 350,
    budget 500 × 0.84³ = 296.35, gap 53.65 t.
    """
    reductions_t = reductions_t or {}
    rows = []
    for y in range(from_year, to_year + 1):
        t = max(trend.yearly_t(y), 0.0) if trend else None
        red = reductions_t.get(y, 0.0)
        b = path.budget_t(y)
        b = None if b is None else b * share
        scenario = None if t is None else max(t - red, 0.0)
        rows.append({"year": y, "trend_t": t, "reductions_t": red, "scenario_t": scenario, "budget_t": b,
                     "gap_t": None if t is None or b is None else t - b,
                     "gap_after_t": None if scenario is None or b is None else scenario - b})
    return rows
