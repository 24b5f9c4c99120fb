"""The carbon budget follow-up page.
"""

from __future__ import annotations


from starlette.responses import Response

from ...errors import KlimatspendError
from .. import charts
from ..routing import ANY, Ctx, page, run_years, selected_year


@page("/budget", roles=ANY, whole_group=True)
def budget(ctx: Ctx) -> Response:
    """Carbon budget follow-up of a year: every budget with path, actual, remaining, runs-out date, verdict,
    departments and measures; the three perspectives side by side."""
    from ...budget import overview

    year = selected_year(ctx)
    ov_data, error = None, None
    if year is not None:
        try:
            ov_data = overview.public(overview.budget_overview(ctx.con, year))
        except KlimatspendError as exc:
            error = str(exc)
    charts = {}
    for b in (ov_data or {}).get("budgets", []):
        chart = budget_chart(b, ctx.t)
        if chart:
            charts[b["budget_id"]] = chart
    return ctx.render("budget.html", year=year, years=run_years(ctx), ov=ov_data, error=error, charts=charts)


def budget_chart(b: dict, t) -> dict | None:
    """Return the line-chart layout of one budget: budget path, actual, trend and trend with measures (t)."""
    fu = b.get("follow_up") or {}
    rows = fu.get("rows") or []
    proj = b.get("projection") or []
    last_actual = [(r["year"], r.get("actual_t")) for r in rows if r.get("actual_t") is not None][-1:]
    series = [
        {"key": "budget", "label": t("Budget"), "points": [(r["year"], r.get("budget_t")) for r in rows + proj]},
        {"key": "actual", "label": t("Actual"), "points": [(r["year"], r.get("actual_t")) for r in rows]},
        {"key": "trend", "label": t("Trend"), "points": last_actual + [(r["year"], r.get("trend_t")) for r in proj]},
        {"key": "measures", "label": t("With measures"),
         "points": last_actual + [(r["year"], r.get("scenario_t")) for r in proj]},
    ]
    if not any(v is not None for _, v in series[1]["points"]):
        return None
    return charts.line_chart(series, width=1000, height=280)
