"""Issue 14 part 3: a correction of a stored clinical value needs a reason (422 naming X-Reason), a first entry
does not; each read of a patient is logged, and only an admin reads that log; the audit head is published."""

from __future__ import annotations

import copy

from api.support import SPEC_CASE, Api


def test_a_correction_without_a_reason_is_422_and_writes_nothing(api: Api):
    pid = api.new_patient(case=SPEC_CASE)  # first entries: no reason needed
    date = SPEC_CASE["timepoints"][1]["date"]
    path = f"/api/v1/patients/{pid}/timepoints/{date}"
    body = copy.deepcopy(SPEC_CASE["timepoints"][1])
    body["diameters_mm"]["T1"] = 21
    before = api.call("GET", "/api/v1/audit").json()["total"]
    refused = api.call("PUT", path, json=body, headers={"If-Match": "1", "X-Reason": ""}, role="radiologist")
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "X-Reason" and "diameters_mm.T1" in error["message"]
    assert api.call("GET", "/api/v1/audit").json()["total"] == before
    blank = api.call("PUT", path, json=body, headers={"If-Match": "1", "X-Reason": "  "}, role="radiologist")
    assert blank.status_code == 422
    done = api.call("PUT", path, json=body, headers={"If-Match": "1", "X-Reason": "re-measured"}, role="radiologist")
    assert done.status_code == 200, done.text
    row = api.call("GET", f"/api/v1/audit?patient={pid}").json()["items"][-1]
    assert row["action"] == "timepoint.replace" and row["reason"] == "re-measured"


def test_adding_to_a_case_is_not_a_correction(api: Api):
    pid = api.new_patient(case={**SPEC_CASE, "timepoints": SPEC_CASE["timepoints"][:1]})
    grown = api.call("PUT", f"/api/v1/patients/{pid}/case", json=SPEC_CASE, headers={"If-Match": "2"})
    assert grown.status_code == 200, grown.text
    changed = copy.deepcopy(SPEC_CASE)
    changed["lesions"][0]["organ"] = "spleen"
    refused = api.call("PUT", f"/api/v1/patients/{pid}/case", json=changed, headers={"If-Match": "3", "X-Reason": ""})
    assert refused.status_code == 422 and "lesions[T1].organ" in refused.json()["errors"][0]["message"]


def test_reads_of_a_patient_are_logged_for_admins_only(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    assert api.call("GET", f"/api/v1/patients/{pid}", role="viewer").status_code == 200
    assert api.call("GET", f"/api/v1/patients/{pid}/case", role="radiologist").status_code == 200
    assert api.call("GET", "/api/v1/patients/999", role="viewer").status_code == 404
    assert api.call("GET", "/api/v1/access-log", role="radiologist").status_code == 403
    log = api.call("GET", f"/api/v1/access-log?patient={pid}").json()
    assert [(r["user"], r["patient_id"], r["action"]) for r in log["items"]] == [
        ("viewer", pid, "patient.read"),
        ("radiologist", pid, "case.read"),
    ]
    assert log["items"][0]["at"] <= log["items"][1]["at"]
    assert api.call("GET", "/api/v1/access-log?user=viewer").json()["total"] == 1


def test_the_audit_head_is_published_for_a_notary(api: Api):
    api.new_patient()
    head = api.call("GET", "/api/v1/audit/head", role="viewer").json()
    last = api.call("GET", "/api/v1/audit").json()["items"][-1]
    assert head == {"seq": last["seq"], "head": last["hash"]}
