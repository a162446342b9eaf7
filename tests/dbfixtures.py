"""Database fixtures shared by tests/records, tests/services and tests/api: every test that takes ``db_url`` (or
``db``) runs once on SQLite and once on a real PostgreSQL server.

The PostgreSQL server is a throw-away cluster that ``scripts/postgres`` starts (installing Debian's postgresql
when it is missing) once per test session and stops at the end; ``$IOGUIDE_TEST_POSTGRES_URL`` points the tests
at a server of your own instead. When no server can be had the PostgreSQL tests fail under CI (``CI=true``) and
are skipped elsewhere. Each test gets a fresh database copied from a migrated template (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so the migrations run once per session, not once per test.

Each test package's ``conftest.py`` registers this module as a plugin (once), so the session-scoped server is
shared by all of them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import argon2
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ioguide.records.db import Database, open_database
from ioguide.records.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_NAME = "ioguide-dbfixtures"
TEMPLATE_DB = "ioguide_template"
_counter = itertools.count()

#: Cheapest argon2 parameters, for speed in tests (the production default is RFC 9106's low-memory profile).
CHEAP_HASHER = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)


def register(config: pytest.Config) -> None:
    import sys

    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(sys.modules[__name__], PLUGIN_NAME)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(message: str) -> None:
    if _in_ci():
        pytest.fail(f"PostgreSQL is required in CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """The URL of a PostgreSQL server's ``postgres`` database: the throw-away cluster, or yours."""
    own = os.environ.get("IOGUIDE_TEST_POSTGRES_URL")
    if own:
        yield own
        return
    state = tempfile.mkdtemp(prefix="ioguide-pg-")
    env = {**os.environ, "IOGUIDE_PG_DIR": state}
    script = str(ROOT / "scripts" / "postgres")
    started = subprocess.run(
        [script, "start"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600
    )
    if started.returncode != 0:
        shutil.rmtree(state, ignore_errors=True)
        _unavailable(f"scripts/postgres start failed: {started.stderr.strip()[-2000:]}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
        shutil.rmtree(state, ignore_errors=True)


def _admin_engine(server_url: str) -> sa.Engine:
    return sa.create_engine(server_url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template(pg_server_url: str) -> str:
    """Name of a database migrated to head, used as the template of each test's database."""
    engine = _admin_engine(pg_server_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {TEMPLATE_DB}"))
    engine.dispose()
    upgrade(make_url(pg_server_url).set(database=TEMPLATE_DB).render_as_string(hide_password=False))
    return TEMPLATE_DB


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def fresh_sqlite_url(template: Path, directory: Path) -> str:
    target = directory / "test.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def pg_url(pg_server_url: str, pg_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = _admin_engine(pg_server_url)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {pg_template}"))
    try:
        yield make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database: once SQLite (a file, WAL), once PostgreSQL."""
    if request.param == "sqlite":
        return fresh_sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path)
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    try:
        yield database
    finally:
        database.dispose()
