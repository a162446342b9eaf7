"""Use case "export a patient or a study": read the store through the services' read verbs (so roles apply) and
build the inputs of ``ioguide.interop`` (which never reads the store itself: arrows point down).

``patient_export`` turns what the services return
(``get_patient``, ``get_case``, ``list_procedures``, ``list_toxicity``; ``spec/api.md``) into a
:class:`~ioguide.interop.inputs.PatientExport`; ``load_patient_export`` / ``load_study_export`` do the reading.
The API routes ``GET /api/v1/patients/{id}/fhir`` and ``GET /api/v1/export/sdtm`` can call these directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ioguide.errors import InputError
from ioguide.interop.inputs import (
    IDENTIFIER,
    PatientExport,
    StudyExport,
    parse_patient_export,
    parse_study_export,
)
from ioguide.records.db import Database
from ioguide.services.context import Actor

#: Procedure fields the export reads; the rest of a stored procedure (needle, notes, ...) stays in the store.
PROCEDURE_FIELDS = (
    "id", "kind", "date", "agent", "concentration_mg_ml", "route", "dose_cells", "modality", "approach", "guidance",
    "cores", "embolic", "complication_grade",
)  # fmt: skip


def procedure_input(stored: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: stored[k] for k in PROCEDURE_FIELDS if stored.get(k) is not None}
    out["lesions"] = [
        {k: v for k, v in item.items() if v is not None and k in ("lesion_id", "volume_ml")}
        for item in stored.get("lesions", [])
    ]
    return out


def toxicity_input(stored: Mapping[str, Any]) -> dict[str, Any]:
    result = stored.get("result") or {}
    out: dict[str, Any] = {
        "id": stored["id"],
        "kind": stored["kind"],
        "date": stored["date"],
        "grade": stored.get("grade"),
        "scale": result.get("scale") or stored["kind"].upper(),
    }
    for key in ("term", "name"):
        if result.get(key):
            out[key] = result[key]
    return out


def patient_input(
    study: str,
    patient: Mapping[str, Any],
    case: Mapping[str, Any],
    procedures: Sequence[Mapping[str, Any]],
    toxicity: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The export input (JSON-shaped) for one stored patient; dates are ISO strings as the services return."""
    out: dict[str, Any] = {"study": study, "subject": patient["study_id"], "case": dict(case)}
    for key in ("birth_year", "sex"):
        if patient.get(key) is not None:
            out[key] = patient[key]
    out["procedures"] = [procedure_input(p) for p in procedures]
    out["toxicity"] = [toxicity_input(t) for t in toxicity]
    return out


def study_name(program: str, study: str | None) -> str:
    """STUDYID: ``study`` when given, else the program's name when it is a valid identifier."""
    name = study or program
    if not re.match(IDENTIFIER, name) or len(name) > 64:
        if study:
            raise InputError.one(
                "study",
                f"{study!r} is not a valid STUDYID (1-64 letters, digits, '.', '_', '-'; a letter or digit first)",
            )
        raise InputError.one(
            "study",
            f"program {program!r} is not a valid STUDYID (letters, digits, '.', '_', '-'): give one as `study` "
            f"(--study on the command line), e.g. {suggested_study(program)!r}",
        )
    return name


def suggested_study(program: str) -> str:
    """A STUDYID to offer for ``program`` (the pages pre-fill it, editable): the name itself when valid, else
    the name with every other character as ``_``, trimmed to 64 characters (SDTMIG 3.4 STUDYID; ``IDENTIFIER``)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", program).lstrip("._-")[:64]
    return name or "STUDY"


#: Series modalities that are not the scan itself (derived objects) and so say nothing of TRMETHOD.
DERIVED_MODALITIES = ("SEG", "SR", "RTSTRUCT", "KO", "PR", "OT")


def imaging_input(db: Database, actor: Actor, patient_id: int) -> list[dict[str, str]]:
    """The patient's stored imaging studies as ``{date, modality}`` (the first acquired series' modality), for the
    SDTM TRMETHOD of the scan of that date."""
    from sqlalchemy import select

    from ioguide.records.db import read_session
    from ioguide.records.models import ImagingStudy
    from ioguide.services.context import require

    require(actor, "viewer")
    out: list[dict[str, str]] = []
    with read_session(db) as session:
        query = select(ImagingStudy).where(ImagingStudy.patient_id == patient_id)
        for study in session.scalars(query):
            modalities = [s.modality for s in study.series if s.modality not in DERIVED_MODALITIES]
            if modalities and len(study.study_date) == 8:
                date = f"{study.study_date[:4]}-{study.study_date[4:6]}-{study.study_date[6:]}"
                out.append({"date": date, "modality": modalities[0]})
    return out


def _patient_input(db: Database, actor: Actor, patient_id: int, study: str | None) -> dict[str, Any]:
    from ioguide.services.cases import get_case
    from ioguide.services.patients import get_patient
    from ioguide.services.procedures import list_procedures
    from ioguide.services.toxicity import list_toxicity

    patient = get_patient(db, actor, patient_id)
    case, _ = get_case(db, actor, patient_id)
    procedures = list_procedures(db, actor, patient_id)
    toxicity = list_toxicity(db, actor, patient_id)
    out = patient_input(study_name(patient["program"], study), patient, case, procedures, toxicity)
    imaging = imaging_input(db, actor, patient_id)
    if imaging:
        out["imaging"] = imaging
    return out


def load_patient_export(db: Database, actor: Actor, patient_id: int, study: str | None = None) -> PatientExport:
    """One stored patient; raises the services' ``NotFoundError`` for an unknown id."""
    return parse_patient_export(_patient_input(db, actor, patient_id, study))


def load_study_export(db: Database, actor: Actor, program: str, study: str | None = None) -> StudyExport:
    """Every stored patient of ``program``; raises ``NotFoundError`` when the program has no patient."""
    from ioguide.services.errors import NotFoundError
    from ioguide.services.patients import list_patients

    ids: list[int] = []
    offset = 0
    while True:
        page = list_patients(db, actor, 200, offset)
        ids += [p["id"] for p in page["items"] if p["program"] == program]
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            break
    if not ids:
        raise NotFoundError(f"no patient in program {program!r}", "program")
    name = study_name(program, study)
    return parse_study_export({"study": name, "patients": [_patient_input(db, actor, i, name) for i in ids]})
