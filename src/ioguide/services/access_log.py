"""The access log: who read which patient's record, and when (21 CFR 11.10(d): access limited to authorised
individuals, and shown to be; EU GMP Annex 11 §12). Append-only (migration 0003's triggers, and on PostgreSQL the
application role's grants); an admin queries it.

A read is logged in its own small write transaction *before* the data is returned: a read that cannot be logged
fails, so there is no read that left no trace. Only reads of one patient are logged (a list of study
pseudonyms reveals no clinical data).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select

from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import AccessLogEntry
from ioguide.services.context import Actor, require


def log_read(db: Database, actor: Actor, patient_id: int, action: str) -> None:
    """Append one row: ``actor`` read ``patient_id`` through ``action`` (e.g. ``case.read``), now."""
    with write_transaction(db) as session:
        session.execute(
            insert(AccessLogEntry).values(
                at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
                username=actor.username,
                patient_id=patient_id,
                action=action,
            )
        )


def list_access(
    db: Database, actor: Actor, patient_id: int | None, username: str | None, limit: int, offset: int
) -> dict[str, Any]:
    """The access log, oldest first, optionally for one patient and/or one user (admin only)."""
    require(actor, "admin")
    with read_session(db) as session:
        query = select(AccessLogEntry)
        count = select(func.count()).select_from(AccessLogEntry)
        if patient_id is not None:
            query = query.where(AccessLogEntry.patient_id == patient_id)
            count = count.where(AccessLogEntry.patient_id == patient_id)
        if username is not None:
            query = query.where(AccessLogEntry.username == username)
            count = count.where(AccessLogEntry.username == username)
        rows = session.scalars(query.order_by(AccessLogEntry.id).limit(limit).offset(offset)).all()
        return {
            "items": [
                {"id": r.id, "at": r.at, "user": r.username, "patient_id": r.patient_id, "action": r.action}
                for r in rows
            ],
            "total": session.scalar(count) or 0,
            "limit": limit,
            "offset": offset,
        }
