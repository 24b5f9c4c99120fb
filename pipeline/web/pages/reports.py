"""Reports: creating the Excel and HTML reports of a run, downloading them and the marts as CSV.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.responses import Response

from ...access import audit
from ...engine import marts
from ...report.outputs import list_outputs
from ..routing import (ANY, Ctx, NotFound, csv_response, download, message, own_run, page, run_choices, selected_run,
                       url)


# Marts offered as CSV downloads (name -> English title), in this order.
CSV_MARTS = {
    "run_totals": "Run totals",
    "emissions_by_organisation": "Emissions by organisation",
    "emissions_by_department": "Emissions by department",
    "emissions_by_category": "Emissions by category",
    "emissions_by_supplier": "Emissions by supplier",
    "supplier_hotspots": "Suppliers to talk to (largest emissions, share, data quality, range)",
    "emissions_by_account": "Emissions by account",
    "emissions_by_month": "Emissions by month",
    "emissions_by_scope": "Emissions by scope 3 category",
    "emissions_by_method": "Emissions by method (spend or activity data)",
    "spend_coverage": "Spend coverage",
    "excluded_spend": "Excluded spend by reason",
    "unmapped_accounts": "Unmapped accounts",
}


REPORT_FILE = re.compile(r"^klimatrapport_\d{4}_(sv|en)\.(xlsx|html)$")


def _report_dir(ctx_or_state, run_id: int) -> Path:
    state = getattr(ctx_or_state, "state", ctx_or_state)
    return state.upload_dir / "reports" / f"run{int(run_id)}"


def _report_paths(ctx: Ctx, run_id: int) -> dict[str, Path]:
    """Return name -> path of the run's reports: made here, or written by `klimatspend report`/`demo` (recorded in
    report_output) and still where they were written; a report made here wins over an older one of the same name."""
    found = {o["name"]: o["path"] for o in list_outputs(ctx.con, run_id) if REPORT_FILE.match(o["name"])}
    folder = _report_dir(ctx, run_id)
    if folder.is_dir():
        found |= {p.name: p for p in folder.iterdir() if REPORT_FILE.match(p.name)}
    return found


def _report_files(ctx: Ctx, run_id: int) -> list[dict]:
    return [{"name": name, "bytes": p.stat().st_size, "format": p.suffix.lstrip(".")}
            for name, p in sorted(_report_paths(ctx, run_id).items())]


@page("/reports", roles=ANY)
def reports(ctx: Ctx) -> Response:
    """Downloads for a run: the Excel workbook and HTML climate report (made on request), every mart as CSV."""
    run = selected_run(ctx)
    return ctx.render("reports.html", run=run, marts=CSV_MARTS, choices=run_choices(ctx),
                      files=_report_files(ctx, run["run_id"]) if run else [], may_create=ctx.user.can("reviewer"),
                      message=message(ctx))


@page("/reports/{run_id:int}/create", roles=("reviewer",), methods=("POST",))
def report_create(ctx: Ctx) -> Response:
    """Write the run's Excel workbook and HTML report in the chosen language, in the background; audit it."""
    from ...report.html import write_reports

    run = own_run(ctx, ctx.request.path_params["run_id"])
    lang = ctx.form.get("lang") if ctx.form.get("lang") in ("sv", "en") else ctx.lang
    out = _report_dir(ctx, run["run_id"])
    user, ip = ctx.user, ctx.ip

    def job(jc):
        jc.progress("writing the reports")
        paths = write_reports(jc.con, run["year"], out, lang, run_id=run["run_id"])
        files = [{"name": p.name, "bytes": p.stat().st_size} for p in paths]
        audit.record(jc.con, "report.create", actor=user.username, actor_role=user.role, object_kind="run",
                     object_id=run["run_id"], detail={"year": run["year"], "lang": lang, "files": files}, ip=ip)
        return {"files": files}, url("/reports", run=run["run_id"])

    job_id = ctx.state.jobs.submit("report", job, params={"year": run["year"], "run_id": run["run_id"], "lang": lang},
                                   created_by=user.username)
    return ctx.redirect(f"/jobs/{job_id}")


@page("/reports/{run_id:int}/files/{name}", roles=ANY)
def report_file(ctx: Ctx) -> Response:
    """Download a written report (always as an attachment, never shown inside the app)."""
    name = ctx.request.path_params["name"]
    run = own_run(ctx, ctx.request.path_params["run_id"])
    if not REPORT_FILE.match(name):
        raise NotFound()
    path = _report_paths(ctx, run["run_id"]).get(name)
    if path is None or not path.is_file():
        raise NotFound()
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if name.endswith(".xlsx")
             else "text/html; charset=utf-8")
    return download(path.read_bytes(), name, media)


@page("/reports/{run_id:int}/{name}.csv", roles=ANY)
def report_csv(ctx: Ctx) -> Response:
    """One mart of one run as CSV (Swedish: semicolons and decimal commas; English: commas and points)."""
    name = ctx.request.path_params["name"]
    run = own_run(ctx, ctx.request.path_params["run_id"])
    if name not in CSV_MARTS:
        raise NotFound()
    rows = marts.read(ctx.con, name, run["run_id"])
    return csv_response(ctx, rows, f"{name}_{run['year']}selected_run{run['run_id']}.csv")
