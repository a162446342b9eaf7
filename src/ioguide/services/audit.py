"""Verbs on the audit trail: read it (per patient or whole) and verify its hash chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from ioguide.records import audit
from ioguide.records.db import Database, read_session
from ioguide.records.models import AuditEntry
from ioguide.services.context import Actor, require


def list_audit(
    db: Database,
    actor: Actor,
    patient_id: int | None,
    limit: int,
    offset: int,
    *,
    user: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    newest_first: bool = False,
) -> dict[str, Any]:
    """The trail, filtered (patient, user, action prefix such as ``case`` or ``lesion.create``, UTC dates
    inclusive) and paged; ``total`` counts every matching row, so a page never hides how many there are."""
    require(actor, "viewer")
    conditions: list[Any] = []
    if patient_id is not None:
        conditions.append(AuditEntry.patient_id == patient_id)
    if user:
        conditions.append(AuditEntry.username == user)
    if action:
        conditions.append(AuditEntry.action.startswith(action, autoescape=True))
    if since is not None:
        conditions.append(AuditEntry.at >= since.isoformat())
    if until is not None:
        conditions.append(AuditEntry.at < (until + dt.timedelta(days=1)).isoformat())
    with read_session(db) as session:
        order = AuditEntry.id.desc() if newest_first else AuditEntry.id
        rows = session.scalars(select(AuditEntry).where(*conditions).order_by(order).limit(limit).offset(offset)).all()
        return {
            "items": [audit.as_dict(row) for row in rows],
            "total": session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0,
            "limit": limit,
            "offset": offset,
        }


def verify_audit(db: Database) -> audit.Verification:
    with read_session(db) as session:
        return audit.verify(session)
