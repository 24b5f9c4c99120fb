"""Loaded ledger files (batches): list, detail, findings as CSV, delete.
"""

from __future__ import annotations


from starlette.responses import Response

from ...ingest import batches
from .. import uploads
from ..routing import ANY, Ctx, download, may_change_batch, message, own_batch, page, visible


@page("/batches", roles=ANY)
def batch_list(ctx: Ctx) -> Response:
    """Every ledger batch of the user's organisations (newest first); uploaders may replace and delete their own."""
    rows = visible(ctx, batches.list_batches(ctx.con))
    mine = ctx.query("mine") == "1"
    if mine:
        rows = [r for r in rows if r["uploaded_by"] == ctx.user.username]
    for r in rows:
        r["may_change"] = r["status"] == "loaded" and may_change_batch(ctx, r)
    return ctx.render("batches.html", batches=rows, mine=mine, message=message(ctx))


@page("/batches/{batch_id:int}", roles=ANY)
def batch_detail(ctx: Ctx) -> Response:
    """One batch: counts, reconciliation, validation summary and its first quarantined rows."""
    row = own_batch(ctx, ctx.request.path_params["batch_id"])
    rejected = batches.rejected_rows(ctx.con, row["batch_id"], limit=uploads.FIRST_ERRORS)
    warnings = ctx.con.execute("""select source_row, column_name, value, error_code, message from validation_issue
                                  where batch_id = ? order by source_row limit ?""",
                               [row["batch_id"], uploads.FIRST_ERRORS]).fetchall()
    n_warnings = ctx.con.execute("select count(*) from validation_issue where batch_id = ?",
                                 [row["batch_id"]]).fetchone()[0]
    may_run = ctx.user.can("reviewer")
    return ctx.render("batch.html", b=row, rejected=rejected, warnings=warnings, n_warnings=n_warnings,
                      may_change=row["status"] == "loaded" and may_change_batch(ctx, row),
                      just_loaded=ctx.query("loaded") == "1", may_run=may_run, message=message(ctx))


@page("/batches/{batch_id:int}/findings.csv", roles=ANY)
def batch_findings(ctx: Ctx) -> Response:
    """A batch's quarantined rows (one line per error) and warnings as CSV."""
    row = own_batch(ctx, ctx.request.path_params["batch_id"])
    data = uploads.findings_csv(ctx.con, row["batch_id"])
    return download(data, f"batch_{row['batch_id']}_errors.csv", "text/csv; charset=utf-8")


@page("/batches/{batch_id:int}/delete", roles=("uploader",), methods=("POST",))
def batch_delete(ctx: Ctx) -> Response:
    """Delete a batch (its lines stop counting; the record stays) and audit it."""
    row = own_batch(ctx, ctx.request.path_params["batch_id"])
    if not may_change_batch(ctx, row):
        return ctx.error(403, "Not allowed", ctx.t("You can only change batches you uploaded."))
    after = batches.delete_batch(ctx.con, row["batch_id"], ctx.user.username)
    ctx.audit("batch.delete", object_kind="batch", object_id=row["batch_id"],
              detail={"file": row["source_file_name"], "organisation_id": row["organisation_id"],
                      "fiscal_year": row["fiscal_year"], "rows_loaded": row["rows_loaded"],
                      "sum_loaded": row["sum_loaded"], "old_status": row["status"], "new_status": after["status"]})
    return ctx.redirect("/batches", m="deleted")
