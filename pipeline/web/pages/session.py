"""Logging in and out, the language switch and the home page.
"""

from __future__ import annotations


from starlette.responses import Response

from ... import i18n
from ...access import auth
from .. import security
from ..routing import ANY, LANG_COOKIE, PRE_COOKIE, PUBLIC, SESSION_COOKIE, Ctx, message, page


def home_for(user: auth.User) -> str:
    """Return the landing page of a role: uploaders upload, the others review."""
    return "/upload" if user.role == "uploader" else "/dashboard"


@page("/login", roles=PUBLIC)
def login_form(ctx: Ctx) -> Response:
    """The login form (already logged-in users go to their start page)."""
    if ctx.user is not None:
        return ctx.redirect(home_for(ctx.user))
    return ctx.render("login.html", next=security.safe_next(ctx.query("next"), ""), message=message(ctx))


@page("/login", roles=PUBLIC, methods=("POST",), name="login_submit")
def login_submit(ctx: Ctx) -> Response:
    """Check the credentials (throttled), start a session and audit the attempt."""
    username = ctx.form.get("username", "")[:100]
    outcome = auth.login(ctx.con, username, ctx.form.get("password", ""), ip=ctx.ip,
                         user_agent=ctx.request.headers.get("user-agent"))
    name = auth.normalise_username(username)
    if outcome.user is None:
        action = "login.throttled" if outcome.reason == "throttled" else "login.failure"
        ctx.audit(action, object_kind="user", object_id=name, detail={"reason": outcome.reason})
        text = {"throttled": "Too many failed attempts. Wait 15 minutes and try again.",
                "disabled": "This account is disabled. Ask an administrator."}.get(
            outcome.reason, "Wrong user name or password.")
        return ctx.render("login.html", status=429 if outcome.reason == "throttled" else 401,
                          error=ctx.t(text), username=username, next=security.safe_next(ctx.form.get("next"), ""))
    ctx.user = outcome.user
    ctx.audit("login.success", object_kind="user", object_id=outcome.user.username)
    resp = ctx.redirect(security.safe_next(ctx.form.get("next"), home_for(outcome.user)))
    ctx.set_cookies.append((SESSION_COOKIE, outcome.token, {"max_age": int(auth.SESSION_LIFETIME.total_seconds())}))
    resp.delete_cookie(PRE_COOKIE, path="/")
    return resp


@page("/logout", roles=ANY, methods=("POST",))
def logout(ctx: Ctx) -> Response:
    """End the session and audit it."""
    auth.end_session(ctx.con, ctx.request.cookies.get(SESSION_COOKIE))
    ctx.audit("logout", object_kind="user", object_id=ctx.user.username)
    resp = ctx.redirect("/login", m="out")
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@page("/lang/{code}", roles=PUBLIC)
def set_language(ctx: Ctx) -> Response:
    """Switch the interface language (a cookie) and go back to the page the user was on."""
    code = ctx.request.path_params["code"]
    resp = ctx.redirect(security.safe_next(ctx.query("next"), "/"))
    if code in i18n.LANGUAGES:
        ctx.set_cookies.append((LANG_COOKIE, code, {"max_age": 365 * 24 * 3600}))
    return resp


@page("/", roles=ANY)
def home(ctx: Ctx) -> Response:
    """Send each role to its start page."""
    return ctx.redirect(home_for(ctx.user))
