"""Reading many patients at once: one query per table per batch of patients, never one per patient.

Used by the re-assessment job (:mod:`ioguide.services.reassess`), the export jobs (:mod:`ioguide.services.jobs`)
and the benchmarks. The case comes out exactly as :func:`ioguide.services.casedoc.read_case` builds it (same
helpers), in the ``ioguide assess`` input format.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from ioguide.records.models import (
    Lesion,
    Measurement,
    NewLesion,
    Patient,
    Procedure,
    ProcedureLesion,
    Timepoint,
    ToxicityEvent,
)
from ioguide.services.casedoc import _timepoint_out, lesion_doc
from ioguide.services.toxicity import event_dict

#: Patients per query: well under the bound-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
BATCH = 1000


def batches(ids: Sequence[int], size: int = BATCH) -> list[list[int]]:
    """``ids`` cut into lists of at most ``size``, in order, none dropped."""
    if size < 1:
        raise ValueError("a batch holds at least one patient")
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def read_cases(session: Session, patient_ids: Sequence[int]) -> dict[int, tuple[dict[str, Any], int]]:
    """The cases (and patient versions) of up to :data:`BATCH` patients in four queries; unknown ids are absent."""
    ids = list(patient_ids)
    if len(ids) > BATCH:
        raise ValueError(f"read at most {BATCH} cases at once (got {len(ids)}): use batches()")
    out: dict[int, tuple[dict[str, Any], int]] = {}
    for pid, criteria, settings, treatment_start, version in session.execute(
        select(Patient.id, Patient.criteria, Patient.settings, Patient.treatment_start, Patient.version).where(
            Patient.id.in_(ids)
        )
    ):
        case: dict[str, Any] = {}
        if criteria is not None:
            case["criteria"] = criteria
        if settings is not None:
            case["settings"] = dict(settings)
        if treatment_start is not None:  # the same document as casedoc.read_case
            case["treatment_start"] = treatment_start.isoformat()
        case["lesions"] = []
        case["timepoints"] = []
        out[pid] = (case, version)
    for lesion in session.execute(
        select(
            Lesion.patient_id, Lesion.label, Lesion.role, Lesion.organ, Lesion.nodal, Lesion.injected,
            Lesion.injected_from, Lesion.pleural, Lesion.slice_position_mm,
        ).where(Lesion.patient_id.in_(ids)).order_by(Lesion.patient_id, Lesion.position)
    ):  # fmt: skip
        out[lesion.patient_id][0]["lesions"].append(lesion_doc(lesion))
    timepoints = session.execute(
        select(Timepoint.id, Timepoint.patient_id, Timepoint.date, Timepoint.reason)
        .where(Timepoint.patient_id.in_(ids))
        .order_by(Timepoint.patient_id, Timepoint.date)
    ).all()
    measured: dict[int, list[Any]] = {tp.id: [] for tp in timepoints}
    for row in session.execute(
        select(Measurement.timepoint_id, Lesion.label, Lesion.role, Measurement.diameter_mm, Measurement.status)
        .join(Lesion, Measurement.lesion_id == Lesion.id)
        .where(Lesion.patient_id.in_(ids))
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
        .where(Timepoint.patient_id.in_(ids))
        .order_by(NewLesion.timepoint_id, NewLesion.position)
    ):  # fmt: skip
        new[found.timepoint_id].append(found)
    for tp in timepoints:
        out[tp.patient_id][0]["timepoints"].append(_timepoint_out(tp.date, tp.reason, measured[tp.id], new[tp.id]))
    return out


def read_procedures(session: Session, patient_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The patients' procedures as :func:`ioguide.services.procedures.procedure_dict` gives them, in date order,
    in two queries."""
    out: dict[int, list[dict[str, Any]]] = {pid: [] for pid in patient_ids}
    by_id: dict[int, dict[str, Any]] = {}
    for row in session.execute(
        select(
            Procedure.id, Procedure.patient_id, Procedure.details, Procedure.complication,
            Procedure.complication_grade, Procedure.version,
        )
        .where(Procedure.patient_id.in_(list(patient_ids)))
        .order_by(Procedure.patient_id, Procedure.date, Procedure.id)
    ):  # fmt: skip
        item = {
            "id": row.id,
            "patient_id": row.patient_id,
            **row.details,
            "lesions": [],
            "complication": row.complication,
            "complication_grade": row.complication_grade,
            "version": row.version,
        }
        by_id[row.id] = item
        out[row.patient_id].append(item)
    for link in session.execute(
        select(ProcedureLesion.procedure_id, Lesion.label, ProcedureLesion.volume_ml)
        .join(Lesion, Lesion.id == ProcedureLesion.lesion_id)
        .where(Lesion.patient_id.in_(list(patient_ids)))
        .order_by(ProcedureLesion.procedure_id, ProcedureLesion.position)
    ):
        by_id[link.procedure_id]["lesions"].append({"lesion_id": link.label, "volume_ml": link.volume_ml})
    return out


def read_toxicity(session: Session, patient_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The patients' toxicity events as :func:`ioguide.services.toxicity.event_dict` gives them, in one query."""
    out: dict[int, list[dict[str, Any]]] = {pid: [] for pid in patient_ids}
    for row in session.execute(
        select(
            ToxicityEvent.id, ToxicityEvent.patient_id, ToxicityEvent.kind, ToxicityEvent.date, ToxicityEvent.input,
            ToxicityEvent.grade, ToxicityEvent.result, ToxicityEvent.version,
        )
        .where(ToxicityEvent.patient_id.in_(list(patient_ids)))
        .order_by(ToxicityEvent.patient_id, ToxicityEvent.date, ToxicityEvent.id)
    ):  # fmt: skip
        out[row.patient_id].append(event_dict(cast(Any, row)))  # a row with the ORM object's attributes
    return out
