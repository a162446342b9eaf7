"""Cookie sign-in for the pages: the API's users, roles, throttle and signed tokens, carried in a cookie.

The cookie holds the same HMAC-signed token as ``POST /api/v1/auth/token`` (``ioguide.serving.tokens``); the role is
read from the database at each request, so a changed or deactivated user takes effect at once. The cookie is
``HttpOnly`` and ``SameSite=Strict`` (a form posted from another site carries no cookie), and every state-changing
page request must also come from this origin (``Origin``/``Referer`` check).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response

from ioguide.services.context import Actor
from ioguide.services.users import authenticate, find_actor
from ioguide.serving.context import get_context
from ioguide.serving.tokens import issue_token, read_token

COOKIE = "ioguide_session"


class SignInRequired(Exception):
    """Raised by a page that needs a signed-in user; answered with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def current_actor(request: Request) -> Actor | None:
    """The signed-in user of this request, or None."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    ctx = get_context(request)
    username = read_token(ctx.settings.secret_key, token)
    return None if username is None else find_actor(ctx.db, username)


def require_actor(request: Request) -> Actor:
    """A dependency: the signed-in user (else a redirect to ``/login``); the reason comes from the form, if any."""
    actor = current_actor(request)
    if actor is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path)
    return actor


def same_origin(request: Request) -> None:
    """Refuse a state-changing request whose ``Origin`` (or ``Referer``) is another site (403)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return
    parts = urlsplit(source)
    if parts.netloc != request.url.netloc:
        raise HTTPException(403, "this form must be sent from the ioguide pages themselves")


def sign_in(request: Request, username: str, password: str) -> tuple[Actor | None, str | None]:
    """Check the password with the API's throttle; returns the user or a message for the form."""
    ctx = get_context(request)
    throttle = ctx.settings.throttle
    wait = throttle.retry_after(username)
    if wait > 0:
        return None, f"Too many failed sign-ins for {username!r}: try again in {wait:.0f} s."
    actor = authenticate(ctx.db, username, password, ctx.settings.hasher)
    if actor is None:
        throttle.failed(username)
        return None, "Wrong user name or password."
    throttle.succeeded(username)
    return actor, None


def set_cookie(request: Request, response: Response, actor: Actor) -> None:
    settings = get_context(request).settings
    token = issue_token(settings.secret_key, actor.username, settings.token_minutes)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.token_minutes * 60),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def safe_next(value: str | None) -> str:
    """Only a local path may be the page after sign-in (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/cohort"
