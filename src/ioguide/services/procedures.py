"""Verbs on procedures: injection, biopsy, ablation, embolization, CAR-T infusion, with an optional complication
graded by the CIRSE classification (Filippiadis et al., Cardiovasc Intervent Radiol 2017;40:1141-6)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictFloat, StrictInt, StrictStr
from sqlalchemy import select

from ioguide.case.plausibility import date_findings
from ioguide.errors import InputError, Problem
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import Procedure, ProcedureLesion
from ioguide.services import engine
from ioguide.services.common import RECORD_INPUT, load_patient, record
from ioguide.services.context import Actor, require
from ioguide.services.errors import ConflictError
from ioguide.services.plausible import bounds, refuse

Number = StrictFloat  # an integer is accepted; a string or a boolean is not
Approach = Literal[
    "percutaneous", "endoscopic", "endobronchial", "intraoperative", "transarterial", "intrapleural",
    "intraperitoneal", "intraventricular", "intravenous",
]  # fmt: skip
Guidance = Literal["ultrasound", "ct", "cbct", "fluoroscopy", "mri", "endoscopic_ultrasound", "none"]
Route = Literal["intravenous", "intrapleural", "intraperitoneal", "intra_arterial", "intratumoral", "intraventricular"]

#: What each kind needs beyond kind and date (spec/api.md, procedures; issue 4 "Build" 1).
REQUIRED: dict[str, tuple[str, ...]] = {
    "injection": ("agent", "lesions"),
    "biopsy": ("lesions", "cores"),
    "ablation": ("lesions",),
    "embolization": (),
    "infusion": ("agent", "route", "dose_cells"),
}


class ProcedureLesionIn(BaseModel):
    model_config = RECORD_INPUT
    lesion_id: StrictStr = Field(min_length=1, max_length=64)
    volume_ml: Number | None = Field(None, gt=0, le=1000)


class ProcedureIn(BaseModel):
    """``POST /api/v1/patients/{id}/procedures``."""

    model_config = RECORD_INPUT
    kind: Literal["injection", "biopsy", "ablation", "embolization", "infusion"]
    date: dt.date
    agent: StrictStr | None = Field(None, min_length=1, max_length=200)
    concentration_mg_ml: Number | None = Field(None, gt=0, le=10000)
    lesions: list[ProcedureLesionIn] = Field(default_factory=list, max_length=50)
    needle_gauge: StrictInt | None = Field(None, ge=7, le=30)
    needle_length_mm: Number | None = Field(None, gt=0, le=500)
    approach: Approach | None = None
    guidance: Guidance | None = None
    cores: StrictInt | None = Field(None, ge=1, le=50)
    modality: Literal["radiofrequency", "microwave", "cryoablation", "irreversible_electroporation"] | None = None
    embolic: StrictStr | None = Field(None, min_length=1, max_length=200)
    route: Route | None = None
    dose_cells: Number | None = Field(None, gt=0)
    complication: dict[StrictStr, Any] | None = None
    notes: StrictStr | None = Field(None, max_length=2000)


def procedure_dict(procedure: Procedure) -> dict[str, Any]:
    return {
        "id": procedure.id,
        "patient_id": procedure.patient_id,
        **procedure.details,
        "lesions": [{"lesion_id": pl.lesion.label, "volume_ml": pl.volume_ml} for pl in procedure.lesions],
        "complication": procedure.complication,
        "complication_grade": procedure.complication_grade,
        "version": procedure.version,
    }


#: An idempotency key: what a client's random key (a UUID, a token) is made of.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def record_procedure(
    db: Database, actor: Actor, patient_id: int, data: ProcedureIn, idempotency_key: str | None = None
) -> dict[str, Any]:
    """Store a procedure; with ``idempotency_key``, a second call with the same key stores nothing and answers
    the procedure the first one stored (:func:`record_procedure_once`)."""
    out, _ = record_procedure_once(db, actor, patient_id, data, idempotency_key)
    return out


def record_procedure_once(
    db: Database, actor: Actor, patient_id: int, data: ProcedureIn, idempotency_key: str | None
) -> tuple[dict[str, Any], bool]:
    """Store a procedure unless ``idempotency_key`` already stored one: then nothing is written and the stored
    procedure is answered as the first call answered it, with ``True`` (a replay). The key belongs to one
    patient: the same key sent for another patient is refused (409), never read across patients. Writes are
    serialised (``write_transaction``), so the check and the insert cannot interleave; the column is unique too."""
    require(actor, "coordinator")
    if idempotency_key is not None and not IDEMPOTENCY_KEY.match(idempotency_key):
        raise InputError.one("Idempotency-Key", "8-64 letters, digits or _ . : - (e.g. a UUID)")
    graded = None
    if data.complication is not None:
        graded = engine.grade_toxicity("cirse", data.complication, ("complication",))
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        if idempotency_key is not None:
            first = session.scalar(select(Procedure).where(Procedure.idempotency_key == idempotency_key))
            if first is not None:
                if first.patient_id != patient.id:
                    raise ConflictError("this Idempotency-Key was used for another patient", "Idempotency-Key")
                return {**procedure_dict(first), "complication_result": graded_complication(first)}, True
        refuse(date_findings(data.date, "date", bounds(patient)))
        by_label = {lesion.label: lesion for lesion in patient.lesions}
        problems = [
            Problem(name, f"required for a procedure of kind {data.kind!r}")
            for name in REQUIRED[data.kind]
            if getattr(data, name) in (None, [])
        ]
        problems += [
            Problem(f"lesions[{i}].lesion_id", f"{item.lesion_id!r} is not a lesion of patient {patient_id}")
            for i, item in enumerate(data.lesions)
            if item.lesion_id not in by_label
        ]
        seen: set[str] = set()
        for i, item in enumerate(data.lesions):
            if item.lesion_id in seen:
                problems.append(Problem(f"lesions[{i}].lesion_id", f"{item.lesion_id!r} is listed twice"))
            seen.add(item.lesion_id)
        if problems:
            raise InputError(problems)
        details = data.model_dump(mode="json", exclude={"lesions", "complication"}, exclude_none=True)
        procedure = Procedure(
            patient_id=patient.id,
            kind=data.kind,
            date=data.date,
            details=details,
            complication=data.complication,
            complication_grade=None if graded is None else graded["grade"],
            version=1,
            idempotency_key=idempotency_key,
            lesions=[
                ProcedureLesion(lesion=by_label[item.lesion_id], position=i, volume_ml=item.volume_ml)
                for i, item in enumerate(data.lesions)
            ],
        )
        session.add(procedure)
        session.flush()
        out = procedure_dict(procedure)
        record(session, actor, "procedure.create", "procedure", procedure.id, patient.id, None, out)
        return {**out, "complication_result": graded}, False


def graded_complication(procedure: Procedure) -> dict[str, Any] | None:
    """The CIRSE grading of a stored complication, as the first response gave it (the grader is pure)."""
    if procedure.complication is None:
        return None
    return engine.grade_toxicity("cirse", procedure.complication, ("complication",))


def list_procedures(db: Database, actor: Actor, patient_id: int) -> list[dict[str, Any]]:
    require(actor, "viewer")
    with read_session(db) as session:
        load_patient(session, patient_id)
        rows = session.scalars(
            select(Procedure).where(Procedure.patient_id == patient_id).order_by(Procedure.date, Procedure.id)
        ).all()
        return [procedure_dict(p) for p in rows]
