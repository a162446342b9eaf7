"""Users (admin): add, list, disable and enable, change the role, reset the password; every change is audited
and revokes the user's tokens (``docs/api.md``, Accounts)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field, StrictStr

from ioguide.api.auth import requires
from ioguide.services import users
from ioguide.services.common import RECORD_INPUT
from ioguide.services.context import Actor
from ioguide.serving.context import get_context

router = APIRouter(prefix="/api/v1/users", tags=["users"])

Admin = Annotated[Actor, Depends(requires("admin"))]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class UserIn(BaseModel):
    """``POST /api/v1/users``: the same rules as ``ioguide users add``."""

    model_config = RECORD_INPUT
    username: StrictStr = Field(max_length=64)
    password: StrictStr = Field(max_length=1024)
    role: StrictStr = Field(max_length=16)


class RoleIn(BaseModel):
    model_config = RECORD_INPUT
    role: StrictStr = Field(max_length=16)


class PasswordIn(BaseModel):
    model_config = RECORD_INPUT
    password: StrictStr = Field(max_length=1024)


@router.post("", status_code=201, summary="Add a user (admin)")
def create_user(request: Request, data: UserIn, actor: Admin) -> dict[str, Any]:
    ctx = get_context(request)
    return users.add_user(ctx.db, actor, data.username, data.password, data.role, ctx.settings.hasher)


@router.get("", summary="Every user, active or disabled (admin)")
def list_users(request: Request, actor: Admin) -> dict[str, Any]:
    items = users.list_users(get_context(request).db, actor)
    return {"items": items, "total": len(items)}


def _changed(request: Request, user: dict[str, Any]) -> dict[str, Any]:
    get_context(request).forget(user["id"])  # this process sees the revocation at once
    return user


@router.post("/{user_id}/disable", summary="Disable a user: sign-in refused, every token revoked (admin)")
def disable(request: Request, user_id: UserId, actor: Admin) -> dict[str, Any]:
    return _changed(request, users.set_active(get_context(request).db, actor, user_id, False))


@router.post("/{user_id}/enable", summary="Enable a disabled user (admin)")
def enable(request: Request, user_id: UserId, actor: Admin) -> dict[str, Any]:
    return _changed(request, users.set_active(get_context(request).db, actor, user_id, True))


@router.put("/{user_id}/role", summary="Change a user's role; their tokens are revoked (admin)")
def set_role(request: Request, user_id: UserId, data: RoleIn, actor: Admin) -> dict[str, Any]:
    return _changed(request, users.set_role(get_context(request).db, actor, user_id, data.role))


@router.post("/{user_id}/password", summary="Reset a user's password; their tokens are revoked (admin)")
def reset_password(request: Request, user_id: UserId, data: PasswordIn, actor: Admin) -> dict[str, Any]:
    ctx = get_context(request)
    return _changed(request, users.reset_password(ctx.db, actor, user_id, data.password, ctx.settings.hasher))
