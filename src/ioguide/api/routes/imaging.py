"""Imaging in the records store, read-only: a patient's imported studies and measurement image references
(viewer), and the de-identification mapping (admin). The writes are ``ioguide import --db`` and
``ioguide measure --store`` (docs/imaging.md), which read files on the server."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from ioguide.api.auth import requires
from ioguide.services import imaging
from ioguide.services.context import Actor
from ioguide.serving.context import get_context

router = APIRouter(prefix="/api/v1", tags=["imaging"])

PatientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the patient's id")]


@router.get("/patients/{patient_id}/imaging", summary="The patient's studies and measurement image references")
def patient_imaging(
    request: Request, patient_id: PatientId, actor: Annotated[Actor, Depends(requires("viewer"))]
) -> dict[str, Any]:
    db = get_context(request).db
    return {
        "measurements": imaging.measurement_images(db, actor, patient_id),
        "studies": imaging.list_studies(db, actor, patient_id),
    }


@router.get("/imaging/deidentification", summary="The de-identification mapping, original -> pseudonym (admin)")
def deidentification(
    request: Request,
    actor: Annotated[Actor, Depends(requires("admin"))],
    pseudonym: Annotated[str | None, Query(max_length=200, description="only the pair of this pseudonym")] = None,
) -> list[dict[str, str]]:
    return imaging.deid_mapping(get_context(request).db, actor, pseudonym)
