"""The audit trail's head (for an external notary) and the access log (who read which patient, when)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from ioguide.api.auth import requires
from ioguide.api.context import get_context
from ioguide.services import access_log
from ioguide.services.audit import audit_head
from ioguide.services.context import Actor

router = APIRouter(prefix="/api/v1", tags=["system"])


@router.get("/audit/head", summary="The audit trail's head: sequence number and MAC, for an external notary (viewer)")
def head(request: Request, actor: Annotated[Actor, Depends(requires("viewer"))]) -> dict[str, Any]:
    return audit_head(get_context(request).db)


@router.get("/access-log", summary="Who read which patient, when; oldest first, paged (admin)")
def access(
    request: Request,
    actor: Annotated[Actor, Depends(requires("admin"))],
    patient: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    user: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    return access_log.list_access(get_context(request).db, actor, patient, user, limit, offset)
