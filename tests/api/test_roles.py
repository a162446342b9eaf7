"""Route x role matrix (spec/api.md, Users and roles): no token -> 401; each role -> 403 or success."""

from __future__ import annotations

import pytest

from api.support import SPEC_CASE, Api
from ioguide.services.context import ROLES

TIMEPOINT = {"date": "2026-04-27", "diameters_mm": {"T1": 20, "T2": 9}, "non_target": {"N1": "absent"}}
CRS = {"kind": "crs", "date": "2026-01-07", "input": {"temp_c": 39.2, "hypotension": "none", "oxygen": "none"}}
INJECTION = {"kind": "injection", "date": "2026-01-07", "agent": "T-VEC", "lesions": [{"lesion_id": "T1"}]}

#: (method, path, body, If-Match, least role, success status)
ROUTES = [
    ("GET", "/api/v1/patients", None, None, "viewer", 200),
    ("GET", "/api/v1/patients/{pid}", None, None, "viewer", 200),
    ("GET", "/api/v1/patients/{pid}/case", None, None, "viewer", 200),
    ("GET", "/api/v1/patients/{pid}/response", None, None, "viewer", 200),
    ("GET", "/api/v1/patients/{pid}/timepoints/2026-01-05", None, None, "viewer", 200),
    ("GET", "/api/v1/patients/{pid}/toxicity", None, None, "viewer", 200),
    ("GET", "/api/v1/patients/{pid}/procedures", None, None, "viewer", 200),
    ("GET", "/api/v1/audit?patient={pid}", None, None, "viewer", 200),
    ("GET", "/api/v1/patients/{pid}/fhir", None, None, "viewer", 200),
    ("GET", "/api/v1/export/sdtm?study=HIT-IT", None, None, "viewer", 200),
    ("POST", "/api/v1/patients", {"study_id": "IT-{n}", "program": "P"}, None, "coordinator", 201),
    ("POST", "/api/v1/users", {"username": "u{n}", "password": "long enough pass", "role": "viewer"}, None, "admin",
     201),
    ("GET", "/api/v1/users", None, None, "admin", 200),
    ("POST", "/api/v1/patients/{pid}/toxicity", CRS, None, "coordinator", 201),
    ("POST", "/api/v1/patients/{pid}/procedures", INJECTION, None, "coordinator", 201),
    ("PUT", "/api/v1/patients/{pid}/case", SPEC_CASE, "{version}", "radiologist", 200),
    ("POST", "/api/v1/patients/{pid}/lesions", {"id": "N{n}", "role": "non_target", "organ": "skin"}, None,
     "radiologist", 201),
    ("POST", "/api/v1/patients/{pid}/timepoints", TIMEPOINT, None, "radiologist", 201),
    ("PUT", "/api/v1/patients/{pid}/timepoints/2026-03-02", SPEC_CASE["timepoints"][1], "{tp_version}",
     "radiologist", 200),
]  # fmt: skip


def _fill(value, **names):
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, **names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, **names) for v in value]
    return value


@pytest.mark.parametrize(("method", "path", "body", "match", "least", "status"), ROUTES)
def test_route_role_matrix(api: Api, method, path, body, match, least, status):
    for n, role in enumerate([None, *ROLES]):
        pid = api.new_patient(f"M-{n}", SPEC_CASE)
        version = api.call("GET", f"/api/v1/patients/{pid}").json()["version"]
        tp_version = api.call("GET", f"/api/v1/patients/{pid}/timepoints/2026-03-02").json()["version"]
        names = {"pid": pid, "n": n, "version": version, "tp_version": tp_version}
        headers = {"If-Match": _fill(match, **names)} if match else {}
        reply = api.call(method, _fill(path, **names), role=role, json=_fill(body, **names), headers=headers)
        allowed = role is not None and ROLES.index(role) >= ROLES.index(least)
        expected = 401 if role is None else (status if allowed else 403)
        assert reply.status_code == expected, (role, reply.text)
        assert (reply.status_code < 400) or "errors" in reply.json()


def test_health_needs_no_token(api: Api):
    reply = api.call("GET", "/api/v1/health", role=None)
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok", "database": api.db.dialect}


def test_a_forged_or_expired_token_is_refused(api: Api):
    from ioguide.api.auth import issue_token

    expired = issue_token("test-secret", 4, 1, minutes=1, now=0)
    forged = issue_token("another-secret", 4, 1, minutes=60)
    for token in (expired, forged, "garbage", api.tokens["admin"] + "x"):
        reply = api.client.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 401
    assert api.call("GET", "/api/v1/patients").status_code == 200


def test_openapi_and_the_reference_page_are_served_without_a_cdn(api: Api):
    spec = api.call("GET", "/api/v1/openapi.json", role=None).json()
    for path in ("/api/v1/patients/{patient_id}/case", "/api/v1/patients/{patient_id}/timepoints/{date}"):
        assert path in spec["paths"]
    case_body = spec["paths"]["/api/v1/patients/{patient_id}/case"]["put"]["requestBody"]
    assert case_body["content"]["application/json"]["schema"]["additionalProperties"] is False
    page = api.call("GET", "/api/docs", role=None)
    assert page.status_code == 200 and "/api/v1/patients/{patient_id}/response" in page.text
    assert "http://" not in page.text and "https://" not in page.text
