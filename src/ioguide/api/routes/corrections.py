"""Reclassify a lesion; re-date or delete a scan or a procedure (spec/api.md, "Corrections"). Each needs
``If-Match`` (the version read) and ``X-Reason`` (kept in the audit row)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field, StrictFloat

from ioguide.api.auth import if_match, requires
from ioguide.services import corrections, lesions
from ioguide.services.common import RECORD_INPUT
from ioguide.services.context import Actor
from ioguide.serving.context import get_context

router = APIRouter(prefix="/api/v1/patients", tags=["corrections"])

PatientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the patient's id")]
LesionId = Annotated[str, Path(min_length=1, max_length=64, description="the lesion's id in the case")]
ProcedureId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the procedure's id")]
Viewer = Annotated[Actor, Depends(requires("viewer"))]
Coordinator = Annotated[Actor, Depends(requires("coordinator"))]
Radiologist = Annotated[Actor, Depends(requires("radiologist"))]
Version = Annotated[int, Depends(if_match)]


class ReclassifyIn(BaseModel):
    """``PATCH /api/v1/patients/{id}/lesions/{lesion_id}``: the lesion's role and the date injection began
    (omitted or null: not injected from a date); a lesion becoming a target needs its baseline diameter."""

    model_config = RECORD_INPUT
    role: Literal["target", "non_target"]
    injected_from: dt.date | None = None
    baseline_diameter_mm: StrictFloat | None = Field(None, ge=0, le=1000)


class RedateIn(BaseModel):
    """``PATCH`` of a scan or a procedure: its new date (``new_date``, the field a refusal names)."""

    model_config = RECORD_INPUT
    new_date: dt.date


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.get("/{patient_id}/lesions/{lesion_id}", summary="One declared lesion with its version (viewer)")
def get_lesion(
    request: Request, patient_id: PatientId, lesion_id: LesionId, actor: Viewer, response: Response
) -> dict[str, Any]:
    out = lesions.get_lesion(get_context(request).db, actor, patient_id, lesion_id)
    _etag(response, out["version"])
    return out


@router.patch(
    "/{patient_id}/lesions/{lesion_id}",
    summary="Reclassify a lesion (target/non-target, injected from a date); If-Match, X-Reason (radiologist)",
)
def reclassify_lesion(
    request: Request,
    patient_id: PatientId,
    lesion_id: LesionId,
    data: ReclassifyIn,
    actor: Radiologist,
    version: Version,
    response: Response,
) -> dict[str, Any]:
    out = lesions.reclassify_lesion(
        get_context(request).db, actor, patient_id, lesion_id, data.role, data.injected_from, version,
        data.baseline_diameter_mm,
    )  # fmt: skip
    _etag(response, out["version"])
    return out


@router.patch("/{patient_id}/timepoints/{date}", summary="Re-date a scan; If-Match, X-Reason (radiologist)")
def redate_timepoint(
    request: Request,
    patient_id: PatientId,
    date: dt.date,
    data: RedateIn,
    actor: Radiologist,
    version: Version,
    response: Response,
) -> dict[str, Any]:
    out = corrections.redate_timepoint(get_context(request).db, actor, patient_id, date, data.new_date, version)
    _etag(response, out["version"])
    return out


@router.delete("/{patient_id}/timepoints/{date}", summary="Delete a scan; If-Match, X-Reason (radiologist)")
def delete_timepoint(
    request: Request, patient_id: PatientId, date: dt.date, actor: Radiologist, version: Version
) -> dict[str, Any]:
    return corrections.delete_timepoint(get_context(request).db, actor, patient_id, date, version)


@router.patch(
    "/{patient_id}/procedures/{procedure_id}", summary="Re-date a procedure; If-Match, X-Reason (coordinator)"
)
def redate_procedure(
    request: Request,
    patient_id: PatientId,
    procedure_id: ProcedureId,
    data: RedateIn,
    actor: Coordinator,
    version: Version,
    response: Response,
) -> dict[str, Any]:
    out = corrections.redate_procedure(get_context(request).db, actor, patient_id, procedure_id, data.new_date, version)
    _etag(response, out["version"])
    return out


@router.delete(
    "/{patient_id}/procedures/{procedure_id}", summary="Delete a procedure; If-Match, X-Reason (coordinator)"
)
def delete_procedure(
    request: Request, patient_id: PatientId, procedure_id: ProcedureId, actor: Coordinator, version: Version
) -> dict[str, Any]:
    return corrections.delete_procedure(get_context(request).db, actor, patient_id, procedure_id, version)
