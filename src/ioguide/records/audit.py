"""The audit trail: append one keyed, chained, numbered row per write; verify the chain against anchors.

Each row carries ``seq``, a gap-free sequence number (1, 2, 3, ...), ``prev_hash``, the MAC of the row before it
(the first row links to :data:`GENESIS`), the ``key_id`` of the key that signed it, and ``hash``: HMAC-SHA256,
under the audit key kept outside the database (:mod:`ioguide.records.audit_keys`), of the canonical JSON of its
content (time, user, action, entity and id, patient, values before and after, reason) with ``seq``, ``prev_hash``
and ``key_id``. Without the key nobody can write a row that verifies, nor re-chain the rows after a changed one.

The database refuses UPDATE and DELETE (migration 0001) and any INSERT that does not extend the head by exactly one
(migration 0003); :func:`verify` finds what was done behind those triggers' back, and the anchors
(:mod:`ioguide.records.anchors`) find a removed tail or a removed trail.

Rows written before migration 0003 keep their plain SHA-256 (``key_id`` :data:`LEGACY_KEY_ID`); they may only come
before the first keyed row, which links to them and so protects them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ioguide.records.anchors import Anchor
from ioguide.records.audit_keys import LEGACY_KEY_ID, AuditKeyError, Keyring
from ioguide.records.db import AUDIT_KEYRING_INFO
from ioguide.records.models import AuditEntry

GENESIS = "0" * 64
#: The action of the row that :func:`ioguide.services.audit.rotate_audit_key` appends.
KEY_ROTATION = "audit.key_rotate"


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace: the bytes that are hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _legacy_content(entry: AuditEntry) -> dict[str, Any]:
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


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {**_legacy_content(entry), "seq": entry.seq, "key_id": entry.key_id}


def legacy_hash(entry: AuditEntry) -> str:
    """The plain SHA-256 of a row written before the trail was keyed (migration 0001's rule)."""
    return hashlib.sha256(canonical_json(_legacy_content(entry)).encode("utf-8")).hexdigest()


def row_mac(entry: AuditEntry, keyring: Keyring) -> str:
    """The row's HMAC-SHA256 under the key its ``key_id`` names (:class:`AuditKeyError` if the keyring lacks it)."""
    return keyring.mac(canonical_json(_content(entry)).encode("utf-8"), with_key=entry.key_id)


def session_keyring(session: Session) -> Keyring:
    keyring = session.info.get(AUDIT_KEYRING_INFO)
    if not isinstance(keyring, Keyring):
        raise AuditKeyError("this session carries no audit key: write through records.db.write_transaction")
    return keyring


def head(session: Session) -> tuple[int, str]:
    """The last row's sequence number and MAC, or ``(0, GENESIS)`` for an empty trail."""
    row = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


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
    """Append one row after the current head of the chain; return its MAC. Call inside a write transaction
    (the writer lock makes reading the head and inserting after it atomic). A plain INSERT, not an ORM object:
    every write pays for this."""
    keyring = session_keyring(session)
    seq, prev = head(session)
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
        "prev_hash": prev,
        "seq": seq + 1,
        "key_id": keyring.current_id,
    }
    digest = keyring.mac(canonical_json(content).encode("utf-8"))
    session.execute(insert(AuditEntry).values(**content, hash=digest))
    return digest


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: ``ok`` with the number of rows checked, or the first problem found."""

    rows: int
    broken_id: int | None = None
    problem: str | None = None
    head: str = GENESIS
    head_seq: int = 0
    legacy_rows: int = 0
    anchors_checked: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    last = -1
    while True:
        chunk = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq
        session.expunge_all()


class _Walk:
    """The state of one walk along the chain."""

    def __init__(self, keyring: Keyring, anchors: Iterable[Anchor]) -> None:
        self.keyring = keyring
        self.anchors = {a.seq: a for a in anchors}
        self.prev = GENESIS
        self.seq = 0
        self.keyed = False
        self.legacy = 0
        self.required_key: str | None = None
        self.anchors_checked = 0

    def problem(self, entry: AuditEntry) -> str | None:
        """Why ``entry`` does not continue the chain, or None."""
        if entry.seq != self.seq + 1:
            return (
                f"row {entry.id} has sequence number {entry.seq}, but {self.seq + 1} should follow {self.seq} "
                "(a row was removed, inserted or renumbered)"
            )
        if entry.prev_hash != self.prev:
            return (
                f"row {entry.id} (seq {entry.seq}) links to {entry.prev_hash[:12]}… but the row before it has MAC "
                f"{self.prev[:12]}… (a row before it was changed, removed or inserted)"
            )
        if entry.key_id == LEGACY_KEY_ID:
            if self.keyed:
                return f"row {entry.id} (seq {entry.seq}) claims a legacy SHA-256 hash after keyed rows (forged)"
            actual = legacy_hash(entry)
        else:
            if not self.keyring.knows(entry.key_id):
                raise AuditKeyError(
                    f"row {entry.id} (seq {entry.seq}) is keyed with key id {entry.key_id}, which "
                    f"{self.keyring.path} does not hold: the wrong audit key file, or a forged row"
                )
            if self.required_key is not None and entry.key_id != self.required_key:
                return (
                    f"row {entry.id} (seq {entry.seq}) is keyed with {entry.key_id}, a key retired at an earlier "
                    f"rotation (rows after it must use {self.required_key})"
                )
            actual = row_mac(entry, self.keyring)
        if not hmac.compare_digest(actual, entry.hash):
            return (
                f"row {entry.id} (seq {entry.seq}) content does not match its stored "
                f"{'hash' if entry.key_id == LEGACY_KEY_ID else 'MAC'} {entry.hash[:12]}… "
                "(the row was changed after it was written)"
            )
        anchor = self.anchors.get(entry.seq)
        if anchor is not None:
            if not hmac.compare_digest(anchor.head, entry.hash):
                return (
                    f"row {entry.id} (seq {entry.seq}) has MAC {entry.hash[:12]}… but the anchor taken at "
                    f"{anchor.at} recorded {anchor.head[:12]}… (the trail was rewritten since)"
                )
            self.anchors_checked += 1
        return None

    def advance(self, entry: AuditEntry) -> None:
        if entry.key_id == LEGACY_KEY_ID:
            self.legacy += 1
        else:
            self.keyed = True
        if entry.action == KEY_ROTATION and entry.after is not None:
            self.required_key = str(json.loads(entry.after)["key_id"])
        self.prev = entry.hash
        self.seq = entry.seq


def verify(session: Session, keyring: Keyring, anchors: Iterable[Anchor] = ()) -> Verification:
    """Walk the chain in sequence order with the key; report the first row whose sequence number, link or MAC is
    wrong, and any anchor the trail contradicts. Raises :class:`AuditKeyError` when a row names a key the keyring
    does not hold (a wrong key is an error to fix, not a verdict on the trail)."""
    walk = _Walk(keyring, anchors)
    count = 0
    for entry in _rows(session):
        problem = walk.problem(entry)
        if problem is not None:
            return Verification(count, entry.id, problem, walk.prev, walk.seq, walk.legacy, walk.anchors_checked)
        walk.advance(entry)
        count += 1
    beyond = [a for a in walk.anchors.values() if a.seq > walk.seq]
    if beyond:
        last = max(beyond, key=lambda a: a.seq)
        problem = (
            f"the trail ends at sequence number {walk.seq}, but the anchor taken at {last.at} recorded "
            f"{last.seq}: {'every row' if walk.seq == 0 else 'rows from the end'} of the trail were removed"
        )
        return Verification(count, None, problem, walk.prev, walk.seq, walk.legacy, walk.anchors_checked)
    return Verification(count, None, None, walk.prev, walk.seq, walk.legacy, walk.anchors_checked)


def as_dict(entry: AuditEntry) -> dict[str, Any]:
    """The API's view of one row (``before``/``after`` decoded back to JSON values)."""
    return {
        "id": entry.id,
        "seq": entry.seq,
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
        "key_id": entry.key_id,
    }
