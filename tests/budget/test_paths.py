"""Tests for pipeline.budget.paths: hand-computed paths and the shipped municipal Paris paths."""

from __future__ import annotations

import math

import pytest

from pipeline.budget import paths, territorial
from pipeline.budget.paths import PathError


def test_rate_path_worked_example():
    """E_base = 1,000 t in 2023, r = 16 %.

    b(2023) = 1,000; b(2024) = 840; b(2025) = 840 × 0.84 = 705.6; b(2026) = 592.704.
    Total from 2023 = 1,000 / 0.16 = 6,250 t; total from 2026 = 592.704 / 0.16 = 3,704.4 t;
    cumulative 2023–2025 = 1,000 + 840 + 705.6 = 2,545.6 t = 6,250 − 3,704.4.
    """
    p = paths.rate_path(1000, 0.16, 2023)
    assert p.budget_t(2022) is None
    assert p.budget_t(2023) == pytest.approx(1000)
    assert p.budget_t(2024) == pytest.approx(840)
    assert p.budget_t(2025) == pytest.approx(705.6)
    assert p.budget_t(2026) == pytest.approx(592.704)
    assert p.total_from_t(2023) == pytest.approx(6250)
    assert p.total_from_t(2000) == pytest.approx(6250)
    assert p.total_from_t(2026) == pytest.approx(3704.4)
    assert p.cumulative_t(2023, 2025) == pytest.approx(2545.6)
    assert sum(p.budget_t(y) for y in range(2023, 2400)) == pytest.approx(6250)


def test_paris_path_worked_example():
    """B = 1,000 t from 2024, E0 = 250 t/yr.

    k = 250 / 1,000 = 0.25; e^(−0.25) = 0.7788008; implied rate 1 − 0.7788008 = 0.2211992.
    b(2024) = 1,000 × 0.2211992 = 221.1992 t; b(2025) = 221.1992 × 0.7788008 = 172.2701 t.
    Cumulative 2024–2025 = 1,000 × (1 − e^(−0.5)) = 393.4693 t. E(2025) = 250 × 0.7788008 = 194.7002 t/yr.
    The yearly amounts sum to B: Σ b = 1,000; the rates E(t) sum to 250 / 0.2211992 = 1,130.2 t (> B).
    """
    p = paths.paris_path(1000, 2024, 250)
    assert p.k == pytest.approx(0.25)
    assert p.rate == pytest.approx(0.2211992, abs=1e-7)
    assert p.budget_t(2024) == pytest.approx(221.1992, abs=1e-4)
    assert p.budget_t(2025) == pytest.approx(172.2701, abs=1e-4)
    assert p.cumulative_t(2024, 2025) == pytest.approx(393.4693, abs=1e-4)
    assert p.rate_at_t_per_year(2025) == pytest.approx(194.7002, abs=1e-4)
    assert sum(p.budget_t(y) for y in range(2024, 2300)) == pytest.approx(1000)
    assert sum(p.rate_at_t_per_year(y) for y in range(2024, 2300)) == pytest.approx(1130.2, abs=0.1)
    assert p.budget_t(2025) / p.budget_t(2024) == pytest.approx(math.exp(-0.25))


def test_paris_continuous_integral_equals_budget():
    """∫_{t0}^{∞} E0 e^(−k (t − t0)) dt = E0 / k = B, checked with a fine Riemann sum."""
    p = paths.paris_path(5000, 2024, 1200)
    step = 0.001
    integral = sum(p.start_emissions_t * math.exp(-p.k * (i + 0.5) * step) * step for i in range(int(60 / step)))
    assert integral == pytest.approx(5000, rel=1e-6)
    # and the integral over a calendar year is the yearly budget
    year = sum(p.start_emissions_t * math.exp(-p.k * (1 + (i + 0.5) * step)) * step for i in range(int(1 / step)))
    assert year == pytest.approx(p.budget_t(2025), rel=1e-6)


def test_linear_path_worked_example():
    """E0 = 100 t in 2025, zero by 2030: 100, 80, 60, 40, 20, 0 -> total 100 × 6 / 2 = 300 t."""
    p = paths.linear_path(100, 2025, 2030)
    assert [p.budget_t(y) for y in range(2025, 2032)] == pytest.approx([100, 80, 60, 40, 20, 0, 0])
    assert p.total_from_t(2025) == pytest.approx(300)
    assert p.total_from_t(2027) == pytest.approx(120)
    assert p.cumulative_t(2025, 2026) == pytest.approx(180)


def test_custom_path():
    p = paths.custom_path({2024: 500, 2025: 400, 2026: 250})
    assert p.start_year == 2024
    assert p.budget_t(2025) == 400
    assert p.budget_t(2027) == 0
    assert p.total_from_t(2025) == 650
    assert p.cumulative_t(2024, 2030) == 1150


def test_path_table_columns():
    rows = paths.paris_path(1000, 2024, 250).table(2026)
    assert [r["year"] for r in rows] == [2024, 2025, 2026]
    assert rows[-1]["cumulative_t"] == pytest.approx(1000 * (1 - math.exp(-0.75)))
    assert rows[-1]["remaining_t"] == pytest.approx(1000 * math.exp(-0.75))
    assert rows[0]["rate_t_per_year"] == 250


@pytest.mark.parametrize("call, message", [
    (lambda: paths.rate_path(1000, 16, 2020), "rate 16: give the yearly reduction as a share between 0 and 1"),
    (lambda: paths.rate_path(-5, 0.16, 2020), "base emissions -5: give a number of tonnes greater than 0"),
    (lambda: paths.paris_path(0, 2024, 100), "total budget 0: give a number of tonnes greater than 0"),
    (lambda: paths.linear_path(100, 2030, 2025), "zero year 2025: must be after the start year 2030"),
    (lambda: paths.custom_path({2024: 1, 2026: 1}), "years 2024–2026 must be consecutive; missing 2025"),
    (lambda: paths.custom_path({2024: -1}), "custom value for 2024: -1 is not a number of tonnes ≥ 0"),
    (lambda: paths.rate_path(1000, 0.16, 20), "base year 20: give a calendar year"),
])
def test_path_errors(call, message):
    with pytest.raises(PathError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_all_shipped_municipalities_paris_property():
    """For all 290 municipalities: cumulative = B, implied rate = Klimatkollen's needed %, E(t) = published path."""
    rows = territorial.load_municipalities()
    assert len(rows) == 290
    assert sum(r["budget_t_co2"] for r in rows) == pytest.approx(64.56e6, rel=1e-3)
    for row in rows:
        p = territorial.territorial_path(row)
        b = row["budget_t_co2"]
        # yearly amounts sum to B (discrete), closed form and explicit sum
        assert p.total_from_t(p.start_year) == pytest.approx(b, rel=1e-12)
        assert sum(p.budget_t(y) for y in range(2024, 2024 + 400)) == pytest.approx(b, rel=1e-9), row["kommun"]
        # continuous: E0 / k = B
        assert p.start_emissions_t / p.k == pytest.approx(b, rel=1e-12)
        # implied rate 1 − e^(−k) matches Klimatkollen's published needed reduction (3 decimals in %)
        assert p.rate * 100 == pytest.approx(row["needed_reduction_pct_klimatkollen"], abs=6e-4), row["kommun"]
        # our E(t) reproduces the published path (values rounded to 0.001 t)
        published = territorial.emissions(row["kommun"], "paris_path")
        assert sorted(published) == list(range(2024, 2051))
        for year, value in published.items():
            assert p.rate_at_t_per_year(year) == pytest.approx(value, abs=1e-3), (row["kommun"], year)
