"""Verbs on toxicity events: grade the input with the same grader as ``ioguide grade`` and store both."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, StrictStr
from sqlalchemy import select

from ioguide.case.plausibility import INFUSION, date_findings, toxicity_findings
from ioguide.errors import InputError
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import Procedure, ToxicityEvent
from ioguide.services import engine, results
from ioguide.services.common import RECORD_INPUT, check_version, load_patient, record
from ioguide.services.context import Actor, require
from ioguide.services.errors import NotFoundError
from ioguide.services.plausible import bounds, refuse
from ioguide.services.reasons import require_stated_reason


class ToxicityIn(BaseModel):
    """``POST /api/v1/patients/{id}/toxicity``: ``input`` is the ``ioguide grade KIND`` input of toxicity.md."""

    model_config = RECORD_INPUT
    kind: Literal["crs", "icans", "ctcae", "cirse"]
    date: dt.date
    input: dict[StrictStr, Any]


def event_dict(event: ToxicityEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "patient_id": event.patient_id,
        "kind": event.kind,
        "date": event.date.isoformat(),
        "input": event.input,
        "grade": event.grade,
        "result": event.result,
        "version": event.version,
    }


def record_toxicity(db: Database, actor: Actor, patient_id: int, data: ToxicityIn) -> dict[str, Any]:
    """Grade and store one event; an onset after today, death or withdrawal, a CRS/ICANS before the first CAR-T
    infusion and a CIRSE complication before the first procedure are refused (``case/plausibility.py``)."""
    require(actor, "coordinator")
    result = engine.grade_toxicity(data.kind, data.input)
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        done = session.execute(select(Procedure.kind, Procedure.date).where(Procedure.patient_id == patient.id)).all()
        infusions = [row.date for row in done if row.kind == INFUSION]
        refuse(
            [
                *date_findings(data.date, "date", bounds(patient)),
                *toxicity_findings(data.kind, data.date, "date", infusions, [row.date for row in done]),
            ]
        )
        event = ToxicityEvent(
            patient_id=patient.id,
            kind=data.kind,
            date=data.date,
            input=data.input,
            grade=result.get("grade"),
            result=result,
            version=1,
        )
        session.add(event)
        session.flush()
        out = event_dict(event)
        record(session, actor, "toxicity.create", "toxicity", event.id, patient.id, None, out)
        added = {"id": event.id, "kind": event.kind, "date": out["date"], "grade": event.grade}
        results.refresh_toxicity(session, patient.id, added)
        return out


def correct_toxicity(
    db: Database, actor: Actor, patient_id: int, event_id: int, data: ToxicityIn, expected_version: int
) -> dict[str, Any]:
    """Correct a stored event: graded again by the same grader, the reason required (``X-Reason`` or the form's
    reason), ``expected_version`` the version read (a stale one: 412, nothing changed), before/after audited."""
    require(actor, "coordinator")
    require_stated_reason(actor, "a correction of a toxicity event", field="reason")
    result = engine.grade_toxicity(data.kind, data.input)
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        event = session.get(ToxicityEvent, event_id)
        if event is None or event.patient_id != patient.id:
            raise NotFoundError(f"patient {patient_id} has no toxicity event {event_id}", "event_id")
        check_version(event.version, expected_version, f"toxicity event {event_id}")
        if data.kind != event.kind:
            raise InputError.one("kind", f"is {event.kind} for this event: a correction keeps the kind")
        before = event_dict(event)
        event.date = data.date
        event.input = data.input
        event.grade = result.get("grade")
        event.result = result
        event.version += 1
        session.flush()
        out = event_dict(event)
        record(session, actor, "toxicity.correct", "toxicity", event.id, patient.id, before, out)
        return out


def get_toxicity(db: Database, actor: Actor, patient_id: int, event_id: int) -> dict[str, Any]:
    require(actor, "viewer")
    with read_session(db) as session:
        load_patient(session, patient_id)
        event = session.get(ToxicityEvent, event_id)
        if event is None or event.patient_id != patient_id:
            raise NotFoundError(f"patient {patient_id} has no toxicity event {event_id}", "event_id")
        return event_dict(event)


def list_toxicity(db: Database, actor: Actor, patient_id: int) -> list[dict[str, Any]]:
    require(actor, "viewer")
    with read_session(db) as session:
        load_patient(session, patient_id)
        rows = session.scalars(
            select(ToxicityEvent)
            .where(ToxicityEvent.patient_id == patient_id)
            .order_by(ToxicityEvent.date, ToxicityEvent.id)
        ).all()
        return [event_dict(e) for e in rows]
