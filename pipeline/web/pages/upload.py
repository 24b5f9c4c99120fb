"""Uploading a ledger: the form, the check with its findings, confirming the load, and the background jobs.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.responses import JSONResponse, Response

from ...errors import KlimatspendError
from ...ingest import batches, profiles
from ...numbers import fmt_number
from .. import security, uploads
from ..routing import (ANY, Ctx, NotFound, download, may_change_batch, message, own_batch, own_upload, page,
                       visible_organisations)


def _profiles() -> list[dict]:
    """Return the import profiles (name, description); none when the profile files cannot be read."""
    try:
        return [{"name": p.name, "description": p.description} for p in profiles.load_profiles().values()]
    except KlimatspendError:
        return []


def _upload_form(ctx: Ctx, *, status: int = 200, problems: list[str] | None = None, values: dict | None = None):
    replace = None
    rid = ctx.query_int("replace") or (int(values["replace_batch_id"]) if values and
                                       str(values.get("replace_batch_id") or "").isdigit() else None)
    if rid:
        replace = own_batch(ctx, rid)
        if not may_change_batch(ctx, replace):
            return ctx.error(403, "Not allowed", ctx.t("You can only change batches you uploaded."))
    orgs = visible_organisations(ctx)
    last = ctx.con.execute("""select organisation_id from web_upload where uploaded_by = ?
                              order by uploaded_at desc limit 1""", [ctx.user.username]).fetchone()
    last_org = last[0] if last and ctx.sees(last[0]) else None
    defaults = {"organisation_id": replace["organisation_id"] if replace else (last_org or (
        orgs[0][0] if orgs else "")), "year": str(replace["fiscal_year"] or "") if replace else "",
        "currency": "", "sheet": "", "profile": "", "any_account": ""}
    return ctx.render("upload.html", status=status, organisations=orgs, values={**defaults, **(values or {})},
                      problems=[ctx.t(p) for p in problems or []], replace=replace, profiles=_profiles(),
                      message=message(ctx))


@page("/upload", roles=("uploader",))
def upload_form(ctx: Ctx) -> Response:
    """The upload form (file picker with drag and drop; optional year, currency, sheet, profile)."""
    return _upload_form(ctx)


@page("/upload", roles=("uploader",), methods=("POST",), name="upload_submit")
def upload_submit(ctx: Ctx) -> Response:
    """Store the uploaded file under a generated name, check its type and start checking its content."""
    values = {k: (ctx.form.get(k) or "").strip() for k in ("organisation_id", "year", "currency", "sheet", "profile",
                                                            "replace_batch_id", "any_account")}
    values["currency"] = values["currency"].upper()
    values["organisation_id"] = values["organisation_id"].lower()
    problems = uploads.check_form(values["organisation_id"], values["year"], values["currency"])
    if values["organisation_id"] not in {o for o, _ in visible_organisations(ctx)}:
        problems.append("Choose one of your organisations.")
    if values["profile"] and values["profile"] not in {p["name"] for p in _profiles()}:
        values["profile"] = ""
    replace_id = int(values["replace_batch_id"]) if values["replace_batch_id"].isdigit() else None
    if replace_id:
        row = own_batch(ctx, replace_id)
        if not may_change_batch(ctx, row):
            return ctx.error(403, "Not allowed", ctx.t("You can only change batches you uploaded."))
        values["organisation_id"] = row["organisation_id"]
    file = ctx.files.get("file")
    if file is None or not getattr(file, "filename", None):
        problems.append("Choose a file to upload.")
    if problems:
        return _upload_form(ctx, status=400, problems=problems, values=values)
    name = security.display_file_name(file.filename)
    options = {"year": values["year"], "currency": values["currency"], "sheet": values["sheet"][:100],
               "profile": values["profile"], "any_account": bool(values["any_account"]),
               "replace_batch_id": replace_id}
    try:
        up = uploads.save_upload(ctx.con, ctx.state.upload_dir, file.file, name, username=ctx.user.username,
                                 organisation_id=values["organisation_id"], options=options,
                                 max_bytes=ctx.state.config.max_upload_bytes)
    except uploads.UploadRefused as exc:
        ctx.audit("upload.validate", object_kind="upload", detail={"file": name, "outcome": "refused",
                                                                   "reason": str(exc)})
        return ctx.render("upload.html", status=415 if "large" not in str(exc) else 413,
                          organisations=visible_organisations(ctx), values=values, problems=[],
                          refused=f"{name}: {exc}",
                          replace=None, profiles=_profiles(), message=None)
    ctx.audit("upload.validate", object_kind="upload", object_id=up["upload_id"],
              detail={"file": name, "size_bytes": up["size_bytes"], "sha256": up["sha256"],
                      "type": up["detected_type"], "organisation_id": up["organisation_id"], **options})
    _start_check(ctx, up["upload_id"])
    return ctx.redirect(f"/uploads/{up['upload_id']}")


def _start_check(ctx: Ctx, upload_id: str) -> int:
    state, username = ctx.state, ctx.user.username

    def job(jc):
        return uploads.check_upload(jc.con, state.upload_dir, upload_id, username=username, progress=jc.progress,
                                    warm=state.config.warm_reader, in_child=state.config.read_in_child), \
            f"/uploads/{upload_id}"

    job_id = state.jobs.submit("validate", job, params={"upload_id": upload_id}, created_by=username,
                               queue_name="check")
    ctx.con.execute("update web_upload set job_id = ? where upload_id = ?", [job_id, upload_id])
    return job_id


def _upload(ctx: Ctx) -> dict:
    return own_upload(ctx, ctx.request.path_params["upload_id"])


@page("/uploads/{upload_id}", roles=("uploader",))
def upload_review(ctx: Ctx) -> Response:
    """The check of an upload: progress while it runs, then counts, reconciliation, first findings, columns."""
    up = _upload(ctx)
    job = ctx.state.jobs.status(ctx.con, up["job_id"]) if up["job_id"] else None
    v = up["validation"] or {}
    preview = v.get("preview") or {}
    headers = [c["header"] for c in preview.get("columns", [])]
    mapping = (v.get("column_mapping") or {}).get("fields") or {}
    if not mapping and preview:
        mapping = {c["field"]: c["header"] for c in preview.get("columns", []) if c.get("field")}
    replace = None
    if up["options"].get("replace_batch_id"):
        try:
            replace = batches.batch_row(ctx.con, int(up["options"]["replace_batch_id"]))
        except KlimatspendError:
            replace = None
    return ctx.render("upload_review.html", up=up, v=v, job=job, preview=preview, headers=headers,
                      mapping=mapping, fields=uploads.FIELDS, replace=replace, profiles=_profiles(),
                      findings_ready=uploads.findings_path(ctx.state.upload_dir, up["upload_id"]).is_file())


@page("/uploads/{upload_id}/findings.csv", roles=("uploader",))
def upload_findings(ctx: Ctx) -> Response:
    """Every error and warning of an upload's check, as CSV."""
    up = _upload(ctx)
    path = uploads.findings_path(ctx.state.upload_dir, up["upload_id"])
    if not path.is_file():
        raise NotFound()
    stem = Path(up["original_name"]).stem or "upload"
    return download(path.read_bytes(), f"{stem}_errors.csv", "text/csv; charset=utf-8")


@page("/uploads/{upload_id}/recheck", roles=("uploader",), methods=("POST",))
def upload_recheck(ctx: Ctx) -> Response:
    """Check the upload again with the columns (and profile) the user chose."""
    up = _upload(ctx)
    if up["status"] not in ("validated", "invalid"):
        return ctx.redirect(f"/uploads/{up['upload_id']}")
    headers = {c["header"] for c in ((up["validation"] or {}).get("preview") or {}).get("columns", [])}
    overrides = {f: ctx.form[f"map_{f}"] for f in uploads.FIELDS
                 if ctx.form.get(f"map_{f}") and ctx.form[f"map_{f}"] in headers}
    options = dict(up["options"])
    options["column_overrides"] = overrides
    profile = ctx.form.get("profile", "")
    options["profile"] = profile if profile in {p["name"] for p in _profiles()} else ""
    ctx.con.execute("update web_upload set options = ?, status = 'validating', validation = null where upload_id = ?",
                    [json.dumps(options, ensure_ascii=False), up["upload_id"]])
    uploads.findings_path(ctx.state.upload_dir, up["upload_id"]).unlink(missing_ok=True)
    _start_check(ctx, up["upload_id"])
    return ctx.redirect(f"/uploads/{up['upload_id']}")


@page("/uploads/{upload_id}/confirm", roles=("uploader",), methods=("POST",))
def upload_confirm(ctx: Ctx) -> Response:
    """Load a checked upload as a batch, in the background; the user follows the job's progress."""
    up = _upload(ctx)
    if up["status"] != "validated":
        return ctx.error(400, "Cannot be done", ctx.t("The file cannot be loaded"))
    found = (up["validation"] or {}).get("overlap")
    choice = "ask"
    if found:
        # rows already loaded: the user's choice (a cumulative export replaces the batches it holds)
        choice = ctx.form.get("overlap_choice") or ("replace" if found["kind"] == "cumulative" else "")
        if choice not in ("replace", "new-rows", "allow"):
            return ctx.error(400, "Cannot be done", ctx.t("Choose what to do with the rows that are already loaded."))
        if choice == "replace":
            for b in found["batches"]:
                if not may_change_batch(ctx, own_batch(ctx, b["batch_id"])):
                    return ctx.error(403, "Not allowed", ctx.t("You can only change batches you uploaded."))
    state, user, ip, upload_id = ctx.state, ctx.user, ctx.ip, up["upload_id"]

    def job(jc):
        result = uploads.load_upload(jc.con, state.upload_dir, upload_id, username=user.username, role=user.role,
                                     ip=ip, progress=jc.progress, on_overlap=choice)
        return result, f"/batches/{result['batch_id']}?loaded=1"

    job_id = state.jobs.submit("ingest", job, params={"upload_id": upload_id, "file": up["original_name"],
                                                      "overlap_choice": choice}, created_by=user.username)
    ctx.con.execute("update web_upload set status = 'loading', job_id = ? where upload_id = ?", [job_id, upload_id])
    return ctx.redirect(f"/jobs/{job_id}")


@page("/uploads/{upload_id}/discard", roles=("uploader",), methods=("POST",))
def upload_discard(ctx: Ctx) -> Response:
    """Throw an upload away without loading it."""
    up = _upload(ctx)
    if up["status"] in ("loading", "loaded"):
        return ctx.error(400, "Cannot be done", ctx.t("Already loaded"))
    uploads.discard_files(ctx.state.upload_dir, up["upload_id"])
    ctx.con.execute("update web_upload set status = 'discarded' where upload_id = ?", [up["upload_id"]])
    ctx.audit("upload.discard", object_kind="upload", object_id=up["upload_id"], detail={"file": up["original_name"]})
    return ctx.redirect("/upload", m="discarded")


STEP_TEXT = ("reading and validating the file", "loading the batch", "computing emissions", "writing the reports",
             "waiting for the job before it")


def _job(ctx: Ctx) -> dict:
    try:
        job_id = int(ctx.request.path_params["job_id"])
    except ValueError:
        raise NotFound() from None
    job = ctx.state.jobs.status(ctx.con, job_id)
    if job is None or (ctx.user.role != "admin" and job["created_by"] != ctx.user.username):
        raise NotFound()
    return job


def job_view(job: dict, t) -> dict:
    """Return what the progress display needs: status, translated step, elapsed/estimated seconds, fraction."""
    fraction = None
    if job["status"] == "running" and job.get("estimate_s") and job.get("elapsed_s") is not None:
        fraction = min(0.95, job["elapsed_s"] / job["estimate_s"])
    elif job["status"] in ("done", "failed"):
        fraction = 1.0
    left = None
    if job["status"] == "running" and job.get("estimate_s") and job.get("elapsed_s") is not None:
        left = max(1, round(job["estimate_s"] - job["elapsed_s"]))
    return {"job_id": job["job_id"], "kind": job["kind"], "status": job["status"],
            "status_text": t({"queued": "Queued", "running": "Running", "done": "Done", "failed": "Failed"}[
                job["status"]]),
            "step": t(job["step"]) if job.get("step") else "", "elapsed_s": round(job["elapsed_s"] or 0, 1),
            "left_s": left, "left_basis": t(job.get("estimate_basis") or ""), "fraction": fraction,
            "result_url": security.safe_next(job.get("result_url"), "") if job["status"] == "done" else "",
            "error": job.get("error") or ""}


@page("/jobs/{job_id}", roles=ANY)
def job_page(ctx: Ctx) -> Response:
    """A background job's progress (updates itself), and its outcome."""
    job = _job(ctx)
    return ctx.render("job.html", job=job, view=job_view(job, ctx.t))


@page("/jobs/{job_id}/status", roles=ANY)
def job_status(ctx: Ctx) -> Response:
    """A background job's progress as JSON (polled by the page's script)."""
    view = job_view(_job(ctx), ctx.t)
    view["elapsed_text"] = f"{ctx.t('Elapsed')}: {fmt_number(view['elapsed_s'], 0, ctx.lang)} {ctx.t('seconds')}"
    view["left_text"] = (f"{ctx.t('about')} {view['left_s']} {ctx.t('seconds')} {view['left_basis']}"
                         if view["left_s"] else "")
    resp = JSONResponse(view)
    resp.headers["cache-control"] = "no-store"
    return resp
