"""The audit trail: append one hash-chained row per write, and verify the chain.

Each row's ``hash`` is SHA-256 over the canonical JSON of its content (time, user, action, entity and id, patient,
values before and after, reason) together with ``prev_hash``, the hash of the row before it (the first row links
to :data:`GENESIS`). ``prev_hash`` is unique, so the chain cannot fork; the database's triggers refuse UPDATE and
DELETE (migration 0001), so rows cannot be changed or removed through SQL without disabling them first, and
:func:`verify` finds any row that was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ioguide.records.models import AuditEntry

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace: the bytes that are hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "username": entry.username,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "patient_id": entry.patient_id,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "prev_hash": entry.prev_hash,
    }


def _hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def row_hash(entry: AuditEntry) -> str:
    return _hash(_content(entry))


def append(
    session: Session,
    *,
    username: str,
    action: str,
    entity: str,
    entity_id: str | int,
    patient_id: int | None,
    before: Any,
    after: Any,
    reason: str | None,
) -> str:
    """Append one row, linked to the current head of the chain; return its hash. Call inside a write transaction
    (the writer lock makes reading the head and inserting after it atomic). A plain INSERT, not an ORM object:
    every write pays for this."""
    head = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    content: dict[str, Any] = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "username": username,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "patient_id": patient_id,
        "before": None if before is None else canonical_json(before),
        "after": None if after is None else canonical_json(after),
        "reason": reason,
        "prev_hash": head or GENESIS,
    }
    digest = _hash(content)
    session.execute(insert(AuditEntry).values(**content, hash=digest))
    return digest


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: ``ok`` with the number of rows checked, or the first broken link."""

    rows: int
    broken_id: int | None = None
    problem: str | None = None
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def _rows(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    last_id = 0
    while True:
        chunk = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not chunk:
            return
        yield from chunk
        last_id = chunk[-1].id
        session.expunge_all()


def verify(session: Session) -> Verification:
    """Walk the chain in insertion order; report the first row whose link or content hash does not match."""
    expected_prev = GENESIS
    count = 0
    for entry in _rows(session):
        if entry.prev_hash != expected_prev:
            return Verification(
                count,
                entry.id,
                f"row {entry.id} links to {entry.prev_hash[:12]}… but the row before it hashes to "
                f"{expected_prev[:12]}… (a row before it was changed, removed or inserted)",
                expected_prev,
            )
        actual = row_hash(entry)
        if actual != entry.hash:
            return Verification(
                count,
                entry.id,
                f"row {entry.id} content hashes to {actual[:12]}… but stores {entry.hash[:12]}… "
                "(the row was changed after it was written)",
                expected_prev,
            )
        expected_prev = entry.hash
        count += 1
    return Verification(count, head=expected_prev)


def as_dict(entry: AuditEntry) -> dict[str, Any]:
    """The API's view of one row (``before``/``after`` decoded back to JSON values)."""
    return {
        "id": entry.id,
        "at": entry.at,
        "user": entry.username,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "patient_id": entry.patient_id,
        "before": None if entry.before is None else json.loads(entry.before),
        "after": None if entry.after is None else json.loads(entry.after),
        "reason": entry.reason,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }
