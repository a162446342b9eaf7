"""HTTP hardening for the API and the pages: security headers, a body size limit, allowed hosts, and 503 (with a
plain message) when the database cannot be written because the disk is full or the database is read-only.

Headers (OWASP Secure Headers Project; MDN): ``Content-Security-Policy`` ``default-src 'self'`` with
``frame-ancestors 'none'`` (no framing: clickjacking), ``base-uri``/``form-action 'self'``;
``X-Content-Type-Options: nosniff``; ``Referrer-Policy: same-origin``; ``X-Frame-Options: DENY`` for browsers that
predate ``frame-ancestors``; and, over https only, ``Strict-Transport-Security`` (RFC 6797 forbids sending it over
plain http).
"""

from __future__ import annotations

import errno
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import DBAPIError, InternalError, OperationalError
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
#: One year, the value the HSTS preload list asks for (RFC 6797 §6.1.1 max-age).
HSTS = "max-age=31536000; includeSubDomains"

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response (and HSTS over https), unless a route set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [h for h in SECURITY_HEADERS if h[0] not in present]
                if https and b"strict-transport-security" not in present:
                    extra.append((b"strict-transport-security", HSTS.encode()))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _too_large(limit: int) -> JSONResponse:
    message = f"the request body is larger than {limit} bytes (IOGUIDE_MAX_BODY_BYTES)"
    return JSONResponse({"errors": [{"field": "$", "message": message}]}, status_code=413)


class BodyLimit:
    """Refuses request bodies above ``limit`` bytes with 413: at once when ``Content-Length`` says so, else as
    soon as the bytes received pass the limit (chunked bodies); nothing beyond the limit is read or kept."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await _too_large(self.limit)(scope, receive, send)
                return
        received = 0
        over = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True  # the app sees a disconnect and stops; its reply is replaced by the 413
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not over:
                raise
            # the app failed on the body it was denied (a disconnect, by design): the 413 below is the answer
            log.info("request body over %d bytes refused", self.limit)
        if over and not started:
            await _too_large(self.limit)(scope, receive, send)


#: SQLite's messages for a full disk or a read-only database (sqlite3 result codes SQLITE_FULL, SQLITE_READONLY,
#: SQLITE_IOERR, SQLITE_CANTOPEN), and PostgreSQL's SQLSTATEs: 53100 disk_full, 53000 insufficient_resources,
#: 25006 read_only_sql_transaction (PostgreSQL documentation, Appendix A).
_SQLITE_UNWRITABLE = ("database or disk is full", "readonly database", "disk i/o error", "unable to open database")
_PG_UNWRITABLE = {"53100", "53000", "25006"}
_OS_UNWRITABLE = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}

UNWRITABLE_MESSAGE = (
    "the server cannot store data right now (its disk is full or its database is read-only): nothing was saved; "
    "tell the administrator and try again later"
)


def is_unwritable(exc: BaseException) -> bool:
    """Whether ``exc`` says the storage is full or read-only (not the request's fault)."""
    if isinstance(exc, DBAPIError):  # SQLAlchemy wraps 25006 as InternalError, the rest as OperationalError
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if code in _PG_UNWRITABLE:
            return True
        text = str(exc.orig).lower()
        return any(marker in text for marker in _SQLITE_UNWRITABLE)
    return isinstance(exc, OSError) and exc.errno in _OS_UNWRITABLE


def unavailable(request: Request) -> Response:
    headers = {"Retry-After": "60"}
    if request.url.path.startswith("/api/"):
        body = {"errors": [{"field": "", "message": UNWRITABLE_MESSAGE}]}
        return JSONResponse(body, status_code=503, headers=headers)
    return PlainTextResponse(UNWRITABLE_MESSAGE, status_code=503, headers=headers)


def _host_patterns(hosts: tuple[str, ...]) -> list[str]:
    return list(hosts) or ["*"]


def install(app: FastAPI, allowed_hosts: tuple[str, ...], max_body_bytes: int) -> None:
    """Add the middleware (outermost first: headers on every answer, then hosts, then the body limit) and the
    503 handlers."""

    async def _storage(request: Request, exc: Exception) -> Response:
        if not is_unwritable(exc):
            raise exc
        log.error("storage unavailable: %s", exc)
        return unavailable(request)

    app.add_exception_handler(OperationalError, _storage)
    app.add_exception_handler(InternalError, _storage)
    app.add_exception_handler(OSError, _storage)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=_host_patterns(allowed_hosts), www_redirect=False)
    app.add_middleware(SecurityHeaders)
