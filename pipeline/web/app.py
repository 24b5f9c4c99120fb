"""The web application: configuration, the route registry with its role and CSRF checks, and page rendering.

Every route is declared with `@page(path, roles=...)`; the wrapper refuses anonymous users (redirect to
the login page), users whose role is not listed (403), and state-changing requests without a valid CSRF
token (403) before the handler runs. Handlers are plain functions `handler(ctx) -> Response`, run in a
worker thread with their own database cursor.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import traceback
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import audit, auth, store
from ..errors import KlimatspendError
from . import i18n, security
from .jobs import JobRunner

log = logging.getLogger("klimatspend.web")

PUBLIC = "public"
ANY = ("uploader", "reviewer", "admin")
SESSION_COOKIE = "ks_session"
PRE_COOKIE = "ks_pre"          # anonymous visitor's random value: binds the login form's CSRF token
LANG_COOKIE = "ks_lang"
FORM_LIMITS = {"max_files": 1, "max_fields": 200, "max_part_size": 256 * 1024}


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
        p = Path(self.db_path)
        return p.with_name(p.stem + ".overrides.csv")


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
        """Translate English UI text into the page language."""
        return i18n.translate(text, self.lang)

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
            "t": self.t, "num": lambda v, d=0: i18n.fmt_number(v, d, lang),
            "pct": lambda v, d=1: i18n.fmt_percent(v, d, lang), "tonnes": lambda kg: i18n.fmt_tonnes(kg, lang),
            "when": lambda v: i18n.fmt_date(v, lang), "url": url, "max_upload_mb": self.state.config.max_upload_bytes // 2**20,
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


def _cookie(resp: Response, name: str, value: str, *, secure: bool, max_age: int | None = None,
            httponly: bool = True) -> None:
    resp.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=httponly, samesite="lax")


def _wrap(spec: PageSpec):
    async def endpoint(request: Request) -> Response:
        state: WebState = request.app.state.web
        lang = i18n.pick_language(request.cookies.get(LANG_COOKIE))
        token = request.cookies.get(SESSION_COOKIE)
        pre = request.cookies.get(PRE_COOKIE)
        new_pre = None
        if not token and not pre:
            new_pre = pre = secrets.token_urlsafe(24)
        ctx = Ctx(request, state, lang, ("s:" + token) if token else ("p:" + pre))
        try:
            if spec.roles != PUBLIC and not token:
                resp = _to_login(request)
            else:
                resp = None
                if request.method not in ("GET", "HEAD"):
                    try:
                        form = await request.form(**FORM_LIMITS)
                    except security.BodyTooLarge:
                        return await run_in_threadpool(_too_large, ctx)
                    except Exception:   # malformed multipart body or too many parts
                        form = None
                    if form is None or not security.csrf_ok(state.secret, ctx.binding, form.get("csrf_token")):
                        if form is not None:
                            await form.close()
                        resp = await run_in_threadpool(_csrf_refused, ctx, spec)
                    else:
                        ctx.form = {k: v for k, v in form.multi_items() if isinstance(v, str)}
                        ctx.files = {k: v for k, v in form.multi_items() if not isinstance(v, str)}
                if resp is None:
                    resp = await run_in_threadpool(_handle, ctx, spec, token)
        finally:
            for f in ctx.files.values():
                await f.close()
        if new_pre:
            _cookie(resp, PRE_COOKIE, new_pre, secure=ctx.https)
        for name, value, kw in ctx.set_cookies:
            _cookie(resp, name, value, secure=ctx.https, **kw)
        return resp
    endpoint.__name__ = spec.name
    return endpoint


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (("?" + request.url.query) if request.url.query else "")
    if request.method != "GET":
        target = "/"
    return RedirectResponse(url("/login", next=security.safe_next(target)), status_code=303)


def _csrf_refused(ctx: Ctx, spec: PageSpec) -> Response:
    try:
        if spec.roles != PUBLIC:
            ctx.user = auth.session_user(ctx.con, ctx.request.cookies.get(SESSION_COOKIE))
        return ctx.error(403, "Not allowed", ctx.t("The form has expired or did not come from this site. "
                                                    "Go back, reload the page and try again."))
    finally:
        ctx.close()


def _too_large(ctx: Ctx) -> Response:
    try:
        return ctx.render("too_large_plain.html", status=413)
    finally:
        ctx.close()


def _handle(ctx: Ctx, spec: PageSpec, token: str | None) -> Response:
    try:
        if token:
            ctx.user = auth.session_user(ctx.con, token)
        if spec.roles != PUBLIC:
            if ctx.user is None:
                resp = _to_login(ctx.request)
                resp.delete_cookie(SESSION_COOKIE, path="/")
                return resp
            if not ctx.user.can(*spec.roles):
                return ctx.error(403, "Not allowed", ctx.t("Your role does not allow this page or action."))
        try:
            return spec.handler(ctx)
        except NotFound:
            return ctx.error(404, "Page not found", "")
        except duckdb.TransactionException:
            return ctx.error(409, "Cannot be done", ctx.t("The database is busy with another change. "
                                                          "Try again in a moment."))
        except KlimatspendError as exc:
            return ctx.error(400, "Cannot be done", str(exc))
    except Exception:  # noqa: BLE001 - never show a traceback to the user
        log.error("error on %s %s:\n%s", ctx.request.method, ctx.request.url.path, traceback.format_exc())
        return ctx.error(500, "Something went wrong",
                         ctx.t("The error has been logged. Try again, or ask an administrator."))
    finally:
        ctx.close()


class NotFound(Exception):
    """Raised by a handler when the object in the URL does not exist (or is not the user's to see)."""


def _too_large_page(state_getter):
    def render(scope) -> bytes:
        state: WebState = state_getter()
        lang = "sv"
        for k, v in scope.get("headers", []):
            if k == b"cookie":
                for part in v.decode("latin-1").split(";"):
                    name, _, value = part.strip().partition("=")
                    if name == LANG_COOKIE:
                        lang = i18n.pick_language(value)
        t = lambda s: i18n.translate(s, lang)   # noqa: E731
        html = state.env.get_template("too_large_plain.html").render(
            t=t, lang=lang, max_upload_mb=state.config.max_upload_bytes // 2**20)
        return html.encode("utf-8")
    return render


def create_app(config: WebConfig, db: duckdb.DuckDBPyConnection | None = None) -> Starlette:
    """Return the ASGI application for `config`; it opens (and migrates) the database unless `db` is given."""
    from . import views  # noqa: F401 - registers the routes

    connection = db if db is not None else store.connect(config.db_path)
    state = WebState(config, connection)

    @asynccontextmanager
    async def lifespan(app):
        state.jobs.start()
        try:
            yield
        finally:
            state.close()

    routes = [Route(spec.path, _wrap(spec), methods=list(spec.methods), name=spec.name) for spec in ROUTES]
    routes.append(Mount("/static", app=StaticFiles(packages=[("pipeline.web", "static")]), name="static"))
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.web = state
    # outermost last: security headers also go on the 413 page of the body limit
    app.add_middleware(security.BodyLimitMiddleware, limit=config.max_upload_bytes + 64 * 1024,
                       render=_too_large_page(lambda: state))
    app.add_middleware(security.SecurityHeadersMiddleware)
    return app


async def _not_found(request: Request, exc) -> Response:
    return HTMLResponse("<!doctype html><title>404</title><p>Not found / Sidan finns inte. <a href=\"/\">klimatspend</a>",
                        status_code=404)


async def _not_allowed(request: Request, exc) -> Response:
    return HTMLResponse("<!doctype html><title>405</title><p>Method not allowed.", status_code=405)


__all__ = ["ANY", "PUBLIC", "Ctx", "NotFound", "WebConfig", "create_app", "page", "url"]
