"""Activity data (kWh, litres, km): upload, check and load in the web app, and what is loaded.

The same check as `klimatspend activity load`: every row is checked against the shipped activity factors and
the file is loaded as a whole or not at all. "Check" shows the rows and every problem; "Check and load" loads
the file when the check finds none. Loaded quantities replace the spend-based estimate of the spend they
cover the next time the year is computed.
"""

from __future__ import annotations

from starlette.responses import Response

from ...errors import KlimatspendError
from ...ingest import activity
from ..routing import ANY, Ctx, UploadRefused, page, save_small_upload

ACTIVITY_SUFFIXES = (".csv", ".txt", ".xlsx")


def _organisations(ctx: Ctx) -> list[tuple[str, str]]:
    return ctx.con.execute("select organisation_id, name from organisation order by organisation_id").fetchall()


def _render(ctx: Ctx, *, status: int = 200, **context) -> Response:
    batches = ctx.con.execute(
        """select b.activity_batch_id, b.organisation_id, b.source_file_name, b.rows_loaded, b.loaded_by, b.loaded_at,
                  string_agg(distinct d.year::varchar, ', ' order by d.year::varchar) as years
           from activity_batch b left join activity_data d using (activity_batch_id)
           where b.status = 'loaded' group by all order by b.activity_batch_id desc""").fetchall()
    base = {"organisations": _organisations(ctx), "batches": batches, "rows": [], "problems": [], "loaded": None,
            "file_name": None, "organisation_id": ""}
    return ctx.render("activity.html", status=status, **(base | context))


@page("/activity", roles=ANY)
def activity_page(ctx: Ctx) -> Response:
    """Loaded activity data and, for uploaders, the form to check and load a file."""
    return _render(ctx)


@page("/activity/upload", roles=("uploader",), methods=("POST",), name="activity_submit")
def activity_submit(ctx: Ctx) -> Response:
    """Check an uploaded activity file; with action=load also load it when the check finds no problem."""
    org = (ctx.form.get("organisation_id") or "").strip().lower()
    try:
        name, path = save_small_upload(ctx, ACTIVITY_SUFFIXES, ctx.t("an activity file is a CSV or xlsx file."),
                                       "activity")
    except UploadRefused as exc:
        return _render(ctx, status=exc.status, problems=[exc.problem], organisation_id=org)
    try:
        try:
            rows, problems = activity.check_activity_file(ctx.con, path, organisation_id=org or None,
                                                          display_name=name)
        except KlimatspendError as exc:
            rows, problems = [], [str(exc)]
        if not rows and not problems:
            problems = [f"{name}: " + ctx.t("no activity rows found; nothing was loaded")]
        loaded = None
        if ctx.form.get("action") == "load" and not problems:
            try:
                loaded = activity.load_activity_file(ctx.con, path, organisation_id=org or None,
                                                     replace=bool(ctx.form.get("replace")),
                                                     loaded_by=ctx.user.username, display_name=name)
            except KlimatspendError as exc:
                problems = [str(exc)]
            else:
                ctx.audit("activity.load", object_kind="activity_batch", object_id=loaded.activity_batch_id,
                          detail={"file": name, "organisation_id": loaded.organisation_id,
                                  "rows_loaded": loaded.rows_loaded, "replaced": loaded.replaced})
    finally:
        path.unlink(missing_ok=True)
    return _render(ctx, status=400 if problems else 200, rows=rows, problems=problems, loaded=loaded, file_name=name,
                   organisation_id=org)
