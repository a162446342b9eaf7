"""Bearer tokens, sign-in and the role check of every route (the pages' cookie carries the same token).

A token is ``<payload>.<signature>``: the payload (base64url JSON) names the user's id, the user's token version
and the expiry time; the signature is HMAC-SHA256 over it with the instance's secret key (``secret.key`` in the
instance directory, so tokens survive a restart and every worker agrees). A token is accepted only while the
user is active and its version is the user's current one: signing out, disabling the user, changing the role or
resetting the password increments that version and so revokes every token the user holds. A new user with an
old user's name has a new id, so it inherits none of the old user's tokens.

The user's role and token version are read from the database and remembered for :data:`ACCOUNT_CACHE_S`; a
change made through this process is seen at once, one made by another process (the command line, another
worker) within that time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ioguide.api.context import ApiContext, get_context
from ioguide.api.passwords import GateFull
from ioguide.services.context import Actor, Role, may
from ioguide.services.users import Account, authenticate, find_account

_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/v1/auth/token")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest())


@dataclass(frozen=True, slots=True)
class Claims:
    """What a valid token says: whose it is and which of the user's token versions it belongs to."""

    user_id: int
    token_version: int


def issue_token(secret: str, user_id: int, token_version: int, minutes: float, now: float | None = None) -> str:
    issued = time.time() if now is None else now
    claims = {"uid": user_id, "tv": token_version, "exp": int(issued + minutes * 60)}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_sign(secret, payload)}"


def read_token(secret: str, token: str, now: float | None = None) -> Claims | None:
    """The claims of a validly signed, unexpired token; None for anything else."""
    try:
        payload, signature = token.split(".")
        if not hmac.compare_digest(_sign(secret, payload), signature):
            return None
        claims: Any = json.loads(_unb64(payload))
        if not isinstance(claims, dict):
            return None
        uid, tv, exp = claims.get("uid"), claims.get("tv"), claims.get("exp")
        if not (type(uid) is int and type(tv) is int and isinstance(exp, int | float)):
            return None
        if exp <= (time.time() if now is None else now):
            return None
        return Claims(uid, tv)
    except (ValueError, UnicodeError):
        return None


def unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


#: Seconds a user's role and token version are remembered between requests (see the module docstring).
ACCOUNT_CACHE_S = 5.0


def _cached(ctx: ApiContext, user_id: int) -> tuple[bool, Account | None]:
    hit = ctx.accounts.get(user_id)
    if hit is not None and hit[1] > time.monotonic():
        return True, hit[0]
    return False, None


def _remember(ctx: ApiContext, user_id: int, account: Account | None) -> Account | None:
    ctx.accounts[user_id] = (account, time.monotonic() + ACCOUNT_CACHE_S)
    return account


def _current(account: Account | None, claims: Claims) -> Account | None:
    return account if account is not None and account.token_version == claims.token_version else None


def account_for_token(ctx: ApiContext, token: str) -> Account | None:
    """The active user a current token belongs to, or None (blocking: call from a worker thread)."""
    claims = read_token(ctx.settings.secret_key, token)
    if claims is None:
        return None
    found, account = _cached(ctx, claims.user_id)
    if not found:
        account = _remember(ctx, claims.user_id, find_account(ctx.db, claims.user_id))
    return _current(account, claims)


async def _account_for(ctx: ApiContext, claims: Claims) -> Account | None:
    found, account = _cached(ctx, claims.user_id)
    if not found:
        account = _remember(ctx, claims.user_id, await run_in_threadpool(find_account, ctx.db, claims.user_id))
    return _current(account, claims)


def requires(role: Role) -> Callable[..., Any]:
    """A dependency: the signed-in user, who must hold ``role`` or a role above it (else 401 / 403)."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        x_reason: Annotated[str | None, Header(max_length=2000, description="why (kept in the audit row)")] = None,
    ) -> Actor:
        ctx: ApiContext = get_context(request)
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise unauthorized("sign in first: Authorization: Bearer <token> (POST /api/v1/auth/token)")
        claims = read_token(ctx.settings.secret_key, credentials.credentials)
        if claims is None:
            raise unauthorized("the token is invalid or has expired: sign in again")
        account = await _account_for(ctx, claims)
        if account is None:
            raise unauthorized("the token was revoked (signed out, or the user was changed or disabled): sign in again")
        if not may(account.role, role):
            raise HTTPException(403, f"role {account.role!r} may not do this (needs {role!r} or above)")
        return account.actor(x_reason or None)

    return dependency


def client_address(request: Request) -> str:
    """The client's address (behind a reverse proxy, the address the proxy reports: ``docs/operations.md``)."""
    return request.client.host if request.client is not None else "unknown"


class SignInRefused(Exception):
    """Sign-in refused before the password was checked: throttled (429) or too many sign-ins waiting (503)."""

    def __init__(self, status: int, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after_s = retry_after_s

    def http(self) -> HTTPException:
        return HTTPException(self.status, self.message, headers={"Retry-After": str(max(1, round(self.retry_after_s)))})


def _throttled(wait_s: float) -> SignInRefused:
    return SignInRefused(429, f"too many failed sign-ins: try again in {max(1, round(wait_s))} s", wait_s)


def _attempt(ctx: ApiContext, address: str, username: str, password: str) -> Account | float | None:
    """On a password thread: check the throttle again (earlier failures in the queue count), then the password."""
    throttle = ctx.settings.throttle
    wait = throttle.retry_after(address, username)
    if wait > 0:
        return wait
    account = authenticate(ctx.db, username, password, ctx.settings.hasher)
    if account is None:
        throttle.failed(address, username)
    else:
        throttle.succeeded(address, username)
    return account


async def sign_in(ctx: ApiContext, address: str, username: str, password: str) -> Account | None:
    """The account when the password matches, None when it does not; :class:`SignInRefused` when throttled or
    when too many sign-ins are waiting. The password is checked on the password threads, never on the loop."""
    wait = ctx.settings.throttle.retry_after(address, username)
    if wait > 0:
        raise _throttled(wait)
    try:
        outcome = await ctx.passwords.run(_attempt, ctx, address, username, password)
    except GateFull:
        raise SignInRefused(503, "too many sign-ins are being checked: try again in a few seconds", 2.0) from None
    if isinstance(outcome, float):
        raise _throttled(outcome)
    return outcome


def new_token(ctx: ApiContext, account: Account) -> str:
    return issue_token(ctx.settings.secret_key, account.id, account.token_version, ctx.settings.token_minutes)


async def if_match(if_match: Annotated[str | None, Header(description="the version you read (ETag)")] = None) -> int:
    """The version named by ``If-Match``: 428 when missing; a value that is no version can never match (412)."""
    if if_match is None or not if_match.strip():
        raise HTTPException(428, "If-Match is required: send the version you read (spec/api.md, Versions)")
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 12:
        raise HTTPException(412, f"If-Match {if_match!r} names no version of this object")
    return int(value)
