"""Back up and restore a database (``ioguide backup`` / ``ioguide restore``), and the rotating copies and audit
anchors that ``ioguide serve`` takes on a schedule."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from ioguide.records import audit
from ioguide.records import backup as store
from ioguide.records.anchors import Anchor
from ioguide.records.audit_keys import load_keyring
from ioguide.records.db import Database, open_database, read_session
from ioguide.services.audit import AuditReport, anchor_audit
from ioguide.services.audit_replay import replay

log = logging.getLogger("ioguide.backup")


def backup_database(db: Database, file: Path) -> store.Manifest:
    """A consistent copy of ``db`` in ``file`` (taken while writers run), with its MACed manifest."""
    return store.backup(db.url, file, db.audit_keyring())


@dataclass(frozen=True)
class RestoreReport:
    manifest: store.Manifest
    integrity: tuple[str, ...]
    audit: AuditReport

    @property
    def ok(self) -> bool:
        return not self.integrity and self.audit.ok


def restore_database(file: Path, url: str, audit_key_file: Path, *, force: bool) -> RestoreReport:
    """Check the backup's manifest, restore it (refused over data unless ``force``), then check what was
    restored: SQLite's integrity check, the keyed chain up to the head the manifest recorded, and the replay."""
    keyring = load_keyring(audit_key_file, create=False)
    manifest = store.read_manifest(file, keyring)
    store.restore(file, url, manifest, force=force)
    recorded = Anchor(manifest.audit_seq, manifest.audit_head, manifest.taken_at, manifest.key_id)
    db = open_database(url, audit_key_file=audit_key_file)
    try:
        with read_session(db) as session:
            chain = audit.verify(session, keyring, [recorded] if manifest.audit_seq else [])
            unexplained = tuple(replay(session))
    finally:
        db.dispose()
    if chain.ok and chain.head_seq != manifest.audit_seq:
        chain = audit.Verification(
            chain.rows,
            None,
            f"the restored trail ends at sequence number {chain.head_seq}, the backup recorded {manifest.audit_seq}",
            chain.head,
            chain.head_seq,
            chain.legacy_rows,
            chain.anchors_checked,
        )
    return RestoreReport(manifest, tuple(store.integrity_problems(url)), AuditReport(chain, unexplained))


def parse_interval(text: str) -> dt.timedelta:
    """``90s``, ``15m``, ``1h``, ``1d`` -> a duration (at least one second)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit() or int(number) < 1:
        raise ValueError(f"{text!r}: a whole number followed by s, m, h or d (e.g. 1h)")
    return dt.timedelta(seconds=int(number) * units[unit])


class Scheduler:
    """A daemon thread of ``ioguide serve``: an audit anchor every ``anchor_every``, and, with a backup
    directory, a copy every ``backup_every`` keeping the newest ``keep``. A failure is logged, never fatal,
    and retried at the next tick."""

    def __init__(
        self,
        db: Database,
        anchor_file: Path,
        anchor_every: dt.timedelta,
        backup_dir: Path | None = None,
        backup_every: dt.timedelta | None = None,
        keep: int = 24,
    ) -> None:
        self.db = db
        self.anchor_file = anchor_file
        self.anchor_every = anchor_every.total_seconds()
        self.backup_dir = backup_dir
        self.backup_every = None if backup_every is None else backup_every.total_seconds()
        self.keep = keep
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ioguide-scheduler", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=60)

    def _run(self) -> None:
        clock = 0.0
        next_anchor = self.anchor_every
        next_backup = self.backup_every
        while not self.stopped.wait(1.0):
            clock += 1.0
            if clock >= next_anchor:
                next_anchor += self.anchor_every
                self._anchor()
            if next_backup is not None and self.backup_every is not None and clock >= next_backup:
                next_backup += self.backup_every
                self.backup_now()

    def _anchor(self) -> None:
        try:
            anchor = anchor_audit(self.db, self.anchor_file)
            log.info("audit anchor: seq %s in %s", anchor.seq, self.anchor_file)
        except Exception:  # logged and retried: the server keeps serving
            log.exception("audit anchor failed")

    def backup_now(self) -> Path | None:
        """One rotating copy (``ioguide-YYYYmmddTHHMMSSZ.backup``); the oldest beyond ``keep`` are removed."""
        if self.backup_dir is None:
            return None
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        file = self.backup_dir / f"ioguide-{stamp}.backup"
        try:
            backup_database(self.db, file)
        except Exception:  # logged and retried at the next tick: the server keeps serving
            log.exception("scheduled backup failed")
            return None
        copies = sorted(self.backup_dir.glob("ioguide-*.backup"))
        for old in copies[: max(0, len(copies) - self.keep)]:
            old.unlink()
            store.manifest_path(old).unlink(missing_ok=True)
        return file
