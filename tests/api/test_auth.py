"""Sign-in: argon2 hashes only, tokens expire, repeated failed logins are slowed down (spec/api.md, Users)."""

from __future__ import annotations

import sqlalchemy as sa

from api.support import PASSWORD, Api
from ioguide.api.auth import issue_token, read_token
from ioguide.services.users import LoginThrottle


def test_passwords_are_stored_only_as_argon2id_hashes(api: Api):
    with api.db.engine.connect() as conn:
        hashes = conn.execute(sa.text("SELECT password_hash FROM users")).scalars().all()
    assert len(hashes) == 4
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_token_expires_at_its_time():
    token = issue_token("k", "ann", minutes=10, now=1000.0)
    assert read_token("k", token, now=1000.0 + 599) == "ann"
    assert read_token("k", token, now=1000.0 + 600) is None
    assert read_token("other key", token, now=1000.0) is None


def test_wrong_password_is_401_and_repeated_failures_are_throttled(api: Api):
    def login(password: str):
        return api.client.post("/api/v1/auth/token", data={"username": "viewer", "password": password})

    for _ in range(4):
        assert login("wrong password").status_code == 401
    assert login(PASSWORD).status_code == 200  # a success resets the count
    for _ in range(5):
        assert login("wrong password").status_code == 401
    blocked = login(PASSWORD)  # even the right password waits now
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_throttle_delay_doubles_and_is_capped():
    now = [0.0]
    throttle = LoginThrottle(max_failures=3, base_delay_s=2, max_delay_s=10, clock=lambda: now[0])
    for _ in range(2):
        throttle.failed("a")
    assert throttle.retry_after("a") == 0
    throttle.failed("a")
    assert throttle.retry_after("a") == 2
    throttle.failed("a")
    assert throttle.retry_after("a") == 4
    for _ in range(5):
        throttle.failed("a")
    assert throttle.retry_after("a") == 10
    now[0] = 10.0
    assert throttle.retry_after("a") == 0
    assert throttle.retry_after("b") == 0


def test_an_admin_adds_a_user_who_can_then_sign_in(api: Api):
    reply = api.call(
        "POST", "/api/v1/users", json={"username": "dora", "password": "pass word 1", "role": "coordinator"}
    )
    assert reply.status_code == 201 and reply.json()["role"] == "coordinator"
    bad = api.call("POST", "/api/v1/users", json={"username": "eve", "password": "short", "role": "owner"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"password", "role"}
    assert (
        api.call(
            "POST", "/api/v1/users", json={"username": "dora", "password": "pass word 1", "role": "viewer"}
        ).status_code
        == 409
    )
    login = api.client.post("/api/v1/auth/token", data={"username": "dora", "password": "pass word 1"})
    assert login.status_code == 200
    trail = api.call("GET", "/api/v1/audit").json()["items"]
    assert trail[-1]["action"] == "user.create" and "password" not in str(trail[-1]["after"])
