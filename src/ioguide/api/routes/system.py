"""Health, sign-in and sign-out, and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ioguide.api.auth import SignInRefused, client_address, new_token, requires, sign_in
from ioguide.services import audit, users
from ioguide.services.context import Actor
from ioguide.serving.context import get_context

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
async def token(
    request: Request,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
) -> dict[str, Any]:
    ctx = get_context(request)
    try:
        account = await sign_in(ctx, client_address(request), username, password)
    except SignInRefused as refused:
        raise refused.http() from None
    if account is None:
        raise HTTPException(401, "wrong user name or password", headers={"WWW-Authenticate": "Bearer"})
    return {"access_token": new_token(ctx, account), "token_type": "bearer"}


@router.post("/auth/logout", status_code=204, summary="Sign out: revoke every token of the signed-in user (viewer)")
def logout(request: Request, actor: Annotated[Actor, Depends(requires("viewer"))]) -> Response:
    ctx = get_context(request)
    assert actor.user_id is not None  # a token always names the user's id
    users.sign_out(ctx.db, actor, actor.user_id)
    ctx.forget(actor.user_id)
    return Response(status_code=204)


@router.get("/audit", summary="The audit trail, oldest first, paged (viewer)")
def audit_trail(
    request: Request,
    actor: Annotated[Actor, Depends(requires("viewer"))],
    patient: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    return audit.list_audit(get_context(request).db, actor, patient, limit, offset)
