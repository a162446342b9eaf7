"""``POST .../procedures`` with an ``Idempotency-Key``: the same submission sent twice records one procedure
(docs/api.md, Procedures; issue 15, "submitting twice records once")."""

from __future__ import annotations

from api.support import SPEC_CASE, Api, row_counts

INJECTION = {"kind": "injection", "date": "2026-01-07", "agent": "talimogene laherparepvec",
             "lesions": [{"lesion_id": "T1", "volume_ml": 2.5}], "complication": {"unplanned_stay_h": 20}}  # fmt: skip


def _post(api: Api, pid: int, key: str | None, body: dict | None = None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return api.call("POST", f"/api/v1/patients/{pid}/procedures", json=body or INJECTION, role="coordinator",
                    headers=headers)  # fmt: skip


def test_a_replay_answers_the_first_response_with_200_and_writes_nothing(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    first = _post(api, pid, "a3f1c2d4-0000-4b8e-9a77-1234567890ab")
    assert first.status_code == 201, first.text
    before = row_counts(api.db)
    again = _post(api, pid, "a3f1c2d4-0000-4b8e-9a77-1234567890ab", {**INJECTION, "date": "2026-01-08"})
    assert again.status_code == 200 and again.json() == first.json()  # the first response, not the second body
    assert row_counts(api.db) == before  # no second procedure, no audit row
    assert len(api.call("GET", f"/api/v1/patients/{pid}/procedures").json()) == 1


def test_without_a_key_or_with_another_key_each_post_records(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    assert _post(api, pid, None).status_code == 201 and _post(api, pid, None).status_code == 201
    assert _post(api, pid, "key-number-one").status_code == 201
    assert _post(api, pid, "key-number-two").status_code == 201
    assert len(api.call("GET", f"/api/v1/patients/{pid}/procedures").json()) == 4


def test_a_key_is_one_patients_and_must_look_like_a_key(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    other = api.new_patient("IT-002", case=SPEC_CASE)
    assert _post(api, pid, "shared-key-123").status_code == 201
    reused = _post(api, other, "shared-key-123")
    assert reused.status_code == 409 and reused.json()["errors"][0]["field"] == "Idempotency-Key"
    short = _post(api, pid, "abc")
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(api.call("GET", f"/api/v1/patients/{other}/procedures").json()) == 0
