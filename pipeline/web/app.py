"""The ASGI application: `create_app` imports every page module (PAGES), wraps each declared route with the
login, role and CSRF checks, and adds the security middleware.
"""

from __future__ import annotations

import secrets
import traceback
from contextlib import asynccontextmanager

import duckdb
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import i18n, store
from ..access import auth
from ..errors import KlimatspendError
from . import security
from .pages import (activity, admin, batches, budget, dashboard, departments, investments, mapping, reports, runs,
                    session, upload)
from .routing import (FORM_LIMITS, LANG_COOKIE, PRE_COOKIE, PUBLIC, ROUTES, SESSION_COOKIE, Ctx, NotFound, PageSpec,
                      WebConfig, WebState, log, url)


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
            if spec.whole_group and not ctx.sees_everything():
                return ctx.error(403, "Not allowed", ctx.t("This page shows the figures of every organisation; your "
                                                           "account sees only some of them."))
        try:
            resp = spec.handler(ctx)
            if ctx.request.method not in ("GET", "HEAD"):
                ctx.state.changed()
            return resp
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
        html = state.env.get_template("too_large_plain.html").render(
            t=i18n.labels(lang).text, lang=lang, max_upload_mb=state.config.max_upload_bytes // 2**20)
        return html.encode("utf-8")
    return render


# Every page module, imported here so that its `@page` routes are registered; a new page module is added here.
PAGES = (session, upload, batches, activity, departments, dashboard, mapping, runs, budget, investments, reports,
         admin)


def create_app(config: WebConfig, db: duckdb.DuckDBPyConnection | None = None) -> Starlette:
    """Return the ASGI application for `config`; it opens (and migrates) the database unless `db` is given."""
    connection = db if db is not None else store.connect(config.db_path)
    state = WebState(config, connection)

    @asynccontextmanager
    async def lifespan(app):
        state.jobs.start()
        if state.snapshots is not None:
            state.snapshots.start()
        if state.config.warm_reader:
            from ..config import ReadLimits
            from . import upload_check

            upload_check.prestart(ReadLimits.from_env())
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
    # outermost: every layer below sees the client address and scheme as the trusted proxy gave them
    app.add_middleware(security.ProxyHeadersMiddleware, trusted=tuple(config.trusted_proxies))
    return app


async def _not_found(request: Request, exc) -> Response:
    return HTMLResponse("<!doctype html><title>404</title><p>Not found / Sidan finns inte. <a href=\"/\">klimatspend</a>",
                        status_code=404)


async def _not_allowed(request: Request, exc) -> Response:
    return HTMLResponse("<!doctype html><title>405</title><p>Method not allowed.", status_code=405)
