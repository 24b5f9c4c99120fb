"""Tests for pipeline.budget.followup and pipeline.budget.allocation: hand-computed follow-ups."""

from __future__ import annotations

import math
from datetime import date

import pytest

from pipeline.budget import allocation, followup, paths, territorial
from pipeline.errors import UsageError

ACTUALS = {2023: 500.0, 2024: 450.0, 2025: 400.0}


def test_follow_up_worked_example():
    """−16 % from E_base = 500 t in 2023: Σ b = 500 / 0.16 = 3,125 t.

    Budgets 500, 420, 352.8 (cumulative 1,272.8); actuals 500, 450, 400 (cumulative 1,350).
    2025: deviation 400 − 352.8 = 47.2 t; remaining 3,125 − 1,350 = 1,775 t.
    Trend: slope −50 t/yr, â(2025) = 400, f(2026) = 350 + 25 = 375 t/yr; the trend reaches zero after
    7.5 years having used 375² / 100 = 1,406.25 t < 1,775 t, so the budget never runs out on it.
    Needed: 400 / (1,775 + 400) = 0.18391 -> "Behind the budget – needs −18 % a year from 2026".
    """
    path = paths.rate_path(500, 0.16, 2023)
    fu = followup.follow_up(path, ACTUALS, 2025)
    assert [r.budget_t for r in fu.rows] == pytest.approx([500, 420, 352.8])
    assert fu.deviation_t == pytest.approx(47.2)
    assert fu.cumulative_actual_t == pytest.approx(1350)
    assert fu.cumulative_budget_t == pytest.approx(1272.8)
    assert fu.remaining_t == pytest.approx(1775)
    assert fu.trend.slope_t_per_year == pytest.approx(-50)
    assert fu.trend.rate_t_per_year(2026) == pytest.approx(375)
    assert fu.runs_out_year is None
    assert fu.needed_rate == pytest.approx(400 / 2175)
    assert fu.status == "behind"
    assert fu.verdict_en == "Behind the budget – needs −18 % a year from 2026"
    assert fu.verdict_sv == "Ligger efter budgeten – kräver −18 %/år från 2026"


def test_runs_out_worked_example():
    """R = 1,000 t, f(x) = 375 − 50 (x − 2026): −25 τ² + 375 τ = 1,000 -> τ = (15 − √65) / 2 = 3.46887.

    T = 2029.46887; 0.46887 × 365 days = 171.1 -> 1 January 2029 + 171 days = 21 June 2029.
    Year by year: 2026 uses 350, 2027 300, 2028 250 (900), then 100 t inside 2029.
    """
    trend = followup.fit_trend(ACTUALS, 2025)
    t = followup.runs_out(1000, trend, 2026)
    assert t == pytest.approx(2026 + (15 - math.sqrt(65)) / 2)
    assert followup.runs_out_closed_form(1000, trend, 2026) == pytest.approx(t)
    assert followup.year_fraction_to_date(t) == date(2029, 6, 21)
    assert followup.needed_rate(400, 1000) == pytest.approx(400 / 1400)


@pytest.mark.parametrize("level, slope, remaining", [(375, -50, 1000), (200, 0, 1000), (100, 20, 3000),
                                                     (900, -10, 20000), (50, -5, 100)])
def test_piecewise_integration_matches_closed_form(level, slope, remaining):
    trend = followup.Trend(2025, level, slope, (2023, 2024, 2025))
    closed = followup.runs_out_closed_form(remaining, trend, 2026)
    piecewise = followup.runs_out(remaining, trend, 2026)
    if closed is None:
        assert piecewise is None
    else:
        assert piecewise == pytest.approx(closed)


def test_runs_out_with_measures_is_later():
    """A measure cutting 100 t a year from 2027 pushes the runs-out date of the R = 1,000 t example later.

    Year by year: 2026 350, 2027 300 − 100 = 200, 2028 250 − 100 = 150 (700), 2029 200 − 100 = 100 (800),
    2030: rate at 1 January 175 − 100 = 75 falling to 25, uses 50 (850); 2031 starts at 25 and reaches zero
    at mid-year, using 25 × 0.5 / 2 = 6.25 (856.25 < 1,000): it no longer runs out.
    """
    trend = followup.fit_trend(ACTUALS, 2025)
    reductions = followup.measure_reductions([{"start_year": 2027, "reduction_t_per_year": 100}], 2026, 2200)
    assert followup.runs_out(1000, trend, 2026, reductions) is None
    # a smaller measure (20 t a year) delays it instead
    small = followup.measure_reductions([{"start_year": 2027, "reduction_t_per_year": 20}], 2026, 2200)
    base = followup.runs_out(1000, trend, 2026)
    later = followup.runs_out(1000, trend, 2026, small)
    assert later > base


def test_ran_out_in_the_past():
    """Budget 1,000 t, actuals 500 + 450 + 400: cumulative passes 1,000 in 2025 after 50 of 400 t -> 2025.125."""
    path = paths.custom_path({2023: 400, 2024: 350, 2025: 250})
    fu = followup.follow_up(path, ACTUALS, 2025)
    assert fu.remaining_t == pytest.approx(-350)
    assert fu.has_run_out
    assert fu.runs_out_year == pytest.approx(2025.125)
    assert fu.runs_out_date == date(2025, 2, 15)
    assert fu.status == "over_budget"
    assert fu.verdict_en == "budget used up (2025-02-15): over by 350 t"
    assert fu.needed_rate is None


def test_on_track():
    fu = followup.follow_up(paths.rate_path(500, 0.05, 2023), {2023: 480, 2024: 440, 2025: 400}, 2025)
    assert fu.status == "on_track"
    assert (fu.verdict_sv, fu.verdict_en) == ("i fas", "on track")


def test_share_scales_budget():
    """A department with 30 % of the organisation's budget: b_d(2024) = 0.3 × 420 = 126 t."""
    fu = followup.follow_up(paths.rate_path(500, 0.16, 2023), {2023: 150, 2024: 130}, 2024, share=0.3)
    assert fu.budget_t == pytest.approx(126)
    assert fu.total_budget_t == pytest.approx(0.3 * 3125)


def test_missing_years_and_no_data():
    fu = followup.follow_up(paths.rate_path(500, 0.16, 2023), {2023: 500}, 2025)
    assert fu.missing_years == [2024, 2025]
    assert fu.status == "no_data"


def test_cost_per_tonne():
    """2,000,000 SEK once + 50,000 SEK a year, 100 t a year over 10 years: 2,500,000 / 1,000 = 2,500 SEK/t."""
    assert followup.cost_per_tonne(2_000_000, 50_000, 100, 10) == pytest.approx(2500)
    assert followup.cost_per_tonne(1000, None, 0, 10) is None


def test_allocation_worked_example():
    """A 600, B 300, C 100 t -> 0.6, 0.3, 0.1; b(2025) = 705.6 t -> 423.36, 211.68, 70.56 t."""
    s = allocation.shares("grandfathering", ["A", "B", "C"], {"A": 600, "B": 300, "C": 100})
    assert s == pytest.approx({"A": 0.6, "B": 0.3, "C": 0.1})
    assert allocation.allocate(705.6, s) == pytest.approx({"A": 423.36, "B": 211.68, "C": 70.56})
    assert allocation.shares("employees", ["A", "B", "C"], {"A": 50, "B": 30, "C": 20}) == \
        pytest.approx({"A": 0.5, "B": 0.3, "C": 0.2})
    assert allocation.shares("weights", ["A", "B"], {"A": 3, "B": 1}) == pytest.approx({"A": 0.75, "B": 0.25})


@pytest.mark.parametrize("method", allocation.ALLOCATION_METHODS)
def test_allocation_shares_sum_to_one(method):
    units = [f"dep{i}" for i in range(7)]
    basis = {u: (i * 37.3) % 11 + 0.5 for i, u in enumerate(units)}
    s = allocation.shares(method, units, basis)
    assert sum(s.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(v >= 0 for v in s.values())


def test_allocation_errors():
    with pytest.raises(allocation.AllocationError, match="the employees of all units sum to 0"):
        allocation.shares("employees", ["A"], {})
    with pytest.raises(allocation.AllocationError, match="allocation basis for 'A': -1 is not a number"):
        allocation.shares("weights", ["A"], {"A": -1})
    with pytest.raises(allocation.AllocationError, match="use one of grandfathering"):
        allocation.shares("polluter", ["A"], {})


@pytest.mark.parametrize("query, expected", [("Boras", "Borås"), ("BORÅS", "Borås"), ("borås kommun", "Borås"),
                                             ("habo", "Habo"), ("Håbo", "Håbo"), ("upplands bro", "Upplands-Bro"),
                                             ("Malmo", "Malmö"), ("orebro", "Örebro")])
def test_find_municipality(query, expected):
    assert territorial.find_municipality(query)["kommun"] == expected


def test_find_municipality_errors():
    with pytest.raises(UsageError, match="municipality 'Borsa': not one of Sweden's 290 municipalities; did you mean"):
        territorial.find_municipality("Borsa")
    with pytest.raises(UsageError, match="not one of Sweden's 290"):
        territorial.find_municipality("Atlantis")


def test_territorial_summary_boras():
    s = territorial.territorial_summary("boras", to_year=2030)
    assert s["kommun"] == "Borås" and s["lan"] == "Västra Götalands län"
    assert s["budget_t_co2"] == pytest.approx(379277.181)
    assert s["implied_yearly_reduction"] * 100 == pytest.approx(39.561, abs=1e-3)
    assert s["path"][0]["rate_t_per_year"] == pytest.approx(s["path"][0]["published_rate_t_per_year"])
    assert s["measured_t_co2"][2022] == pytest.approx(195210.465)
    assert s["klimatkollen"]["budget_runs_out"] == "2026-01-19"
