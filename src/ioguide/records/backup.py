"""Consistent backups while writers run, and restores that refuse to overwrite data unless told to.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database as of one read transaction,
so a copy taken while writers run holds every transaction committed before it started and none half-done (a file
copy of a WAL database does not). PostgreSQL: ``pg_dump --format=custom`` under a snapshot exported from a
REPEATABLE READ transaction, in which the audit head is read too, so the head recorded is exactly the dump's.

Each backup ``FILE`` gets a manifest ``FILE.manifest.json``: the format, the time, the audit head it contains
(sequence number and MAC), the SHA-256 of ``FILE``, all MACed with the audit key. A restore checks the manifest
before touching the target, and verifies the restored trail against the recorded head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ioguide.records.audit_keys import Keyring

GENESIS = "0" * 64


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What a backup file holds, MACed with the audit key."""

    format: str
    taken_at: str
    audit_seq: int
    audit_head: str
    sha256: str
    key_id: str
    mac: str = ""

    def signed_bytes(self) -> bytes:
        content = {k: v for k, v in asdict(self).items() if k != "mac"}
        return json.dumps({"kind": "ioguide-backup", **content}, sort_keys=True, separators=(",", ":")).encode()


def manifest_path(file: Path) -> Path:
    return file.with_name(file.name + ".manifest.json")


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url}: not a SQLite file")
    return Path(database).expanduser()


def libpq_url(url: str) -> str:
    """The URL as libpq tools (pg_dump, pg_restore) take it: no SQLAlchemy driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _head(conn: sqlite3.Connection | sa.Connection) -> tuple[int, str]:
    query = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
    row = (
        conn.execute(query).fetchone() if isinstance(conn, sqlite3.Connection) else conn.execute(sa.text(query)).first()
    )
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def _backup_sqlite(url: str, file: Path) -> tuple[int, str]:
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    target = sqlite3.connect(file)
    try:
        source.backup(target)  # one step: the copy is the database as of one read transaction
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        return _head(target)
    finally:
        target.close()
        source.close()


def _backup_postgresql(url: str, file: Path) -> tuple[int, str]:
    engine = sa.create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            head = _head(conn)
            done = subprocess.run(
                [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={file}", libpq_url(url)],
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
            )
            conn.rollback()
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return head
    finally:
        engine.dispose()


def backup(url: str, file: Path, keyring: Keyring) -> Manifest:
    """Copy the database at ``url`` to ``file`` (refusing to overwrite one) and write its MACed manifest."""
    if file.exists():
        raise BackupError(f"{file} exists: choose a new file name (a backup never overwrites another)")
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    dialect = make_url(url).get_backend_name()
    try:
        seq, head = _backup_sqlite(url, partial) if dialect == "sqlite" else _backup_postgresql(url, partial)
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)
    unsigned = Manifest(
        format="sqlite" if dialect == "sqlite" else "pg_dump-custom",
        taken_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        audit_seq=seq,
        audit_head=head,
        sha256=_sha256(file),
        key_id=keyring.current_id,
    )
    manifest = Manifest(**{**asdict(unsigned), "mac": keyring.mac(unsigned.signed_bytes())})
    manifest_path(file).write_text(json.dumps(asdict(manifest), indent=1) + "\n")
    return manifest


def read_manifest(file: Path, keyring: Keyring) -> Manifest:
    """The backup's manifest, its MAC and the file's SHA-256 checked (:class:`BackupError` naming any mismatch)."""
    import hmac

    path = manifest_path(file)
    if not file.exists():
        raise BackupError(f"{file}: no such backup file")
    if not path.exists():
        raise BackupError(f"{path}: the backup's manifest is missing (it records the audit head it contains)")
    try:
        manifest = Manifest(**json.loads(path.read_text()))
    except (ValueError, TypeError) as err:
        raise BackupError(f"{path}: not a backup manifest ({err})") from None
    if not hmac.compare_digest(keyring.mac(manifest.signed_bytes(), with_key=manifest.key_id), manifest.mac):
        raise BackupError(f"{path}: the manifest's MAC does not verify (edited, or made with another key)")
    if _sha256(file) != manifest.sha256:
        raise BackupError(f"{file}: its SHA-256 differs from the manifest's (the backup file was changed)")
    return manifest


def _nonempty_tables(conn: sa.Connection) -> list[str]:
    names = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
    return [t for t in names if conn.execute(sa.text(f'SELECT 1 FROM "{t}" LIMIT 1')).first() is not None]


@contextmanager
def _engine(url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def holds_data(url: str) -> list[str]:
    """The target's tables that hold rows (empty list: nothing would be lost by restoring over it)."""
    if make_url(url).get_backend_name() == "sqlite" and not _sqlite_path(url).exists():
        return []
    with _engine(url) as engine, engine.connect() as conn:
        return _nonempty_tables(conn)


def restore(file: Path, url: str, manifest: Manifest, *, force: bool) -> None:
    """Put the backup ``file`` in place of the database at ``url``; refused when it holds data, unless ``force``."""
    occupied = holds_data(url)
    if occupied and not force:
        raise BackupError(
            f"the target database holds data (tables {', '.join(occupied[:5])}{', ...' if len(occupied) > 5 else ''}): "
            "a restore would replace it; stop the server and pass --force to overwrite"
        )
    if manifest.format == "sqlite":
        if make_url(url).get_backend_name() != "sqlite":
            raise BackupError("a SQLite backup restores into a SQLite database (sqlite:///FILE)")
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(file)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)  # page by page into the target, under its write lock: all or nothing
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
            source.close()
        return
    if make_url(url).get_backend_name() != "postgresql":
        raise BackupError("a pg_dump backup restores into a PostgreSQL database")
    command = [_tool("pg_restore"), "--single-transaction", "--no-owner", "--exit-on-error"]
    if occupied:
        command += ["--clean", "--if-exists"]
    done = subprocess.run(
        [*command, f"--dbname={libpq_url(url)}", str(file)], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing restored: {done.stderr.strip()}")


def integrity_problems(url: str) -> list[str]:
    """SQLite's ``PRAGMA integrity_check`` (empty when ``ok``); PostgreSQL checks its pages itself."""
    if make_url(url).get_backend_name() != "sqlite":
        return []
    with _engine(url) as engine, engine.connect() as conn:
        rows = [str(r[0]) for r in conn.execute(sa.text("PRAGMA integrity_check"))]
    return [] if rows == ["ok"] else rows
