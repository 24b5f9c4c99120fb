"""The department register in the web app: the name of each department code, per organisation (issue 20).

The same file as `klimatspend org departments ID FILE`: CSV or xlsx with the columns code and name (kod,
namn). Loading replaces the organisation's register; every page, report and sheet then shows "Centrum (1100)"
where the ledger says 1100. SIE files bring their own names (#OBJEKT) when they are loaded.
"""

from __future__ import annotations

from starlette.responses import Response

from ... import organisations
from ...errors import KlimatspendError
from ..routing import ANY, Ctx, UploadRefused, own_organisation, page, save_small_upload, visible_organisations

DEPARTMENT_SUFFIXES = (".csv", ".txt", ".xlsx")


def _render(ctx: Ctx, *, status: int = 200, **context) -> Response:
    orgs = visible_organisations(ctx)
    registers = [{"organisation_id": o, "name": n, "departments": organisations.list_departments(ctx.con, o)}
                 for o, n in orgs]
    base = {"organisations": orgs, "registers": registers, "problems": [], "loaded": None, "organisation_id": ""}
    return ctx.render("departments.html", status=status, **(base | context))


@page("/departments", roles=ANY)
def departments_page(ctx: Ctx) -> Response:
    """The department register of each organisation the user sees and, for uploaders, the form to load one."""
    return _render(ctx)


@page("/departments/upload", roles=("uploader",), methods=("POST",), name="departments_submit")
def departments_submit(ctx: Ctx) -> Response:
    """Load an uploaded department file (code, name) as the register of the chosen organisation."""
    org = own_organisation(ctx, (ctx.form.get("organisation_id") or "").strip().lower())
    try:
        name, path = save_small_upload(ctx, DEPARTMENT_SUFFIXES, ctx.t("a department file is a CSV or xlsx file."),
                                       "departments")
    except UploadRefused as exc:
        return _render(ctx, status=exc.status, problems=[exc.problem], organisation_id=org)
    try:
        rows = organisations.read_department_file(path, display_name=name)
        if not rows:
            return _render(ctx, status=400, organisation_id=org,
                           problems=[f"{name}: " + ctx.t("no departments found; nothing was loaded")])
        n = organisations.load_departments(ctx.con, org, rows, source=name)
    except KlimatspendError as exc:
        return _render(ctx, status=400, problems=[str(exc)], organisation_id=org)
    finally:
        path.unlink(missing_ok=True)
    ctx.audit("departments.load", object_kind="organisation", object_id=org, detail={"file": name, "rows": n})
    return _render(ctx, loaded={"organisation_id": org, "rows": n, "file": name}, organisation_id=org)
