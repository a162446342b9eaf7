"""Verbs on toxicity events: grade the input with the same grader as ``ioguide grade`` and store both."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, StrictStr
from sqlalchemy import select

from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import ToxicityEvent
from ioguide.services import engine, results
from ioguide.services.common import RECORD_INPUT, load_patient, record
from ioguide.services.context import Actor, require


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
    require(actor, "coordinator")
    result = engine.grade_toxicity(data.kind, data.input)
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
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
