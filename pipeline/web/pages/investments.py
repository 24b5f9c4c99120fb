"""The green investments page.
"""

from __future__ import annotations


from starlette.responses import Response

from ...errors import KlimatspendError
from ..routing import ANY, Ctx, page, run_years, selected_year


@page("/investments", roles=ANY, whole_group=True)
def investments(ctx: Ctx) -> Response:
    """Investments of a year: green share, register, capital-goods emissions, the budget gap, green loans,
    and the internal carbon fee."""
    from ... import investments as inv
    from ...investments import outputs

    year = selected_year(ctx)
    summary, fee, error = None, None, None
    has_plan = bool(ctx.con.execute("select count(*) from investment").fetchone()[0])
    if year is not None:
        try:
            summary = inv.summary(ctx.con, year)
        except KlimatspendError as exc:
            error = str(exc)
        try:
            fee = outputs.carbon_fee(ctx.con, year)
        except KlimatspendError:
            fee = None
    from ...investments import plan

    green = {c["category_id"]: c for c in plan.taxonomy(ctx.con)}
    return ctx.render("investments.html", year=year, years=run_years(ctx), s=summary, fee=fee, error=error,
                      has_plan=has_plan, green=green)
