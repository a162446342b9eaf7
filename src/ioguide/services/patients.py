"""Verbs on patients: create one (with its program), list them, read one."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt, StrictStr
from sqlalchemy import func, select

from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import Patient, Program
from ioguide.services import results
from ioguide.services.common import RECORD_INPUT, load_patient, record
from ioguide.services.context import Actor, require
from ioguide.services.errors import ConflictError


class PatientIn(BaseModel):
    """``POST /api/v1/patients``: a study pseudonym, never a direct identifier."""

    model_config = RECORD_INPUT
    study_id: StrictStr = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    program: StrictStr = Field(min_length=1, max_length=200)
    birth_year: StrictInt | None = Field(None, ge=1900, le=2100)
    sex: Literal["female", "male", "other", "unknown"] | None = None


def patient_dict(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.id,
        "study_id": patient.study_id,
        "program": patient.program.name,
        "birth_year": patient.birth_year,
        "sex": patient.sex,
        "version": patient.version,
    }


def create_patient(db: Database, actor: Actor, data: PatientIn) -> dict[str, Any]:
    require(actor, "coordinator")
    with write_transaction(db) as session:
        if session.scalar(select(Patient.id).where(Patient.study_id == data.study_id)) is not None:
            raise ConflictError(f"a patient with study_id {data.study_id!r} exists already", "study_id")
        program = session.scalar(select(Program).where(Program.name == data.program))
        if program is None:
            program = Program(name=data.program, version=1)
            session.add(program)
            session.flush()
            record(session, actor, "program.create", "program", program.id, None, None, {"name": program.name})
        patient = Patient(program=program, study_id=data.study_id, birth_year=data.birth_year, sex=data.sex, version=1)
        session.add(patient)
        session.flush()
        out = patient_dict(patient)
        record(session, actor, "patient.create", "patient", patient.id, patient.id, None, out)
        results.refresh_all(session, patient.id)
        return out


def list_patients(db: Database, actor: Actor, limit: int, offset: int) -> dict[str, Any]:
    require(actor, "viewer")
    with read_session(db) as session:
        total = session.scalar(select(func.count()).select_from(Patient)) or 0
        rows = session.scalars(select(Patient).order_by(Patient.id).limit(limit).offset(offset)).all()
        return {"items": [patient_dict(p) for p in rows], "total": total, "limit": limit, "offset": offset}


def get_patient(db: Database, actor: Actor, patient_id: int) -> dict[str, Any]:
    require(actor, "viewer")
    with read_session(db) as session:
        return patient_dict(load_patient(session, patient_id))
