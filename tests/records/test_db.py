"""The database layer: SQLite pragmas (WAL, foreign keys), the default location, serialised writers."""

from __future__ import annotations

import sqlalchemy as sa

from ioguide.records.db import Database, default_url, read_session, write_transaction


def test_default_database_is_a_sqlite_file_in_the_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("IOGUIDE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path}/ioguide/ioguide.db"
    monkeypatch.setenv("IOGUIDE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert default_url() == "postgresql+psycopg://u@h/db"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(db: Database):
    if db.dialect != "sqlite":
        return
    with read_session(db) as session:
        assert session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_foreign_keys_are_enforced(db: Database):
    failed = False
    try:
        with write_transaction(db) as session:
            session.execute(
                sa.text(
                    "INSERT INTO lesions (patient_id, label, position, role, organ, nodal, "
                    "injected, pleural, version) VALUES (999, 'T1', 0, 'target', 'liver', "
                    "false, false, false, 1)"
                )
            )
    except sa.exc.IntegrityError:
        failed = True
    assert failed
