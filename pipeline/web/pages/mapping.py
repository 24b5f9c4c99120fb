"""The mapping review: every account of a run with what the ledger calls it, what the account map says, how the run
classified it, conflicts and suggestions; reviewers accept a suggestion, keep the map's row or choose a category and
factor. Every decision is an audited organisation override (pipeline.engine.review).
"""

from __future__ import annotations

from starlette.responses import Response

from ...engine import review
from ...errors import KlimatspendError
from ...factors import overrides as ov
from .. import data
from ..routing import (ANY, Ctx, ledger_years, message, own_organisation, own_run, page, run_choices,
                       selected_run)

MAX_ROWS = 400          # accounts shown on the page, largest spend first; the CLI and the workbook list them all
FILTER_TITLES = {"all": "All accounts", "conflicts": "Conflicts", "unmapped": "Unmapped spend",
                 "suggestions": "Suggestions"}


def _review_page(ctx: Ctx, default_only: str, path: str) -> Response:
    run = selected_run(ctx)
    if run is None:
        return ctx.render("dashboard_empty.html", ledger_years=ledger_years(ctx),
                          may_run=ctx.user.can("reviewer"))
    only = ctx.query("only") or default_only
    if only not in review.REVIEW_FILTERS:
        only = default_only
    everything = review.review_rows(ctx.con, run["run_id"])
    totals = review.review_totals(everything)
    rows = review.review_rows(ctx.con, run["run_id"], only=only)
    orgs = review.run_organisations(ctx.con, run)
    cats = data.categories(ctx.con)
    by_org = {}
    for org in {r["organisation_id"] for r in rows[:MAX_ROWS]}:
        choices = review.factor_choices(ctx.con, run, org)
        by_org[org] = [{"category": c, "factors": [f for f in choices if f["category_id"] == c["category_id"]]}
                       for c in cats]
    org_names = {o: n for o, n in ctx.con.execute("select organisation_id, name from organisation").fetchall()
                 if ctx.sees(o)}
    path_overrides = ctx.state.config.resolved_overrides()
    return ctx.render("mapping_review.html", run=run, rows=rows[:MAX_ROWS], n_rows=len(rows), only=only,
                      filters=FILTER_TITLES, totals=totals, by_org=by_org, reasons=ov.REASONS, org_names=org_names,
                      category_names={c["category_id"]: c[f"name_{ctx.lang}"] for c in cats},
                      may_map=ctx.user.can("reviewer"), saved=review.saved_overrides(path_overrides, orgs),
                      overrides_path=path_overrides, choices=run_choices(ctx), message=message(ctx),
                      several_orgs=len(orgs) > 1, page_path=path)


@page("/mapping", roles=ANY)
def mapping_review(ctx: Ctx) -> Response:
    """The mapping review of a run: every account, largest spend first, with conflicts and suggestions."""
    return _review_page(ctx, "all", "/mapping")


@page("/unmapped", roles=ANY)
def unmapped(ctx: Ctx) -> Response:
    """The mapping review narrowed to accounts with unmapped spend (largest first), with a form to map each."""
    return _review_page(ctx, "unmapped", "/unmapped")


def _decision_run(ctx: Ctx) -> dict:
    """The run a decision is about: one the user may see (another organisation's run is not found)."""
    return own_run(ctx, ctx.form.get("run_id", ""))


def _decision_organisation(ctx: Ctx, run: dict) -> str:
    """The organisation a decision is saved for: one the user may see."""
    return own_organisation(ctx, ctx.form.get("organisation_id") or run["organisation_id"] or "")


def _back(ctx: Ctx, run: dict, m: str) -> Response:
    back = ctx.form.get("return_to") or "/unmapped"
    if back not in ("/mapping", "/unmapped"):
        back = "/unmapped"
    params = {"run": run["run_id"], "m": m}
    if back == "/mapping" and ctx.form.get("only") in review.REVIEW_FILTERS:
        params["only"] = ctx.form["only"]
    return ctx.redirect(back, **params)


@page("/unmapped/map", roles=("reviewer",), methods=("POST",))
def unmapped_map(ctx: Ctx) -> Response:
    """Save a reviewer's own choice for one account (category and factor, an industry, or an exclusion) as an
    organisation override (author, date) and audit it."""
    run = _decision_run(ctx)
    choice = ctx.form.get("factor", "")
    reason = ctx.form.get("exclusion_reason", "")
    category, _, code = choice.partition("|")
    industry = (ctx.form.get("industry_code") or "").strip()
    if not category and industry:
        category = ctx.form.get("category", "")
    if not reason and not (category and (code or industry)):
        return ctx.error(400, "Cannot be done", ctx.t("Choose a category and an emission factor, or an exclusion reason."))
    author = ctx.user.display_name or ctx.user.username
    try:
        review.save_account_override(ctx.con, ctx.state.config.resolved_overrides(), run,
                                     organisation_id=_decision_organisation(ctx, run),
                                     account=ctx.form.get("account", ""), category_id=None if reason else category,
                                     factor_code=None if reason else (code or None), exclusion_reason=reason or None,
                                     industry_code=None if reason else industry or None,
                                     note=ctx.form.get("note", ""), author=author, author_role=ctx.user.role,
                                     ip=ctx.ip)
    except KlimatspendError as exc:
        return ctx.error(400, "Cannot be done", str(exc))
    return _back(ctx, run, "mapped")


@page("/mapping/decide", roles=("reviewer",), methods=("POST",))
def mapping_decide(ctx: Ctx) -> Response:
    """Accept the review's suggestion for an account, or keep the account map's row against its text; audited."""
    run = _decision_run(ctx)
    decision = ctx.form.get("decision", "")
    if decision not in ("accept", "keep"):
        return ctx.error(400, "Cannot be done", ctx.t("Choose a category and an emission factor, or an exclusion reason."))
    act = review.accept_suggestion if decision == "accept" else review.keep_map_row
    try:
        act(ctx.con, ctx.state.config.resolved_overrides(), run,
            organisation_id=_decision_organisation(ctx, run),
            account=ctx.form.get("account", ""), author=ctx.user.display_name or ctx.user.username,
            author_role=ctx.user.role, note=ctx.form.get("note", ""), ip=ctx.ip)
    except KlimatspendError as exc:
        return ctx.error(400, "Cannot be done", str(exc))
    return _back(ctx, run, "mapped")
