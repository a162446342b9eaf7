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
down_revision = "0004"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("token_version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("password_changed_at", sa.String(40), nullable=True),
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        # PostgreSQL's sequence never reuses an id: add the columns in place (rebuilding the table would give it a
        # new sequence starting at 1).
        for column in _columns():
            op.add_column("users", column)
        return
    # SQLite: rebuild the table with AUTOINCREMENT, so the id of a deleted user is never given to a new one (a
    # token names the id); the copy keeps every id, and AUTOINCREMENT continues after the largest.
    with op.batch_alter_table("users", recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
        for column in _columns():
            batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("token_version")
