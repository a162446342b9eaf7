"""Toxicity events and procedures of a patient (spec/api.md, Resources)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from ioguide.api.auth import if_match, requires
from ioguide.services import procedures, toxicity
from ioguide.services.context import Actor
from ioguide.serving.context import get_context

router = APIRouter(prefix="/api/v1/patients", tags=["toxicity and procedures"])

PatientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the patient's id")]
Viewer = Annotated[Actor, Depends(requires("viewer"))]
Coordinator = Annotated[Actor, Depends(requires("coordinator"))]
Version = Annotated[int, Depends(if_match)]
EventId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the toxicity event's id")]


@router.post("/{patient_id}/toxicity", status_code=201, summary="Record a graded toxicity event (coordinator)")
def record_toxicity(
    request: Request, patient_id: PatientId, data: toxicity.ToxicityIn, actor: Coordinator
) -> dict[str, Any]:
    return toxicity.record_toxicity(get_context(request).db, actor, patient_id, data)


@router.get("/{patient_id}/toxicity/{event_id}", summary="One toxicity event, its version as ETag (viewer)")
def get_toxicity(
    request: Request, patient_id: PatientId, event_id: EventId, actor: Viewer, response: Response
) -> dict[str, Any]:
    out = toxicity.get_toxicity(get_context(request).db, actor, patient_id, event_id)
    response.headers["ETag"] = f'"{out["version"]}"'
    return out


@router.put(
    "/{patient_id}/toxicity/{event_id}",
    summary="Correct a toxicity event; needs If-Match and X-Reason (coordinator)",
)
def correct_toxicity(
    request: Request,
    patient_id: PatientId,
    event_id: EventId,
    data: toxicity.ToxicityIn,
    actor: Coordinator,
    version: Version,
    response: Response,
) -> dict[str, Any]:
    out = toxicity.correct_toxicity(get_context(request).db, actor, patient_id, event_id, data, version)
    response.headers["ETag"] = f'"{out["version"]}"'
    return out


@router.get("/{patient_id}/toxicity", summary="The patient's toxicity events (viewer)")
def list_toxicity(request: Request, patient_id: PatientId, actor: Viewer) -> list[dict[str, Any]]:
    return toxicity.list_toxicity(get_context(request).db, actor, patient_id)


@router.post("/{patient_id}/procedures", status_code=201, summary="Record a procedure (coordinator)")
def record_procedure(
    request: Request,
    patient_id: PatientId,
    data: procedures.ProcedureIn,
    actor: Coordinator,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(description="a random key (e.g. a UUID): sending it again answers the first response, 200, no row"),
    ] = None,
) -> dict[str, Any]:
    out, replay = procedures.record_procedure_once(get_context(request).db, actor, patient_id, data, idempotency_key)
    if replay:
        response.status_code = 200
    return out


@router.get("/{patient_id}/procedures", summary="The patient's procedures (viewer)")
def list_procedures(request: Request, patient_id: PatientId, actor: Viewer) -> list[dict[str, Any]]:
    return procedures.list_procedures(get_context(request).db, actor, patient_id)
