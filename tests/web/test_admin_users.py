"""The users page (issue 15, admin): list, add under the password policy (OWASP ASVS 4.0 §2.1.1, NIST SP 800-63B
§5.1.1.2: services/passwords.py), disable/enable, change the role, reset the password; each through the
services.users verbs (audited, revoking the user's tokens); the last active admin is kept, the refusal shown."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from ioguide.demo.loader import DEMO_ACTOR
from ioguide.records.db import Database
from ioguide.services import audit, users
from web.conftest import PASSWORDS
from web.test_routes import audit_count

Sign = Callable[[str], TestClient]


def _user(db: Database, name: str) -> dict[str, object]:
    return next(u for u in users.list_users(db, DEMO_ACTOR) if u["username"] == name)


def _last_action(db: Database) -> str:
    return str(audit.list_audit(db, DEMO_ACTOR, None, 1, 0, newest_first=True)["items"][0]["action"])


def test_only_an_admin_sees_the_users(signed_in: Sign) -> None:
    client = signed_in("radiologist")
    assert client.get("/admin/users").status_code == 403
    assert 'href="/admin/users"' not in client.get("/cohort").text
    client = signed_in("admin")
    page = client.get("/admin/users")
    assert page.status_code == 200 and 'href="/admin/users"' in page.text
    rows = re.findall(r'<tr id="user-\d+"><th scope="row">([^<]+)</th><td>([^<]+)</td>', page.text)
    assert rows == [("admin", "admin"), ("coordinator", "coordinator"), ("radiologist", "radiologist"),
                    ("viewer", "viewer")]  # fmt: skip


def test_a_radiologist_cannot_post_to_the_users_page(signed_in: Sign, db: Database) -> None:
    client = signed_in("radiologist")
    before = audit_count(db)
    reply = client.post(
        "/admin/users", data={"username": "mallory", "password": "a long enough phrase", "role": "admin"}
    )
    assert reply.status_code == 403 and audit_count(db) == before


def test_add_keeps_the_password_policy_and_the_typed_values(signed_in: Sign, db: Database) -> None:
    client = signed_in("admin")
    before = audit_count(db)
    reply = client.post("/admin/users", data={"username": "nurse.b", "password": "short", "role": "coordinator"})
    assert reply.status_code == 422 and "Nobody was added" in reply.text
    assert 'id="err-password"' in reply.text and "at least 12 characters" in reply.text
    assert 'value="nurse.b"' in reply.text and 'value="coordinator" selected' in reply.text
    assert 'value="short"' not in reply.text  # the password is never sent back
    reply = client.post("/admin/users", data={"username": "nurse.b", "password": "password1234", "role": "coordinator"})
    assert reply.status_code == 422 and "most common passwords" in reply.text
    reply = client.post(
        "/admin/users", data={"username": "viewer", "password": "a long enough phrase", "role": "viewer"}
    )
    assert reply.status_code == 422 and "exists already" in reply.text
    assert audit_count(db) == before
    reply = client.post(
        "/admin/users", data={"username": "nurse.b", "password": "violet harbour lantern", "role": "coordinator"},
        follow_redirects=False,
    )  # fmt: skip
    assert reply.status_code == 303 and "done=added" in reply.headers["location"]
    assert _user(db, "nurse.b")["role"] == "coordinator" and _last_action(db) == "user.create"
    assert "nurse.b: added." in client.get(reply.headers["location"]).text
    fresh = TestClient(client.app, base_url="http://testserver")
    signed = fresh.post("/login", data={"username": "nurse.b", "password": "violet harbour lantern"},
                        follow_redirects=False)  # fmt: skip
    assert signed.status_code == 303


def test_a_disabled_user_is_signed_out_and_refused_then_enabled_again(client: TestClient, db: Database) -> None:
    viewer = TestClient(client.app, base_url="http://testserver")
    assert viewer.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"]},
                       follow_redirects=False).status_code == 303  # fmt: skip
    assert viewer.get("/cohort", follow_redirects=False).status_code == 200
    admin = client
    admin.post("/login", data={"username": "admin", "password": PASSWORDS["admin"]})
    uid = _user(db, "viewer")["id"]
    reply = admin.post(f"/admin/users/{uid}/disable", follow_redirects=False)
    assert reply.status_code == 303 and _user(db, "viewer")["active"] is False
    assert _last_action(db) == "user.disable"
    assert "viewer: disabled" in admin.get(reply.headers["location"]).text
    # the open session ends at once (the token was revoked), and the password no longer signs in
    assert viewer.get("/cohort", follow_redirects=False).status_code == 303
    refused = viewer.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"]},
                          follow_redirects=False)  # fmt: skip
    assert refused.status_code == 401
    assert admin.post(f"/admin/users/{uid}/enable", follow_redirects=False).status_code == 303
    assert _user(db, "viewer")["active"] is True and _last_action(db) == "user.enable"
    assert viewer.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"]},
                       follow_redirects=False).status_code == 303  # fmt: skip


def test_a_role_change_and_a_password_reset_end_the_sessions(client: TestClient, db: Database) -> None:
    other = TestClient(client.app, base_url="http://testserver")
    other.post("/login", data={"username": "coordinator", "password": PASSWORDS["coordinator"]})
    client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"]})
    uid = _user(db, "coordinator")["id"]
    assert client.post(f"/admin/users/{uid}/role", data={"role": "viewer"}, follow_redirects=False).status_code == 303
    assert _user(db, "coordinator")["role"] == "viewer" and _last_action(db) == "user.role"
    assert other.get("/cohort", follow_redirects=False).status_code == 303
    before = audit_count(db)
    reply = client.post(f"/admin/users/{uid}/password", data={"password": "coordinator"})
    assert reply.status_code == 422 and f'id="err-user-{uid}"' in reply.text and "at least 12" in reply.text
    assert audit_count(db) == before
    reply = client.post(f"/admin/users/{uid}/password", data={"password": "quiet orchard falcon"},
                        follow_redirects=False)  # fmt: skip
    assert reply.status_code == 303 and _last_action(db) == "user.password"
    assert other.post("/login", data={"username": "coordinator", "password": PASSWORDS["coordinator"]},
                      follow_redirects=False).status_code == 401  # fmt: skip
    assert other.post("/login", data={"username": "coordinator", "password": "quiet orchard falcon"},
                      follow_redirects=False).status_code == 303  # fmt: skip


def test_the_last_active_admin_is_kept_and_the_refusal_shown(signed_in: Sign, db: Database) -> None:
    client = signed_in("admin")
    uid = _user(db, "admin")["id"]
    before = audit_count(db)
    for action, data in (("disable", {}), ("role", {"role": "coordinator"})):
        reply = client.post(f"/admin/users/{uid}/{action}", data=data)
        assert reply.status_code == 409 and "the last active admin" in reply.text
        assert f'id="err-user-{uid}"' in reply.text
    assert _user(db, "admin")["active"] is True and _user(db, "admin")["role"] == "admin"
    assert audit_count(db) == before


def test_an_unknown_user_is_404(signed_in: Sign) -> None:
    assert signed_in("admin").post("/admin/users/99999/disable").status_code == 404
