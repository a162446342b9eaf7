"""The pages' session: signing out revokes the token (not only the cookie), and the pages need no inline script or
style, so the Content-Security-Policy ``default-src 'self'`` breaks nothing (docs/operations.md, Hardening)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from ioguide.api.security import CONTENT_SECURITY_POLICY
from ioguide.web.session import COOKIE

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "ioguide" / "web" / "templates"


def test_signing_out_revokes_the_session_token(client: TestClient) -> None:
    reply = client.post("/login", data={"username": "viewer", "password": "viewer-demo-pass"}, follow_redirects=False)
    assert reply.status_code == 303
    stolen = client.cookies[COOKIE]  # a copy of the cookie, as a thief would keep it
    assert client.get("/cohort", follow_redirects=False).status_code == 200
    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    client.cookies.set(COOKIE, stolen)
    again = client.get("/cohort", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")
    api = client.get("/api/v1/patients", headers={"Authorization": f"Bearer {stolen}"})
    assert api.status_code == 401  # the same token, refused by the API too


def test_pages_carry_the_policy_and_the_templates_hold_no_inline_script_or_style(client: TestClient) -> None:
    assert client.get("/login").headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name}: inline event handler"
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", text), f"{template.name}: inline script"
        assert "<style" not in text and " style=" not in text, f"{template.name}: inline style"
