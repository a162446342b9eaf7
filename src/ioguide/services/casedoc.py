"""A patient's case document (the ``ioguide assess`` input of ``spec/response.md``) to and from records.

The pydantic models here check the document's structure (unknown fields are errors) so that it can be stored;
the clinical rules (measurability, counts, declared ids, increasing dates) are the response engine's, applied
through :func:`ioguide.services.engine.validate_case` with the CLI's messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, Field, StrictBool, StrictFloat, StrictStr, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from ioguide.criteria.case_input import injection_problem
from ioguide.errors import InputError, Problem
from ioguide.records.models import Lesion, Measurement, NewLesion, Patient, Timepoint
from ioguide.services.common import RECORD_INPUT

#: A number (an integer is accepted; a string or a boolean is not).
Number = StrictFloat
NonTargetStatus = Literal["present", "absent", "increased", "unequivocal_progression", "not_evaluated"]
CriteriaName = Literal["recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma"]


class LesionDoc(BaseModel):
    """A lesion declared at baseline (``spec/response.md``, ``lesions[]``)."""

    model_config = RECORD_INPUT
    id: StrictStr = Field(min_length=1, max_length=64)
    role: Literal["target", "non_target"]
    organ: StrictStr = Field(min_length=1, max_length=100)
    nodal: StrictBool = False
    injected: StrictBool = False
    injected_from: dt.date | None = None
    pleural: StrictBool = False
    slice_position_mm: Number | None = None

    @field_validator("injected_from")
    @classmethod
    def _one_injection_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        problem = injection_problem(bool(info.data.get("injected")), value)
        if problem is not None:
            raise ValueError(problem)
        return value


class NewLesionDoc(BaseModel):
    model_config = RECORD_INPUT
    id: StrictStr = Field(min_length=1, max_length=64)
    organ: StrictStr = Field(min_length=1, max_length=100)
    nodal: StrictBool = False
    diameter_mm: Number | None = None
    equivocal: StrictBool = False
    increased: StrictBool = False
    typical_hcc: StrictBool = False


class TimepointDoc(BaseModel):
    """One imaging timepoint (``spec/response.md``, ``timepoints[]``)."""

    model_config = RECORD_INPUT
    date: dt.date
    reason: Literal["scheduled", "symptom"] | None = None
    diameters_mm: dict[StrictStr, Any] = Field(default_factory=dict)
    non_target: dict[StrictStr, NonTargetStatus] = Field(default_factory=dict)
    new_lesions: list[NewLesionDoc] = Field(default_factory=list)


class CaseDoc(BaseModel):
    """A whole case: ``PUT /api/v1/patients/{id}/case``."""

    model_config = RECORD_INPUT
    criteria: CriteriaName | None = None
    settings: dict[StrictStr, Any] | None = None
    treatment_start: dt.date | None = None
    lesions: list[LesionDoc]
    timepoints: list[TimepointDoc] = Field(default_factory=list)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


class _Measured(NamedTuple):
    label: str
    role: str
    diameter_mm: float | None
    status: str | None


def lesion_doc(lesion: Any) -> dict[str, Any]:
    """A lesion (ORM object or row with the same attribute names) as a ``lesions[]`` entry."""
    out: dict[str, Any] = {
        "id": lesion.label,
        "role": lesion.role,
        "organ": lesion.organ,
        "nodal": lesion.nodal,
        "injected": lesion.injected,
        "pleural": lesion.pleural,
    }
    if lesion.injected_from is not None:
        out["injected_from"] = lesion.injected_from.isoformat()
    if lesion.slice_position_mm is not None:
        out["slice_position_mm"] = _number(lesion.slice_position_mm)
    return out


def _timepoint_out(
    date: dt.date, reason: str | None, measured: Iterable[Any], new_lesions: Iterable[Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {"date": date.isoformat()}
    if reason is not None:
        out["reason"] = reason
    diameters: dict[str, Any] = {}
    non_target: dict[str, Any] = {}
    for m in measured:
        if m.role == "target":
            diameters[m.label] = _number(m.diameter_mm) if m.diameter_mm is not None else m.status
        else:
            non_target[m.label] = m.status
    out["diameters_mm"] = diameters
    out["non_target"] = non_target
    out["new_lesions"] = [
        {
            "id": n.label,
            "organ": n.organ,
            "nodal": n.nodal,
            "diameter_mm": None if n.diameter_mm is None else _number(n.diameter_mm),
            "equivocal": n.equivocal,
            "increased": n.increased,
            "typical_hcc": n.typical_hcc,
        }
        for n in new_lesions
    ]
    return out


def timepoint_doc(timepoint: Timepoint) -> dict[str, Any]:
    measured = [_Measured(m.lesion.label, m.lesion.role, m.diameter_mm, m.status) for m in timepoint.measurements]
    return _timepoint_out(timepoint.date, timepoint.reason, measured, timepoint.new_lesions)


def read_case(session: Session, patient_id: int) -> tuple[dict[str, Any], int] | None:
    """The stored case, exactly in the ``ioguide assess`` input format, with the patient's version (None for an
    unknown patient). Read with four plain queries, no ORM objects: this is the hot path of ``/response``."""
    patient = session.execute(
        select(Patient.criteria, Patient.settings, Patient.treatment_start, Patient.version).where(
            Patient.id == patient_id
        )
    ).one_or_none()
    if patient is None:
        return None
    lesions = session.execute(
        select(
            Lesion.label, Lesion.role, Lesion.organ, Lesion.nodal, Lesion.injected, Lesion.injected_from,
            Lesion.pleural, Lesion.slice_position_mm,
        ).where(Lesion.patient_id == patient_id).order_by(Lesion.position)
    ).all()  # fmt: skip
    timepoints = session.execute(
        select(Timepoint.id, Timepoint.date, Timepoint.reason)
        .where(Timepoint.patient_id == patient_id)
        .order_by(Timepoint.date)
    ).all()
    measured: dict[int, list[Any]] = {tp.id: [] for tp in timepoints}
    for row in session.execute(
        select(Measurement.timepoint_id, Lesion.label, Lesion.role, Measurement.diameter_mm, Measurement.status)
        .join(Lesion, Measurement.lesion_id == Lesion.id)
        .where(Lesion.patient_id == patient_id)
        .order_by(Measurement.timepoint_id, Measurement.position)
    ):
        measured[row.timepoint_id].append(row)
    new: dict[int, list[Any]] = {tp.id: [] for tp in timepoints}
    for found in session.execute(
        select(
            NewLesion.timepoint_id, NewLesion.label, NewLesion.organ, NewLesion.nodal, NewLesion.diameter_mm,
            NewLesion.equivocal, NewLesion.increased, NewLesion.typical_hcc,
        )
        .join(Timepoint, NewLesion.timepoint_id == Timepoint.id)
        .where(Timepoint.patient_id == patient_id)
        .order_by(NewLesion.timepoint_id, NewLesion.position)
    ):  # fmt: skip
        new[found.timepoint_id].append(found)
    out: dict[str, Any] = {}
    if patient.criteria is not None:
        out["criteria"] = patient.criteria
    if patient.settings is not None:
        out["settings"] = dict(patient.settings)
    if patient.treatment_start is not None:
        out["treatment_start"] = patient.treatment_start.isoformat()
    out["lesions"] = [lesion_doc(lesion) for lesion in lesions]
    out["timepoints"] = [_timepoint_out(tp.date, tp.reason, measured[tp.id], new[tp.id]) for tp in timepoints]
    return out, patient.version


def apply_lesion(lesion: Lesion, doc: LesionDoc) -> None:
    lesion.label = doc.id
    lesion.role = doc.role
    lesion.organ = doc.organ
    lesion.nodal = doc.nodal
    lesion.injected = doc.injected
    lesion.injected_from = doc.injected_from
    lesion.pleural = doc.pleural
    lesion.slice_position_mm = None if doc.slice_position_mm is None else float(doc.slice_position_mm)


def fill_timepoint(timepoint: Timepoint, doc: TimepointDoc, lesions: dict[str, Lesion], path: str = "") -> None:
    """Replace the timepoint's measurements and new lesions by the document's; ``lesions`` maps ids to rows."""
    prefix = f"{path}." if path else ""
    problems: list[Problem] = []
    measurements: list[Measurement] = []
    for key, values, role in (("diameters_mm", doc.diameters_mm, "target"), ("non_target", doc.non_target, None)):
        for label, value in values.items():
            lesion = lesions.get(label)
            field = f"{prefix}{key}.{label}"
            if lesion is None:
                problems.append(Problem(field, f"lesion {label!r} was never declared in lesions[]"))
                continue
            if (role == "target") != (lesion.role == "target"):
                problems.append(Problem(field, f"lesion {label!r} is a {lesion.role.replace('_', '-')} lesion"))
                continue
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if role == "target" and not number and value not in ("too_small", "not_evaluated"):
                problems.append(Problem(field, f"{value!r} is not a number >= 0, 'too_small' or 'not_evaluated'"))
                continue
            measurements.append(
                Measurement(
                    lesion=lesion,
                    position=len(measurements),
                    diameter_mm=float(value) if number else None,
                    status=None if number else str(value),
                )
            )
    seen: set[str] = set()
    for i, new in enumerate(doc.new_lesions):
        if new.id in seen:
            problems.append(Problem(f"{prefix}new_lesions[{i}].id", f"{new.id!r} is listed twice"))
        seen.add(new.id)
    if problems:
        raise InputError(problems)
    timepoint.date = doc.date
    timepoint.reason = doc.reason
    timepoint.measurements = measurements
    timepoint.new_lesions = [
        NewLesion(
            position=i,
            label=n.id,
            organ=n.organ,
            nodal=n.nodal,
            diameter_mm=None if n.diameter_mm is None else float(n.diameter_mm),
            equivocal=n.equivocal,
            increased=n.increased,
            typical_hcc=n.typical_hcc,
        )
        for i, n in enumerate(doc.new_lesions)
    ]


def rebase(error: InputError, prefix: str) -> InputError:
    """Problems found in a whole case, re-addressed to the one object a request sent: ``timepoints[3].x`` -> ``x``."""
    problems = []
    for p in error.problems:
        if p.field == prefix:
            problems.append(Problem("$", p.message))
        elif p.field.startswith(prefix + ".") or p.field.startswith(prefix + "["):
            problems.append(Problem(p.field[len(prefix) :].lstrip("."), p.message))
        else:
            problems.append(p)
    return InputError(problems)
