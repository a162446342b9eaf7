"""Background exports of a whole program (issue 16 part 5): ``POST /api/v1/exports`` answers 202 with the job's
URL; ``GET /api/v1/exports/{id}`` gives its state and progress; ``GET /api/v1/exports/{id}/file`` is the file
(a zip: SDTM CSV + SAS XPORT v5 + define.xml, or FHIR bulk data NDJSON per resource type)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import FileResponse

from ioguide.api.auth import requires
from ioguide.api.context import get_context
from ioguide.services import jobs
from ioguide.services.context import Actor

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])

Viewer = Annotated[Actor, Depends(requires("viewer"))]
JobId = Annotated[str, Path(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$", description="the job's id")]


@router.post("", status_code=202, summary="Start an export of a program: SDTM or FHIR bulk data (viewer)")
def start_export(request: Request, data: jobs.ExportIn, actor: Viewer, response: Response) -> dict[str, Any]:
    job = jobs.runner_for(get_context(request).db).submit(get_context(request).db, actor, data)
    response.headers["Location"] = f"/api/v1/exports/{job.id}"
    return job.as_dict()


@router.get("/{job_id}", summary="An export job's state and progress (its owner, or an admin)")
def export_status(request: Request, job_id: JobId, actor: Viewer, response: Response) -> dict[str, Any]:
    job = jobs.runner_for(get_context(request).db).get(actor, job_id)
    response.headers["X-Progress"] = f"{job.done}/{job.total} patients"
    if job.status in ("queued", "running"):
        response.headers["Retry-After"] = "2"
    return job.as_dict()


@router.get(
    "/{job_id}/file",
    summary="The finished export's file (its owner, or an admin)",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_file(request: Request, job_id: JobId, actor: Viewer) -> FileResponse:
    path = jobs.runner_for(get_context(request).db).file(actor, job_id)
    return FileResponse(path, media_type="application/zip", filename=path.name)
