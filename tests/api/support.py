"""Helpers for the API tests: a client signed in as each role, and the spec's example case."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

import dbfixtures
from ioguide.records.db import Database
from ioguide.services.context import ROLES, cli_actor
from ioguide.services.users import LoginThrottle, add_user
from ioguide.serving.settings import ApiSettings

PASSWORD = "correct horse"

#: The case of spec/response.md's "Input" example.
SPEC_CASE: dict[str, Any] = {
    "criteria": "recist1.1",
    "settings": {"require_confirmation": True, "confirmation_min_days": 28, "sd_min_days": 42},
    "lesions": [
        {"id": "T1", "role": "target", "organ": "liver", "nodal": False, "injected": True},
        {"id": "T2", "role": "target", "organ": "lymph_node", "nodal": True},
        {"id": "N1", "role": "non_target", "organ": "bone"},
    ],
    "timepoints": [
        {"date": "2026-01-05", "diameters_mm": {"T1": 32, "T2": 18}, "non_target": {"N1": "present"}},
        {
            "date": "2026-03-02",
            "diameters_mm": {"T1": 20, "T2": 9},
            "non_target": {"N1": "absent"},
            "new_lesions": [{"id": "X1", "organ": "lung", "nodal": False, "diameter_mm": 12}],
        },
    ],
}


class Api:
    """A test client signed in as each role (``as_role("viewer")``), on one fresh database."""

    def __init__(self, client: TestClient, db: Database) -> None:
        self.client = client
        self.db = db
        self.tokens: dict[str, str] = {}
        for role in ROLES:
            add_user(db, cli_actor(), role, PASSWORD, role, dbfixtures.CHEAP_HASHER)
            self.sign_in(role)

    def sign_in(self, username: str, password: str = PASSWORD) -> str:
        """Sign in again (after a change revoked the user's tokens); the new token replaces the old one."""
        reply = self.client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert reply.status_code == 200, reply.text
        self.tokens[username] = reply.json()["access_token"]
        return self.tokens[username]

    def headers(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def call(self, method: str, path: str, role: str | None = "admin", **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if method == "PUT":  # a PUT corrects recorded data: it needs a reason (a test of its absence sends "")
            headers = {"X-Reason": "correction", **headers}
        if role is not None:
            headers = {**self.headers(role), **headers}
        return self.client.request(method, path, headers=headers, **kwargs)

    def new_patient(self, study_id: str = "IT-001", case: dict[str, Any] | None = None) -> int:
        reply = self.call("POST", "/api/v1/patients", json={"study_id": study_id, "program": "HIT-IT"})
        assert reply.status_code == 201, reply.text
        patient_id: int = reply.json()["id"]
        if case is not None:
            reply = self.call("PUT", f"/api/v1/patients/{patient_id}/case", json=case, headers={"If-Match": "1"})
            assert reply.status_code == 200, reply.text
        return patient_id


def make_settings(db_url: str) -> ApiSettings:
    return ApiSettings(
        database_url=db_url, secret_key="test-secret", hasher=dbfixtures.CHEAP_HASHER, throttle=LoginThrottle()
    )


def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table (the audit trail included): a failed request must leave these unchanged."""
    import sqlalchemy as sa

    from ioguide.records.models import Base

    with db.engine.connect() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }
