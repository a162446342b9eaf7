"""Browser tests: a live ``ioguide serve --demo`` on a fresh database, driven by Playwright with Debian's chromium.

``live_server`` is parametrized over the databases a module names in ``DATABASES`` (default both): every browser
test runs on SQLite and on PostgreSQL (issue 15: "a Playwright test per task ... on SQLite and on PostgreSQL"),
each a fresh database with its own server process, started once per session; the PostgreSQL
server is the throw-away cluster of tests/dbfixtures.py (``$IOGUIDE_TEST_POSTGRES_URL`` for your own).

``scripts/chromium`` installs chromium with apt when ``/usr/bin/chromium`` is missing (Playwright's own browser
download needs the network, so Playwright is pointed at the system executable). Without a browser the tests fail
under CI (``CI=true``) and are skipped elsewhere. Screenshots go to ``$IOGUIDE_E2E_ARTIFACTS`` (default: a
temporary directory, printed at the end); they are not committed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import dbfixtures

ROOT = Path(__file__).resolve().parents[2]
#: Playwright's flags plus Debian chromium's extra quiet ones (research/platform-web-db.md, section 2).
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter",
    "--disable-sync",
    "--no-pings",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-dev-shm-usage",
]
PASSWORDS = {
    "viewer": "viewer-demo-pass",
    "coordinator": "coordinator-demo-pass",
    "radiologist": "radiologist-demo-pass",
    "admin": "admin-demo-pass",
}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium, installed by scripts/chromium when missing."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "chromium")], capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    path = done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else ""
    if not path:
        message = f"no chromium for the browser tests: {done.stderr.strip()}"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


#: The databases an e2e module runs on unless it names its own in a module-level ``DATABASES``: every task's
#: browser test runs on the embedded SQLite and on a real PostgreSQL server (issue 15, "Tests").
DEFAULT_DATABASES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    dbfixtures.register(config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test that reaches a live server runs once per database its module names (``DATABASES``)."""
    if "live_server" in metafunc.fixturenames:
        databases = getattr(metafunc.module, "DATABASES", DEFAULT_DATABASES)
        params = [pytest.param(d, marks=pytest.mark.postgres) if d == "postgresql" else d for d in databases]
        metafunc.parametrize("live_server", params, indirect=True, scope="session")


def _serve(db_url: str, folder: Path) -> Iterator[str]:
    """``ioguide serve --demo`` on a free port with ``db_url`` (an empty database: serve migrates it and loads the
    demo), until the session ends."""
    port = _free_port()
    log = (folder / "server.log").open("w")
    command = [str(Path(sys.executable).parent / "ioguide"), "serve", "--demo", "--port", str(port), "--db", db_url]
    env = {**os.environ, "IOGUIDE_INSTANCE_DIR": str(folder / "instance")}  # the signing secret goes there
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(url + "/api/v1/health", timeout=0.5) as answer:
                    health = json.load(answer)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"ioguide serve exited: {(folder / 'server.log').read_text()}") from None
                time.sleep(0.1)
        else:
            raise RuntimeError(f"ioguide serve did not start within 60 s: {(folder / 'server.log').read_text()}")
        if health.get("database") != make_url(db_url).get_backend_name():  # the tests run on the database named
            raise RuntimeError(f"ioguide serve on {health.get('database')!r}, not on {db_url}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The base URL of ``ioguide serve --demo`` on a fresh database: a SQLite file (the README's first command) or
    a database created for it on the PostgreSQL server (dropped at the end)."""
    database = getattr(request, "param", "sqlite")
    folder = Path(tempfile.mkdtemp(prefix=f"ioguide-e2e-{database}-"))
    if database == "sqlite":
        yield from _serve(f"sqlite:///{folder / 'demo.db'}", folder)
        return
    server_url: str = request.getfixturevalue("pg_server_url")
    name = f"e2e_{os.getpid()}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield from _serve(make_url(server_url).set(database=name).render_as_string(hide_password=False), folder)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("IOGUIDE_E2E_ARTIFACTS") or tempfile.mkdtemp(prefix="ioguide-e2e-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: object, live_server: str) -> Iterator[object]:
    """A function that opens a fresh browser context (no cookies) signed in as a role, or not signed in."""
    contexts = []

    def open_page(role: str | None = None) -> object:
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if role is not None:
            page.goto("/login")
            page.get_by_label("User name").fill(role)
            page.get_by_label("Password").fill(PASSWORDS[role])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/cohort")
        return page

    yield open_page
    for context in contexts:
        context.close()
