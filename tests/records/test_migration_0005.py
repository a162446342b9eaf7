"""Migration 0005 (accounts) on a database that already has users: they keep their ids and get token version 1,
and a user created afterwards never gets an id used before, on SQLite and PostgreSQL (a token names the id)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from ioguide.records.db import make_engine
from ioguide.records.migrate import alembic_config, upgrade


def test_existing_users_keep_their_ids_and_new_ids_are_never_reused(db_url: str):
    command.downgrade(alembic_config(db_url), "0002")
    engine = make_engine(db_url)
    insert = sa.text(
        "INSERT INTO users (username, password_hash, role, active, version) VALUES (:n, 'x', 'viewer', true, 1)"
    )
    with engine.begin() as conn:
        for name in ("ann", "bob", "cyd"):
            conn.execute(insert, {"n": name})
        ids = dict(conn.execute(sa.text("SELECT username, id FROM users")).all())
    engine.dispose()
    assert upgrade(db_url) == "0007"
    engine = make_engine(db_url)
    with engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT username, id, token_version FROM users ORDER BY id")).all()
        assert [(r.username, r.id, r.token_version) for r in rows] == [(n, ids[n], 1) for n in ("ann", "bob", "cyd")]
        conn.execute(sa.text("DELETE FROM users WHERE username = 'cyd'"))
        conn.execute(
            sa.text(
                "INSERT INTO users (username, password_hash, role, active, version) VALUES ('dee', 'x', 'viewer', true, 1)"
            )
        )
        new_id = conn.execute(sa.text("SELECT id FROM users WHERE username = 'dee'")).scalar_one()
    engine.dispose()
    assert new_id > ids["cyd"]  # the deleted user's id is not given again
