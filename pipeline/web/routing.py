"""The web app's routing module: configuration, the route registry (`@page`), per-request `Ctx`, server state
and the helpers every page uses. Page modules (pipeline/web/pages/) import this; it imports no page.

Every route is declared with `@page(path, roles=...)`; the wrapper in app.py refuses anonymous users (redirect to
the login page), users whose role is not listed (403), and state-changing requests without a valid CSRF
token (403) before the handler runs. Handlers are plain functions `handler(ctx) -> Response`, run in a
worker thread with their own database cursor.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..access import audit, auth
from ..engine import review
from ..errors import KlimatspendError
from ..ingest import batches
from ..i18n import labels
from ..numbers import NBSP, fmt_date, fmt_number, fmt_percent, fmt_tonnes
from . import data, security
from .jobs import JobRunner


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

    def resolved_overrides(self) -> Path:
        """Return the organisation overrides CSV the mapping page writes to."""
        if self.overrides_path:
            return Path(self.overrides_path)
        return review.default_overrides_path(self.db_path)


@dataclass
class PageSpec:
    """One declared route: path, methods, allowed roles (or PUBLIC) and the handler."""

    path: str
    methods: tuple[str, ...]
    roles: tuple[str, ...] | str
    handler: Callable
    name: str


ROUTES: list[PageSpec] = []


def page(path: str, *, roles, methods: tuple[str, ...] = ("GET",), name: str | None = None):
    """Declare a route; `roles` is PUBLIC, ANY or a tuple of roles (admin is always allowed)."""
    if roles != PUBLIC and (not roles or any(r not in auth.ROLES for r in roles)):
        raise ValueError(f"{path}: roles must be PUBLIC or a tuple of {auth.ROLES}")

    def register(fn):
        ROUTES.append(PageSpec(path, tuple(m.upper() for m in methods), roles, fn, name or fn.__name__))
        return fn
    return register


class WebState:
    """What lives as long as the server: the database connection, jobs, templates, secrets, directories."""

    def __init__(self, config: WebConfig, db: duckdb.DuckDBPyConnection):
        self.config = config
        self.db = db
        self._own_upload_dir = config.upload_dir is None
        if config.upload_dir is None:
            self.upload_dir = Path(tempfile.mkdtemp(prefix="klimatspend-uploads-"))
        else:
            self.upload_dir = Path(config.upload_dir)
            self.upload_dir.mkdir(parents=True, exist_ok=True)
        self.upload_dir.chmod(0o700)
        self.jobs = JobRunner(db)
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
        finally:
            con.close()

    def close(self) -> None:
        """Stop the workers, remove a temporary upload directory and close the database."""
        self.jobs.stop()
        if self._own_upload_dir:
            shutil.rmtree(self.upload_dir, ignore_errors=True)
        self.db.close()


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

    def t(self, text: str) -> str:
        """Return English UI text (a catalogue message id) in the page language; unknown text stays English."""
        return labels(self.lang).text(text)

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
            "level_name": labels(lang).rule_level, "reason_name": labels(lang).reason,
            "max_upload_bytes": self.state.config.max_upload_bytes,
        }
        html = self.state.env.get_template(template).render(**base, **context)
        resp = HTMLResponse(html, status_code=status)
        resp.headers["cache-control"] = "no-store"
        return resp

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


def own_batch(ctx: Ctx, batch_id: int) -> dict:
    try:
        row = batches.batch_row(ctx.con, batch_id)
    except KlimatspendError:
        raise NotFound() from None
    return row


def may_change_batch(ctx: Ctx, row: dict) -> bool:
    return ctx.user.role == "admin" or (ctx.user.can("uploader") and row["uploaded_by"] == ctx.user.username)


def selected_run(ctx: Ctx) -> dict | None:
    """Return the run the page shows: ?run=, else ?year= (&org=), else the newest; None if there is none."""
    run_id = ctx.query_int("run")
    year, org = ctx.query_int("year"), ctx.query("org") or None
    picked = ctx.query("yo")
    if picked and "|" in picked:       # the run picker: "year|organisation"
        y, _, o = picked.partition("|")
        year, org = (int(y) if y.isdigit() else None), (o or None)
    if run_id is None:
        run_id = data.default_run(ctx.con, year, org)
    if run_id is None:
        return None
    run = data.run_row(ctx.con, run_id)
    if run is None:
        raise NotFound()
    return run


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
