"""Registers the shared database fixtures (tests/dbfixtures.py) and gives each test an ``api`` client signed in
as every role, once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import dbfixtures
from api.support import Api, make_settings
from ioguide.app import create_app
from ioguide.records.db import Database


def pytest_configure(config: pytest.Config) -> None:
    dbfixtures.register(config)


@pytest.fixture
def api(db: Database, db_url: str) -> Iterator[Api]:
    with TestClient(create_app(make_settings(db_url), db)) as client:
        yield Api(client, db)
