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
    assert current_revision(db_url) == head_revision() == "0005"
    assert upgrade(db_url) == "0005"


def test_downgrade_to_nothing_and_back(db_url: str):
    command.downgrade(alembic_config(db_url), "base")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        tables = set(conn.dialect.get_table_names(conn)) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    assert upgrade(db_url) == "0005"
