"""The audit trail is append-only (database triggers) and hash-chained; verify names the first broken link."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ioguide.records import audit
from ioguide.records.db import Database, read_session, write_transaction


def _append(db: Database, n: int) -> None:
    for i in range(n):
        with write_transaction(db) as session:
            audit.append(
                session,
                username="ann",
                action="patient.create",
                entity="patient",
                entity_id=i + 1,
                patient_id=i + 1,
                before=None,
                after={"study_id": f"IT-{i:03d}", "diameter_mm": 12.5},
                reason="test" if i % 2 else None,
            )


def _verify(db: Database) -> audit.Verification:
    with read_session(db) as session:
        return audit.verify(session)


def _tamper(db: Database, sql: str) -> None:
    """Change the trail behind the triggers' back, as an attacker with DDL rights could."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            conn.execute(sa.text(sql))
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(sa.text(sql))


def test_rows_chain_from_genesis(db: Database):
    _append(db, 4)
    result = _verify(db)
    assert result.ok and result.rows == 4
    with read_session(db) as session:
        rows = session.execute(sa.text("SELECT prev_hash, hash FROM audit_log ORDER BY id")).all()
    assert rows[0][0] == audit.GENESIS
    assert [r[0] for r in rows[1:]] == [r[1] for r in rows[:-1]]


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET reason = 'changed'", "DELETE FROM audit_log"])
def test_database_refuses_update_and_delete(db: Database, sql: str):
    _append(db, 2)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text(sql))
    assert _verify(db).rows == 2


def test_verify_names_a_changed_row(db: Database):
    _append(db, 5)
    _tamper(db, 'UPDATE audit_log SET after = \'{"study_id":"IT-999"}\' WHERE id = 3')
    result = _verify(db)
    assert not result.ok
    assert result.broken_id == 3 and result.rows == 2
    assert "changed after it was written" in (result.problem or "")


def test_verify_names_the_row_after_a_removed_one(db: Database):
    _append(db, 5)
    _tamper(db, "DELETE FROM audit_log WHERE id = 2")
    result = _verify(db)
    assert result.broken_id == 3
    assert "links to" in (result.problem or "")


def test_a_forked_chain_is_refused(db: Database):
    """prev_hash is unique: two rows can never claim the same predecessor."""
    _append(db, 1)
    with read_session(db) as session:
        head = session.execute(sa.text("SELECT hash FROM audit_log")).scalar()
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (at, username, action, entity, entity_id, prev_hash, hash) "
                "VALUES ('x', 'eve', 'x', 'x', '1', :prev, 'f')"
            ),
            {"prev": audit.GENESIS},
        )
    assert head


def test_postgresql_refuses_truncate(db: Database):
    if db.dialect != "postgresql":
        return
    _append(db, 1)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE audit_log"))
    assert _verify(db).rows == 1
