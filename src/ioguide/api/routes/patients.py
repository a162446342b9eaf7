"""Patients and their case: ``/api/v1/patients``, ``.../case``, ``.../lesions``, ``.../timepoints``,
``.../response`` (spec/api.md, Resources)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from ioguide.api.auth import if_match, requires
from ioguide.api.routes.schema import json_body
from ioguide.services import cases, cohort_query, patients
from ioguide.services.casedoc import CaseDoc, LesionDoc, TimepointDoc
from ioguide.services.context import Actor
from ioguide.serving.context import get_context

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])

PatientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the patient's id")]
Viewer = Annotated[Actor, Depends(requires("viewer"))]
Coordinator = Annotated[Actor, Depends(requires("coordinator"))]
Radiologist = Annotated[Actor, Depends(requires("radiologist"))]
Version = Annotated[int, Depends(if_match)]
RawBody = Annotated[dict[str, Any], Body()]
CriteriaName = Literal["recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma"]
ResponseCode = Literal["CR", "PR", "SD", "NON_CR_NON_PD", "PD", "iUPD", "iCPD", "NE", "none"]
SortKey = Literal["study_id", "-study_id", "id", "-id", "response", "last_scan", "-last_scan"]


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.post("", status_code=201, summary="Create a patient (coordinator)")
def create_patient(
    request: Request, data: patients.PatientIn, actor: Coordinator, response: Response
) -> dict[str, Any]:
    out = patients.create_patient(get_context(request).db, actor, data)
    response.headers["Location"] = f"/api/v1/patients/{out['id']}"
    _etag(response, out["version"])
    return out


@router.get("", summary="List patients: filtered, sorted, counted and paged in the database (viewer)")
def list_patients(
    request: Request,
    actor: Viewer,
    limit: Annotated[int, Query(ge=1, le=cohort_query.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    program: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    criteria: Annotated[CriteriaName | None, Query(description="whose stored response to read and filter")] = None,
    response: Annotated[ResponseCode | None, Query(description="current response (plain code), or none")] = None,
    injected: Annotated[bool | None, Query(description="has an injected lesion")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=64, description="search in the study pseudonym")] = None,
    sort: Annotated[SortKey, Query()] = "study_id",
) -> dict[str, Any]:
    query = cohort_query.PatientQuery(program, criteria, response, injected, q, sort, limit, offset)
    return cohort_query.query_patients(get_context(request).db, actor, query)


@router.get("/{patient_id}", summary="One patient (viewer)")
def get_patient(request: Request, patient_id: PatientId, actor: Viewer, response: Response) -> dict[str, Any]:
    out = patients.get_patient(get_context(request).db, actor, patient_id)
    _etag(response, out["version"])
    return out


@router.get("/{patient_id}/case", summary="The stored case, in the `ioguide assess` input format (viewer)")
def get_case(request: Request, patient_id: PatientId, actor: Viewer, response: Response) -> dict[str, Any]:
    case, version = cases.get_case(get_context(request).db, actor, patient_id)
    _etag(response, version)
    return case


@router.put(
    "/{patient_id}/case",
    summary="Replace lesions and timepoints by a case document; needs If-Match (radiologist)",
    openapi_extra=json_body(CaseDoc),
)
def put_case(
    request: Request, patient_id: PatientId, raw: RawBody, actor: Radiologist, version: Version, response: Response
) -> dict[str, Any]:
    out = cases.put_case(get_context(request).db, actor, patient_id, raw, version)
    _etag(response, out["version"])
    case: dict[str, Any] = out["case"]
    return case


@router.post(
    "/{patient_id}/lesions",
    status_code=201,
    summary="Declare one lesion (radiologist)",
    openapi_extra=json_body(LesionDoc),
)
def add_lesion(request: Request, patient_id: PatientId, raw: RawBody, actor: Radiologist) -> dict[str, Any]:
    return cases.add_lesion(get_context(request).db, actor, patient_id, raw)


@router.post(
    "/{patient_id}/timepoints",
    status_code=201,
    summary="Record one imaging timepoint (radiologist)",
    openapi_extra=json_body(TimepointDoc),
)
def add_timepoint(
    request: Request, patient_id: PatientId, raw: RawBody, actor: Radiologist, response: Response
) -> dict[str, Any]:
    out = cases.add_timepoint(get_context(request).db, actor, patient_id, raw)
    _etag(response, out["version"])
    return out


@router.get("/{patient_id}/timepoints/{date}", summary="One timepoint with its version (viewer)")
def get_timepoint(
    request: Request, patient_id: PatientId, date: dt.date, actor: Viewer, response: Response
) -> dict[str, Any]:
    out = cases.get_timepoint(get_context(request).db, actor, patient_id, date)
    _etag(response, out["version"])
    return out


@router.put(
    "/{patient_id}/timepoints/{date}",
    summary="Replace one timepoint; needs If-Match (radiologist)",
    openapi_extra=json_body(TimepointDoc),
)
def replace_timepoint(
    request: Request,
    patient_id: PatientId,
    date: dt.date,
    raw: RawBody,
    actor: Radiologist,
    version: Version,
    response: Response,
) -> dict[str, Any]:
    out = cases.replace_timepoint(get_context(request).db, actor, patient_id, date, raw, version)
    _etag(response, out["version"])
    return out


@router.get("/{patient_id}/response", summary="The `ioguide assess` output for the stored case (viewer)")
def get_response(
    request: Request,
    patient_id: PatientId,
    actor: Viewer,
    criteria: Literal["recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma"] | None = None,
) -> dict[str, Any]:
    return cases.assess_patient(get_context(request).db, actor, patient_id, criteria)
