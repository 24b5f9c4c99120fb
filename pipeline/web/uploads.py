"""Uploaded ledger files: type check by content, storage under generated names, the check before loading
(in a child process with a memory limit, in a private in-memory database; then the overlap with the loaded
batches) and the load itself, both run as background jobs."""

from __future__ import annotations

import dataclasses
import csv
import hashlib
import io
import json
import time
import os
import re
import secrets
from pathlib import Path

import duckdb

from ..access import audit
from ..ingest import batches
from .. import store
from ..errors import KlimatspendError
from ..config import ReadLimits
from ..ingest import IngestOptions, filetype, ingest_file, overlap, overlap_summary, preview_columns
from ..ingest.columns import SYNONYMS
from . import upload_check
from ..organisations import ORGANISATION_ID

FIRST_ERRORS = 50           # findings shown on the page; all are in the CSV
FIELDS = tuple(SYNONYMS)    # canonical ledger fields a column can be mapped to
_ORG_ID = ORGANISATION_ID                 # the one rule: pipeline.organisations
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class UploadRefused(KlimatspendError):
    """The uploaded file is not of a kind klimatspend reads (the message says which kinds it reads)."""

    code = "upload-refused"


def sniff(head: bytes, extension: str, zip_members=None) -> str:
    """Return 'xlsx' or 'text' for the first bytes of an upload and its extension; raise UploadRefused otherwise.

    The rule is pipeline.ingest.filetype's (the one the readers apply): the content decides, and for an
    upload it must agree with the extension. `zip_members()` lists the members of a zip (to look inside an
    xlsx). The upload records the container: an SIE file is 'text'.
    """
    try:
        kind = filetype.detect(head, zip_members=zip_members, extension=extension)
    except filetype.FileTypeError as exc:
        raise UploadRefused(str(exc)) from None
    return "xlsx" if kind == "xlsx" else "text"


def check_form(organisation_id: str, year: str, currency: str) -> list[str]:
    """Return the problems of the upload form's fields (English text, translated by the page)."""
    problems = []
    if not _ORG_ID.match(organisation_id or ""):
        problems.append("Organisation must be 1-40 characters: a-z, digits and _.")
    if year and not (year.isdigit() and 1990 <= int(year) <= 2100):
        problems.append("Year must be a year such as 2024.")
    if currency and not _CURRENCY.match(currency):
        problems.append("Currency must be a three-letter code such as SEK.")
    return problems


def save_upload(con: duckdb.DuckDBPyConnection, upload_dir: Path, source, original_name: str, *, username: str,
                organisation_id: str, options: dict, max_bytes: int) -> dict:
    """Copy an uploaded file object to `upload_dir` under a random name, check its type and record it.

    The user's file name is kept for display only. Returns the web_upload row. Raises UploadRefused.
    """
    upload_id = secrets.token_hex(16)
    path = upload_dir / f"{upload_id}.upload"
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRefused(f"the file is larger than the upload limit of {max_bytes // 2**20} MB")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRefused("the file is empty")
        with open(path, "rb") as fh:
            head = fh.read(filetype.HEAD_BYTES)
        kind = sniff(head, Path(original_name).suffix, zip_members=lambda: filetype.zip_names(path))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    con.execute("""insert into web_upload (upload_id, original_name, size_bytes, sha256, detected_type, uploaded_by,
                                           organisation_id, options, status)
                   values (?, ?, ?, ?, ?, ?, ?, ?, 'validating')""",
                [upload_id, original_name, size, digest.hexdigest(), kind, username, organisation_id,
                 json.dumps(options, ensure_ascii=False)])
    return get_upload(con, upload_id)


def upload_path(upload_dir: Path, upload_id: str) -> Path:
    """Return where an upload is stored: its generated id, never the user's file name."""
    if not re.fullmatch(r"[0-9a-f]{32}", upload_id):
        raise KlimatspendError("no such upload", code="not-found")
    return upload_dir / f"{upload_id}.upload"


def findings_path(upload_dir: Path, upload_id: str) -> Path:
    """Return where the full list of findings of an upload's check is written (CSV)."""
    return upload_path(upload_dir, upload_id).with_suffix(".findings.csv")


def get_upload(con: duckdb.DuckDBPyConnection, upload_id: str) -> dict | None:
    """Return the web_upload row (options and validation decoded), or None."""
    cur = con.execute("select * from web_upload where upload_id = ?", [upload_id])
    row = cur.fetchone()
    if row is None:
        return None
    up = dict(zip([d[0] for d in cur.description], row))
    up["options"] = json.loads(up["options"]) if up["options"] else {}
    up["validation"] = json.loads(up["validation"]) if up["validation"] else None
    return up


def ingest_options(upload: dict, *, username: str, replace: bool = False, on_overlap: str = "ask") -> IngestOptions:
    """Build IngestOptions from an upload's stored form options (only what the user set; the rest default)."""
    o = upload["options"]
    wanted = {
        "organisation_id": upload["organisation_id"],
        "year": int(o["year"]) if o.get("year") else None,
        "currency": o.get("currency") or None,
        "sheet": o.get("sheet") or None,
        "profile": o.get("profile") or None,
        "column_overrides": o.get("column_overrides") or None,
        "uploaded_by": username,
        "display_name": upload["original_name"],
        "replace_batch_id": int(o["replace_batch_id"]) if replace and o.get("replace_batch_id") else None,
        "on_overlap": on_overlap,
    }
    if o.get("any_account"):
        wanted["account_pattern"] = None
    known = {f.name for f in dataclasses.fields(IngestOptions)}
    return IngestOptions(**{k: v for k, v in wanted.items() if k in known and (v is not None or k == "account_pattern")})


def findings_csv(con: duckdb.DuckDBPyConnection, batch_id: int) -> bytes:
    """Return every finding of a batch (`batches.findings`: each error of each quarantined row, then warnings)
    as CSV bytes (UTF-8 with BOM); text a spreadsheet would run as a formula gets a leading apostrophe."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(batches.FINDINGS_CSV_HEADER)
    for r in batches.findings(con, batch_id):
        writer.writerow([r["batch_id"], audit.safe_cell(r["file"]), "" if r["row"] is None else r["row"],
                         r["severity"], r["code"], audit.safe_cell(r["column"] or ""),
                         audit.safe_cell(r["value"] or ""), audit.safe_cell(r["message"]),
                         "" if r["amount"] is None else f"{r['amount']:.2f}", "yes" if r["quarantined"] else "no"])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _first_findings(mem: duckdb.DuckDBPyConnection, batch_id: int) -> tuple[list[dict], list[dict]]:
    def rows(sql: str) -> list[dict]:
        cur = mem.execute(sql, [batch_id])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    errors = rows(f"""select source_row as "row", column_name as "column", value, error_code as code, message
                      from rejected_line where batch_id = ? order by source_row limit {FIRST_ERRORS}""")
    warnings = rows(f"""select source_row as "row", column_name as "column", value, error_code as code, message
                        from validation_issue where batch_id = ? order by source_row nulls first limit {FIRST_ERRORS}""")
    return errors, warnings


def keys_path(upload_dir: Path, upload_id: str) -> Path:
    """Return where the check writes the keys of the rows that would load (for the overlap with loaded batches)."""
    return upload_path(upload_dir, upload_id).with_suffix(".keys.parquet")


def check_task(task: dict) -> dict:
    """Check a file as a load would, in a private in-memory database (run in the child process of upload_check).

    `task`: path, options (IngestOptions fields), findings_path, keys_path. Returns the check as plain data:
    status validated (counts, first findings, notes, columns) or invalid (message); writes the full findings
    CSV and the keys of the rows that would load.
    """
    path = Path(task["path"])
    opts = IngestOptions(**{**task["options"], "create_organisation": True, "replace_batch_id": None})
    result: dict = {}
    mem = store.connect(":memory:")
    try:
        try:
            result["preview"] = _plain(preview_columns(mem, path, opts))
        except KlimatspendError as exc:
            return {**result, "preview": None, "status": "invalid", "message": str(exc)}
        try:
            res = ingest_file(mem, path, opts)
        except KlimatspendError as exc:
            return {**result, "status": "invalid", "message": str(exc)}
        errors, warnings = _first_findings(mem, res.batch_id)
        Path(task["findings_path"]).write_bytes(findings_csv(mem, res.batch_id))
        overlap.write_batch_keys(mem, res.batch_id, Path(task["keys_path"]))
        data = res.as_dict()
        result.update(status="validated", counts={k: data[k] for k in (
            "rows_read", "rows_loaded", "rows_rejected", "sum_read", "sum_loaded", "sum_rejected", "currency",
            "n_errors", "n_warnings")},
            # the check's private database registers the organisation; the real load does not need to (the
            # page offers registered organisations only), so that note would mislead
            summary=res.summary, notes=[n for n in res.notes or []
                                        if not n.startswith(f"organisation {opts.organisation_id} was registered")], errors=errors, warnings=warnings,
            column_mapping=res.column_mapping, check_seconds=res.timings.get("total"))
        return _plain(result)
    finally:
        mem.close()


def child_main(task_path: str) -> int:
    """Entry point of the child process of upload_check.run_check: run the task, write its result JSON; exit 0.

    With task "-" the child warms up first (imports what a check needs) and then reads the task's path from
    standard input; end of input (the server stopped) ends it.
    """
    if task_path == "-":
        import sys

        from ..ingest.validate import import_contract

        import_contract()   # imported by the first validation (seconds of start-up), the way ingest imports it

        store.connect(":memory:").close()
        task_path = sys.stdin.readline().strip()
        if not task_path:
            return 0
    task = json.loads(Path(task_path).read_text(encoding="utf-8"))
    result = check_task(task)
    out = Path(task["result_path"])
    tmp = out.with_suffix(".partial")
    tmp.write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(out)
    return 0


def check_upload(db: duckdb.DuckDBPyConnection, upload_dir: Path, upload_id: str, *, username: str,
                 progress=lambda step, **kw: None, limits: ReadLimits | None = None, warm: bool = False,
                 in_child: bool = True) -> dict:
    """Check an upload as a load would; store and return what was found.

    The file is read in a child process with a memory and time limit (pipeline.web.upload_check), in a private
    in-memory database: nothing is written to the ledger tables of `db`. The rows that would load are then
    compared with the live batches of `db` (pipeline.ingest.overlap): rows new, same, changed and gone.
    """
    up = get_upload(db, upload_id)
    path = upload_path(upload_dir, upload_id)
    progress("reading and validating the file")
    result: dict = {"detected_type": up["detected_type"]}
    replace_id = up["options"].get("replace_batch_id")
    dup = batches.find_duplicate(db, up["sha256"], up["organisation_id"])
    if dup is not None and not replace_id:
        result.update(status="duplicate", duplicate_batch_id=dup)
        return _save_check(db, upload_id, "invalid", result)
    opts = ingest_options(up, username=username)
    # the check runs in a private database: the organisation's kind (a company needs no department column) comes
    # from the real one
    kind = db.execute("select kind from organisation where organisation_id = ?", [up["organisation_id"]]).fetchone()
    opts.organisation_kind = kind[0] if kind else None
    task = {"path": str(path), "options": _plain(dataclasses.asdict(opts)),
            "findings_path": str(findings_path(upload_dir, upload_id)), "keys_path": str(keys_path(upload_dir, upload_id))}
    try:
        if in_child:
            outcome = upload_check.run_check(task, path.with_suffix(".check.json"), limits or ReadLimits.from_env(),
                                             up["original_name"], warm=warm)
        else:   # the same check in this process, without the child's memory and time limits
            started = time.perf_counter()
            outcome = upload_check.CheckOutcome(check_task(task), time.perf_counter() - started)
    except upload_check.ReadLimitError as exc:
        result.update(status="invalid", message=str(exc), preview=None)
        return _save_check(db, upload_id, "invalid", result)
    result.update(outcome.result)
    if result.get("status") != "validated":
        return _save_check(db, upload_id, "invalid", result)
    keys = keys_path(upload_dir, upload_id)
    try:
        found = overlap.compare(db, overlap.keys_relation(keys), up["organisation_id"],
                                exclude=[int(replace_id)] if replace_id else [])
    finally:
        keys.unlink(missing_ok=True)
    result["read_seconds"] = round(outcome.seconds, 2)
    if found.batches:
        result["overlap"] = found.as_dict()
        if found.kind in ("identical", "contained"):
            result.update(status="duplicate", duplicate_batch_id=found.batches[0].batch_id,
                          duplicate_summary=overlap_summary(found, "duplicate"))
            return _save_check(db, upload_id, "invalid", result)
    return _save_check(db, upload_id, "validated", result)


def _plain(value):
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _save_check(db: duckdb.DuckDBPyConnection, upload_id: str, status: str, result: dict) -> dict:
    db.execute("update web_upload set status = ?, validation = ? where upload_id = ?",
               [status, json.dumps(_plain(result), ensure_ascii=False), upload_id])
    return result


def load_upload(db: duckdb.DuckDBPyConnection, upload_dir: Path, upload_id: str, *, username: str, role: str,
                ip: str | None = None, progress=lambda step, **kw: None, on_overlap: str = "ask") -> dict:
    """Load a checked upload into the ledger as one batch (or in place of the batches it replaces); audit it.

    `on_overlap` is the user's choice for rows already loaded (IngestOptions.on_overlap). When rows of the file
    were loaded while it waited, nothing is loaded: the upload goes back to its check with the new overlap.
    """
    up = get_upload(db, upload_id)
    estimate = (up["validation"] or {}).get("check_seconds")
    progress("loading the batch", estimate_s=estimate * 1.2 if estimate else None,
             basis="left (estimated from the check of the same file)")
    replace = bool(up["options"].get("replace_batch_id"))
    opts = ingest_options(up, username=username, replace=replace, on_overlap=on_overlap)
    try:
        res = ingest_file(db, upload_path(upload_dir, upload_id), opts)
    except KlimatspendError as exc:
        db.execute("update web_upload set status = 'failed' where upload_id = ?", [upload_id])
        audit.record(db, "batch.load", actor=username, actor_role=role, object_kind="upload", object_id=upload_id,
                     detail={"file": up["original_name"], "outcome": "failed", "error": str(exc)}, ip=ip)
        raise
    if res.status == "overlap":
        validation = {**(up["validation"] or {}), "overlap": res.overlap}
        db.execute("update web_upload set status = 'validated', validation = ? where upload_id = ?",
                   [json.dumps(_plain(validation), ensure_ascii=False), upload_id])
        raise KlimatspendError(f"{up['original_name']}: {res.summary}; open the check of the file again and choose "
                               "what to do with these rows", code="overlap")
    data = res.as_dict()
    action = "batch.replace" if res.replaced_batch_ids and res.status != "duplicate" else "batch.load"
    audit.record(db, action, actor=username, actor_role=role, object_kind="batch", object_id=res.batch_id,
                 detail={"file": up["original_name"], "sha256": up["sha256"], "status": res.status,
                         "organisation_id": up["organisation_id"], "replaced_batch_id": res.replaced_batch_id,
                         "replaced_batch_ids": res.replaced_batch_ids, "overlap_choice": on_overlap,
                         **{k: data[k] for k in ("rows_read", "rows_loaded", "rows_rejected", "sum_read",
                                                 "sum_loaded", "sum_rejected", "currency")}}, ip=ip)
    db.execute("update web_upload set status = 'loaded', batch_id = ? where upload_id = ?", [res.batch_id, upload_id])
    discard_files(upload_dir, upload_id)
    return {"batch_id": res.batch_id, "status": res.status, **{k: data[k] for k in (
        "rows_read", "rows_loaded", "rows_rejected", "sum_read", "sum_loaded", "sum_rejected", "currency")}}


def discard_files(upload_dir: Path, upload_id: str) -> None:
    """Delete an upload's stored file and what its check wrote next to it."""
    base = upload_path(upload_dir, upload_id)
    for path in (base, findings_path(upload_dir, upload_id), keys_path(upload_dir, upload_id),
                 base.with_suffix(".check.json"), base.with_suffix(".check.task.json"), base.with_suffix(".check.partial")):
        path.unlink(missing_ok=True)


INTERRUPTED = {
    "validating": "the server stopped while the file was being checked; nothing was loaded: upload the file again",
    "loading": "the server stopped while the file was being loaded; nothing was loaded: upload the file again",
    "validated": "the uploaded file is no longer on the server (it stopped meanwhile); nothing was loaded: upload "
                 "the file again",
}


def recover_interrupted(con: duckdb.DuckDBPyConnection, upload_dir: Path) -> list[str]:
    """At start-up: fail the uploads a stopped server left unfinished, remove their files; return their ids.

    Uploads left "validating" or "loading" (the server stopped or crashed meanwhile; a load is one transaction,
    so nothing of it was kept), and "validated" ones whose file is gone, become "failed" with the reason as their
    message, and an audit entry.
    """
    rows = con.execute("select upload_id, status, original_name, uploaded_by from web_upload "
                       "where status in ('validating', 'loading', 'validated')").fetchall()
    failed = []
    for upload_id, status, name, user in rows:
        if status == "validated" and upload_path(upload_dir, upload_id).is_file():
            continue
        reason = f"{name}: {INTERRUPTED[status]}"
        con.execute("update web_upload set status = 'failed', validation = ? where upload_id = ?",
                    [json.dumps({"status": "failed", "message": reason}, ensure_ascii=False), upload_id])
        discard_files(upload_dir, upload_id)
        audit.record(con, "upload.failed", actor=None, object_kind="upload", object_id=upload_id,
                     detail={"file": name, "uploaded_by": user, "was": status, "reason": reason}, source="web")
        failed.append(upload_id)
    return failed
