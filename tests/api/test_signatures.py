"""Issue 14 part 3: a radiologist signs a timepoint's response by re-entering the password; the signature keeps
printed name, time, meaning and the hash of the signed content (21 CFR 11.50, 11.70, 11.200); a later change to
that content marks it superseded, and the SDTM hook says which timepoints an independent reviewer signed."""

from __future__ import annotations

import copy

from api.support import PASSWORD, SPEC_CASE, Api
from ioguide.services.context import Actor
from ioguide.services.signatures import independent_review


def test_sign_then_a_change_supersedes_the_signature(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    date = SPEC_CASE["timepoints"][1]["date"]
    url = f"/api/v1/patients/{pid}/timepoints/{date}/signatures"
    wrong = api.call("POST", url, json={"password": "not it", "printed_name": "Rita R"}, role="radiologist")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "password"
    assert api.call("POST", url, json={"password": PASSWORD, "printed_name": "V"}, role="viewer").status_code == 403
    body = {"password": PASSWORD, "printed_name": "Rita Radiologist", "capacity": "independent_reviewer"}
    signed = api.call("POST", url, json=body, role="radiologist")
    assert signed.status_code == 201, signed.text
    out = signed.json()
    assert (out["user"], out["printed_name"], out["meaning"], out["superseded"]) == (
        "radiologist", "Rita Radiologist", "reviewed and approved", False,
    )  # fmt: skip
    assert "password" not in out and len(out["content_sha256"]) == 64
    assert independent_review(api.db, Actor("x", "viewer"), pid) == {date: True}
    changed = copy.deepcopy(SPEC_CASE["timepoints"][1])
    changed["diameters_mm"]["T1"] = 21
    reply = api.call(
        "PUT", f"/api/v1/patients/{pid}/timepoints/{date}", json=changed, headers={"If-Match": "1", "X-Reason": "fix"}
    )
    assert reply.status_code == 200, reply.text
    [listed] = api.call("GET", f"/api/v1/patients/{pid}/signatures", role="viewer").json()
    assert listed["superseded"] is True and listed["content_sha256"] == out["content_sha256"]
    assert independent_review(api.db, Actor("x", "viewer"), pid) == {date: False}
    audit_row = api.call("GET", f"/api/v1/audit?patient={pid}").json()["items"]
    assert "signature.create" in [r["action"] for r in audit_row]
