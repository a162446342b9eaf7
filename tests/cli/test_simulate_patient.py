"""``ioguide simulate patient --patient ID``: exposure from a stored patient's recorded injections (SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioguide.cli.main import app
from ioguide.records.db import open_database
from ioguide.records.migrate import upgrade
from ioguide.services import cases, patients, procedures
from ioguide.services.context import Actor
from ioguide.simulation.patient import sphere_volume_l

runner = CliRunner()
RAD = Actor("rita", "radiologist")


@pytest.fixture()
def stored(tmp_path: Path) -> tuple[str, int]:
    url = f"sqlite:///{tmp_path / 'ioguide.db'}"
    upgrade(url)
    db = open_database(url)
    try:
        pid = int(patients.create_patient(db, RAD, patients.PatientIn(study_id="S-9", program="P"))["id"])
        case = {
            "lesions": [
                {"id": "T1", "role": "target", "organ": "skin", "injected": True},
                {"id": "T2", "role": "target", "organ": "liver"},
            ],
            "timepoints": [{"date": "2026-03-01", "diameters_mm": {"T1": 30, "T2": 20}}],
        }
        cases.put_case(db, RAD, pid, case, expected_version=1)
        for date in ("2026-03-02", "2026-03-09"):
            procedures.record_procedure(
                db,
                RAD,
                pid,
                procedures.ProcedureIn.model_validate(
                    {
                        "kind": "injection",
                        "date": date,
                        "agent": "pembrolizumab",
                        "concentration_mg_ml": 25,
                        "lesions": [{"lesion_id": "T1", "volume_ml": 0.8}],
                    }
                ),
            )
        procedures.record_procedure(
            db, RAD, pid,
            procedures.ProcedureIn.model_validate(
                {"kind": "injection", "date": "2026-03-09", "agent": "T-VEC", "lesions": [{"lesion_id": "T2", "volume_ml": 2}]}
            ),
        )  # fmt: skip
    finally:
        db.dispose()
    return url, pid


def test_patient_exposure_from_records(stored: tuple[str, int]) -> None:
    url, pid = stored
    result = runner.invoke(
        app, ["simulate", "patient", "--patient", str(pid), "--db", url, "--kp", "0.1", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    agent = out["agents"][0]
    assert agent["agent"] == "pembrolizumab" and agent["first_injection"] == "2026-03-02"
    lesion = agent["lesions"][0]
    assert [d["amount_mg"] for d in lesion["doses"]] == [20.0, 20.0] and [d["day"] for d in lesion["doses"]] == [0, 7]
    assert lesion["volume_l"] == pytest.approx(sphere_volume_l(30))
    assert agent["auc_plasma_inf_mg_day_l"] == pytest.approx(40 / 0.22, rel=1e-10)  # Ahamadi 2017 CL; D/CL
    assert out["horizon_days"] == 35 and len(out["times_days"]) == 36
    assert out["not_evaluable"][0]["injection"] == "2026-03-09 T-VEC into T2"
    assert {a["parameter"] for a in out["assumptions"]} >= {"tumour.kp", "pembrolizumab.T1.volume_l"}


def test_unknown_patient_and_bad_options_exit_2(stored: tuple[str, int]) -> None:
    url, _ = stored
    missing = runner.invoke(app, ["simulate", "patient", "--patient", "999", "--db", url, "--format", "json"])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("--patient: no patient with id 999")
    bad = runner.invoke(
        app, ["simulate", "patient", "--patient", "1", "--db", url, "--kp", "-1", "--horizon-days", "0"]
    )
    assert bad.exit_code == 2
    assert "--kp: must be >= 0" in bad.stderr and "--horizon-days: must be > 0" in bad.stderr


def test_text_output(stored: tuple[str, int]) -> None:
    url, pid = stored
    result = runner.invoke(app, ["simulate", "patient", "--patient", str(pid), "--db", url, "--format", "text"])
    assert result.exit_code == 0, result.output
    assert "T1: 2 injection(s), 40 mg" in result.stdout
    assert "not evaluable: 2026-03-09 T-VEC into T2" in result.stdout
