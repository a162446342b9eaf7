"""Patient dates and the case fields added by the criteria: a patient's death and withdrawal dates (no scan,
procedure or toxicity after them), the first treatment date of the case (``treatment_start``, read by the
analysis-plan setting ``sd_min_reference: first_treatment``) and a pleural site's CT level position
(``slice_position_mm``), so that the stored case round-trips through ``GET``/``PUT .../case``.

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("death_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("withdrawal_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("treatment_start", sa.Date(), nullable=True))
    with op.batch_alter_table("lesions") as batch:
        batch.add_column(sa.Column("slice_position_mm", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lesions") as batch:
        batch.drop_column("slice_position_mm")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("treatment_start")
        batch.drop_column("withdrawal_date")
        batch.drop_column("death_date")
