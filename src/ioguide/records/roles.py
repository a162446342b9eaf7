"""PostgreSQL roles: the owner runs the migrations, the server runs as an application role without DDL rights.

The owner role owns the tables (``ioguide db upgrade`` connects as it). The application role (``ioguide serve``
connects as it) gets, from :func:`grant_app_role`: read and write on the clinical tables, only SELECT and INSERT
on the append-only tables (the audit trail, the access log, the signatures), and nothing else. Not owning the
tables, it cannot DROP, ALTER, or DISABLE their triggers; without UPDATE, DELETE and TRUNCATE on the trail it
cannot change it even if a trigger were missing (docs/operations.md "PostgreSQL roles").
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from ioguide.records.db import make_engine

#: Tables the application may only read and append to.
APPEND_ONLY_TABLES = ("audit_log", "access_log", "signatures")
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_statements(role: str, tables: list[str]) -> list[str]:
    """The GRANTs that give ``role`` exactly the application's rights on ``tables`` (a schema's tables)."""
    if not _ROLE_NAME.match(role):
        raise ValueError(f"role {role!r}: use lower-case letters, digits and _ (a PostgreSQL identifier)")
    statements = [f"GRANT USAGE ON SCHEMA public TO {role}"]
    for table in sorted(tables):
        if table in APPEND_ONLY_TABLES:
            statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}")
            statements.append(f"GRANT SELECT, INSERT ON {table} TO {role}")
        elif table == "alembic_version":
            statements.append(f"GRANT SELECT ON {table} TO {role}")
        else:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return statements


def grant_app_role(url: str, role: str) -> list[str]:
    """Run :func:`grant_statements` on the database at ``url`` (connected as the tables' owner); return them."""
    engine = make_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            raise ValueError("roles exist on PostgreSQL only; a SQLite file is protected by file permissions")
        with engine.begin() as conn:
            tables = sa.inspect(conn).get_table_names(schema="public")
            statements = grant_statements(role, tables)
            for statement in statements:
                conn.execute(sa.text(statement))
        return statements
    finally:
        engine.dispose()
