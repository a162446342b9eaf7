"""Database URLs, engines and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL through a URL.

Every write runs inside :func:`write_transaction`, which serialises writers before anything is read: SQLite takes
its write lock at ``BEGIN IMMEDIATE`` and PostgreSQL a transaction-scoped advisory lock. The audit trail's hash
chain and the ``If-Match`` version checks rely on that: a writer reads the chain head and the current version
only once it alone may write.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ioguide.records.audit_keys import Keyring, load_keyring
from ioguide.settings import SQLITE_SYNCHRONOUS, Settings, load_settings

#: Key of PostgreSQL's transaction-scoped advisory lock that serialises ioguide's writers.
WRITE_LOCK_KEY = 0x10_6D_1D_E0
_WRITE_OPTION = "ioguide_write"
#: The ``session.info`` key of the audit keyring (read by :func:`ioguide.records.audit.session_keyring`).
AUDIT_KEYRING_INFO = "ioguide_audit_keyring"


def resolve_url(url: str | None, settings: Settings | None = None) -> str:
    """``url`` (``--db``) when given, else the instance's database (``IOGUIDE_DATABASE_URL``, else a SQLite file
    in the instance directory: :mod:`ioguide.settings`, the one place the environment is read)."""
    return url or (settings or load_settings()).database_url


def _sqlite_events(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if cur.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, sqlite_synchronous: str = "NORMAL") -> Engine:
    """An engine for ``url``; a SQLite file's directory is created when missing."""
    if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite_synchronous {sqlite_synchronous!r}: use {', '.join(SQLITE_SYNCHRONOUS)}")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_events(engine, sqlite_synchronous)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@dataclass(frozen=True)
class Database:
    """One database: its engine and the two session factories (readers, serialised writers)."""

    url: str
    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]
    #: Queues this process's SQLite writers here instead of in SQLite's busy handler, which polls with sleeps.
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    #: The audit key file (outside the database); read on the first write, again when it changes (a rotation).
    audit_key_file: Path = field(default_factory=lambda: _default_audit_key_file())
    _keyring: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    keyring_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def audit_keyring(self) -> Keyring:
        """The keyring of :attr:`audit_key_file`, created on first use; re-read when the file's mtime changes."""
        try:
            stamp = self.audit_key_file.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = -1
        with self.keyring_lock:
            if self._keyring.get("stamp") != stamp or "keyring" not in self._keyring:
                self._keyring["keyring"] = load_keyring(self.audit_key_file, create=True)
                self._keyring["stamp"] = self.audit_key_file.stat().st_mtime_ns
            keyring: Keyring = self._keyring["keyring"]
        return keyring

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def _default_audit_key_file() -> Path:
    path = load_settings().audit_key_file
    assert path is not None  # Settings fills it in
    return path


def open_database(
    url: str | None = None, settings: Settings | None = None, audit_key_file: Path | None = None
) -> Database:
    """Open (not create) the database at ``url`` (default: the instance's), with ``settings`` (default: read
    from the environment now; an entry point reads them once and passes them); its audit rows are keyed with
    ``audit_key_file`` (default: the instance's, :mod:`ioguide.settings`)."""
    settings = settings or load_settings()
    resolved = resolve_url(url, settings)
    engine = make_engine(resolved, settings.sqlite_synchronous)
    write_engine = engine.execution_options(**{_WRITE_OPTION: True})
    return Database(
        url=resolved,
        engine=engine,
        reader=sessionmaker(engine, expire_on_commit=False),
        writer=sessionmaker(write_engine, expire_on_commit=False),
        audit_key_file=audit_key_file or settings.audit_key_file or _default_audit_key_file(),
    )


@contextmanager
def read_session(db: Database) -> Iterator[Session]:
    with db.reader() as session, session.begin():
        yield session


@contextmanager
def write_transaction(db: Database) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back (nothing written) on any exception.
    The session carries the audit keyring (``session.info``) for :func:`ioguide.records.audit.append`."""
    keyring = db.audit_keyring()
    if db.dialect == "postgresql":
        with db.writer(info={AUDIT_KEYRING_INFO: keyring}) as session, session.begin():
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield session
        return
    with db.write_lock, db.writer(info={AUDIT_KEYRING_INFO: keyring}) as session, session.begin():
        session.connection()  # BEGIN IMMEDIATE now, before anything is read
        yield session
