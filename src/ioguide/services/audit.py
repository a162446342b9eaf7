"""Verbs on the audit trail: read it (per patient or whole), anchor its head, verify it (keyed chain, anchors and
a replay against the clinical tables), rotate its key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ioguide.records import audit
from ioguide.records.anchors import ANCHOR_FILE_NAME, Anchor, AnchorError, append_anchor, make_anchor, read_anchors
from ioguide.records.audit_keys import load_keyring, rotate_key
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import AuditEntry
from ioguide.services.audit_replay import replay
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
        order = AuditEntry.seq.desc() if newest_first else AuditEntry.seq
        rows = session.scalars(select(AuditEntry).where(*conditions).order_by(order).limit(limit).offset(offset)).all()
        return {
            "items": [audit.as_dict(row) for row in rows],
            "total": session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0,
            "limit": limit,
            "offset": offset,
        }


def default_anchor_file(db: Database) -> Path:
    """``audit-anchors.jsonl`` beside the audit key file (the instance directory), outside the database."""
    return db.audit_key_file.with_name(ANCHOR_FILE_NAME)


def audit_head(db: Database) -> dict[str, Any]:
    """The trail's head (sequence number and MAC) for an external notary; the MAC reveals nothing of the key."""
    with read_session(db) as session:
        seq, head = audit.head(session)
    return {"seq": seq, "head": head}


def anchor_audit(db: Database, anchor_file: Path) -> Anchor:
    """Append the current head to ``anchor_file``. Refused (:class:`AnchorError`) when the trail contradicts the
    file's last anchor: an anchor must never bless a trail whose tail was removed or rewritten."""
    keyring = db.audit_keyring()
    with read_session(db) as session:
        seq, head = audit.head(session)
        if anchor_file.exists():
            last = read_anchors(anchor_file, keyring)[-1]
            stored = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == last.seq))
            if last.seq > seq or (last.seq > 0 and stored != last.head):
                raise AnchorError(
                    f"the trail (head at sequence number {seq}) contradicts the anchor of {last.at} (sequence number "
                    f"{last.seq}): run `ioguide audit verify`; no anchor written"
                )
    anchor = make_anchor(keyring, seq, head)
    append_anchor(anchor_file, anchor)
    return anchor


@dataclass(frozen=True)
class AuditReport:
    """:func:`verify_audit`'s verdict: the chain's, and the replay's unexplained values."""

    chain: audit.Verification
    unexplained: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.unexplained


def verify_audit(db: Database, anchor_file: Path) -> AuditReport:
    """Check every link with the key, compare with every anchor, replay the after-values against the tables.

    A missing or wrong key, or a missing or forged anchor file, raises (:class:`AuditKeyError`,
    :class:`AnchorError`): those are set-up errors, not verdicts, and never pass silently."""
    keyring = load_keyring(db.audit_key_file, create=False)
    anchors = read_anchors(anchor_file, keyring)
    with read_session(db) as session:
        chain = audit.verify(session, keyring, anchors)
        unexplained = tuple(replay(session))
    return AuditReport(chain, unexplained)


def rotate_audit_key(db: Database, actor: Actor) -> dict[str, str]:
    """Make a new current key (the old one stays in the key file, retired) and record the rotation in the trail,
    keyed with the new key: rows after it must use the new key (docs/operations.md)."""
    require(actor, "admin")
    old, new = rotate_key(db.audit_key_file)
    with write_transaction(db) as session:
        audit.append(
            session,
            username=actor.username,
            action=audit.KEY_ROTATION,
            entity="audit_key",
            entity_id=new,
            patient_id=None,
            before={"key_id": old},
            after={"key_id": new},
            reason=actor.reason,
        )
    return {"previous_key_id": old, "key_id": new}
