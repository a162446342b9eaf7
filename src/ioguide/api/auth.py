"""Bearer tokens and the role check of every route.

The token (``ioguide.serving.tokens``, shared with the pages' cookie) names the user and the expiry time. The role
is read from the database at each request, so a changed or deactivated user takes effect at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ioguide.services.context import Actor, Role, may
from ioguide.services.users import find_actor
from ioguide.serving.context import ApiContext, get_context
from ioguide.serving.tokens import issue_token, read_token

__all__ = ["ROLE_CACHE_S", "if_match", "issue_token", "read_token", "requires", "unauthorized"]

_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/v1/auth/token")


def unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


#: Seconds a user's role is remembered between requests (a changed role takes effect within this time).
ROLE_CACHE_S = 5.0


async def _lookup(ctx: ApiContext, username: str) -> Actor | None:
    now = time.monotonic()
    cached = ctx.actors.get(username)
    if cached is not None and cached[1] > now:
        return cached[0]
    actor = await run_in_threadpool(find_actor, ctx.db, username)
    ctx.actors[username] = (actor, now + ROLE_CACHE_S)
    return actor


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
        username = read_token(ctx.settings.secret_key, credentials.credentials)
        if username is None:
            raise unauthorized("the token is invalid or has expired: sign in again")
        actor = await _lookup(ctx, username)
        if actor is None:
            raise unauthorized(f"user {username!r} no longer exists or is inactive")
        if not may(actor.role, role):
            raise HTTPException(403, f"role {actor.role!r} may not do this (needs {role!r} or above)")
        return Actor(actor.username, actor.role, x_reason or None)

    return dependency


async def if_match(if_match: Annotated[str | None, Header(description="the version you read (ETag)")] = None) -> int:
    """The version named by ``If-Match``: 428 when missing; a value that is no version can never match (412)."""
    if if_match is None or not if_match.strip():
        raise HTTPException(428, "If-Match is required: send the version you read (spec/api.md, Versions)")
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 12:
        raise HTTPException(412, f"If-Match {if_match!r} names no version of this object")
    return int(value)
