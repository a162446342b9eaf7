"""The case routes: PUT and GET round-trip exactly the `ioguide assess` input, the response is computed by the
same core as `ioguide assess` (spec/response.md), and every write leaves one audit row."""

from __future__ import annotations

import copy

from api.support import SPEC_CASE, Api
from ioguide.criteria.assess import assess_json


def _explicit(case: dict) -> dict:
    """The spec's example with its defaults written out, as GET /case returns them."""
    out = copy.deepcopy(case)
    for lesion in out["lesions"]:
        lesion.setdefault("nodal", False)
        lesion.setdefault("injected", False)
        lesion.setdefault("pleural", False)
    for tp in out["timepoints"]:
        tp.setdefault("non_target", {})
        tp.setdefault("new_lesions", [])
        for new in tp["new_lesions"]:
            for flag in ("equivocal", "increased", "typical_hcc"):
                new.setdefault(flag, False)
    return out


def test_put_then_get_case_round_trips(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    reply = api.call("GET", f"/api/v1/patients/{pid}/case")
    assert reply.status_code == 200
    assert reply.json() == _explicit(SPEC_CASE)
    assert reply.headers["ETag"] == '"2"'
    # what GET returns is valid input for PUT, and putting it back changes nothing but the version
    again = api.call("PUT", f"/api/v1/patients/{pid}/case", json=reply.json(), headers={"If-Match": "2"})
    assert again.status_code == 200 and again.json() == reply.json()


def test_response_is_the_assess_output_of_the_stored_case(api: Api):
    """spec/response.md's example: T1 32->20, T2 18->9 (sum 50 -> 29, -42.0 %), new lesion X1 -> PD."""
    pid = api.new_patient(case=SPEC_CASE)
    reply = api.call("GET", f"/api/v1/patients/{pid}/response", role="viewer")
    assert reply.status_code == 200
    body = reply.json()
    assert body == assess_json(_explicit(SPEC_CASE), None)
    assert body["timepoints"][1]["change_from_baseline_pct"] == -42.0
    assert body["timepoints"][1]["response"] == "PD"
    irecist = api.call("GET", f"/api/v1/patients/{pid}/response?criteria=irecist").json()
    assert irecist["criteria"] == "irecist"
    assert irecist["timepoints"][1]["response"] == "iUPD"


def test_lesions_and_timepoints_one_at_a_time_build_the_same_case(api: Api):
    pid = api.new_patient()
    for lesion in SPEC_CASE["lesions"]:
        assert api.call("POST", f"/api/v1/patients/{pid}/lesions", json=lesion).status_code == 201
    follow_up = api.call("POST", f"/api/v1/patients/{pid}/timepoints", json=SPEC_CASE["timepoints"][1])
    assert follow_up.status_code == 422  # it would be the baseline: RECIST 1.1 rules apply
    fields = {e["field"] for e in follow_up.json()["errors"]}
    assert {"new_lesions[0]", "diameters_mm.T2", "non_target.N1"} <= fields
    for tp in SPEC_CASE["timepoints"]:
        reply = api.call("POST", f"/api/v1/patients/{pid}/timepoints", json=tp)
        assert reply.status_code == 201, reply.text
    case = api.call("GET", f"/api/v1/patients/{pid}/case").json()
    expected = _explicit(SPEC_CASE)
    del expected["criteria"], expected["settings"]
    assert case == expected
    assert api.call("GET", f"/api/v1/patients/{pid}").json()["version"] == 1 + 3 + 2


def test_every_write_appends_one_audit_row_with_before_and_after(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    tp = copy.deepcopy(SPEC_CASE["timepoints"][1])
    tp["diameters_mm"]["T1"] = 21.5
    reply = api.call(
        "PUT",
        f"/api/v1/patients/{pid}/timepoints/2026-03-02",
        json=tp,
        headers={"If-Match": "1", "X-Reason": "re-read by second radiologist"},
        role="radiologist",
    )
    assert reply.status_code == 200, reply.text
    trail = api.call("GET", f"/api/v1/audit?patient={pid}", role="viewer").json()
    assert [row["action"] for row in trail["items"]] == ["patient.create", "case.replace", "timepoint.replace"]
    last = trail["items"][-1]
    assert last["user"] == "radiologist"
    assert last["reason"] == "re-read by second radiologist"
    assert last["before"]["diameters_mm"]["T1"] == 20
    assert last["after"]["diameters_mm"]["T1"] == 21.5
    assert trail["items"][1]["prev_hash"] == trail["items"][0]["hash"]


def test_procedure_and_toxicity_are_stored_with_their_grades(api: Api):
    """ASTCT 2019 (Lee et al. 2019, CRS table): 39.2 °C with low-flow oxygen is grade 2; CIRSE 2017
    (Filippiadis et al.): an unplanned overnight stay (20 h, no further therapy) is grade 2."""
    pid = api.new_patient(case=SPEC_CASE)
    crs = {"temp_c": 39.2, "fever_masked": False, "hypotension": "none", "oxygen": "low_flow"}
    reply = api.call(
        "POST", f"/api/v1/patients/{pid}/toxicity", json={"kind": "crs", "date": "2026-01-07", "input": crs}
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["grade"] == 2 and reply.json()["result"]["scale"] == "ASTCT 2019"
    procedure = {
        "kind": "injection",
        "date": "2026-01-07",
        "agent": "talimogene laherparepvec",
        "concentration_mg_ml": 1,
        "lesions": [{"lesion_id": "T1", "volume_ml": 2.5}],
        "needle_gauge": 21,
        "needle_length_mm": 150,
        "approach": "percutaneous",
        "guidance": "ultrasound",
        "complication": {"unplanned_stay_h": 20},
    }
    reply = api.call("POST", f"/api/v1/patients/{pid}/procedures", json=procedure, role="coordinator")
    assert reply.status_code == 201, reply.text
    assert reply.json()["complication_grade"] == 2
    listed = api.call("GET", f"/api/v1/patients/{pid}/procedures", role="viewer").json()
    assert listed[0]["lesions"] == [{"lesion_id": "T1", "volume_ml": 2.5}]
    assert api.call("GET", f"/api/v1/patients/{pid}/toxicity").json()[0]["grade"] == 2
