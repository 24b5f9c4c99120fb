"""Inline SVG charts for the HTML report: pure functions from figures to SVG markup (no scripts, no fonts).

Every chart is one `<svg>` element with a viewBox (it scales to the page and prints sharply), a
`<title>` for screen readers, and the drawn marks tagged `class="bar"`, `class="series"` ... with
`data-value` attributes so tests can check what is drawn. All text is XML-escaped here.
"""

from __future__ import annotations

import math
from html import escape

from ..numbers import fmt_number, fmt_percent, fmt_short

FONT = "font-family=\"'Segoe UI', 'Helvetica Neue', Arial, sans-serif\""
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#d9dee3"
PRIMARY = "#1d6f58"
SECONDARY = "#8fbfae"
BUDGET = "#b03a2e"
PALETTE = ["#1d6f58", "#e0a526", "#3c6fb0", "#b03a2e", "#7a5aa6", "#4f9d9a", "#c96f2d", "#6b7785", "#a3b18a",
           "#d4a5a5"]


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Return round tick values covering [lo, hi] (about `count` of them), e.g. 0..87 -> 0, 20, ..., 100.

    The one tick rule of klimatspend: the report's SVG charts and the web pages' charts (pipeline.web.charts)
    use it. Steps are 1, 2, 2.5 or 5 times a power of ten; an empty range is drawn as lo..lo+1. The last
    tick may stop up to 0.1 % of a step short of `hi`: callers extend their axis to max(hi, last tick).
    """
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value < hi + step * 0.999:
        ticks.append(round(value, 10))
        value += step
        if len(ticks) > 50:
            break
    return ticks


def _text(x: float, y: float, content: str, *, size: int = 12, anchor: str = "start", fill: str = INK,
          weight: str = "normal", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{bold}{klass}>'
            f"{escape(content)}</text>")


def _open(width: int, height: int, title: str, cls: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-label="{escape(title)}" {FONT} preserveAspectRatio="xMidYMid meet">'
            f"<title>{escape(title)}</title>")


def hbar_chart(items: list[dict], *, title: str, lang: str, decimals: int = 1, label_width: int = 250,
               width: int = 760) -> str:
    """Return a horizontal bar chart: one bar per item {label, value[, lower, upper]} with a range whisker."""
    row_h = 26
    top = 16
    bottom = 30
    height = top + row_h * max(len(items), 1) + bottom
    right = 70
    x0 = label_width + 10
    x1 = width - right
    values = [it["value"] for it in items] + [it.get("upper") or it["value"] for it in items] + \
             [it.get("lower") if it.get("lower") is not None else it["value"] for it in items]
    lo = min([0.0, *values])
    hi = max([0.0, *values])
    ticks = nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])

    def sx(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    parts = [_open(width, height, title, "hbar")]
    axis_y = top + row_h * max(len(items), 1)
    for t in ticks:
        parts.append(f'<line x1="{sx(t):.1f}" y1="{top - 4}" x2="{sx(t):.1f}" y2="{axis_y}" stroke="{GRID}" '
                     f'stroke-width="1"/>')
        parts.append(_text(sx(t), axis_y + 16, fmt_number(t, tick_decimals(ticks), lang), size=11, anchor="middle",
                           fill=MUTED))
    for i, it in enumerate(items):
        y = top + i * row_h
        v = float(it["value"])
        bx = min(sx(0), sx(v))
        bw = abs(sx(v) - sx(0))
        label = str(it["label"])
        parts.append(f'<g class="row"><title>{escape(label)}: {escape(fmt_number(v, decimals, lang))}</title>')
        parts.append(_text(label_width, y + row_h / 2 + 4, fmt_short(label, 40), anchor="end"))
        color = it.get("color", PRIMARY)
        parts.append(f'<rect class="bar" x="{bx:.1f}" y="{y + 4}" width="{max(bw, 0.5):.1f}" height="{row_h - 8}" '
                     f'fill="{color}" data-value="{v!r}" data-label="{escape(label)}"/>')
        lower, upper = it.get("lower"), it.get("upper")
        end = sx(v)
        if lower is not None and upper is not None:
            yc = y + row_h / 2
            parts.append(f'<g class="range" stroke="{INK}" stroke-width="1.2">'
                         f'<line x1="{sx(lower):.1f}" y1="{yc}" x2="{sx(upper):.1f}" y2="{yc}"/>'
                         f'<line x1="{sx(lower):.1f}" y1="{yc - 5}" x2="{sx(lower):.1f}" y2="{yc + 5}"/>'
                         f'<line x1="{sx(upper):.1f}" y1="{yc - 5}" x2="{sx(upper):.1f}" y2="{yc + 5}"/></g>')
            end = max(end, sx(upper))
        parts.append(_text(min(end + 6, width - 4), y + row_h / 2 + 4, fmt_number(v, decimals, lang), size=11,
                           anchor="end" if end + 6 > width - right + 60 else "start", fill=MUTED))
        parts.append("</g>")
    parts.append(f'<line x1="{sx(0):.1f}" y1="{top - 4}" x2="{sx(0):.1f}" y2="{axis_y}" stroke="{INK}" '
                 f'stroke-width="1"/>')
    parts.append("</svg>")
    return "".join(parts)


def tick_decimals(ticks: list[float]) -> int:
    """Return the decimals needed to print the ticks exactly (step 0.25 -> 2, step 0.5 -> 1, step 20 -> 0)."""
    if len(ticks) < 2:
        return 0
    step = abs(ticks[1] - ticks[0])
    decimals = 0
    while decimals < 4 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-9:
        decimals += 1
    return decimals


def column_chart(items: list[dict], *, title: str, lang: str, decimals: int = 1, width: int = 760,
                 height: int = 240) -> str:
    """Return a vertical column chart: one column per item {label, value} (e.g. months)."""
    left, right, top, bottom = 56, 12, 14, 34
    x0, x1, y0, y1 = left, width - right, height - bottom, top
    values = [float(it["value"]) for it in items] or [0.0]
    lo, hi = min(0.0, *values), max(0.0, *values)
    ticks = nice_ticks(lo, hi, 4)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])

    def sy(v: float) -> float:
        return y0 - (v - lo) / (hi - lo) * (y0 - y1)

    parts = [_open(width, height, title, "columns")]
    for t in ticks:
        parts.append(f'<line x1="{x0}" y1="{sy(t):.1f}" x2="{x1}" y2="{sy(t):.1f}" stroke="{GRID}"/>')
        parts.append(_text(x0 - 6, sy(t) + 4, fmt_number(t, tick_decimals(ticks), lang), size=11, anchor="end",
                           fill=MUTED))
    n = max(len(items), 1)
    slot = (x1 - x0) / n
    for i, it in enumerate(items):
        v = float(it["value"])
        x = x0 + i * slot + slot * 0.15
        w = slot * 0.7
        top_y, bottom_y = min(sy(v), sy(0)), max(sy(v), sy(0))
        label = str(it["label"])
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{top_y:.1f}" width="{w:.1f}" '
                     f'height="{max(bottom_y - top_y, 0.5):.1f}" fill="{PRIMARY}" data-value="{v!r}" '
                     f'data-label="{escape(label)}"><title>{escape(label)}: '
                     f'{escape(fmt_number(v, decimals, lang))}</title></rect>')
        parts.append(_text(x + w / 2, y0 + 16, fmt_short(label, 10), size=11, anchor="middle", fill=MUTED))
    parts.append(f'<line x1="{x0}" y1="{sy(0):.1f}" x2="{x1}" y2="{sy(0):.1f}" stroke="{INK}"/>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(series: list[dict], *, title: str, lang: str, band: dict | None = None, decimals: int = 1,
               width: int = 760, height: int = 300, marker_x: int | None = None, marker_label: str = "",
               y_unit: str = "") -> str:
    """Return a line chart over whole years.

    `series`: [{name, points: [(year, value|None)], color, dashed}]; gaps (None) break the line.
    `band`: optional {name, points: [(year, lower, upper)], color} drawn as a shaded range behind.
    `marker_x`: a year to mark with a vertical line (e.g. the year the budget runs out), labelled `marker_label`.
    `y_unit`: the unit of the values, written above the y axis ("t CO₂e"). The legend sits in a row under the
    years, apart from the lines, so that no name reads as a label of a line's end.
    """
    left, right, top, bottom = 60, 16, 30, 56
    x0, x1, y0, y1 = left, width - right, height - bottom, top
    xs = sorted({p[0] for s in series for p in s["points"]} | {p[0] for p in (band or {}).get("points", [])})
    if not xs:
        xs = [0]
    ys = [p[1] for s in series for p in s["points"] if p[1] is not None]
    ys += [v for p in (band or {}).get("points", []) for v in p[1:] if v is not None]
    lo, hi = min([0.0, *ys]), max([0.0, *ys])
    ticks = nice_ticks(lo, hi, 5)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    xmin, xmax = xs[0], xs[-1]
    span = max(xmax - xmin, 1)

    def sx(x: float) -> float:
        return x0 + (x - xmin) / span * (x1 - x0) if xmax != xmin else (x0 + x1) / 2

    def sy(v: float) -> float:
        return y0 - (v - lo) / (hi - lo) * (y0 - y1)

    parts = [_open(width, height, title, "lines")]
    if y_unit:
        parts.append(_text(4, 14, y_unit, size=11, anchor="start", fill=MUTED))
    legend_y = height - 12
    for t in ticks:
        parts.append(f'<line x1="{x0}" y1="{sy(t):.1f}" x2="{x1}" y2="{sy(t):.1f}" stroke="{GRID}"/>')
        parts.append(_text(x0 - 6, sy(t) + 4, fmt_number(t, tick_decimals(ticks), lang), size=11, anchor="end",
                           fill=MUTED))
    step = max(1, math.ceil(len(xs) / 12))
    for i, x in enumerate(xs):
        if i % step == 0 or x == xs[-1]:
            parts.append(_text(sx(x), y0 + 18, str(x), size=11, anchor="middle", fill=MUTED))
    legend_x = x0
    if band and band.get("points"):
        pts = band["points"]
        upper = " ".join(f"{sx(x):.1f},{sy(u):.1f}" for x, _, u in pts)
        lower = " ".join(f"{sx(x):.1f},{sy(lo_):.1f}" for x, lo_, _ in reversed(pts))
        color = band.get("color", SECONDARY)
        parts.append(f'<polygon class="band" points="{upper} {lower}" fill="{color}" fill-opacity="0.35" '
                     f'stroke="none"/>')
        parts.append(f'<rect x="{legend_x}" y="{legend_y - 9}" width="14" height="10" fill="{color}" '
                     f'fill-opacity="0.35"/>')
        parts.append(_text(legend_x + 18, legend_y, band["name"], size=11))
        legend_x += _legend_width(band["name"], 18)
    if marker_x is not None and xmin <= marker_x <= xmax:
        parts.append(f'<line class="marker" x1="{sx(marker_x):.1f}" y1="{y1}" x2="{sx(marker_x):.1f}" y2="{y0}" '
                     f'stroke="{BUDGET}" stroke-dasharray="2 3"/>')
        if marker_label:
            anchor = "end" if sx(marker_x) > (x0 + x1) / 2 else "start"
            dx = -5 if anchor == "end" else 5
            parts.append(_text(sx(marker_x) + dx, y1 + 12, marker_label, size=11, anchor=anchor, fill=BUDGET))
    for k, s in enumerate(series):
        color = s.get("color", PALETTE[k % len(PALETTE)])
        dash = ' stroke-dasharray="6 4"' if s.get("dashed") else ""
        segments: list[list[tuple[float, float]]] = [[]]
        for x, v in s["points"]:
            if v is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append((x, v))
        for seg in segments:
            if len(seg) >= 2:
                d = " ".join(f"{sx(x):.1f},{sy(v):.1f}" for x, v in seg)
                parts.append(f'<polyline class="series" data-series="{escape(s["name"])}" points="{d}" fill="none" '
                             f'stroke="{color}" stroke-width="2.5"{dash}/>')
            for x, v in seg:
                parts.append(f'<circle class="point" cx="{sx(x):.1f}" cy="{sy(v):.1f}" r="3.5" fill="{color}" '
                             f'data-series="{escape(s["name"])}" data-x="{x}" data-value="{float(v)!r}">'
                             f'<title>{escape(s["name"])} {x}: {escape(fmt_number(v, decimals, lang))}</title>'
                             f"</circle>")
        parts.append(f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 18}" y2="{legend_y - 4}" '
                     f'stroke="{color}" stroke-width="2.5"{dash}/>')
        parts.append(_text(legend_x + 22, legend_y, s["name"], size=11))
        legend_x += _legend_width(s["name"], 22)
    parts.append(f'<line x1="{x0}" y1="{sy(0):.1f}" x2="{x1}" y2="{sy(0):.1f}" stroke="{INK}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _legend_width(name: str, symbol: int) -> float:
    """Return the width a legend entry takes: its symbol, the name at about 6.8 px a character (11 px sans), a gap."""
    return symbol + 6.8 * len(name) + 22


def share_bar(parts_in: list[dict], *, title: str, lang: str, width: int = 760) -> str:
    """Return one 100 % horizontal bar split into parts {label, value} (negative values count as 0), with a legend."""
    total = sum(max(float(p["value"]), 0.0) for p in parts_in) or 1.0
    legend_rows = math.ceil(len(parts_in) / 3)
    height = 44 + 20 * legend_rows
    parts = [_open(width, height, title, "share")]
    x = 0.0
    for k, p in enumerate(parts_in):
        v = max(float(p["value"]), 0.0)
        w = v / total * width
        color = p.get("color", PALETTE[k % len(PALETTE)])
        label = str(p["label"])
        parts.append(f'<rect class="bar" x="{x:.1f}" y="4" width="{w:.1f}" height="24" fill="{color}" '
                     f'data-value="{float(p["value"])!r}" data-label="{escape(label)}"><title>{escape(label)}: '
                     f"{escape(fmt_percent(v / total, 1, lang))}</title></rect>")
        x += w
        col, row = k % 3, k // 3
        lx, ly = col * (width / 3), 46 + row * 20
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="12" height="12" fill="{color}"/>')
        parts.append(_text(lx + 17, ly, f"{fmt_short(label, 28)} {fmt_percent(v / total, 1, lang)}", size=11))
    parts.append("</svg>")
    return "".join(parts)
