"""Cookie sign-in for the pages: the API's users, roles, throttle and signed tokens, carried in a cookie.

The cookie holds the same HMAC-signed token as ``POST /api/v1/auth/token`` (``ioguide.serving.tokens``): it names the
user's id and token version, so signing out (which revokes it), disabling the user, a role change or a password
reset ends the session. The cookie is ``HttpOnly``, ``SameSite=Strict`` (a form posted from another site carries
no cookie) and ``Secure`` when the page is served over https; every state-changing page request must also come
from this origin (``Origin``/``Referer`` check).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response

from ioguide.services import users
from ioguide.services.context import Actor
from ioguide.serving import signin as auth
from ioguide.serving.context import get_context

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
    account = auth.account_for_token(get_context(request), token)
    return None if account is None else account.actor()


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


async def sign_in(request: Request, username: str, password: str) -> tuple[users.Account | None, str | None]:
    """Check the password as ``POST /api/v1/auth/token`` does (same throttle, same password threads); returns the
    account or a message for the form."""
    try:
        account = await auth.sign_in(get_context(request), auth.client_address(request), username, password)
    except auth.SignInRefused as refused:
        return None, f"Sign-in refused: {refused.message}."
    if account is None:
        return None, "Wrong user name or password."
    return account, None


def set_cookie(request: Request, response: Response, account: users.Account) -> None:
    settings = get_context(request).settings
    response.set_cookie(
        COOKIE,
        auth.new_token(get_context(request), account),
        max_age=int(settings.token_minutes * 60),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def sign_out(request: Request) -> None:
    """Revoke every token of the cookie's user (blocking: call from a worker thread); nothing for no session."""
    token = request.cookies.get(COOKIE)
    ctx = get_context(request)
    account = auth.account_for_token(ctx, token) if token else None
    if account is not None:
        users.sign_out(ctx.db, account.actor(), account.id)
        ctx.forget(account.id)


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def safe_next(value: str | None) -> str:
    """Only a local path may be the page after sign-in (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/cohort"
