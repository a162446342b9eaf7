"""Accounts and sessions: sign-out revokes, tokens die with a disabled, re-roled or re-passworded user, a recreated
user inherits nothing, the last admin stays, every change is audited, passwords follow the policy, and the
signing secret lives in the instance directory (docs/api.md, Accounts)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import dbfixtures
from api.support import PASSWORD, Api, make_settings
from ioguide.api.settings import ApiSettings
from ioguide.app import create_app
from ioguide.services.context import cli_actor
from ioguide.services.users import add_user

NEW_PASSWORD = "a fresh pass phrase"


def _id(api: Api, username: str) -> int:
    return next(u["id"] for u in api.call("GET", "/api/v1/users").json()["items"] if u["username"] == username)


def _works(api: Api, token: str) -> int:
    return api.client.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"}).status_code


def _sign_in(api: Api, username: str, password: str = PASSWORD) -> str | None:
    reply = api.client.post("/api/v1/auth/token", data={"username": username, "password": password})
    return reply.json()["access_token"] if reply.status_code == 200 else None


def _trail(api: Api) -> list[dict]:
    return api.call("GET", "/api/v1/audit?limit=1000").json()["items"]


def test_logout_revokes_the_token(api: Api):
    token = api.tokens["viewer"]
    assert _works(api, token) == 200
    reply = api.client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 204
    assert _works(api, token) == 401
    again = _sign_in(api, "viewer")
    assert again is not None and _works(api, again) == 200
    assert _trail(api)[-1]["action"] == "user.sign_out" and _trail(api)[-1]["user"] == "viewer"


def test_a_deleted_and_recreated_user_does_not_inherit_old_tokens(api: Api):
    add_user(api.db, cli_actor(), "ann", PASSWORD, "radiologist", dbfixtures.CHEAP_HASHER)
    old = _sign_in(api, "ann")
    assert old is not None and _works(api, old) == 200
    with api.db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM users WHERE username = 'ann'"))
    add_user(api.db, cli_actor(), "ann", PASSWORD, "viewer", dbfixtures.CHEAP_HASHER)
    api.client.app.state.ioguide.accounts.clear()  # as after ACCOUNT_CACHE_S
    assert _works(api, old) == 401


def test_disabling_revokes_tokens_and_refuses_sign_in_until_enabled(api: Api):
    uid, token = _id(api, "coordinator"), api.tokens["coordinator"]
    reply = api.call("POST", f"/api/v1/users/{uid}/disable", headers={"X-Reason": "left the team"})
    assert reply.status_code == 200 and reply.json()["active"] is False
    assert _works(api, token) == 401
    assert _sign_in(api, "coordinator") is None
    assert api.call("POST", f"/api/v1/users/{uid}/enable").json()["active"] is True
    fresh = _sign_in(api, "coordinator")
    assert fresh is not None and _works(api, fresh) == 200
    actions = [(row["action"], row["reason"]) for row in _trail(api)[-2:]]
    assert actions == [("user.disable", "left the team"), ("user.enable", None)]


def test_a_role_change_revokes_tokens_and_the_new_token_carries_the_new_role(api: Api):
    uid, token = _id(api, "viewer"), api.tokens["viewer"]
    assert (
        api.call("POST", "/api/v1/patients", role="viewer", json={"study_id": "X", "program": "P"}).status_code == 403
    )
    reply = api.call("PUT", f"/api/v1/users/{uid}/role", json={"role": "coordinator"})
    assert reply.status_code == 200 and reply.json()["role"] == "coordinator"
    assert _works(api, token) == 401
    fresh = _sign_in(api, "viewer")
    created = api.client.post(
        "/api/v1/patients", json={"study_id": "X", "program": "P"}, headers={"Authorization": f"Bearer {fresh}"}
    )
    assert created.status_code == 201
    row = next(r for r in _trail(api) if r["action"] == "user.role")
    assert (row["before"]["role"], row["after"]["role"]) == ("viewer", "coordinator")
    bad = api.call("PUT", f"/api/v1/users/{uid}/role", json={"role": "owner"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "role"


def test_a_password_reset_revokes_tokens_and_the_old_password(api: Api):
    uid, token = _id(api, "radiologist"), api.tokens["radiologist"]
    reply = api.call("POST", f"/api/v1/users/{uid}/password", json={"password": NEW_PASSWORD})
    assert reply.status_code == 200 and reply.json()["password_changed_at"]
    assert _works(api, token) == 401
    assert _sign_in(api, "radiologist") is None
    assert _sign_in(api, "radiologist", NEW_PASSWORD) is not None
    row = _trail(api)[-1]
    assert row["action"] == "user.password"
    assert NEW_PASSWORD not in str(row) and "argon2" not in str(row)


def test_only_an_admin_manages_users(api: Api):
    uid = _id(api, "viewer")
    for role in ("viewer", "coordinator", "radiologist"):
        assert api.call("POST", f"/api/v1/users/{uid}/disable", role=role).status_code == 403
        assert (
            api.call("POST", f"/api/v1/users/{uid}/password", role=role, json={"password": NEW_PASSWORD}).status_code
            == 403
        )
    assert api.call("POST", "/api/v1/users/9999/disable").status_code == 404


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(api: Api):
    uid = _id(api, "admin")
    assert api.call("POST", f"/api/v1/users/{uid}/disable").status_code == 409
    assert api.call("PUT", f"/api/v1/users/{uid}/role", json={"role": "viewer"}).status_code == 409
    assert _works(api, api.tokens["admin"]) == 200  # nothing changed, no token revoked
    other = _id(api, "radiologist")
    assert api.call("PUT", f"/api/v1/users/{other}/role", json={"role": "admin"}).status_code == 200
    assert api.call("POST", f"/api/v1/users/{uid}/disable").status_code == 200


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short one", "at least 12 characters"),
        ("Newcomer-Dan", "must not be the user name"),
        ("qwerty123456", "most common passwords"),
        ("Password1234", "most common passwords"),
    ],
)
def test_new_passwords_follow_the_policy(api: Api, password: str, rule: str):
    """OWASP ASVS 4.0 §2.1.1 (length 12); NIST SP 800-63B §5.1.1.2 (not a common or expected value)."""
    reply = api.call("POST", "/api/v1/users", json={"username": "newcomer-dan", "password": password, "role": "viewer"})
    assert reply.status_code == 422
    errors = reply.json()["errors"]
    assert [e["field"] for e in errors] == ["password"] and rule in errors[0]["message"]
    assert password not in reply.text
    reset = api.call("POST", f"/api/v1/users/{_id(api, 'viewer')}/password", json={"password": password})
    assert reset.status_code == (200 if rule == "must not be the user name" else 422)  # not the viewer's name


def test_the_secret_is_kept_0600_in_the_instance_directory_and_shared_by_every_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db, db_url: str
):
    monkeypatch.setenv("IOGUIDE_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.delenv("IOGUIDE_SECRET_KEY_FILE", raising=False)
    first, second = ApiSettings(database_url=db_url), ApiSettings(database_url=db_url)
    path = tmp_path / "instance" / "secret.key"
    assert first.secret_key == second.secret_key == path.read_text().strip()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    add_user(db, cli_actor(), "ann", PASSWORD, "viewer", dbfixtures.CHEAP_HASHER)
    cheap = {"hasher": dbfixtures.CHEAP_HASHER}
    with (
        TestClient(create_app(ApiSettings(database_url=db_url, **cheap), db)) as one,  # a worker, or before a restart
        TestClient(create_app(ApiSettings(database_url=db_url, **cheap), db)) as two,  # another, or after it
    ):
        token = one.post("/api/v1/auth/token", data={"username": "ann", "password": PASSWORD}).json()["access_token"]
        assert two.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    other = make_settings(db_url)  # a different secret signs nothing the instance accepts
    with TestClient(create_app(other, db)) as three:
        assert three.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"}).status_code == 401
