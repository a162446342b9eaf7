"""Replay the audit trail's after-values against the clinical tables: every stored value must be explained.

The trail says what each write left behind (its ``after`` value). Replaying it in order gives, for every patient,
the registration, the case (lesions, timepoints, diameters, non-target statuses, new lesions), the procedures and
the toxicity events that the application wrote. Whatever the tables hold that this replay does not (a diameter
changed with SQL, a row inserted or deleted behind the application's back) is named, with both values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ioguide.records.models import AuditEntry, Patient, Procedure, ToxicityEvent
from ioguide.services.casedoc import read_case
from ioguide.services.docdiff import MISSING, differences
from ioguide.services.patients import patient_dict
from ioguide.services.procedures import procedure_dict
from ioguide.services.toxicity import event_dict

#: Patient fields a registration fixes (``version`` moves with every case change and is checked there).
_PATIENT_FIELDS = ("study_id", "program", "birth_year", "sex")


@dataclass
class _Replayed:
    patients: dict[int, dict[str, Any]] = field(default_factory=dict)
    cases: dict[int, dict[str, Any]] = field(default_factory=dict)
    procedures: dict[int, dict[str, Any]] = field(default_factory=dict)
    toxicity: dict[int, dict[str, Any]] = field(default_factory=dict)


def _case_of(state: _Replayed, patient_id: int) -> dict[str, Any]:
    return state.cases.setdefault(patient_id, {"lesions": [], "timepoints": []})


def _apply(state: _Replayed, action: str, entity_id: str, patient_id: int | None, after: Any) -> None:
    if action == "patient.create" and patient_id is not None:
        state.patients[patient_id] = after
        _case_of(state, patient_id)
    elif action == "case.replace" and patient_id is not None:
        state.cases[patient_id] = after
    elif action == "lesion.create" and patient_id is not None:
        _case_of(state, patient_id)["lesions"].append(after)
    elif action in ("timepoint.create", "timepoint.replace") and patient_id is not None:
        timepoints = [tp for tp in _case_of(state, patient_id)["timepoints"] if tp["date"] != after["date"]]
        state.cases[patient_id]["timepoints"] = sorted([*timepoints, after], key=lambda tp: str(tp["date"]))
    elif action == "procedure.create":
        state.procedures[int(entity_id)] = after
    elif action == "toxicity.create":
        state.toxicity[int(entity_id)] = after


def _diff(path: str, stored: Any, audited: Any, out: list[str]) -> None:
    """Name each value where ``stored`` differs from what the trail says (``audited``)."""
    for where, mine, theirs in differences(stored, audited):
        name = f"{path}: {where}" if where else path
        if theirs is MISSING:
            out.append(f"{name}: stored {mine!r}, which no audit row wrote")
        elif mine is MISSING:
            out.append(f"{name}: missing, the audit trail says {theirs!r}")
        else:
            out.append(f"{name}: stored {mine!r}, the audit trail says {theirs!r}")


def replay(session: Session) -> list[str]:
    """Every stored clinical value that no audit row explains, one message each (empty when all are)."""
    state = _Replayed()
    last = -1
    while True:
        chunk = session.execute(
            select(AuditEntry.seq, AuditEntry.action, AuditEntry.entity_id, AuditEntry.patient_id, AuditEntry.after)
            .where(AuditEntry.seq > last)
            .order_by(AuditEntry.seq)
            .limit(2000)
        ).all()
        if not chunk:
            break
        for row in chunk:
            _apply(
                state, row.action, row.entity_id, row.patient_id, None if row.after is None else json.loads(row.after)
            )
        last = chunk[-1].seq
    problems: list[str] = []
    for patient in session.scalars(select(Patient).order_by(Patient.id)):
        where = f"patient {patient.id}"
        registered = state.patients.pop(patient.id, None)
        if registered is None:
            problems.append(f"{where} ({patient.study_id}): no audit row records its creation")
            continue
        stored = patient_dict(patient)
        _diff(where, {k: stored[k] for k in _PATIENT_FIELDS}, {k: registered.get(k) for k in _PATIENT_FIELDS}, problems)
        found = read_case(session, patient.id)
        if found is not None:
            _diff(f"{where} case", found[0], state.cases.get(patient.id, {"lesions": [], "timepoints": []}), problems)
    problems += [f"patient {pid}: created in the audit trail, missing from the tables" for pid in state.patients]
    for procedure in session.scalars(select(Procedure).order_by(Procedure.id)):
        _check_row(
            f"procedure {procedure.id}", procedure_dict(procedure), state.procedures.pop(procedure.id, None), problems
        )
    problems += [f"procedure {pid}: created in the audit trail, missing from the tables" for pid in state.procedures]
    for event in session.scalars(select(ToxicityEvent).order_by(ToxicityEvent.id)):
        _check_row(f"toxicity event {event.id}", event_dict(event), state.toxicity.pop(event.id, None), problems)
    problems += [f"toxicity event {eid}: created in the audit trail, missing from the tables" for eid in state.toxicity]
    return problems


def _check_row(where: str, stored: dict[str, Any], audited: dict[str, Any] | None, problems: list[str]) -> None:
    if audited is None:
        problems.append(f"{where}: no audit row records its creation")
    else:
        _diff(where, json.loads(json.dumps(stored, default=str)), audited, problems)
