"""Chart geometry for the pages' inline SVG (no script, no inline style): pure functions, pixels out.

The y ticks follow the report's tick rule (pipeline.report.charts.nice_ticks), so a page and the report
draw the same axis for the same figures.
"""

from __future__ import annotations

from ..report.charts import nice_ticks, tick_decimals


def line_chart(series: list[dict], *, width: int = 760, height: int = 300, left: int = 70, right: int = 150,
               top: int = 24, bottom: int = 30) -> dict | None:
    """Lay out year series for an SVG line chart; None when there is nothing to draw.

    `series`: [{"key": css class, "label": text, "points": [(year, value), ...]}]. Returns the plot box, x
    ticks (years), y ticks (values with their y), and per series the polyline points "x,y x,y" and the
    position of its end label. Values are drawn from 0 up to the next round number above the largest.
    """
    pts = [(y, v) for s in series for y, v in s["points"] if v is not None]
    if not pts:
        return None
    years = sorted({y for y, _ in pts})
    y0, y1 = years[0], years[-1]
    top_value = max(v for _, v in pts)
    ticks = nice_ticks(0.0, top_value)
    vmax = max(ticks[-1], top_value)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(year: float) -> float:
        return left + (plot_w * (year - y0) / (y1 - y0) if y1 != y0 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h * (1 - value / vmax)

    out_series = []
    for s in series:
        ps = [(yr, v) for yr, v in s["points"] if v is not None]
        if not ps:
            continue
        coords = [(round(x(yr), 1), round(y(v), 1)) for yr, v in ps]
        out_series.append({"key": s["key"], "label": s["label"], "points": " ".join(f"{a},{b}" for a, b in coords),
                           "dots": coords, "end": coords[-1], "values": ps})
    # each label sits at the end of its own line (an actual series that ends in 2025 is labelled at 2025);
    # labels ending at about the same x are kept at least 14 px apart, in the order of their height
    placed: list[tuple[float, float]] = []
    for s in sorted(out_series, key=lambda s: s["end"][1]):
        label_y = s["end"][1]
        for px, py in sorted(placed, key=lambda p: p[1]):
            if abs(px - s["end"][0]) < 90 and abs(py - label_y) < 14:
                label_y = py + 14
        s["label_y"] = round(label_y, 1)
        # a line that ends inside the plot (the actuals, with trend and measures going on from there) is
        # labelled above its last point, where no other line runs, instead of across the lines that continue
        s["inner"] = s["end"][0] < width - right - 1
        placed.append((s["end"][0], label_y))
    return {"width": width, "height": height, "left": left, "top": top, "right": width - right,
            "bottom": height - bottom,
            "x_ticks": [{"year": yr, "x": round(x(yr), 1)} for yr in years],
            "y_ticks": [{"value": v, "y": round(y(v), 1)} for v in ticks], "y_decimals": tick_decimals(ticks),
            "series": out_series}
