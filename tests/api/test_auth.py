"""Sign-in: argon2 hashes only, tokens name the user id and token version and expire, repeated failed logins are
slowed down by address and by user name (spec/api.md, Users; OWASP Authentication Cheat Sheet, Login
Throttling)."""

from __future__ import annotations

import sqlalchemy as sa

from api.support import PASSWORD, Api
from ioguide.api.auth import Claims, issue_token, read_token
from ioguide.services.users import LoginThrottle


def test_passwords_are_stored_only_as_argon2id_hashes(api: Api):
    with api.db.engine.connect() as conn:
        hashes = conn.execute(sa.text("SELECT password_hash FROM users")).scalars().all()
    assert len(hashes) == 4
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_token_names_user_id_and_version_and_expires_at_its_time():
    token = issue_token("k", 7, 3, minutes=10, now=1000.0)
    assert read_token("k", token, now=1000.0 + 599) == Claims(user_id=7, token_version=3)
    assert read_token("k", token, now=1000.0 + 600) is None
    assert read_token("other key", token, now=1000.0) is None


def test_a_token_of_the_old_format_naming_a_user_name_is_refused():
    import base64
    import hashlib
    import hmac
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"sub": "admin", "exp": 2**40}).encode()).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(hmac.new(b"k", payload.encode(), hashlib.sha256).digest()).rstrip(b"=")
    assert read_token("k", f"{payload}.{signature.decode()}") is None


def _login(api: Api, username: str, password: str, address: str | None = None):
    # the TestClient's requests come from "testclient"; the throttle keys on the client address
    client = api.client
    if address is not None:
        from fastapi.testclient import TestClient

        client = TestClient(api.client.app, client=(address, 50000))
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_wrong_password_is_401_and_repeated_failures_are_throttled(api: Api):
    for _ in range(4):
        assert _login(api, "viewer", "wrong password").status_code == 401
    assert _login(api, "viewer", PASSWORD).status_code == 200  # a success resets the count
    for _ in range(5):
        assert _login(api, "viewer", "wrong password").status_code == 401
    blocked = _login(api, "viewer", PASSWORD)  # even the right password waits now, from this address
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_an_attacker_does_not_lock_out_the_victim_at_another_address(api: Api):
    for _ in range(8):
        assert _login(api, "viewer", "wrong password", "203.0.113.9").status_code in (401, 429)
    assert _login(api, "viewer", PASSWORD, "203.0.113.9").status_code == 429
    assert _login(api, "viewer", PASSWORD, "198.51.100.20").status_code == 200


def test_spraying_many_user_names_from_one_address_is_slowed_down(api: Api):
    codes = [_login(api, f"user{i}", "wrong password", "203.0.113.7").status_code for i in range(25)]
    assert codes[:20] == [401] * 20  # each name fails once: no per-name block would ever fire
    assert set(codes[20:]) == {429}  # but the address is blocked after 20 failures
    assert _login(api, "viewer", PASSWORD, "203.0.113.7").status_code == 429
    assert _login(api, "viewer", PASSWORD, "198.51.100.20").status_code == 200


def test_throttle_delay_doubles_and_is_capped():
    now = [0.0]
    throttle = LoginThrottle(max_failures=3, base_delay_s=2, max_delay_s=10, clock=lambda: now[0])
    for _ in range(2):
        throttle.failed("a", "ann")
    assert throttle.retry_after("a", "ann") == 0
    throttle.failed("a", "ann")
    assert throttle.retry_after("a", "ann") == 2
    throttle.failed("a", "ann")
    assert throttle.retry_after("a", "ann") == 4
    for _ in range(5):
        throttle.failed("a", "ann")
    assert throttle.retry_after("a", "ann") == 10
    assert throttle.retry_after("b", "ann") == 0  # another address is not blocked for ann
    now[0] = 10.0
    assert throttle.retry_after("a", "ann") == 0
    assert throttle.retry_after("a", "bob") == 0


def test_address_failures_grow_across_names_and_a_success_does_not_reset_them():
    now = [0.0]
    throttle = LoginThrottle(max_failures=5, max_address_failures=4, base_delay_s=1, clock=lambda: now[0])
    for name in ("a", "b", "c", "d"):
        throttle.failed("x", name)
    assert throttle.retry_after("x", "e") == 1
    throttle.succeeded("x", "mine")  # a known account does not unlock spraying
    throttle.failed("x", "f")
    assert throttle.retry_after("x", "g") == 2
    now[0] = 2000.0  # forgotten after forget_after_s
    assert throttle.retry_after("x", "g") == 0


def test_an_admin_adds_a_user_who_can_then_sign_in(api: Api):
    good = "long pass word 1"
    reply = api.call("POST", "/api/v1/users", json={"username": "dora", "password": good, "role": "coordinator"})
    assert reply.status_code == 201 and reply.json()["role"] == "coordinator"
    bad = api.call("POST", "/api/v1/users", json={"username": "eve", "password": "short", "role": "owner"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"password", "role"}
    dup = api.call("POST", "/api/v1/users", json={"username": "dora", "password": good, "role": "viewer"})
    assert dup.status_code == 409
    login = api.client.post("/api/v1/auth/token", data={"username": "dora", "password": good})
    assert login.status_code == 200
    trail = api.call("GET", "/api/v1/audit").json()["items"]
    assert trail[-1]["action"] == "user.create" and "password" not in str(trail[-1]["after"])
