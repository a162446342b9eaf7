"""Health, sign-in and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictStr
from sqlalchemy import text

from ioguide.api.auth import requires
from ioguide.services import audit
from ioguide.services.common import RECORD_INPUT
from ioguide.services.context import Actor
from ioguide.services.users import add_user, authenticate
from ioguide.serving.context import get_context
from ioguide.serving.tokens import issue_token

router = APIRouter(prefix="/api/v1", tags=["system"])


@router.get("/health", summary="Liveness and the database kind (no sign-in)")
def health(request: Request) -> JSONResponse:
    db = get_context(request).db
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "error", "database": db.dialect}, status_code=503)
    return JSONResponse({"status": "ok", "database": db.dialect})


@router.post("/auth/token", summary="Sign in: form fields username and password")
def token(
    request: Request,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
) -> dict[str, Any]:
    ctx = get_context(request)
    throttle = ctx.settings.throttle
    wait = throttle.retry_after(username)
    if wait > 0:
        raise HTTPException(
            429,
            f"too many failed sign-ins for {username!r}: try again in {wait:.0f} s",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    actor = authenticate(ctx.db, username, password, ctx.settings.hasher)
    if actor is None:
        throttle.failed(username)
        raise HTTPException(401, "wrong user name or password", headers={"WWW-Authenticate": "Bearer"})
    throttle.succeeded(username)
    return {
        "access_token": issue_token(ctx.settings.secret_key, actor.username, ctx.settings.token_minutes),
        "token_type": "bearer",
    }


@router.get("/audit", summary="The audit trail, oldest first, paged (viewer)")
def audit_trail(
    request: Request,
    actor: Annotated[Actor, Depends(requires("viewer"))],
    patient: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    return audit.list_audit(get_context(request).db, actor, patient, limit, offset)


class UserIn(BaseModel):
    """``POST /api/v1/users``: the same rules as ``ioguide users add``."""

    model_config = RECORD_INPUT
    username: StrictStr = Field(max_length=64)
    password: StrictStr = Field(max_length=1024)
    role: StrictStr = Field(max_length=16)


@router.post("/users", status_code=201, summary="Add a user (admin)")
def create_user(request: Request, data: UserIn, actor: Annotated[Actor, Depends(requires("admin"))]) -> dict[str, Any]:
    ctx = get_context(request)
    return add_user(ctx.db, actor, data.username, data.password, data.role, ctx.settings.hasher)
