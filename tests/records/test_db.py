"""The database layer: SQLite pragmas (WAL, foreign keys), the default location, serialised writers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ioguide.records.db import Database, make_engine, read_session, resolve_url, write_transaction
from ioguide.settings import SettingsError, load_settings


def test_default_database_is_a_sqlite_file_in_the_user_data_dir(monkeypatch, tmp_path):
    for name in ("IOGUIDE_DATABASE_URL", "IOGUIDE_INSTANCE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert resolve_url(None) == f"sqlite:///{tmp_path}/ioguide/ioguide.db"
    monkeypatch.setenv("IOGUIDE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u@h/db"
    assert resolve_url("sqlite:///given.db") == "sqlite:///given.db"  # --db wins


def test_sqlite_synchronous_is_a_setting_and_a_bad_value_names_the_variable(tmp_path):
    settings = load_settings({"IOGUIDE_SQLITE_SYNCHRONOUS": "full", "IOGUIDE_INSTANCE_DIR": str(tmp_path)})
    engine = make_engine(f"sqlite:///{tmp_path}/s.db", settings.sqlite_synchronous)
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()
    with pytest.raises(SettingsError, match="IOGUIDE_SQLITE_SYNCHRONOUS='SOMETIMES'"):
        load_settings({"IOGUIDE_SQLITE_SYNCHRONOUS": "sometimes"})


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
