"""Reading many patients at once: one query per table per batch of patients, never one per patient.

Used by the re-assessment job (:mod:`ioguide.services.reassess`), the export jobs (:mod:`ioguide.services.jobs`)
and the benchmarks. The case comes out exactly as :func:`ioguide.services.casedoc.read_case` builds it (same
helpers), in the ``ioguide assess`` input format.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ioguide.records.models import Lesion, Measurement, NewLesion, Patient, Timepoint
from ioguide.services.casedoc import _timepoint_out, lesion_doc

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
    for pid, criteria, settings, version in session.execute(
        select(Patient.id, Patient.criteria, Patient.settings, Patient.version).where(Patient.id.in_(ids))
    ):
        case: dict[str, Any] = {}
        if criteria is not None:
            case["criteria"] = criteria
        if settings is not None:
            case["settings"] = dict(settings)
        case["lesions"] = []
        case["timepoints"] = []
        out[pid] = (case, version)
    for lesion in session.execute(
        select(
            Lesion.patient_id, Lesion.label, Lesion.role, Lesion.organ, Lesion.nodal, Lesion.injected,
            Lesion.injected_from, Lesion.pleural,
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
