"""Electronic signatures of a timepoint's response: sign (radiologist, password re-entered), list (viewer)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from ioguide.api.auth import requires
from ioguide.api.context import get_context
from ioguide.services import signatures
from ioguide.services.context import Actor

router = APIRouter(prefix="/api/v1/patients", tags=["signatures"])
PatientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the patient's id")]


@router.post("/{patient_id}/timepoints/{date}/signatures", status_code=201, summary="Sign a timepoint's response")
def sign(
    request: Request,
    patient_id: PatientId,
    date: dt.date,
    data: signatures.SignatureIn,
    actor: Annotated[Actor, Depends(requires("radiologist"))],
) -> dict[str, Any]:
    ctx = get_context(request)
    return signatures.sign_timepoint(ctx.db, actor, patient_id, date, data, ctx.settings.hasher)


@router.get("/{patient_id}/signatures", summary="The patient's signatures, each marked superseded or not (viewer)")
def list_(
    request: Request, patient_id: PatientId, actor: Annotated[Actor, Depends(requires("viewer"))]
) -> list[dict[str, Any]]:
    return signatures.list_signatures(get_context(request).db, actor, patient_id)
