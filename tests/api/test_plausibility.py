"""Plausibility at the write path (issue 15 part 5; rules and sources in ioguide.case.plausibility): each refusal is
a 422 naming the field and the rule with nothing written; questioned values pass only with ``confirm``; a
correction needs a reason; ``treatment_start`` and ``slice_position_mm`` round-trip through GET/PUT case."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from api.support import SPEC_CASE, Api, row_counts

# SPEC_CASE: baseline 2026-01-05 (T1 32, T2 18), follow-up 2026-03-02 (T1 20, T2 9).
TP = "/api/v1/patients/{pid}/timepoints"


def _tp(date: str, t1: float = 20, t2: float = 9, **extra: Any) -> dict[str, Any]:
    return {"date": date, "diameters_mm": {"T1": t1, "T2": t2}, "non_target": {"N1": "present"}, **extra}


def _refused(api: Api, method: str, path: str, body: Any, field: str, rule: str, **headers: str) -> None:
    before = row_counts(api.db)
    reply = api.call(method, path, json=body, headers=headers)
    assert reply.status_code == 422, reply.text
    errors = reply.json()["errors"]
    assert any(e["field"] == field and rule in e["message"] for e in errors), errors
    assert row_counts(api.db) == before  # nothing written, not even an audit row


def test_a_scan_before_the_baseline_needs_confirm_and_a_reason(api: Api):
    """RECIST 1.1 §4.1: the baseline is the reference; an earlier scan would silently become it."""
    pid = api.new_patient(case=SPEC_CASE)
    path = TP.format(pid=pid)
    early = _tp("2025-12-20", 30, 17)
    _refused(api, "POST", path, early, "date", "replaces_baseline")
    confirmed = {**early, "confirm": ["replaces_baseline"]}
    _refused(api, "POST", path, confirmed, "X-Reason", "reason")
    ok = api.call("POST", path, json=confirmed, headers={"X-Reason": "the pre-treatment CT was found"})
    assert ok.status_code == 201, ok.text
    case = api.call("GET", f"/api/v1/patients/{pid}/case").json()
    assert case["timepoints"][0]["date"] == "2025-12-20" and "confirm" not in case["timepoints"][0]


def test_future_dates_and_dates_after_death_are_refused(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    _refused(api, "POST", TP.format(pid=pid), _tp(future), "date", "future_date")
    reply = api.call(
        "POST", "/api/v1/patients", json={"study_id": "IT-DEAD", "program": "HIT-IT", "death_date": "2026-04-01"}
    )
    assert reply.status_code == 201 and reply.json()["death_date"] == "2026-04-01"
    dead = reply.json()["id"]
    assert (
        api.call("PUT", f"/api/v1/patients/{dead}/case", json=SPEC_CASE, headers={"If-Match": "1"}).status_code == 200
    )
    _refused(api, "POST", TP.format(pid=dead), _tp("2026-04-20"), "date", "after_death")
    procedure = {"kind": "biopsy", "date": "2026-05-01", "lesions": [{"lesion_id": "T1"}], "cores": 2}
    _refused(api, "POST", f"/api/v1/patients/{dead}/procedures", procedure, "date", "after_death")
    crs = {"kind": "crs", "date": "2026-04-02", "input": {"temp_c": 38.5, "hypotension": "none", "oxygen": "none"}}
    _refused(api, "POST", f"/api/v1/patients/{dead}/toxicity", crs, "date", "after_death")


def test_a_withdrawal_date_in_the_future_is_refused(api: Api):
    future = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    body = {"study_id": "IT-W", "program": "HIT-IT", "withdrawal_date": future}
    _refused(api, "POST", "/api/v1/patients", body, "withdrawal_date", "future_date")


def test_a_diameter_over_400_mm_is_refused(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    _refused(api, "POST", TP.format(pid=pid), _tp("2026-04-27", 1000), "diameters_mm.T1", "diameter_max")


def test_a_doubling_within_four_weeks_asks_for_confirmation(api: Api):
    """T1 20 mm on 2026-03-02 -> 45 mm 14 days later: more than x2 within 28 days (CHANGE_WINDOW_DAYS)."""
    pid = api.new_patient(case=SPEC_CASE)
    path = TP.format(pid=pid)
    jump = _tp("2026-03-16", 45)
    _refused(api, "POST", path, jump, "diameters_mm.T1", "diameter_change")
    ok = api.call("POST", path, json={**jump, "confirm": ["diameter_change"]})
    assert ok.status_code == 201, ok.text
    # the same growth over 8 weeks is not questioned
    slow = api.new_patient("IT-SLOW", case=SPEC_CASE)
    assert api.call("POST", TP.format(pid=slow), json=_tp("2026-04-27", 45)).status_code == 201


def test_an_unknown_confirm_rule_is_refused(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    _refused(api, "POST", TP.format(pid=pid), {**_tp("2026-04-27"), "confirm": ["diameter_max"]}, "confirm", "only")


def test_crs_before_the_first_infusion_is_refused(api: Api):
    """ASTCT consensus (Lee et al. 2019): CRS follows the immune effector cell therapy."""
    pid = api.new_patient(case=SPEC_CASE)
    infusion = {"kind": "infusion", "date": "2026-01-20", "agent": "axi-cel", "route": "intravenous",
                "dose_cells": 2e8}  # fmt: skip
    assert api.call("POST", f"/api/v1/patients/{pid}/procedures", json=infusion).status_code == 201
    crs = {"kind": "crs", "date": "2026-01-15", "input": {"temp_c": 38.5, "hypotension": "none", "oxygen": "none"}}
    _refused(api, "POST", f"/api/v1/patients/{pid}/toxicity", crs, "date", "toxicity_before_infusion")
    after = api.call("POST", f"/api/v1/patients/{pid}/toxicity", json={**crs, "date": "2026-01-22"})
    assert after.status_code == 201, after.text


def test_a_cirse_complication_before_the_first_procedure_is_refused(api: Api):
    """CIRSE (Filippiadis et al. 2017) grades complications of a procedure."""
    pid = api.new_patient(case=SPEC_CASE)
    biopsy = {"kind": "biopsy", "date": "2026-02-01", "lesions": [{"lesion_id": "T1"}], "cores": 2}
    assert api.call("POST", f"/api/v1/patients/{pid}/procedures", json=biopsy).status_code == 201
    cirse = {"kind": "cirse", "date": "2026-01-30", "input": {"unplanned_stay_h": 20}}
    _refused(api, "POST", f"/api/v1/patients/{pid}/toxicity", cirse, "date", "complication_before_procedure")


def test_a_correction_needs_a_reason_a_first_entry_does_not(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    path = f"{TP.format(pid=pid)}/2026-03-02"
    version = api.call("GET", path).json()["version"]
    body = copy.deepcopy(SPEC_CASE["timepoints"][1])
    body["diameters_mm"]["T1"] += 1  # a stored value changes: a correction (an unchanged PUT corrects nothing)
    _refused(api, "PUT", path, body, "X-Reason", "reason", **{"If-Match": str(version), "X-Reason": ""})
    case_path = f"/api/v1/patients/{pid}/case"
    changed = copy.deepcopy(SPEC_CASE)
    changed["lesions"][0]["organ"] = "spleen"
    _refused(api, "PUT", case_path, changed, "X-Reason", "reason", **{"If-Match": "2", "X-Reason": ""})
    first = api.call("POST", TP.format(pid=pid), json=_tp("2026-04-27"))  # no X-Reason: a first entry
    assert first.status_code == 201, first.text


def test_treatment_start_and_slice_position_round_trip(api: Api):
    case = {
        "criteria": "mesothelioma",
        "treatment_start": "2026-01-10",
        "lesions": [{"id": "P1", "role": "target", "organ": "pleura level 1", "pleural": True,
                     "slice_position_mm": -112.5}],
        "timepoints": [{"date": "2026-01-05", "diameters_mm": {"P1": 12}}],
    }  # fmt: skip
    pid = api.new_patient(case=case)
    got = api.call("GET", f"/api/v1/patients/{pid}/case")
    assert got.json()["treatment_start"] == "2026-01-10"
    assert got.json()["lesions"][-1]["slice_position_mm"] == -112.5
    again = api.call("PUT", f"/api/v1/patients/{pid}/case", json=got.json(), headers={"If-Match": "2"})
    assert again.status_code == 200 and again.json() == got.json()
