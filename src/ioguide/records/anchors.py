"""Audit anchors: checkpoints of the trail's head (sequence number, head MAC, time) kept *outside* the database.

An anchor is one JSON line appended to an anchor file (default ``<instance_dir>/audit-anchors.jsonl``), itself
MACed with the audit key so that it cannot be forged or edited without the key. ``ioguide audit verify`` compares
the trail with every anchor: a trail that ends before an anchor's sequence number lost its tail (or all of its
rows), and a row whose MAC differs from the anchored head was rewritten, even if re-chained after it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ioguide.records.audit_keys import AuditKeyError, Keyring

ANCHOR_FILE_NAME = "audit-anchors.jsonl"


class AnchorError(Exception):
    """The anchor file is missing, unreadable, or holds a line that does not verify; the message says which."""


@dataclass(frozen=True)
class Anchor:
    """The head of the trail at one moment: its sequence number and MAC (``head``)."""

    seq: int
    head: str
    at: str
    key_id: str
    mac: str = ""

    def signed_bytes(self) -> bytes:
        content = {"kind": "ioguide-audit-anchor", "seq": self.seq, "head": self.head, "at": self.at}
        return json.dumps({**content, "key_id": self.key_id}, sort_keys=True, separators=(",", ":")).encode()


def make_anchor(keyring: Keyring, seq: int, head: str) -> Anchor:
    unsigned = Anchor(seq, head, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), keyring.current_id)
    return Anchor(unsigned.seq, unsigned.head, unsigned.at, unsigned.key_id, keyring.mac(unsigned.signed_bytes()))


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append one line (file created 0600), flushed to disk before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as out:
        out.write(json.dumps(asdict(anchor), sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())


def read_anchors(path: Path, keyring: Keyring) -> list[Anchor]:
    """Every anchor in ``path``, each MAC checked; a missing file or a bad line is an :class:`AnchorError`."""
    if not path.exists():
        raise AnchorError(
            f"no anchor file at {path}: without an anchor a deleted tail or a deleted trail cannot be told "
            "from an empty one; run `ioguide audit anchor` (and keep its file off the database server)"
        )
    anchors: list[Anchor] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            anchor = Anchor(int(raw["seq"]), str(raw["head"]), str(raw["at"]), str(raw["key_id"]), str(raw["mac"]))
        except (ValueError, KeyError, TypeError):
            raise AnchorError(f"{path} line {number}: not an anchor (seq, head, at, key_id, mac)") from None
        try:
            expected = keyring.mac(anchor.signed_bytes(), with_key=anchor.key_id)
        except AuditKeyError as err:
            raise AnchorError(f"{path} line {number}: {err}") from None
        if not hmac.compare_digest(expected, anchor.mac):
            raise AnchorError(f"{path} line {number}: the anchor's MAC does not verify (edited or forged)")
        anchors.append(anchor)
    if not anchors:
        raise AnchorError(f"{path} holds no anchor; run `ioguide audit anchor`")
    return anchors
