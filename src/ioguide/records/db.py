"""Database URLs, engines and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL through a URL.

Every write runs inside :func:`write_transaction`, which serialises writers before anything is read: SQLite takes
its write lock at ``BEGIN IMMEDIATE`` and PostgreSQL a transaction-scoped advisory lock. The audit trail's hash
chain and the ``If-Match`` version checks rely on that: a writer reads the chain head and the current version
only once it alone may write.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

#: Environment variable that overrides the default database (``--db`` overrides both).
DATABASE_URL_ENV = "IOGUIDE_DATABASE_URL"
#: SQLite's ``synchronous`` setting: NORMAL (the default) keeps every committed transaction through a crash or
#: kill of the process (WAL), FULL also through a power cut or an operating-system crash, at about a fifth of the
#: write rate on an ordinary disk (docs/records.md).
SQLITE_SYNCHRONOUS_ENV = "IOGUIDE_SQLITE_SYNCHRONOUS"
#: Key of PostgreSQL's transaction-scoped advisory lock that serialises ioguide's writers.
WRITE_LOCK_KEY = 0x10_6D_1D_E0
_WRITE_OPTION = "ioguide_write"


def data_dir() -> Path:
    """The user's data directory for ioguide (``$XDG_DATA_HOME/ioguide``, else ``~/.local/share/ioguide``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ioguide"


def default_url() -> str:
    """``$IOGUIDE_DATABASE_URL`` when set, else a SQLite file in the user's data directory."""
    env = os.environ.get(DATABASE_URL_ENV)
    if env:
        return env
    return f"sqlite:///{data_dir() / 'ioguide.db'}"


def resolve_url(url: str | None) -> str:
    return url or default_url()


def _sqlite_synchronous() -> str:
    value = os.environ.get(SQLITE_SYNCHRONOUS_ENV, "NORMAL").upper()
    if value not in ("NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"{SQLITE_SYNCHRONOUS_ENV}={value!r}: use NORMAL, FULL or EXTRA")
    return value


def _sqlite_events(engine: Engine) -> None:
    synchronous = _sqlite_synchronous()

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


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's directory is created when missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_events(engine)
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

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None) -> Database:
    """Open (not create) the database at ``url`` (default: :func:`default_url`)."""
    resolved = resolve_url(url)
    engine = make_engine(resolved)
    write_engine = engine.execution_options(**{_WRITE_OPTION: True})
    return Database(
        url=resolved,
        engine=engine,
        reader=sessionmaker(engine, expire_on_commit=False),
        writer=sessionmaker(write_engine, expire_on_commit=False),
    )


@contextmanager
def read_session(db: Database) -> Iterator[Session]:
    with db.reader() as session, session.begin():
        yield session


@contextmanager
def write_transaction(db: Database) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back (nothing written) on any exception."""
    if db.dialect == "postgresql":
        with db.writer() as session, session.begin():
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield session
        return
    with db.write_lock, db.writer() as session, session.begin():
        session.connection()  # BEGIN IMMEDIATE now, before anything is read
        yield session
