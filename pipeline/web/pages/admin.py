"""Administration pages: users and roles, factor-set and account-map versions, publishing runs, the audit log.
"""

from __future__ import annotations


from starlette.responses import Response

from ...access import audit, auth
from ...errors import KlimatspendError
from ...engine import marts
from .. import data
from ...engine import runs
from ..routing import Ctx, NotFound, download, message, own_run, page, url


ADMIN: tuple[str, ...] = ("admin",)


AUDIT_PAGE = 100


@page("/admin/users", roles=ADMIN, whole_group=True)
def users(ctx: Ctx) -> Response:
    """Users with role, status and last login; forms to add users and change roles, status and passwords."""
    return ctx.render("admin_users.html", users=auth.list_users(ctx.con), roles=auth.ROLES, message=message(ctx),
                      min_length=auth.MIN_PASSWORD_LENGTH)


def _user_error(ctx: Ctx, exc: KlimatspendError) -> Response:
    return ctx.render("admin_users.html", status=400, users=auth.list_users(ctx.con), roles=auth.ROLES,
                      error=str(exc), message=None, min_length=auth.MIN_PASSWORD_LENGTH)


@page("/admin/users", roles=ADMIN, methods=("POST",), name="users_add", whole_group=True)
def users_add(ctx: Ctx) -> Response:
    """Create a user (audited)."""
    try:
        user = auth.add_user(ctx.con, ctx.form.get("username", ""), ctx.form.get("password", ""),
                             ctx.form.get("role", ""), display_name=ctx.form.get("display_name"),
                             created_by=ctx.user.username)
    except KlimatspendError as exc:
        return _user_error(ctx, exc)
    ctx.audit("user.add", object_kind="user", object_id=user.username,
              detail={"role": user.role, "display_name": user.display_name})
    return ctx.redirect("/admin/users", m="saved")


@page("/admin/users/{username}/{action}", roles=ADMIN, methods=("POST",), whole_group=True)
def users_change(ctx: Ctx) -> Response:
    """Change a user's role, disable or enable the user, or set a new password (audited)."""
    name, action = ctx.request.path_params["username"], ctx.request.path_params["action"]
    if auth.get_user(ctx.con, name) is None or action not in ("role", "disable", "enable", "password"):
        raise NotFound()
    try:
        if action == "role":
            user, old = auth.set_role(ctx.con, name, ctx.form.get("role", ""))
            ctx.audit("user.role", object_kind="user", object_id=user.username,
                      detail={"old_role": old, "new_role": user.role})
        elif action in ("disable", "enable"):
            user = auth.set_active(ctx.con, name, action == "enable")
            ctx.audit(f"user.{action}", object_kind="user", object_id=user.username)
        else:
            user = auth.set_password(ctx.con, name, ctx.form.get("password", ""))
            ctx.audit("user.password", object_kind="user", object_id=user.username)
    except KlimatspendError as exc:
        return _user_error(ctx, exc)
    return ctx.redirect("/admin/users", m="saved")


@page("/admin/versions", roles=ADMIN, whole_group=True)
def versions(ctx: Ctx) -> Response:
    """Factor sets and account maps loaded, the runs using them, and publishing a run."""
    factor_sets = data._rows(ctx.con, """
        select f.factor_set_id, f.version, f.name, f.publisher, f.licence, f.base_year, f.currency, f.loaded_at,
               (select count(*) from run r where r.factor_set_id = f.factor_set_id and r.factor_set_version = f.version)
                   as n_runs
        from factor_set f order by f.factor_set_id, f.version""")
    maps = data._rows(ctx.con, """
        with maps as (select mapping_id, mapping_version, count(*) as n_prefixes from account_map group by 1, 2)
        select m.mapping_id, m.mapping_version, m.n_prefixes, rr.status, rr.loaded_at,
               (select count(*) from run r where r.mapping_id = m.mapping_id and r.mapping_version = m.mapping_version)
                   as n_runs
        from maps m left join reference_release rr
             on rr.kind = 'account_map' and rr.release_id = m.mapping_id and rr.version = m.mapping_version
        order by m.mapping_id, m.mapping_version""")
    return ctx.render("admin_versions.html", factor_sets=factor_sets, maps=maps, runs=data.runs(ctx.con),
                      overrides_path=ctx.state.config.resolved_overrides(), message=message(ctx))


@page("/admin/runs/{run_id:int}/publish", roles=ADMIN, methods=("POST",), whole_group=True)
def publish(ctx: Ctx) -> Response:
    """Publish (freeze) a run and audit it."""
    run = own_run(ctx, ctx.request.path_params["run_id"])
    runs.publish_run(ctx.con, run["run_id"])
    totals = marts.read(ctx.con, "run_totals", run["run_id"])[0]
    ctx.audit("run.publish", object_kind="run", object_id=run["run_id"],
              detail={"year": run["year"], "organisation_id": run["organisation_id"],
                      "factor_set": f"{run['factor_set_id']}@{run['factor_set_version']}",
                      "mapping": f"{run['mapping_id']}@{run['mapping_version']}",
                      "total_emissions_kg_co2e": totals["total_emissions_kg_co2e"]})
    return ctx.redirect("/admin/versions", m="published")


def _audit_filters(ctx: Ctx) -> dict:
    action = ctx.query("action") or None
    if action and action not in audit.ACTIONS and action.rstrip(".") not in {a.split(".")[0] for a in audit.ACTIONS}:
        action = None
    return {"action": action, "actor": ctx.query("actor") or None}


@page("/admin/audit", roles=ADMIN, whole_group=True)
def audit_log(ctx: Ctx) -> Response:
    """The audit log, newest first, filterable by action and user, paged."""
    filters = _audit_filters(ctx)
    page_no = max(1, ctx.query_int("page", 1) or 1)
    rows = audit.entries(ctx.con, **filters, limit=AUDIT_PAGE + 1, offset=(page_no - 1) * AUDIT_PAGE)
    return ctx.render("admin_audit.html", rows=rows[:AUDIT_PAGE], has_next=len(rows) > AUDIT_PAGE, page_no=page_no,
                      filters=filters, actions=audit.ACTIONS,
                      page_url=lambda n: url("/admin/audit", page=n, **{k: v for k, v in filters.items() if v}),
                      csv_url=url("/admin/audit.csv", **{k: v for k, v in filters.items() if v}))


@page("/admin/audit.csv", roles=ADMIN, whole_group=True)
def audit_csv(ctx: Ctx) -> Response:
    """The (filtered) audit log as CSV."""
    rows = audit.entries(ctx.con, **_audit_filters(ctx), limit=None)
    return download(("\ufeff" + audit.to_csv(rows)).encode("utf-8"), "klimatspend_audit_log.csv",
                     "text/csv; charset=utf-8")
