"""Derived results: each patient's responses per criteria and toxicity grades, with the case version and the
rule-set version that produced them (issue 16, part 3). Empty after the upgrade: ``ioguide reassess`` fills it.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "derived_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "patient_id", sa.Integer(), sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("criteria", sa.String(32), nullable=False),
        sa.Column("case_version", sa.Integer(), nullable=False),
        sa.Column("ruleset", sa.String(80), nullable=False, index=True),
        sa.Column("result", sa.JSON()),
        sa.Column("summary", sa.JSON()),
        sa.Column("problems", sa.JSON()),
        sa.Column("current_response", sa.String(32)),
        sa.Column("response_date", sa.Date()),
        sa.Column("best_response", sa.String(32)),
        sa.Column("last_scan", sa.Date()),
        sa.Column("computed_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("patient_id", "kind", "criteria"),
    )


def downgrade() -> None:
    op.drop_table("derived_results")
