"""PostgreSQL: the owner migrates, the application role appends to the trail but cannot change it or its
triggers (issue 14: the application's role owned the tables and could disable the triggers)."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ioguide.records.db import open_database
from ioguide.records.migrate import upgrade
from ioguide.records.roles import grant_app_role, grant_statements
from ioguide.services import patients
from ioguide.services.context import Actor

_names = itertools.count()


def test_grants_give_only_select_and_insert_on_the_append_only_tables():
    statements = grant_statements("ioguide_app", ["audit_log", "patients", "alembic_version"])
    assert "GRANT SELECT, INSERT ON audit_log TO ioguide_app" in statements
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON patients TO ioguide_app" in statements
    assert "GRANT SELECT ON alembic_version TO ioguide_app" in statements
    with pytest.raises(ValueError, match="PostgreSQL identifier"):
        grant_statements("app; DROP TABLE x", [])


@pytest.mark.postgres
def test_the_app_role_cannot_drop_disable_or_rewrite_the_trail(pg_server_url: str):
    n = next(_names)
    owner, app, name = f"owner_{n}", f"app_{n}", f"roles_{n}"
    admin = sa.create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {owner} LOGIN"))
        conn.execute(sa.text(f"CREATE ROLE {app} LOGIN"))
        conn.execute(sa.text(f"CREATE DATABASE {name} OWNER {owner}"))
    server = make_url(pg_server_url)
    owner_url = server.set(username=owner, database=name).render_as_string(hide_password=False)
    app_url = server.set(username=app, database=name).render_as_string(hide_password=False)
    try:
        as_owner = sa.create_engine(owner_url)
        with as_owner.begin() as conn:  # PostgreSQL < 15 lets PUBLIC create in public
            conn.execute(sa.text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        as_owner.dispose()
        upgrade(owner_url)
        grant_app_role(owner_url, app)
        db = open_database(app_url)
        try:
            patients.create_patient(db, Actor("rita", "radiologist"), patients.PatientIn(study_id="S-1", program="P"))
            for statement in (
                "UPDATE audit_log SET username = 'mallory'",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
                "ALTER TABLE audit_log DISABLE TRIGGER USER",
                "DROP TRIGGER audit_log_extends_head ON audit_log",
                "DROP TABLE audit_log",
                "UPDATE access_log SET username = 'mallory'",
                "CREATE TABLE evil (id int)",
            ):
                with (
                    pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|must be owner"),
                    db.engine.begin() as conn,
                ):
                    conn.execute(sa.text(statement))
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one() == 2
        finally:
            db.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(sa.text(f"DROP ROLE IF EXISTS {app}"))
            conn.execute(sa.text(f"DROP ROLE IF EXISTS {owner}"))
        admin.dispose()
