"""Records: the ORM tables, database sessions, the hash-chained audit trail and the Alembic migrations."""
