"""Verbs on the audit trail: read it (per patient or whole) and verify its hash chain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ioguide.records import audit
from ioguide.records.db import Database, read_session
from ioguide.records.models import AuditEntry
from ioguide.services.context import Actor, require


def list_audit(db: Database, actor: Actor, patient_id: int | None, limit: int, offset: int) -> dict[str, Any]:
    require(actor, "viewer")
    with read_session(db) as session:
        query = select(AuditEntry)
        count = select(func.count()).select_from(AuditEntry)
        if patient_id is not None:
            query = query.where(AuditEntry.patient_id == patient_id)
            count = count.where(AuditEntry.patient_id == patient_id)
        rows = session.scalars(query.order_by(AuditEntry.id).limit(limit).offset(offset)).all()
        return {
            "items": [audit.as_dict(row) for row in rows],
            "total": session.scalar(count) or 0,
            "limit": limit,
            "offset": offset,
        }


def verify_audit(db: Database) -> audit.Verification:
    with read_session(db) as session:
        return audit.verify(session)
