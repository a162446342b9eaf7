"""The role check of every route (a bearer token from ``POST /api/v1/auth/token``; the pages' cookie carries the
same token). Tokens, sign-in and the account cache are shared with the pages in :mod:`ioguide.serving`: a token
names the user's id and token version, so signing out, disabling the user, changing the role or resetting the
password revokes every token the user holds, and a new user with an old user's name inherits none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ioguide.services.context import Actor, Role, may
from ioguide.serving.context import ApiContext, get_context
from ioguide.serving.signin import (
    SignInRefused,
    _account_for,
    account_for_token,
    client_address,
    new_token,
    sign_in,
)
from ioguide.serving.tokens import Claims, issue_token, read_token

__all__ = [
    "Claims",
    "SignInRefused",
    "account_for_token",
    "client_address",
    "if_match",
    "issue_token",
    "new_token",
    "read_token",
    "requires",
    "sign_in",
    "unauthorized",
]

_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/v1/auth/token")


def unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


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


async def if_match(if_match: Annotated[str | None, Header(description="the version you read (ETag)")] = None) -> int:
    """The version named by ``If-Match``: 428 when missing; a value that is no version can never match (412)."""
    if if_match is None or not if_match.strip():
        raise HTTPException(428, "If-Match is required: send the version you read (spec/api.md, Versions)")
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 12:
        raise HTTPException(412, f"If-Match {if_match!r} names no version of this object")
    return int(value)
