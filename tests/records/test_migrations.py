"""Alembic migrations make exactly the schema the ORM models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ioguide.records.db import Database, make_engine
from ioguide.records.migrate import alembic_config, current_revision, head_revision, upgrade
from ioguide.records.models import Base


def test_migrated_schema_matches_the_models(db: Database):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_repeatable_and_reports_head(db_url: str):
    assert current_revision(db_url) == head_revision() == "0007"
    assert upgrade(db_url) == "0007"


def test_downgrade_to_nothing_and_back(db_url: str):
    command.downgrade(alembic_config(db_url), "base")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        tables = set(conn.dialect.get_table_names(conn)) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    assert upgrade(db_url) == "0007"


def test_0003_marks_existing_rows_legacy_and_the_first_keyed_row_protects_them(db_url: str, tmp_path):
    """Rows written under 0002 (plain SHA-256) are numbered in order and marked legacy; they still verify, the
    first keyed row links to the last of them, and a legacy row written after keyed ones is refused."""
    import hashlib
    import json

    import sqlalchemy as sa

    from ioguide.records import audit
    from ioguide.records.db import open_database, write_transaction
    from ioguide.services.audit import anchor_audit, verify_audit

    command.downgrade(alembic_config(db_url), "0002")
    engine = make_engine(db_url)
    prev = audit.GENESIS
    with engine.begin() as conn:
        for i in range(3):
            content = {
                "at": f"2026-12-01T00:00:0{i}+00:00", "username": "ann", "action": "note", "entity": "note",
                "entity_id": str(i), "patient_id": None, "before": None, "after": json.dumps({"n": i}),
                "reason": None, "prev_hash": prev,
            }  # fmt: skip
            digest = hashlib.sha256(audit.canonical_json(content).encode()).hexdigest()
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (at, username, action, entity, entity_id, patient_id, before, after, "
                    "reason, prev_hash, hash) VALUES (:at, :username, :action, :entity, :entity_id, :patient_id, "
                    ":before, :after, :reason, :prev_hash, :hash)"
                ),
                {**content, "hash": digest},
            )
            prev = digest
    engine.dispose()
    assert upgrade(db_url) == "0007"
    db = open_database(db_url)
    try:
        with write_transaction(db) as session:
            audit.append(
                session, username="bob", action="note", entity="note", entity_id=9, patient_id=None,
                before=None, after={"n": 9}, reason=None,
            )  # fmt: skip
        report = verify_audit(db, (anchor_audit(db, tmp_path / "a.jsonl"), tmp_path / "a.jsonl")[1])
        assert report.ok and report.chain.rows == 4 and report.chain.legacy_rows == 3
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT seq, key_id, prev_hash FROM audit_log ORDER BY seq")).all()
        assert [r[0] for r in rows] == [1, 2, 3, 4]
        assert [r[1] for r in rows[:3]] == ["legacy-sha256"] * 3 and rows[3][1] != "legacy-sha256"
        assert rows[3][2] == prev
    finally:
        db.dispose()
