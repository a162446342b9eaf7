"""Accounts: a per-user token version (every token names it; bumping it revokes all of the user's tokens at
once, on sign-out, disabling, a role change or a password reset) and the time the password was last set.

User ids are never reused (SQLite: AUTOINCREMENT), so a user deleted and created again under the same name gets
a new id and none of the old tokens. A user is disabled by the existing ``active`` flag (``active = false``), so no second flag says the same thing.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # On SQLite the table is rebuilt with AUTOINCREMENT, so the id of a deleted user is never given to a new one
    # (a token names the id); PostgreSQL's sequences never reuse an id anyway.
    with op.batch_alter_table("users", recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("password_changed_at", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("token_version")
