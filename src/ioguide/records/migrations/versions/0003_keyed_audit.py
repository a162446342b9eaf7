"""Keyed audit trail, access log and electronic signatures.

``audit_log`` gains ``seq`` (a gap-free sequence number, unique) and ``key_id`` (the key that MACed the row). Rows
already there are numbered in insertion order and marked ``key_id = 'legacy-sha256'``: they keep their plain
SHA-256, and the first keyed row written after this migration links to (and so protects) the last of them. A
BEFORE INSERT trigger refuses any row that does not extend the head (``seq`` = last + 1, ``prev_hash`` = the last
row's MAC), a legacy row, and any INSERT OR REPLACE that would remove a row. ``access_log`` (who read which
patient, when) and ``signatures`` are append-only the same way.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_GENESIS = "0" * 64
_LEGACY = "legacy-sha256"
_APPEND_ONLY = ("access_log", "signatures")
_EXTEND_MESSAGE = (
    "audit_log: a new row must extend the head (seq = the last seq + 1, prev_hash = the last row''s MAC, "
    "a key id); REPLACE and UPSERT are refused"
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _new_tables() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", _BIG_ID, primary_key=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("patient_id", sa.Integer(), nullable=False, index=True),
        sa.Column("action", sa.String(40), nullable=False),
    )
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patient_id", sa.Integer(), nullable=False, index=True),
        sa.Column("timepoint_date", sa.Date(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("printed_name", sa.String(200), nullable=False),
        sa.Column("capacity", sa.String(32), nullable=False),
        sa.Column("meaning", sa.String(100), nullable=False),
        sa.Column("signed_at", sa.String(40), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
    )


def _number_existing_rows() -> None:
    op.execute(
        "UPDATE audit_log SET seq = numbered.n, key_id = '" + _LEGACY + "' FROM "
        "(SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM audit_log) AS numbered "
        "WHERE audit_log.id = numbered.id"
    )


def _upgrade_postgresql() -> None:
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete")
    op.add_column("audit_log", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_log", sa.Column("key_id", sa.String(32), nullable=True))
    _number_existing_rows()
    op.alter_column("audit_log", "seq", nullable=False)
    op.alter_column("audit_log", "key_id", nullable=False)
    op.create_unique_constraint("uq_audit_log_seq", "audit_log", ["seq"])
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete")
    op.execute(
        "CREATE FUNCTION audit_log_extends_head() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE last_seq bigint; last_hash text; "
        "BEGIN "
        "SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1; "
        "IF NEW.seq IS DISTINCT FROM COALESCE(last_seq, 0) + 1 "
        f"OR NEW.prev_hash IS DISTINCT FROM COALESCE(last_hash, '{_GENESIS}') "
        f"OR NEW.key_id IS NULL OR NEW.key_id = '{_LEGACY}' THEN "
        f"RAISE EXCEPTION '{_EXTEND_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; "
        "END IF; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_extends_head BEFORE INSERT ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_extends_head()"
    )
    op.execute(
        "CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    for table in _APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION append_only()"
        )


def _sqlite_immutable(table: str) -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only ({verb} refused)'); END"
        )


def _upgrade_sqlite() -> None:
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute("DROP TRIGGER audit_log_no_delete")
    op.add_column("audit_log", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_log", sa.Column("key_id", sa.String(32), nullable=True))
    _number_existing_rows()
    with op.batch_alter_table("audit_log", recreate="always") as batch:
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("key_id", existing_type=sa.String(32), nullable=False)
        batch.create_unique_constraint("uq_audit_log_seq", ["seq"])
    _sqlite_immutable("audit_log")
    # SQLite runs no DELETE trigger for the rows INSERT OR REPLACE removes: refuse any insert that would collide.
    op.execute(
        "CREATE TRIGGER audit_log_extends_head BEFORE INSERT ON audit_log WHEN "
        "NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log) "
        f"OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '{_GENESIS}') "
        f"OR NEW.key_id IS NULL OR NEW.key_id = '{_LEGACY}' "
        "OR EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id OR hash = NEW.hash OR prev_hash = NEW.prev_hash) "
        f"BEGIN SELECT RAISE(ABORT, '{_EXTEND_MESSAGE}'); END"
    )
    for table in _APPEND_ONLY:
        _sqlite_immutable(table)
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only (REPLACE refused)'); END"
        )


def upgrade() -> None:
    _new_tables()
    if _postgres():
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    for table in _APPEND_ONLY:
        op.drop_table(table)
    if _postgres():
        op.execute("DROP FUNCTION append_only()")
        op.execute("DROP TRIGGER audit_log_extends_head ON audit_log")
        op.execute("DROP FUNCTION audit_log_extends_head()")
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete")
        op.drop_constraint("uq_audit_log_seq", "audit_log")
        op.drop_column("audit_log", "key_id")
        op.drop_column("audit_log", "seq")
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete")
        return
    for name in ("extends_head", "no_update", "no_delete"):
        op.execute(f"DROP TRIGGER audit_log_{name}")
    with op.batch_alter_table("audit_log", recreate="always") as batch:
        batch.drop_constraint("uq_audit_log_seq", type_="unique")
        batch.drop_column("key_id")
        batch.drop_column("seq")
    _sqlite_immutable("audit_log")
