"""Sign-in and token checks shared by the API and the pages: the account a token belongs to (its role and token
version cached :data:`ACCOUNT_CACHE_S`; a change made through this process is seen at once, one made by another
process within that time), throttled password checks on their own threads (never the event loop), new tokens."""

from __future__ import annotations

import time

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from ioguide.services.users import Account, authenticate, find_account
from ioguide.serving.context import ApiContext
from ioguide.serving.passwords import GateFull
from ioguide.serving.tokens import Claims, issue_token, read_token

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
