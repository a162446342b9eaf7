"""The first schema: programs, patients, lesions, timepoints, measurements, new lesions, procedures, toxicity
events, users, and the append-only audit trail (triggers refuse UPDATE and DELETE on SQLite and PostgreSQL).

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _version() -> sa.Column[int]:
    return sa.Column("version", sa.Integer(), nullable=False)


def _fk(name: str, target: str, ondelete: str = "CASCADE") -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target, ondelete=ondelete), nullable=False, index=True)


def upgrade() -> None:
    op.create_table("programs", _id(), sa.Column("name", sa.String(200), nullable=False, unique=True), _version())
    op.create_table(
        "patients",
        _id(),
        sa.Column("program_id", sa.Integer(), sa.ForeignKey("programs.id"), nullable=False, index=True),
        sa.Column("study_id", sa.String(64), nullable=False, unique=True),
        sa.Column("birth_year", sa.Integer()),
        sa.Column("sex", sa.String(16)),
        sa.Column("criteria", sa.String(32)),
        sa.Column("settings", sa.JSON()),
        _version(),
    )
    op.create_table(
        "lesions",
        _id(),
        _fk("patient_id", "patients.id"),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("organ", sa.String(100), nullable=False),
        sa.Column("nodal", sa.Boolean(), nullable=False),
        sa.Column("injected", sa.Boolean(), nullable=False),
        sa.Column("injected_from", sa.Date()),
        sa.Column("pleural", sa.Boolean(), nullable=False),
        _version(),
        sa.UniqueConstraint("patient_id", "label"),
    )
    op.create_table(
        "timepoints",
        _id(),
        _fk("patient_id", "patients.id"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(16)),
        _version(),
        sa.UniqueConstraint("patient_id", "date"),
    )
    op.create_table(
        "measurements",
        _id(),
        _fk("timepoint_id", "timepoints.id"),
        _fk("lesion_id", "lesions.id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("diameter_mm", sa.Float()),
        sa.Column("status", sa.String(32)),
        sa.UniqueConstraint("timepoint_id", "lesion_id"),
    )
    op.create_table(
        "new_lesions",
        _id(),
        _fk("timepoint_id", "timepoints.id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("organ", sa.String(100), nullable=False),
        sa.Column("nodal", sa.Boolean(), nullable=False),
        sa.Column("diameter_mm", sa.Float()),
        sa.Column("equivocal", sa.Boolean(), nullable=False),
        sa.Column("increased", sa.Boolean(), nullable=False),
        sa.Column("typical_hcc", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("timepoint_id", "label"),
    )
    op.create_table(
        "procedures",
        _id(),
        _fk("patient_id", "patients.id"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("complication", sa.JSON()),
        sa.Column("complication_grade", sa.Integer()),
        _version(),
    )
    op.create_table(
        "procedure_lesions",
        _id(),
        _fk("procedure_id", "procedures.id"),
        _fk("lesion_id", "lesions.id", ondelete="RESTRICT"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("volume_ml", sa.Float()),
        sa.UniqueConstraint("procedure_id", "lesion_id"),
    )
    op.create_table(
        "toxicity_events",
        _id(),
        _fk("patient_id", "patients.id"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("input", sa.JSON(), nullable=False),
        sa.Column("grade", sa.Integer()),
        sa.Column("result", sa.JSON(), nullable=False),
        _version(),
    )
    op.create_table(
        "users",
        _id(),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _version(),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _BIG_ID, primary_key=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("patient_id", sa.Integer(), index=True),
        sa.Column("before", sa.Text()),
        sa.Column("after", sa.Text()),
        sa.Column("reason", sa.Text()),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_immutable()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only ({verb} refused)'); END"
            )


def downgrade() -> None:
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_immutable()")
    for table in (
        "users",
        "toxicity_events",
        "procedure_lesions",
        "procedures",
        "new_lesions",
        "measurements",
        "timepoints",
        "lesions",
        "patients",
        "programs",
    ):
        op.drop_table(table)
