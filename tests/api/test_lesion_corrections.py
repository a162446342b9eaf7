"""Issue 15 (part rad): reclassify a lesion (target/non-target, injected from a date: itRECIST, Goldmacher et al.
J Clin Oncol 2020;38:2667-76) and re-date or delete a scan or a procedure, each with If-Match and a reason kept in
the audit trail; the stored response follows (RECIST 1.1, Eisenhauer et al. 2009, §4.3 and Table 1)."""

from __future__ import annotations

from typing import Any

from api.support import Api

#: Two liver/lung targets, 30 + 30 mm; at follow-up 15 + 30 = -25 %: SD (RECIST 1.1 §4.3.1, PR needs -30 %).
CASE: dict[str, Any] = {
    "criteria": "itrecist",
    "lesions": [
        {"id": "T1", "role": "target", "organ": "liver", "injected": True},
        {"id": "T2", "role": "target", "organ": "lung"},
        {"id": "T3", "role": "target", "organ": "liver"},
        {"id": "N1", "role": "non_target", "organ": "liver"},
    ],
    "timepoints": [
        {"date": "2026-01-05", "diameters_mm": {"T1": 30, "T2": 30, "T3": 20}, "non_target": {"N1": "present"}},
        {"date": "2026-03-02", "diameters_mm": {"T1": 15, "T2": 30, "T3": 20}, "non_target": {"N1": "absent"}},
        {"date": "2026-04-06", "diameters_mm": {"T1": 15, "T2": 30, "T3": 20}, "non_target": {"N1": "absent"}},
    ],
}


def _response(api: Api, pid: int, criteria: str = "recist1.1") -> list[str]:
    out = api.call("GET", f"/api/v1/patients/{pid}/response?criteria={criteria}", role="viewer").json()
    return [tp["response"] for tp in out["timepoints"][1:]]


def _patch(api: Api, pid: int, lesion: str, body: dict[str, Any], version: str = "1", reason: str = "re-read"):
    headers = {"If-Match": version, "X-Reason": reason}
    return api.call("PATCH", f"/api/v1/patients/{pid}/lesions/{lesion}", json=body, headers=headers, role="radiologist")


def test_reclassifying_a_target_changes_the_stored_response_and_is_audited(api: Api):
    pid = api.new_patient(case=CASE)
    assert _response(api, pid) == ["SD", "SD"]  # (15+30+20)/(30+30+20) = -19 %
    reply = _patch(api, pid, "T2", {"role": "non_target"})
    assert reply.status_code == 200, reply.text
    out = reply.json()
    assert out["role"] == "non_target" and out["version"] == 2 and reply.headers["ETag"] == '"2"'
    # a follow-up diameter says nothing about "unequivocal progression": not carried, said out loud
    assert out["not_carried"] == ["2026-03-02", "2026-04-06"]
    case = api.call("GET", f"/api/v1/patients/{pid}/case", role="viewer").json()
    assert case["timepoints"][0]["non_target"]["T2"] == "present"
    assert (
        case["timepoints"][1]["non_target"]["T2"] == "not_evaluated"
        and "T2" not in case["timepoints"][1]["diameters_mm"]
    )
    # targets 30+20 -> 15+20 = -30 %: PR with a non-target not evaluated (RECIST 1.1 Table 1)
    assert _response(api, pid) == ["PR", "PR"]
    rows = api.call("GET", f"/api/v1/audit?patient={pid}").json()["items"]
    last = rows[-1]
    assert last["action"] == "lesion.reclassify" and last["reason"] == "re-read"
    assert last["before"]["lesion"]["role"] == "target" and last["before"]["values"]["2026-03-02"] == 30
    assert last["after"]["values"]["2026-03-02"] == "not_evaluated"


def test_injected_from_moves_the_lesion_into_the_injected_subset(api: Api):
    pid = api.new_patient(case=CASE)
    reply = _patch(api, pid, "T2", {"role": "target", "injected_from": "2026-03-02"})
    assert reply.status_code == 200, reply.text
    out = api.call("GET", f"/api/v1/patients/{pid}/response", role="viewer").json()
    assert "T2" in out["subsets"]["injected"]["lesions"]


def test_a_reclassification_is_refused_without_reason_stale_version_or_beyond_target_limits(api: Api):
    pid = api.new_patient(case=CASE)
    assert _patch(api, pid, "T2", {"role": "non_target"}, reason="").status_code == 422
    assert _patch(api, pid, "T2", {"role": "non_target"}, version="7").status_code == 412
    no_baseline = _patch(api, pid, "N1", {"role": "target"})
    assert no_baseline.status_code == 422
    assert no_baseline.json()["errors"][0]["field"] == "baseline_diameter_mm"
    # RECIST 1.1 §3.3.1: at most two targets per organ (T1, T3 in the liver already); itRECIST counts the
    # injected and non-injected targets apart (Goldmacher 2020, Fig. 1), so the same case under RECIST 1.1
    pid = api.new_patient("IT-002", {**CASE, "criteria": "recist1.1"})
    too_many = _patch(api, pid, "N1", {"role": "target", "baseline_diameter_mm": 25})
    assert too_many.status_code == 422, too_many.text
    assert "organ" in too_many.text
    assert api.call("GET", f"/api/v1/patients/{pid}/lesions/N1", role="viewer").json()["role"] == "non_target"
    assert _response(api, pid) == ["SD", "SD"]
    assert api.call("GET", f"/api/v1/patients/{pid}/lesions/X9", role="viewer").status_code == 404


def _scan(api: Api, pid: int, method: str, date: str, reason: str = "wrong date", **kwargs: Any):
    headers = {"If-Match": "1", "X-Reason": reason}
    return api.call(method, f"/api/v1/patients/{pid}/timepoints/{date}", headers=headers, role="radiologist", **kwargs)


def test_deleting_or_re_dating_scans(api: Api):
    pid = api.new_patient(case=CASE)
    baseline = _scan(api, pid, "DELETE", "2026-01-05")
    assert baseline.status_code == 409 and "baseline" in baseline.text
    past = _scan(api, pid, "PATCH", "2026-03-02", json={"new_date": "2026-05-01"})
    assert past.status_code == 422 and "keeps its place" in past.text
    assert [e["field"] for e in past.json()["errors"]] == ["new_date"]  # the body's own field
    assert _scan(api, pid, "DELETE", "2026-04-06", reason="").status_code == 422
    moved = _scan(api, pid, "PATCH", "2026-03-02", json={"new_date": "2026-03-03"})
    assert moved.status_code == 200 and moved.json()["date"] == "2026-03-03"
    deleted = _scan(api, pid, "DELETE", "2026-04-06")
    assert deleted.status_code == 200, deleted.text
    out = api.call("GET", f"/api/v1/patients/{pid}/response?criteria=recist1.1", role="viewer").json()
    assert [tp["date"] for tp in out["timepoints"]] == ["2026-01-05", "2026-03-03"]
    actions = [(r["action"], r["reason"]) for r in api.call("GET", f"/api/v1/audit?patient={pid}").json()["items"]]
    assert actions[-2:] == [("timepoint.redate", "wrong date"), ("timepoint.delete", "wrong date")]
    [row] = [
        r for r in api.call("GET", f"/api/v1/audit?patient={pid}").json()["items"] if r["action"] == "timepoint.delete"
    ]
    assert row["before"]["diameters_mm"]["T2"] == 30  # the deleted values are kept in the audit trail


def test_re_dating_and_deleting_a_procedure(api: Api):
    pid = api.new_patient(case=CASE)
    body = {"kind": "injection", "date": "2026-01-06", "agent": "pv10_rose_bengal", "lesions": [{"lesion_id": "T1"}]}
    proc = api.call("POST", f"/api/v1/patients/{pid}/procedures", json=body, role="coordinator").json()
    url = f"/api/v1/patients/{pid}/procedures/{proc['id']}"
    future = api.call("PATCH", url, json={"new_date": "2999-01-01"}, headers={"If-Match": "1", "X-Reason": "typo"})
    assert future.status_code == 422 and "future_date" in future.text
    moved = api.call("PATCH", url, json={"new_date": "2026-01-07"}, headers={"If-Match": "1", "X-Reason": "typo"})
    assert moved.status_code == 200 and moved.json()["date"] == "2026-01-07"
    stale = api.call("DELETE", url, headers={"If-Match": "1", "X-Reason": "entered twice"})
    assert stale.status_code == 412
    assert (
        api.call("DELETE", url, headers={"If-Match": "2", "X-Reason": "entered twice"}, role="viewer").status_code
        == 403
    )
    assert api.call("DELETE", url, headers={"If-Match": "2", "X-Reason": "entered twice"}).status_code == 200
    assert api.call("GET", f"/api/v1/patients/{pid}/procedures", role="viewer").json() == []
