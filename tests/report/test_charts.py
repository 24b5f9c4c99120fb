"""Tests for pipeline.charts: well-formed SVG, escaped labels, bars proportional to values."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from pipeline.report import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_nice_ticks_cover_the_range():
    assert charts.nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(0, 0.4) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    ticks = charts.nice_ticks(-1, 3)
    assert ticks[0] <= -1 and ticks[-1] >= 3


def test_hbar_bars_are_proportional_and_labels_escaped():
    items = [{"label": "<script>alert(1)</script>", "value": 8.0, "lower": 5.6, "upper": 10.4},
             {"label": "Vård & omsorg", "value": 2.0, "lower": 1.4, "upper": 2.6}]
    svg = charts.hbar_chart(items, title="Utsläpp <t>", lang="sv")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = parse(svg)
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    assert [float(b.get("data-value")) for b in bars] == [8.0, 2.0]
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] / widths[1] == pytest.approx(4.0, rel=0.01)
    assert len(root.findall(f".//{SVG}g[@class='range']")) == 2
    assert root.find(f"{SVG}title").text == "Utsläpp <t>"


def test_hbar_handles_negative_values_and_no_items():
    svg = charts.hbar_chart([{"label": "kreditnota", "value": -1.0}, {"label": "x", "value": 3.0}], title="t",
                            lang="en")
    bars = parse(svg).findall(f".//{SVG}rect[@class='bar']")
    neg, pos = bars
    assert float(neg.get("x")) + float(neg.get("width")) == pytest.approx(float(pos.get("x")), abs=0.2)
    assert parse(charts.hbar_chart([], title="empty", lang="en")).tag == f"{SVG}svg"


def test_line_chart_breaks_at_gaps_and_marks_a_year():
    svg = charts.line_chart([{"name": "budget", "points": [(2023, 10), (2024, 8.4), (2025, 7.1)], "dashed": True},
                             {"name": "utfall", "points": [(2023, 10), (2024, None), (2025, 9)]}],
                            band={"name": "range", "points": [(2023, 7, 13), (2025, 6.3, 11.7)]},
                            title="bana", lang="sv", marker_x=2025)
    root = parse(svg)
    lines = root.findall(f".//{SVG}polyline[@class='series']")
    assert [pl.get("data-series") for pl in lines] == ["budget"]  # 'utfall' has only isolated points
    points = root.findall(f".//{SVG}circle[@data-series='utfall']")
    assert [p.get("data-x") for p in points] == ["2023", "2025"]
    assert root.find(f".//{SVG}line[@class='marker']") is not None
    assert root.find(f".//{SVG}polygon[@class='band']") is not None


def test_share_bar_fills_the_width():
    svg = charts.share_bar([{"label": "konto", "value": 30.0}, {"label": "exkluderat", "value": 70.0},
                            {"label": "kreditnetto", "value": -5.0}], title="andel", lang="sv", width=500)
    widths = [float(r.get("width")) for r in parse(svg).findall(f".//{SVG}rect[@class='bar']")]
    assert sum(widths) == pytest.approx(500, abs=0.5)
    assert widths[:2] == pytest.approx([150.0, 350.0], abs=0.1)


def test_column_chart_one_column_per_item():
    svg = charts.column_chart([{"label": f"2024-{m:02d}", "value": m} for m in range(1, 13)], title="mån", lang="en")
    bars = parse(svg).findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == 12
    heights = [float(b.get("height")) for b in bars]
    assert heights == sorted(heights)
