"""Exports of stored records (spec/api.md): a FHIR R4 Bundle per patient (mCODE profiles) and the CDISC SDTM
datasets of a study (TU, TR, RS and the procedure domains, as CSV and SAS XPORT in one zip). Both are built by
``ioguide.interop`` from what the services return, so roles apply."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam

from ioguide.api.auth import requires
from ioguide.services.context import Actor
from ioguide.serving.context import get_context

router = APIRouter(prefix="/api/v1", tags=["exports"])

Viewer = Annotated[Actor, Depends(requires("viewer"))]


@router.get("/patients/{patient_id}/fhir", summary="FHIR R4 Bundle of one patient, mCODE profiles (viewer)")
def fhir_bundle(
    request: Request,
    patient_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    actor: Viewer,
    study: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="STUDYID (default: the program's name, when valid)"),
    ] = None,
) -> Response:
    import json

    from ioguide.interop.fhir import patient_bundle
    from ioguide.services.exports import load_patient_export

    bundle = patient_bundle(load_patient_export(get_context(request).db, actor, patient_id, study))
    return Response(json.dumps(bundle, ensure_ascii=False), media_type="application/fhir+json")


@router.get(
    "/export/sdtm",
    summary="CDISC SDTM datasets of a study (program) as a zip of CSV and XPT (viewer)",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def sdtm_zip(
    request: Request,
    actor: Viewer,
    study: Annotated[str, Query(min_length=1, max_length=200, description="the program whose patients to export")],
    studyid: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="STUDYID (default: the program's name, when valid)"),
    ] = None,
) -> Response:
    from ioguide.interop.files import write_datasets
    from ioguide.interop.sdtm import study_datasets
    from ioguide.services.exports import load_study_export

    datasets = study_datasets(load_study_export(get_context(request).db, actor, study, studyid))
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="ioguide-sdtm-") as tmp:
        paths = write_datasets(datasets, Path(tmp) / "sdtm")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, path.name)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in study)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="sdtm-{safe}.zip"'},
    )
