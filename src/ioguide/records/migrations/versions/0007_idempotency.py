"""A procedure's idempotency key: the random key a form (or an API client's ``Idempotency-Key`` header) sends
with a new procedure, so that the same submission sent twice (a double click, a retried request) records one
procedure. Unique where given; procedures recorded without a key keep ``NULL``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch.create_index("ix_procedures_idempotency_key", ["idempotency_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.drop_index("ix_procedures_idempotency_key")
        batch.drop_column("idempotency_key")
