"""The web app's routing module: configuration, the route registry (`@page`), per-request `Ctx`, server state
and the helpers every page uses. Page modules (pipeline/web/pages/) import this; it imports no page.

Every route is declared with `@page(path, roles=...)`; the wrapper in app.py refuses anonymous users (redirect to
the login page), users whose role is not listed (403), and state-changing requests without a valid CSRF
token (403) before the handler runs. Handlers are plain functions `handler(ctx) -> Response`, run in a
worker thread with their own database cursor.

Organisations are a boundary, and this module is where it is kept: a user sees the organisations of
`ctx.user.organisations` (None = every one). The helpers that fetch what a URL or form names refuse another
organisation's with NotFound (404, as if it did not exist): `own_batch`, `own_run`, `selected_run`,
`own_upload`, `own_organisation`; the lists pages show are filtered (`visible`, `run_choices`, `ledger_years`);
a page declared `@page(..., whole_group=True)` (figures of every organisation at once: budget, investments,
administration) is only for users who see every organisation. A group view (a run over all organisations)
needs every organisation it covers: the parent and all its companies.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

import duckdb
from jinja2 import Environment, PackageLoader, is_undefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..access import audit, auth
from ..engine import marts, review
from ..errors import KlimatspendError
from ..ingest import batches
from ..i18n import labels
from ..organisations import department_label, department_names, organisation_names
from ..numbers import NBSP, fmt_date, fmt_number, fmt_percent, fmt_runs_out, fmt_tonnes
from . import data, security
from .jobs import JobRunner, SnapshotWriter


PUBLIC = "public"
ANY = ("uploader", "reviewer", "admin")
SESSION_COOKIE = "ks_session"
PRE_COOKIE = "ks_pre"          # anonymous visitor's random value: binds the login form's CSRF token
LANG_COOKIE = "ks_lang"
FORM_LIMITS = {"max_files": 1, "max_fields": 200, "max_part_size": 256 * 1024}

log = logging.getLogger("klimatspend.web")


@dataclass
class WebConfig:
    """How the server runs: database, upload limits and places, the overrides file, cookie policy."""

    db_path: Path
    upload_dir: Path | None = None          # None: a private temporary directory, removed at shutdown
    max_upload_bytes: int = 200 * 2**20
    overrides_path: Path | None = None      # None: <database name>.overrides.csv next to the database
    secure_cookies: bool = False            # always mark cookies Secure (also set automatically over https)
    trusted_proxies: tuple[str, ...] = ()   # proxies whose X-Forwarded-For/-Proto count (none: the headers are ignored)
    read_copy: bool = False                 # keep a read-only copy of the database for CLI readers (serve does)
    warm_reader: bool = False               # keep the upload-reading child process started ahead (serve does)
    read_in_child: bool = True              # read uploads in a child process with limits (off only in tests that
                                            # exercise everything else about the upload pages)

    def resolved_overrides(self) -> Path:
        """Return the organisation overrides CSV the mapping page writes to."""
        if self.overrides_path:
            return Path(self.overrides_path)
        return review.default_overrides_path(self.db_path)


@dataclass
class PageSpec:
    """One declared route: path, methods, allowed roles (or PUBLIC), the handler, and whether it shows every
    organisation's figures at once (only for users who see every organisation)."""

    path: str
    methods: tuple[str, ...]
    roles: tuple[str, ...] | str
    handler: Callable
    name: str
    whole_group: bool = False


ROUTES: list[PageSpec] = []


def page(path: str, *, roles, methods: tuple[str, ...] = ("GET",), name: str | None = None,
         whole_group: bool = False):
    """Declare a route; `roles` is PUBLIC, ANY or a tuple of roles (admin is always allowed); `whole_group`: the
    page shows every organisation at once (the app refuses users who see only some)."""
    if roles != PUBLIC and (not roles or any(r not in auth.ROLES for r in roles)):
        raise ValueError(f"{path}: roles must be PUBLIC or a tuple of {auth.ROLES}")

    def register(fn):
        ROUTES.append(PageSpec(path, tuple(m.upper() for m in methods), roles, fn, name or fn.__name__,
                               whole_group))
        return fn
    return register


class WebState:
    """What lives as long as the server: the database connection, jobs, templates, secrets, directories."""

    def __init__(self, config: WebConfig, db: duckdb.DuckDBPyConnection):
        self.config = config
        self.db = db
        self._own_upload_dir = config.upload_dir is None
        if config.upload_dir is None:
            remove_stale_upload_dirs()
            self.upload_dir = Path(tempfile.mkdtemp(prefix=UPLOAD_DIR_PREFIX))
            (self.upload_dir / SERVER_PID_FILE).write_text(str(os.getpid()), encoding="ascii")
        else:
            self.upload_dir = Path(config.upload_dir)
            self.upload_dir.mkdir(parents=True, exist_ok=True)
        self.upload_dir.chmod(0o700)
        self.jobs = JobRunner(db)
        self.snapshots = SnapshotWriter(db, config.db_path) if config.read_copy else None
        if self.snapshots is not None:
            self.jobs.on_change = self.snapshots.changed
        self.env = _environment()
        con = db.cursor()
        try:
            row = con.execute("select value from web_setting where key = 'csrf_secret'").fetchone()
            if row is None:
                self.secret = security.new_secret()
                con.execute("insert into web_setting values ('csrf_secret', ?)", [self.secret])
            else:
                self.secret = row[0]
            auth.purge_expired(con)
            from . import uploads

            self.recovered = uploads.recover_interrupted(con, self.upload_dir)
            if self.recovered:
                log.warning("%d upload(s) left unfinished by a stopped server were marked failed", len(self.recovered))
        finally:
            con.close()

    def changed(self) -> None:
        """Note that a request changed the database (the read-only copy for CLI readers is refreshed)."""
        if self.snapshots is not None:
            self.snapshots.changed()

    def close(self) -> None:
        """Stop the workers, remove a temporary upload directory and close the database."""
        self.jobs.stop()
        if self.snapshots is not None:
            self.snapshots.stop()
        if self.config.warm_reader:
            from . import upload_check

            upload_check.shutdown()
        if self._own_upload_dir:
            shutil.rmtree(self.upload_dir, ignore_errors=True)
        self.db.close()


UPLOAD_DIR_PREFIX = "klimatspend-uploads-"
SERVER_PID_FILE = "server.pid"


def remove_stale_upload_dirs(base: Path | None = None) -> list[Path]:
    """Remove the private upload folders of servers that are no longer running (e.g. after a crash); return them.

    A server's own temporary folder holds `server.pid`; a folder whose process is gone, or one without the file
    older than a day, belongs to no running server. Only folders of this user are touched.
    """
    import time

    removed = []
    for folder in Path(base or tempfile.gettempdir()).glob(UPLOAD_DIR_PREFIX + "*"):
        try:
            if not folder.is_dir() or (hasattr(os, "getuid") and folder.stat().st_uid != os.getuid()):
                continue
            pid_file = folder / SERVER_PID_FILE
            if pid_file.is_file():
                if _alive(int(pid_file.read_text(encoding="ascii").strip() or 0)):
                    continue
            elif time.time() - folder.stat().st_mtime < 24 * 3600:
                continue
        except (OSError, ValueError):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if removed:
        log.warning("removed %d upload folder(s) left by stopped servers", len(removed))
    return removed


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("pipeline.web", "templates"),
                      autoescape=select_autoescape(["html", "svg"], default_for_string=True, default=True),
                      trim_blocks=True, lstrip_blocks=True)
    return env


class Ctx:
    """Per-request context handed to handlers: request, user, language, form, database cursor, helpers."""

    def __init__(self, request: Request, state: WebState, lang: str, binding: str | None):
        self.request = request
        self.state = state
        self.lang = lang
        self.binding = binding
        self.user: auth.User | None = None
        self.form: dict = {}
        self.files: dict = {}
        self._con: duckdb.DuckDBPyConnection | None = None
        self.set_cookies: list[tuple[str, str, dict]] = []
        self._org_names: dict | None = None
        self._dept_names: dict | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """This request's database cursor (created on first use, closed after the response)."""
        if self._con is None:
            self._con = self.state.db.cursor()
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    @property
    def ip(self) -> str | None:
        return self.request.client.host if self.request.client else None

    @property
    def https(self) -> bool:
        return self.request.url.scheme == "https" or self.state.config.secure_cookies

    def sees(self, organisation_id: str | None) -> bool:
        """Return True if the user may see `organisation_id` (None: every organisation)."""
        return self.user is not None and self.user.sees(organisation_id)

    def sees_everything(self) -> bool:
        """Return True if the user sees every organisation in the register (group-level staff)."""
        if self.user is None:
            return False
        if self.user.organisations is None:
            return True
        return self.user.sees_every(r[0] for r in self.con.execute("select organisation_id from organisation")
                                    .fetchall())

    def t(self, text: str) -> str:
        """Return English UI text (a catalogue message id) in the page language; unknown text stays English."""
        return labels(self.lang).text(text)

    def organisation_name(self, organisation_id: str | None) -> str:
        """Return the name of an organisation (its id when unregistered; '' for None), read once per request."""
        if not organisation_id:
            return ""
        if self._org_names is None:
            self._org_names = organisation_names(self.con)
        return self._org_names.get(organisation_id, organisation_id)

    def department(self, organisation_id: str | None, department: str | None) -> str:
        """Return a department as people read it: "Centrum (1100)" when the register names the code."""
        if self._dept_names is None:
            self._dept_names = department_names(self.con)
        return (department_label(self._dept_names, organisation_id, department)
                or labels(self.lang)["unknown_department"])

    def csrf(self) -> str:
        return security.csrf_token(self.state.secret, self.binding or "")

    def query(self, name: str, default: str | None = None) -> str | None:
        value = self.request.query_params.get(name)
        return default if value is None else value

    def query_int(self, name: str, default: int | None = None) -> int | None:
        value = self.request.query_params.get(name)
        try:
            return int(value) if value not in (None, "") else default
        except ValueError:
            return default

    def render(self, template: str, status: int = 200, **context) -> HTMLResponse:
        """Render a template with the common context (user, language, CSRF token, helpers)."""
        lang = self.lang
        base = {
            "user": self.user, "lang": lang, "csrf_token": self.csrf(), "request_path": self.request.url.path,
            "request_url": str(self.request.url.path) + (("?" + self.request.url.query) if self.request.url.query else ""),
            "t": self.t, "num": lambda v, d=0: fmt_number(v, d, lang),
            # the pages have always written "12.5 %" in English too (the reports write "12.5%")
            "pct": lambda v, d=1: fmt_percent(v, d, lang, space=NBSP), "tonnes": lambda kg: fmt_tonnes(kg, lang=lang),
            "when": fmt_date, "url": url, "max_upload_mb": self.state.config.max_upload_bytes // 2**20,
            "level_name": labels(lang).rule_level, "reason_name": labels(lang).reason, "note": labels(lang).note,
            "org_name": self.organisation_name, "dept": self.department,
            "runs_out": lambda v, lo=None, hi=None, ranged=False: _runs_out(lang, v, lo, hi, ranged),
            "max_upload_bytes": self.state.config.max_upload_bytes,
        }
        base.update(self._money(context.get("run")))
        html = self.state.env.get_template(template).render(**base, **context)
        resp = HTMLResponse(html, status_code=status)
        resp.headers["cache-control"] = "no-store"
        return resp

    def _money(self, run) -> dict:
        """Return the template helpers that show a run's amounts in its ledger's currency (engine.marts.reporting_money):
        `cur` (its name), `money(v_sek, d)`, `per_k(kg_per_ksek)` and `per_k_label`; SEK for pages without a run."""
        cur, per_sek = ("SEK", 1.0)
        if isinstance(run, dict) and run.get("run_id") is not None:
            cur, per_sek = marts.reporting_money(self.con, run["run_id"])
        lang = self.lang
        return {
            "cur": self.t("SEK") if cur == "SEK" else cur,
            "money": lambda v, d=0: fmt_number(None if v is None else float(v) * per_sek, d, lang),
            "per_k": lambda v, d=1: fmt_number(None if v is None else float(v) / per_sek, d, lang),
            "per_k_label": self.t("kg CO2e per 1,000 SEK") if cur == "SEK"
            else self.t("kg CO2e per 1,000 {currency}").format(currency=cur),
            "currency_note": "" if cur == "SEK" else self.t("Amounts are in {currency}, the ledger's currency.").format(
                currency=cur),
        }

    def redirect(self, path: str, **params) -> RedirectResponse:
        """Redirect (303 See Other) to a path on this site, with query parameters."""
        return RedirectResponse(url(path, **params), status_code=303)

    def error(self, status: int, title: str, message: str) -> HTMLResponse:
        """Render the error page with a translated title and message."""
        return self.render("error.html", status=status, title=self.t(title), error_text=message)

    def audit(self, action: str, **kw) -> None:
        """Write an audit entry for the current user and address."""
        audit.record(self.con, action, actor=self.user.username if self.user else None,
                     actor_role=self.user.role if self.user else None, ip=self.ip, **kw)


def _runs_out(lang: str, value, lower, upper, ranged) -> str:
    """Return fmt_runs_out of a template's values, a missing (undefined) value counting as None."""
    value, lower, upper = (None if is_undefined(v) else v for v in (value, lower, upper))
    return fmt_runs_out(value, lang, lower, upper, ranged=bool(ranged))


def url(path: str, **params) -> str:
    """Return `path` with the non-empty query parameters (values quoted)."""
    pairs = [(k, v) for k, v in params.items() if v is not None and v != ""]
    return path + ("?" + urlencode(pairs) if pairs else "")


class NotFound(Exception):
    """Raised by a handler when the object in the URL does not exist (or is not the user's to see)."""


# Messages a redirect may ask a page to show (?m=KEY); never free text from the URL.
MESSAGES = {
    "out": "You have been logged out.",
    "discarded": "The upload was discarded.",
    "deleted": "Batch deleted.",
    "mapped": "Mapping saved as an override. Compute the year again to update the figures.",
    "saved": "Saved.",
    "published": "Run published.",
}


def message(ctx: Ctx) -> str | None:
    """Return the translated message named by ?m=, if it is a known one."""
    key = ctx.query("m")
    return ctx.t(MESSAGES[key]) if key in MESSAGES else None


def download(data: bytes, filename: str, media_type: str) -> Response:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[:120] or "download"
    return Response(data, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{safe}"', "cache-control": "no-store"})


class UploadRefused(Exception):
    """A small upload (activity data, a department register) refused before reading: HTTP status and one line."""

    def __init__(self, status: int, problem: str):
        super().__init__(problem)
        self.status = status
        self.problem = problem


def save_small_upload(ctx: Ctx, suffixes: tuple[str, ...], wrong_type: str, prefix: str) -> tuple[str, Path]:
    """Save the request's `file` under the upload folder with a random name (never a path from the file name);
    return its display name and path. UploadRefused(400/415/413) when there is no file, its type is not one of
    `suffixes` (`wrong_type` says which are) or it is larger than the upload limit. The caller deletes the file."""
    file = ctx.files.get("file")
    if file is None or not getattr(file, "filename", None):
        raise UploadRefused(400, ctx.t("Choose a file to upload."))
    name = security.display_file_name(file.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise UploadRefused(415, f"{name}: {wrong_type}")
    data = file.file.read(ctx.state.config.max_upload_bytes + 1)
    if len(data) > ctx.state.config.max_upload_bytes:
        raise UploadRefused(413, f"{name}: " + ctx.t("The selected file is larger than the upload limit."))
    folder = Path(ctx.state.upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{prefix}_{secrets.token_hex(8)}{suffix}"
    path.write_bytes(data)
    return name, path


def own_batch(ctx: Ctx, batch_id: int) -> dict:
    """Return the batch, or raise NotFound when it does not exist or belongs to an organisation the user does not see."""
    try:
        row = batches.batch_row(ctx.con, batch_id)
    except KlimatspendError:
        raise NotFound() from None
    if not ctx.sees(row["organisation_id"]):
        raise NotFound()
    return row


def own_organisation(ctx: Ctx, organisation_id: str | None) -> str:
    """Return a registered organisation the user sees (e.g. chosen in a form); NotFound otherwise."""
    if not organisation_id or not ctx.sees(organisation_id) or ctx.con.execute(
            "select count(*) from organisation where organisation_id = ?", [organisation_id]).fetchone()[0] == 0:
        raise NotFound()
    return organisation_id


def visible(ctx: Ctx, rows: list[dict], key: str = "organisation_id") -> list[dict]:
    """Return the rows whose organisation (`row[key]`) the user sees."""
    return [r for r in rows if ctx.sees(r.get(key))]


def visible_organisations(ctx: Ctx) -> list[tuple[str, str]]:
    """Return (id, name) of the organisations the user sees, by id."""
    rows = ctx.con.execute("select organisation_id, name from organisation order by organisation_id").fetchall()
    return [(o, n) for o, n in rows if ctx.sees(o)]


def run_scope(con: duckdb.DuckDBPyConnection, run: dict) -> list[str]:
    """Return the organisations whose lines a run covers (a run over all organisations: every one it computed)."""
    rows = [r[0] for r in con.execute("select organisation_id from run_organisation where run_id = ?",
                                      [run["run_id"]]).fetchall()]
    return sorted(set(rows) | ({run["organisation_id"]} if run.get("organisation_id") else set()))


def sees_run(ctx: Ctx, run: dict) -> bool:
    """Return True if the user sees every organisation the run covers (a group view needs them all)."""
    if ctx.user is None:
        return False
    scope = run_scope(ctx.con, run)
    return ctx.user.sees_every(scope) if scope else ctx.user.organisations is None


def own_run(ctx: Ctx, run_id) -> dict:
    """Return the complete run `run_id` if the user sees all it covers; NotFound otherwise."""
    try:
        run = data.run_row(ctx.con, int(run_id))
    except (TypeError, ValueError):
        run = None
    if run is None or not sees_run(ctx, run):
        raise NotFound()
    return run


def own_upload(ctx: Ctx, upload_id: str) -> dict:
    """Return an upload of this user (any upload for an administrator) of an organisation the user sees."""
    from . import uploads

    try:
        uploads.upload_path(ctx.state.upload_dir, upload_id)
    except KlimatspendError:
        raise NotFound() from None
    up = uploads.get_upload(ctx.con, upload_id)
    if up is None or (ctx.user.role != "admin" and up["uploaded_by"] != ctx.user.username) \
            or not ctx.sees(up["organisation_id"]):
        raise NotFound()
    return up


def run_choices(ctx: Ctx) -> list[dict]:
    """Return the (year, organisation) run choices the user may see (data.run_choices, filtered)."""
    out = []
    for c in data.run_choices(ctx.con):
        if c["organisation_id"] is not None:
            if ctx.sees(c["organisation_id"]):
                out.append(c)
            continue
        run_id = data.default_run(ctx.con, c["year"], None)
        run = data.run_row(ctx.con, run_id) if run_id else None
        if run is not None and sees_run(ctx, run):
            out.append(c)
    return out


def ledger_years(ctx: Ctx) -> list[dict]:
    """Return the loaded years per organisation that the user sees (data.ledger_years, filtered)."""
    return visible(ctx, data.ledger_years(ctx.con))


def may_change_batch(ctx: Ctx, row: dict) -> bool:
    return ctx.user.role == "admin" or (ctx.user.can("uploader") and row["uploaded_by"] == ctx.user.username)


def selected_run(ctx: Ctx) -> dict | None:
    """Return the run the page shows: ?run=, else ?year= (&org=), else the newest; None if there is none.

    A run the user may not see is NotFound; without ?run= and ?org= a user who sees only some organisations
    gets the newest run of the first of them (or the group view, when the user sees all it covers)."""
    run_id = ctx.query_int("run")
    year, org = ctx.query_int("year"), ctx.query("org") or None
    picked = ctx.query("yo")
    if picked and "|" in picked:       # the run picker: "year|organisation"
        y, _, o = picked.partition("|")
        year, org = (int(y) if y.isdigit() else None), (o or None)
    if run_id is not None:
        return own_run(ctx, run_id)
    if org is not None and not ctx.sees(org):
        raise NotFound()
    candidates = [org] if org is not None or ctx.user.organisations is None else [None, *ctx.user.organisations]
    for scope in candidates:
        found = data.default_run(ctx.con, year, scope)
        run = data.run_row(ctx.con, found) if found is not None else None
        if run is not None and sees_run(ctx, run):
            return run
    return None


def as_float(v):
    return float(v) if isinstance(v, Decimal) else v


def selected_year(ctx: Ctx) -> int | None:
    year = ctx.query_int("year")
    if year is None:
        row = ctx.con.execute("select max(year) from run where status = 'complete'").fetchone()
        year = row[0] if row else None
    return year


def run_years(ctx: Ctx) -> list[int]:
    return [r[0] for r in ctx.con.execute("select distinct year from run where status = 'complete' order by 1 desc")
            .fetchall()]


def csv_response(ctx: Ctx, rows: list[dict], filename: str) -> Response:
    """Return rows as a CSV download in the page language's spreadsheet conventions (UTF-8 with BOM)."""
    sv = ctx.lang == "sv"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if sv else ",", lineterminator="\r\n")
    columns = list(rows[0]) if rows else []
    writer.writerow(columns)
    for r in rows:
        writer.writerow([csv_cell(r[c], sv) for c in columns])
    return download(("\ufeff" + buf.getvalue()).encode("utf-8"), filename, "text/csv; charset=utf-8")


def csv_cell(value, sv: bool):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int,)):
        return str(value)
    if isinstance(value, (float, Decimal)):
        text = repr(float(value)) if isinstance(value, float) else str(value)
        return text.replace(".", ",") if sv else text
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return audit.safe_cell(str(value))
