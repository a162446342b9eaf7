"""Bad input gets 422 with {"errors": [{"field", "message"}]} naming the field and the rule, and leaves the
database (rows and audit rows) unchanged; unknown ids 404, duplicates 409, stale versions 412, missing If-Match
428 (spec/api.md, "Errors" and "Versions")."""

from __future__ import annotations

import copy

import pytest

from api.support import SPEC_CASE, Api, row_counts


def _case_with(**changes):
    case = copy.deepcopy(SPEC_CASE)
    for path, value in changes.items():
        node = case
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        node[keys[-1]] = value
    return case


BAD = [
    # (method, path, body, If-Match, field named, words in the message)
    ("POST", "/api/v1/patients", {"study_id": "IT-9", "program": "P", "colour": "red"}, None, "colour", "unknown field"),
    ("POST", "/api/v1/patients", {"study_id": "IT-9", "program": "P", "sex": "f"}, None, "sex", "not one of"),
    ("POST", "/api/v1/patients", {"program": "P"}, None, "study_id", "missing"),
    ("POST", "/api/v1/patients", {"study_id": "IT-9", "program": "P", "birth_year": 1800}, None, "birth_year", "greater than or equal to 1900"),
    ("PUT", "/api/v1/patients/{pid}/case", _case_with(timepoints__1__diameters_mm__T1=-4), "2",
     "timepoints[1].diameters_mm.T1", "-4"),
    ("PUT", "/api/v1/patients/{pid}/case", _case_with(lesions__0__organ=None), "2", "lesions[0].organ", ""),
    ("PUT", "/api/v1/patients/{pid}/case", _case_with(timepoints__0__diameters_mm__T2=12), "2",
     "timepoints[0].diameters_mm.T2", "15 mm"),
    ("PUT", "/api/v1/patients/{pid}/case", _case_with(timepoints__1__date="2026-01-01"), "2", "timepoints[1].date", ""),
    ("POST", "/api/v1/patients/{pid}/lesions", {"id": "T3", "role": "targett", "organ": "lung"}, None, "role", "not one of"),
    ("POST", "/api/v1/patients/{pid}/timepoints", {"date": "2026-05-01", "diameters_mm": {"T9": 10}}, None,
     "diameters_mm.T9", "T9"),
    ("POST", "/api/v1/patients/{pid}/timepoints", {"date": "2026-13-01"}, None, "date", "ISO 8601"),
    ("PUT", "/api/v1/patients/{pid}/timepoints/2026-03-02",
     {"date": "2026-03-02", "diameters_mm": {"T1": "big"}}, "1", "diameters_mm.T1", "big"),
    ("PUT", "/api/v1/patients/{pid}/timepoints/2026-03-02", {"date": "2026-03-03"}, "1", "date", "path"),
    ("POST", "/api/v1/patients/{pid}/toxicity", {"kind": "crs", "date": "2026-01-07",
     "input": {"temp_c": 39, "hypotension": "none", "oxygen": "low_flow", "oxygen_flow_l_min": 8}}, None,
     "input.oxygen_flow_l_min", "6 L/min"),
    ("POST", "/api/v1/patients/{pid}/toxicity", {"kind": "cytokine", "date": "2026-01-07", "input": {}}, None,
     "kind", "not one of"),
    ("POST", "/api/v1/patients/{pid}/procedures", {"kind": "injection", "date": "2026-01-07",
     "agent": "x", "lesions": [{"lesion_id": "T7"}]}, None, "lesions[0].lesion_id", "not a lesion"),
    ("POST", "/api/v1/patients/{pid}/procedures", {"kind": "biopsy", "date": "2026-01-07",
     "lesions": [{"lesion_id": "T1"}]}, None, "cores", "required"),
    ("POST", "/api/v1/patients/{pid}/procedures", {"kind": "injection", "date": "2026-01-07", "agent": "x",
     "lesions": [{"lesion_id": "T1"}], "complication": {"sequelae": "some"}}, None, "complication.sequelae", ""),
    ("GET", "/api/v1/patients?limit=0", None, None, "limit", ""),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "match", "field", "words"), BAD)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(api: Api, method, path, body, match, field, words):
    pid = api.new_patient(case=SPEC_CASE)
    before = row_counts(api.db)
    headers = {"If-Match": match} if match else {}
    reply = api.call(method, path.format(pid=pid), json=body, headers=headers)
    assert reply.status_code == 422, reply.text
    errors = reply.json()["errors"]
    assert any(e["field"] == field and words in e["message"] for e in errors), errors
    assert row_counts(api.db) == before


def test_a_body_that_is_not_json_is_rejected(api: Api):
    reply = api.call("POST", "/api/v1/patients", content=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"] == "$"
    assert "not valid JSON" in reply.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/patients/999",
        "/api/v1/patients/999/case",
        "/api/v1/patients/999/response",
        "/api/v1/patients/{pid}/timepoints/2020-01-01",
    ],
)
def test_unknown_ids_are_404(api: Api, path: str):
    pid = api.new_patient(case=SPEC_CASE)
    reply = api.call("GET", path.format(pid=pid))
    assert reply.status_code == 404
    assert reply.json()["errors"][0]["message"]


def test_duplicates_are_409(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    before = row_counts(api.db)
    dup_patient = api.call("POST", "/api/v1/patients", json={"study_id": "IT-001", "program": "HIT-IT"})
    dup_lesion = api.call("POST", f"/api/v1/patients/{pid}/lesions", json={"id": "T1", "role": "target", "organ": "x"})
    dup_tp = api.call("POST", f"/api/v1/patients/{pid}/timepoints", json=SPEC_CASE["timepoints"][1])
    assert [r.status_code for r in (dup_patient, dup_lesion, dup_tp)] == [409, 409, 409]
    assert dup_patient.json()["errors"][0]["field"] == "study_id"
    assert row_counts(api.db) == before


def test_put_without_if_match_is_428_and_stale_is_412(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    before = row_counts(api.db)
    tp_path = f"/api/v1/patients/{pid}/timepoints/2026-03-02"
    tp = SPEC_CASE["timepoints"][1]
    assert api.call("PUT", f"/api/v1/patients/{pid}/case", json=SPEC_CASE).status_code == 428
    assert api.call("PUT", tp_path, json=tp).status_code == 428
    assert api.call("PUT", f"/api/v1/patients/{pid}/case", json=SPEC_CASE, headers={"If-Match": "1"}).status_code == 412
    assert api.call("PUT", tp_path, json=tp, headers={"If-Match": "7"}).status_code == 412
    assert api.call("PUT", tp_path, json=tp, headers={"If-Match": "abc"}).status_code == 412
    assert row_counts(api.db) == before
    ok = api.call("PUT", tp_path, json=tp, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'


def test_a_case_dropping_a_treated_lesion_is_409(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    injection = {"kind": "injection", "date": "2026-01-07", "agent": "x", "lesions": [{"lesion_id": "N1"}]}
    assert api.call("POST", f"/api/v1/patients/{pid}/procedures", json=injection).status_code == 201
    case = copy.deepcopy(SPEC_CASE)
    case["lesions"] = case["lesions"][:2]
    for tp in case["timepoints"]:
        tp.pop("non_target")
    before = row_counts(api.db)
    reply = api.call("PUT", f"/api/v1/patients/{pid}/case", json=case, headers={"If-Match": "2"})
    assert reply.status_code == 409
    assert row_counts(api.db) == before


RAW = [
    # Python's JSON parser accepts NaN and Infinity; neither is JSON, and neither may be stored
    ("/api/v1/patients/{pid}/procedures", '{"kind": "infusion", "date": "2026-01-07", "agent": "x", '
     '"route": "intravenous", "dose_cells": Infinity}', "dose_cells"),
    ("/api/v1/patients/{pid}/procedures", '{"kind": "injection", "date": "2026-01-07", "agent": "x", '
     '"lesions": [{"lesion_id": "T1", "volume_ml": NaN}]}', "lesions[0].volume_ml"),
    ("/api/v1/patients/{pid}/toxicity", '{"kind": "crs", "date": "2026-01-07", '
     '"input": {"temp_c": NaN, "hypotension": "none", "oxygen": "none"}}', "input.temp_c"),
    ("/api/v1/patients/{pid}/timepoints", '{"date": "2026-05-01", "diameters_mm": {"T1": Infinity, "T2": 9}, '
     '"non_target": {"N1": "absent"}}', "diameters_mm.T1"),
    # PostgreSQL cannot store a NUL character in a text column: 422 there, nothing written (SQLite stores it)
    ("/api/v1/patients", '{"study_id": "IT-9", "program": "P\\u0000"}', None),
    ("/api/v1/patients/{pid}/procedures", '{"kind": "injection", "date": "2026-01-07", "agent": "a\\u0000b", '
     '"lesions": [{"lesion_id": "T1"}]}', None),
]  # fmt: skip


@pytest.mark.parametrize(("path", "raw", "field"), RAW)
def test_values_no_database_can_store_are_422(api: Api, path: str, raw: str, field: str | None):
    pid = api.new_patient(case=SPEC_CASE)
    before = row_counts(api.db)
    reply = api.call("POST", path.format(pid=pid), content=raw.encode(), headers={"Content-Type": "application/json"})
    if field is None and reply.status_code == 201:  # where the database can store a NUL character, it may
        return
    assert reply.status_code == 422, reply.text
    if field is not None:
        assert field in {e["field"] for e in reply.json()["errors"]}
    assert row_counts(api.db) == before
