"""Verbs on patients: create one (with its program), list them, read one."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt, StrictStr
from sqlalchemy import func, select

from ioguide.errors import InputError, Problem
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import Patient, Program
from ioguide.services import results
from ioguide.services.access_log import log_read
from ioguide.services.common import RECORD_INPUT, load_patient, record
from ioguide.services.context import Actor, require
from ioguide.services.errors import ConflictError
from ioguide.services.plausible import today


class PatientIn(BaseModel):
    """``POST /api/v1/patients``: a study pseudonym, never a direct identifier."""

    model_config = RECORD_INPUT
    study_id: StrictStr = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    program: StrictStr = Field(min_length=1, max_length=200)
    birth_year: StrictInt | None = Field(None, ge=1900, le=2100)
    sex: Literal["female", "male", "other", "unknown"] | None = None
    criteria: Literal["recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma"] | None = None
    death_date: dt.date | None = None
    withdrawal_date: dt.date | None = None


def _date_problems(data: PatientIn) -> list[Problem]:
    """Death and withdrawal dates are not in the future, nor before the birth year."""
    problems: list[Problem] = []
    for name in ("death_date", "withdrawal_date"):
        value: dt.date | None = getattr(data, name)
        if value is None:
            continue
        if value > today():
            problems.append(Problem(name, f"{value} is after today ({today()}): rule future_date"))
        if data.birth_year is not None and value.year < data.birth_year:
            problems.append(Problem(name, f"{value} is before the birth year ({data.birth_year})"))
    return problems


def patient_dict(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.id,
        "study_id": patient.study_id,
        "program": patient.program.name,
        "birth_year": patient.birth_year,
        "sex": patient.sex,
        "criteria": patient.criteria,
        "death_date": None if patient.death_date is None else patient.death_date.isoformat(),
        "withdrawal_date": None if patient.withdrawal_date is None else patient.withdrawal_date.isoformat(),
        "version": patient.version,
    }


def create_patient(db: Database, actor: Actor, data: PatientIn) -> dict[str, Any]:
    require(actor, "coordinator")
    problems = _date_problems(data)
    if problems:
        raise InputError(problems)
    with write_transaction(db) as session:
        if session.scalar(select(Patient.id).where(Patient.study_id == data.study_id)) is not None:
            raise ConflictError(f"a patient with study_id {data.study_id!r} exists already", "study_id")
        program = session.scalar(select(Program).where(Program.name == data.program))
        if program is None:
            program = Program(name=data.program, version=1)
            session.add(program)
            session.flush()
            record(session, actor, "program.create", "program", program.id, None, None, {"name": program.name})
        patient = Patient(
            program=program,
            study_id=data.study_id,
            birth_year=data.birth_year,
            sex=data.sex,
            criteria=data.criteria,
            death_date=data.death_date,
            withdrawal_date=data.withdrawal_date,
            version=1,
        )
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
        out = patient_dict(load_patient(session, patient_id))
    log_read(db, actor, patient_id, "patient.read")
    return out


#: At most this many patients answer a search (the page says when there are more: refine the text).
SEARCH_LIMIT = 50


def find_patients(db: Database, actor: Actor, text: str) -> list[dict[str, Any]]:
    """Patients whose study pseudonym contains ``text`` (case-insensitive), exact matches first."""
    require(actor, "viewer")
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with read_session(db) as session:
        rows = session.scalars(
            select(Patient)
            .where(func.lower(Patient.study_id).like(pattern, escape="\\"))
            .order_by(func.lower(Patient.study_id) != text.lower(), Patient.study_id)
            .limit(SEARCH_LIMIT + 1)
        ).all()
        return [patient_dict(p) for p in rows]


def list_programs(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """Every program with its number of patients."""
    require(actor, "viewer")
    with read_session(db) as session:
        rows = session.execute(
            select(Program.name, func.count(Patient.id))
            .outerjoin(Patient)
            .group_by(Program.name)
            .order_by(Program.name)
        ).all()
        return [{"name": name, "patients": count} for name, count in rows]
