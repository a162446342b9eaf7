"""``PUT /api/v1/patients/{id}/toxicity/{event_id}``: a correction is graded again by the same grader, needs the
version read (``If-Match``, spec/api.md "Versions": missing 428, stale 412) and a reason (``X-Reason``), and leaves
one audit row with before and after; a refused correction changes nothing."""

from __future__ import annotations

from typing import Any

from api.support import SPEC_CASE, Api, row_counts

#: ASTCT 2019 (Lee et al. 2019): 39.2 °C alone is CRS grade 1, with one vasopressor grade 3.
CRS: dict[str, Any] = {
    "kind": "crs",
    "date": "2026-01-07",
    "input": {"temp_c": 39.2, "hypotension": "none", "oxygen": "none"},
}
GRADE_3 = {**CRS, "input": {**CRS["input"], "hypotension": "one_vasopressor"}}


def _event(api: Api) -> tuple[int, int]:
    pid = api.new_patient(case=SPEC_CASE)
    reply = api.call("POST", f"/api/v1/patients/{pid}/toxicity", json=CRS, role="coordinator")
    assert reply.status_code == 201 and reply.json()["grade"] == 1
    return pid, reply.json()["id"]


def test_a_correction_is_graded_again_versioned_and_audited(api: Api):
    pid, eid = _event(api)
    url = f"/api/v1/patients/{pid}/toxicity/{eid}"
    assert api.call("GET", url, role="viewer").headers["ETag"] == '"1"'
    headers = {"If-Match": '"1"', "X-Reason": "vasopressor charted late"}
    reply = api.call("PUT", url, json=GRADE_3, headers=headers, role="coordinator")
    assert reply.status_code == 200, reply.text
    assert reply.json()["grade"] == 3 and reply.json()["version"] == 2 and reply.headers["ETag"] == '"2"'
    trail = api.call("GET", f"/api/v1/audit?patient={pid}", role="viewer").json()["items"]
    last = trail[-1]
    assert last["action"] == "toxicity.correct" and last["reason"] == "vasopressor charted late"
    assert last["before"]["grade"] == 1 and last["after"]["grade"] == 3


def test_refused_corrections_change_nothing(api: Api):
    pid, eid = _event(api)
    url = f"/api/v1/patients/{pid}/toxicity/{eid}"
    before = row_counts(api.db)
    reason = {"X-Reason": "typo"}
    missing = api.call("PUT", url, json=GRADE_3, headers=reason, role="coordinator")
    assert missing.status_code == 428
    stale = api.call("PUT", url, json=GRADE_3, headers={**reason, "If-Match": "7"}, role="coordinator")
    assert stale.status_code == 412
    no_reason = api.call("PUT", url, json=GRADE_3, headers={"If-Match": "1", "X-Reason": ""}, role="coordinator")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    other_kind = {"kind": "ctcae", "date": "2026-01-07", "input": {"term": "fever", "temp_c": 39.2}}
    kind = api.call("PUT", url, json=other_kind, headers={**reason, "If-Match": "1"}, role="coordinator")
    assert kind.status_code == 422 and kind.json()["errors"][0]["field"] == "kind"
    viewer = api.call("PUT", url, json=GRADE_3, headers={**reason, "If-Match": "1"}, role="viewer")
    assert viewer.status_code == 403
    unknown = api.call("PUT", f"{url}0", json=GRADE_3, headers={**reason, "If-Match": "1"}, role="coordinator")
    assert unknown.status_code == 404
    assert row_counts(api.db) == before
    assert api.call("GET", url, role="viewer").json()["grade"] == 1
