"""Chart geometry for the inline SVG charts."""

from __future__ import annotations

from pipeline.report.charts import nice_ticks
from pipeline.web.charts import line_chart


def _y_ticks(top: float) -> list[float]:
    c = line_chart([{"key": "a", "label": "A", "points": [(2024, top), (2025, 0.0)]}])
    return [t["value"] for t in c["y_ticks"]]


def test_y_ticks_cover_the_largest_value_in_round_steps():
    """The page's chart uses the report's tick rule from 0 up to the largest value."""
    assert _y_ticks(43251) == [0, 10000, 20000, 30000, 40000, 50000] == nice_ticks(0, 43251)
    assert _y_ticks(9.5) == [0, 2, 4, 6, 8, 10]
    assert _y_ticks(100) == [0, 20, 40, 60, 80, 100]


def test_an_all_zero_chart_gets_a_0_to_1_axis_printed_with_one_decimal():
    c = line_chart([{"key": "a", "label": "A", "points": [(2024, 0.0), (2025, 0.0)]}])
    assert [t["value"] for t in c["y_ticks"]] == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert c["y_decimals"] == 1
    assert c["series"][0]["points"] == "70.0,270.0 610.0,270.0"     # drawn on the axis, not off the plot


def test_line_chart_scales_years_and_values_into_the_plot_box():
    """Worked example: plot box x 70..610 (760 − 150), y 24..270 (300 − 30; 24 px on top leave room for the unit);
    values 0..50 000.

    2023 → x 70 and 2025 → x 610 (two years over 540 px); 50 000 t → y 24, 25 000 t → y 24 + 246 × 0.5 = 147.
    """
    c = line_chart([{"key": "actual", "label": "Actual", "points": [(2023, 50000.0), (2024, None), (2025, 25000.0)]},
                    {"key": "budget", "label": "Budget", "points": [(2023, 50000.0), (2025, 40000.0)]}])
    actual = c["series"][0]
    assert actual["points"] == "70.0,24.0 610.0,147.0"        # the missing year is skipped, not drawn as 0
    assert [t["x"] for t in c["x_ticks"]] == [70.0, 610.0]
    assert c["y_ticks"][-1] == {"value": 50000, "y": 24.0}
    # end labels are kept at least 14 px apart
    ys = sorted(s["label_y"] for s in c["series"])
    assert ys[1] - ys[0] >= 14


def test_nothing_to_draw():
    assert line_chart([{"key": "a", "label": "A", "points": [(2024, None)]}]) is None


def test_a_line_that_ends_inside_the_plot_is_labelled_above_its_end_the_others_at_the_right():
    """Actuals end in 2025 while trend and budget go on to 2030: 'Utfall' sits above its last point, not across
    the lines that continue (issue 20); the lines that reach the right edge keep their label beside their end."""
    c = line_chart([{"key": "actual", "label": "Utfall", "points": [(2023, 30.0), (2025, 27.0)]},
                    {"key": "trend", "label": "Trend", "points": [(2025, 27.0), (2030, 33.0)]},
                    {"key": "budget", "label": "Budget", "points": [(2023, 30.0), (2030, 10.0)]}])
    inner = {s["key"]: s["inner"] for s in c["series"]}
    assert inner == {"actual": True, "trend": False, "budget": False}
    assert next(s for s in c["series"] if s["key"] == "trend")["end"][0] == c["right"]
