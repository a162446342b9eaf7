"""Page tests without a browser: the app in a TestClient on a SQLite copy of a demo-loaded database."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import dbfixtures
from ioguide.app import create_app
from ioguide.demo.loader import load_demo
from ioguide.demo.program import DEMO_USERS
from ioguide.records.db import Database, open_database
from ioguide.records.migrate import upgrade
from ioguide.services.users import LoginThrottle
from ioguide.serving.settings import ApiSettings

PASSWORDS = {name: password for name, password, _ in DEMO_USERS}


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-demo") / "demo.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = open_database(url)
    load_demo(db, dbfixtures.CHEAP_HASHER)
    db.dispose()
    return path


@pytest.fixture
def db(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    target = tmp_path / "demo.db"
    shutil.copy(demo_template, target)
    database = open_database(f"sqlite:///{target}")
    yield database
    database.dispose()


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    settings = ApiSettings(
        database_url=db.url, secret_key="test-secret", hasher=dbfixtures.CHEAP_HASHER, throttle=LoginThrottle()
    )
    with TestClient(create_app(settings, db), base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def signed_in(client: TestClient) -> Callable[[str], TestClient]:
    def sign_in(role: str) -> TestClient:
        reply = client.post("/login", data={"username": role, "password": PASSWORDS[role]}, follow_redirects=False)
        assert reply.status_code == 303
        return client

    return sign_in
