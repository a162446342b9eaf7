"""The verbs without HTTP: roles are enforced in the service too, versions move with each change, a failed verb
writes nothing (no row, no audit row)."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from ioguide.errors import InputError
from ioguide.records.db import Database
from ioguide.services import cases, patients
from ioguide.services.casedoc import rebase
from ioguide.services.context import Actor, may
from ioguide.services.errors import PermissionDeniedError, StaleVersionError

RAD = Actor("rita", "radiologist", reason="baseline read")
VIEWER = Actor("vic", "viewer")
CASE = {
    "criteria": "itrecist",
    "lesions": [
        {"id": "T1", "role": "target", "organ": "skin", "injected": True},
        {"id": "T2", "role": "target", "organ": "liver", "injected_from": "2026-02-01"},
    ],
    "timepoints": [
        {"date": "2026-01-05", "diameters_mm": {"T1": 25, "T2": 14.5}},
        {"date": "2026-03-02", "diameters_mm": {"T1": "too_small", "T2": "not_evaluated"}, "reason": "symptom"},
    ],
}


def _audit_rows(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one())


def _patient(db: Database) -> int:
    return int(patients.create_patient(db, RAD, patients.PatientIn(study_id="S-1", program="P"))["id"])


def test_role_order():
    assert may("admin", "radiologist") and may("radiologist", "coordinator") and may("coordinator", "viewer")
    assert not may("coordinator", "radiologist") and not may("viewer", "coordinator") and not may("root", "viewer")


def test_a_viewer_cannot_write_even_without_the_api(db: Database):
    with pytest.raises(PermissionDeniedError):
        patients.create_patient(db, VIEWER, patients.PatientIn(study_id="S-1", program="P"))
    assert _audit_rows(db) == 0


def test_case_keeps_codes_dates_and_reason_and_versions_move(db: Database):
    pid = _patient(db)
    out = cases.put_case(db, RAD, pid, CASE, expected_version=1)
    assert out["version"] == 2
    stored, version = cases.get_case(db, VIEWER, pid)
    assert version == 2
    assert stored["lesions"][1]["injected_from"] == "2026-02-01"
    assert stored["timepoints"][0]["diameters_mm"] == {"T1": 25, "T2": 14.5}
    assert stored["timepoints"][1]["diameters_mm"] == {"T1": "too_small", "T2": "not_evaluated"}
    assert stored["timepoints"][1]["reason"] == "symptom"
    with pytest.raises(StaleVersionError):
        cases.put_case(db, RAD, pid, CASE, expected_version=1)
    tp = cases.get_timepoint(db, VIEWER, pid, __import__("datetime").date(2026, 3, 2))
    assert tp["version"] == 1 and tp["patient_version"] == 2


def test_a_rejected_case_writes_nothing(db: Database):
    pid = _patient(db)
    before = _audit_rows(db)
    bad = copy.deepcopy(CASE)
    bad["timepoints"][0]["diameters_mm"]["T2"] = 8  # RECIST 1.1 §3.1.1: a non-nodal target needs >= 10 mm
    with pytest.raises(InputError) as err:
        cases.put_case(db, RAD, pid, bad, expected_version=1)
    assert err.value.problems[0].field == "timepoints[0].diameters_mm.T2"
    assert _audit_rows(db) == before
    assert cases.get_case(db, VIEWER, pid) == ({"lesions": [], "timepoints": []}, 1)


def test_rebase_readdresses_problems_to_the_posted_object():
    err = InputError.one("timepoints[2].diameters_mm.T1", "bad")
    assert rebase(err, "timepoints[2]").problems[0].field == "diameters_mm.T1"
    assert rebase(err, "timepoints[1]").problems[0].field == "timepoints[2].diameters_mm.T1"
    assert rebase(InputError.one("timepoints[2]", "x"), "timepoints[2]").problems[0].field == "$"
