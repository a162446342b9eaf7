"""HTTP hardening (docs/operations.md, Hardening): security headers on every answer, HSTS and Secure cookies only
over https, allowed hosts, a body limit (413), a 422 that never echoes secrets and cuts long values, and 503 with
a plain message when the database is full or read-only (OWASP Secure Headers Project; RFC 6797)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import dbfixtures
from api.support import PASSWORD, Api, make_settings, row_counts
from ioguide.api.security import CONTENT_SECURITY_POLICY, UNWRITABLE_MESSAGE
from ioguide.app import create_app
from ioguide.records.db import Database, open_database
from ioguide.services.context import cli_actor
from ioguide.services.users import add_user

PATIENT = {"study_id": "SEC-1", "program": "P"}


def _assert_hardened(headers) -> None:
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_every_answer_carries_the_security_headers_and_no_hsts_over_http(api: Api):
    for reply in (
        api.call("GET", "/api/v1/patients"),
        api.call("GET", "/api/v1/patients", role=None),  # 401
        api.call("GET", "/api/v1/patients/999999"),  # 404
        api.client.get("/login"),  # a page
        api.client.get("/static/app.css"),
    ):
        _assert_hardened(reply.headers)
        assert "strict-transport-security" not in reply.headers  # RFC 6797 §7.2: never over plain http


def test_over_https_hsts_is_sent_and_the_session_cookie_is_secure(db: Database, db_url: str):
    with TestClient(create_app(make_settings(db_url), db), base_url="https://testserver") as client:
        add_user(db, cli_actor(), "ann", PASSWORD, "viewer", dbfixtures.CHEAP_HASHER)
        reply = client.post("/login", data={"username": "ann", "password": PASSWORD}, follow_redirects=False)
        assert reply.status_code == 303
        assert reply.headers["strict-transport-security"].startswith("max-age=31536000")
        cookie = reply.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    with TestClient(create_app(make_settings(db_url), db), base_url="http://testserver") as client:
        reply = client.post("/login", data={"username": "ann", "password": PASSWORD}, follow_redirects=False)
        assert "secure" not in reply.headers["set-cookie"].lower()


def test_only_the_allowed_hosts_are_served(db: Database, db_url: str):
    settings = dataclasses.replace(make_settings(db_url), allowed_hosts=("ioguide.example.org", "*.example.net"))
    app = create_app(settings, db)
    with TestClient(app, base_url="http://ioguide.example.org") as good, TestClient(app) as bad:
        assert good.get("/api/v1/health").status_code == 200
        assert good.get("/api/v1/health", headers={"host": "a.example.net"}).status_code == 200
        refused = bad.get("/api/v1/health")  # Host: testserver
        assert refused.status_code == 400
        _assert_hardened(refused.headers)


@pytest.fixture
def small(db: Database, db_url: str) -> Iterator[Api]:
    settings = dataclasses.replace(make_settings(db_url), max_body_bytes=2000)
    with TestClient(create_app(settings, db)) as client:
        yield Api(client, db)


def test_a_body_over_the_limit_is_refused_with_413_and_nothing_is_written(small: Api):
    before = row_counts(small.db)
    big = {**PATIENT, "program": "x" * 3000}
    reply = small.call("POST", "/api/v1/patients", json=big)
    assert reply.status_code == 413 and reply.json()["errors"][0]["field"] == "$"
    _assert_hardened(reply.headers)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts the bytes as they come
        yield b'{"study_id": "SEC-2", "program": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    streamed = small.call("POST", "/api/v1/patients", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert row_counts(small.db) == before
    assert small.call("POST", "/api/v1/patients", json=PATIENT).status_code == 201  # under the limit: fine


def test_the_default_body_limit_is_one_mebibyte(api: Api):
    reply = api.call("POST", "/api/v1/patients", content=b"x" * (1024 * 1024 + 1))
    assert reply.status_code == 413


def test_a_422_never_echoes_a_password_and_cuts_long_values(api: Api):
    secret = "s3cret-" * 200  # over the 1024-character limit
    reply = api.call("POST", "/api/v1/users", json={"username": "zed", "password": secret, "role": "viewer"})
    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == ["password"]
    assert "s3cret" not in reply.text
    login = api.client.post("/api/v1/auth/token", data={"username": "zed", "password": secret})
    assert login.status_code == 422 and "s3cret" not in login.text
    long_reason = "r" * 5000
    reply = api.call("GET", "/api/v1/patients", headers={"X-Reason": long_reason})
    assert reply.status_code == 422
    message = reply.json()["errors"][0]["message"]
    assert "5002 characters" in message and len(message) < 300  # cut, and says how long it was


def _read_only(db: Database) -> None:
    if db.dialect == "sqlite":
        sa.event.listen(db.engine, "connect", lambda conn, _: conn.execute("PRAGMA query_only = ON"))
    else:
        with db.engine.connect() as conn:
            name = conn.execute(sa.text("SELECT current_database()")).scalar_one()
            conn.execute(sa.text(f"ALTER DATABASE {name} SET default_transaction_read_only = on"))
            conn.commit()
    db.engine.dispose()


def test_a_read_only_database_gives_503_with_a_plain_message(api: Api):
    before = row_counts(api.db)
    _read_only(api.db)
    reply = api.call("POST", "/api/v1/patients", json=PATIENT)
    assert reply.status_code == 503
    assert reply.json() == {"errors": [{"field": "", "message": UNWRITABLE_MESSAGE}]}
    assert "Traceback" not in reply.text and "sqlalchemy" not in reply.text.lower()
    assert api.call("GET", "/api/v1/patients").status_code == 200  # reading still works
    assert row_counts(api.db) == before


@pytest.fixture
def sqlite_api(sqlite_template, tmp_path) -> Iterator[Api]:
    """SQLite only: the page-count cap that makes a disk "full" is SQLite's."""
    url = dbfixtures.fresh_sqlite_url(sqlite_template, tmp_path)
    db = open_database(url)
    with TestClient(create_app(make_settings(url), db)) as client:
        yield Api(client, db)
    db.dispose()


def test_a_full_sqlite_disk_gives_503_not_a_traceback(sqlite_api: Api):
    api = sqlite_api
    sa.event.listen(
        api.db.engine,
        "connect",
        lambda conn, _: conn.execute("PRAGMA max_page_count = " + str(conn.execute("PRAGMA page_count").fetchone()[0])),
    )
    api.db.engine.dispose()
    statuses = []
    for n in range(200):
        reply = api.call("POST", "/api/v1/patients", json={"study_id": f"FULL-{n}", "program": "P" * 150})
        statuses.append(reply.status_code)
        if reply.status_code != 201:
            break
    assert statuses[-1] == 503, statuses
    assert reply.json()["errors"][0]["message"] == UNWRITABLE_MESSAGE
