"""Two clients writing the same timepoint at once: one wins, the other gets 412, nothing is lost
(spec/api.md, "Concurrency")."""

from __future__ import annotations

import copy
import threading
from concurrent.futures import ThreadPoolExecutor

from api.support import SPEC_CASE, Api


def test_two_writers_one_version_one_wins_one_gets_412(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    path = f"/api/v1/patients/{pid}/timepoints/2026-03-02"
    bodies = []
    for t1 in (21, 22):
        body = copy.deepcopy(SPEC_CASE["timepoints"][1])
        body["diameters_mm"]["T1"] = t1
        bodies.append(body)
    barrier = threading.Barrier(2)

    def write(body):
        barrier.wait()
        return api.call("PUT", path, json=body, headers={"If-Match": "1", "X-Reason": "re-read"}, role="radiologist")

    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(write, bodies))
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200, 412], [r.text for r in replies]
    winner = next(body for body, reply in zip(bodies, replies, strict=True) if reply.status_code == 200)
    stored = api.call("GET", path).json()
    assert stored["diameters_mm"]["T1"] == winner["diameters_mm"]["T1"]
    assert stored["version"] == 2
    trail = api.call("GET", f"/api/v1/audit?patient={pid}").json()["items"]
    assert [row["action"] for row in trail].count("timepoint.replace") == 1


def test_read_modify_write_with_retry_loses_no_update(api: Api):
    """Four clients each add three new lesions to one timepoint by GET, modify, PUT If-Match, retrying on 412:
    all twelve are stored, and the audit trail holds exactly the twelve successful writes."""
    pid = api.new_patient(case=SPEC_CASE)
    path = f"/api/v1/patients/{pid}/timepoints/2026-03-02"
    conflicts = []

    def add(client_no: int) -> None:
        for k in range(3):
            while True:
                current = api.call("GET", path).json()
                version = current.pop("version")
                current.pop("patient_version")
                current["new_lesions"].append({"id": f"C{client_no}-{k}", "organ": "lung", "diameter_mm": 11})
                reply = api.call("PUT", path, json=current, headers={"If-Match": str(version)})
                if reply.status_code == 200:
                    break
                assert reply.status_code == 412, reply.text
                conflicts.append(client_no)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(add, range(4)))
    stored = api.call("GET", path).json()
    ids = {n["id"] for n in stored["new_lesions"]}
    assert ids == {"X1"} | {f"C{c}-{k}" for c in range(4) for k in range(3)}
    assert stored["version"] == 1 + 12
    trail = api.call("GET", f"/api/v1/audit?patient={pid}").json()["items"]
    assert [row["action"] for row in trail].count("timepoint.replace") == 12
