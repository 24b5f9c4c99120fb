"""Unmapped accounts and mapping them (saved as audited organisation overrides).
"""

from __future__ import annotations


from starlette.responses import Response

from ...errors import KlimatspendError
from ...factors import overrides as ov
from ...engine import marts
from .. import data, mapping
from ..routing import (ANY, Ctx, as_float, ledger_years, message, own_organisation, own_run, page, run_choices,
                       selected_run)


@page("/unmapped", roles=ANY)
def unmapped(ctx: Ctx) -> Response:
    """Unmapped spend by account (largest first) with a form to map each account (reviewers)."""
    run = selected_run(ctx)
    if run is None:
        return ctx.render("dashboard_empty.html", ledger_years=ledger_years(ctx),
                          may_run=ctx.user.can("reviewer"))
    rows = marts.read(ctx.con, "unmapped_accounts", run["run_id"], order_by="spend_sek desc")
    names = {(o, a): n for o, a, n in ctx.con.execute(
        """select e.organisation_id, e.account, max(l.account_name) from line_emission e
           left join ledger_line l on l.batch_id = e.batch_id and l.source_row = e.source_row
           where e.run_id = ? and e.rule_level = 'unmapped' group by 1, 2""", [run["run_id"]]).fetchall()}
    orgs = mapping.run_organisations(ctx.con, run)
    for r in rows:
        r.setdefault("organisation_id", run["organisation_id"] or (orgs[0] if orgs else None))
        r["account_name"] = names.get((r["organisation_id"], r["account"]))
    cats = data.categories(ctx.con)
    by_org = {}
    for org in {r["organisation_id"] for r in rows}:
        choices = mapping.factor_choices(ctx.con, run, org)
        by_org[org] = [{"category": c, "factors": [f for f in choices if f["category_id"] == c["category_id"]]}
                       for c in cats]
    org_names = {o: n for o, n in ctx.con.execute("select organisation_id, name from organisation").fetchall()
                 if ctx.sees(o)}
    path = ctx.state.config.resolved_overrides()
    return ctx.render("unmapped.html", run=run, rows=rows, by_org=by_org, reasons=ov.REASONS, org_names=org_names,
                      may_map=ctx.user.can("reviewer"), saved=mapping.saved_overrides(path, orgs),
                      overrides_path=path, choices=run_choices(ctx), message=message(ctx),
                      total=sum(as_float(r["spend_sek"]) or 0 for r in rows), several_orgs=len(orgs) > 1)


@page("/unmapped/map", roles=("reviewer",), methods=("POST",))
def unmapped_map(ctx: Ctx) -> Response:
    """Save the mapping of one account as an organisation override (author, date) and audit it."""
    run = own_run(ctx, ctx.form.get("run_id", ""))
    organisation_id = own_organisation(ctx, ctx.form.get("organisation_id") or run["organisation_id"])
    choice = ctx.form.get("factor", "")
    reason = ctx.form.get("exclusion_reason", "")
    category, _, code = choice.partition("|")
    if not reason and not (category and code):
        return ctx.error(400, "Cannot be done", ctx.t("Choose a category and an emission factor, or an exclusion reason."))
    author = ctx.user.display_name or ctx.user.username
    try:
        mapping.save_account_override(ctx.con, ctx.state.config.resolved_overrides(), run,
                                      organisation_id=organisation_id,
                                      account=ctx.form.get("account", ""), category_id=None if reason else category,
                                      factor_code=None if reason else code, exclusion_reason=reason or None,
                                      note=ctx.form.get("note", ""), author=author, author_role=ctx.user.role,
                                      ip=ctx.ip)
    except KlimatspendError as exc:
        return ctx.error(400, "Cannot be done", str(exc))
    return ctx.redirect("/unmapped", run=run["run_id"], m="mapped")
