"""Web security helpers: CSRF tokens, security headers, the request-body limit, proxy headers, safe redirects and
names."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import unicodedata

# Content-Security-Policy: nothing inline, nothing from elsewhere; the app cannot be framed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=31536000"


def new_secret() -> str:
    """Return a new random server secret (hex, 256 bits) for CSRF tokens."""
    return secrets.token_hex(32)


def csrf_token(secret: str, binding: str) -> str:
    """Return the CSRF token for a session (or pre-session) cookie value: HMAC-SHA256(secret, binding)."""
    return hmac.new(secret.encode("ascii"), ("csrf:" + binding).encode("utf-8", "replace"),
                    hashlib.sha256).hexdigest()


def csrf_ok(secret: str, binding: str | None, submitted: str | None) -> bool:
    """Return True if `submitted` is the CSRF token of `binding` (compared in constant time)."""
    if not binding or not submitted or not isinstance(submitted, str):
        return False
    return hmac.compare_digest(csrf_token(secret, binding), submitted)


def safe_next(target: str | None, default: str = "/") -> str:
    """Return `target` if it is a path on this site (no scheme, host or backslash), else `default`."""
    if not target or not isinstance(target, str):
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(
            ord(c) < 32 for c in target) or len(target) > 500:
        return default
    return target


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def display_file_name(name: str | None) -> str:
    """Return an uploaded file's name for display only: its last path part, without control characters."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = _CONTROL.sub("", text).strip().lstrip(".")
    return text[:200] or "upload"


class SecurityHeadersMiddleware:
    """ASGI middleware adding SECURITY_HEADERS to every HTTP response (and HSTS over https)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode("latin-1").lower() not in SECURITY_HEADERS]
                headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
                if https:
                    headers.append((b"strict-transport-security", HSTS.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    """Raised inside the app when a request body grows beyond the limit."""


class BodyLimitMiddleware:
    """ASGI middleware refusing request bodies larger than `limit` bytes with 413 and a page from `render`.

    A declared Content-Length over the limit is refused before anything is read; a body without one is
    counted as it streams in.
    """

    def __init__(self, app, limit: int, render):
        self.app = app
        self.limit = limit
        self.render = render          # (scope) -> (html bytes); the page explaining the limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    declared = None
        if declared is not None and declared > self.limit:
            await self._refuse(scope, send)
            return
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope, send):
        body = self.render(scope)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def parse_proxies(text: str | None) -> tuple[str, ...]:
    """Return the proxy addresses of a comma-separated list ("127.0.0.1, 10.0.0.0/8"); UsageError for a bad one."""
    from ..errors import UsageError

    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise UsageError(f"--trust-proxy {part}: not an IP address or network, e.g. 127.0.0.1 or "
                             "10.0.0.0/8") from None
    return tuple(out)


class ProxyHeadersMiddleware:
    """ASGI middleware: take the client address and scheme from X-Forwarded-For/-Proto, but only when the request
    comes from a configured proxy (`klimatspend serve --trust-proxy`).

    Without configured proxies the headers are ignored: anyone can send them, and the address is what login
    throttling counts and the audit log records. From a trusted proxy the client is the right-most address of
    X-Forwarded-For that is not itself a trusted proxy (the left ones are the client's own claim).
    """

    def __init__(self, app, trusted: tuple[str, ...] = ()):
        self.app = app
        self.trusted = [ipaddress.ip_network(t, strict=False) for t in trusted]

    def _is_trusted(self, host: str | None) -> bool:
        try:
            address = ipaddress.ip_address((host or "").strip())
        except ValueError:
            return False
        return any(address in net for net in self.trusted)

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and self.trusted and self._is_trusted((scope.get("client") or
                                                                                         (None,))[0]):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            scope = dict(scope)
            hops = [h.strip() for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]
            client = next((h for h in reversed(hops) if not self._is_trusted(h)), None)
            if client is not None:
                try:
                    ipaddress.ip_address(client)
                    scope["client"] = (client, 0)
                except ValueError:
                    pass
            proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
        await self.app(scope, receive, send)
