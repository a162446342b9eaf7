"""From the records store to FHIR and SDTM (``ioguide.services.exports``), one lesion followed through every export, and
``ioguide export fhir|sdtm`` as a user runs it (exit 2 with the field's path for bad input or unknown ids)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ioguide.cli.main import app
from ioguide.criteria.assess import assess_json
from ioguide.interop.fhir import BODY_SITE_REFERENCE, TARGET_BODY_STRUCTURE, patient_bundle
from ioguide.interop.sdtm import study_datasets
from ioguide.records.db import Database, open_database, read_session
from ioguide.records.migrate import upgrade
from ioguide.records.models import Lesion
from ioguide.services.context import cli_actor
from ioguide.services.exports import load_patient_export, load_study_export

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[2] / "examples" / "interop"


@pytest.fixture(scope="module")
def store(demo_input: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """A SQLite store holding patient 001 of the demo study, written through the services."""
    from ioguide.services.cases import put_case
    from ioguide.services.patients import PatientIn, create_patient
    from ioguide.services.procedures import ProcedureIn, record_procedure
    from ioguide.services.toxicity import ToxicityIn, record_toxicity

    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'ioguide.db'}"
    upgrade(url)
    db = open_database(url)
    actor = cli_actor()
    source = demo_input["patients"][0]
    patient = create_patient(db, actor, PatientIn(study_id="001", program="IOG01", birth_year=1961, sex="female"))
    put_case(db, actor, patient["id"], source["case"], 1)
    for procedure in source["procedures"]:
        fields = {k: v for k, v in procedure.items() if k not in ("id", "complication_grade")}
        record_procedure(db, actor, patient["id"], ProcedureIn.model_validate(fields))
    ctcae = {"term": "alanine_aminotransferase_increased", "value": 180, "uln": 40, "baseline_abnormal": False}
    record_toxicity(
        db, actor, patient["id"], ToxicityIn.model_validate({"kind": "ctcae", "date": "2026-01-13", "input": ctcae})
    )
    db.dispose()
    return url, patient["id"]


@pytest.fixture()
def database(store: tuple[str, int]) -> Any:
    db = open_database(store[0])
    yield db
    db.dispose()


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_store_export_equals_the_file_export_of_the_same_patient(
    database: Database, store: tuple[str, int], demo_input: dict[str, Any]
) -> None:
    from ioguide.interop.inputs import parse_patient_export

    stored = load_patient_export(database, cli_actor(), store[1])
    source = copy.deepcopy(demo_input["patients"][0])
    del source["criteria"]
    for procedure in source["procedures"]:
        procedure.pop("id")
        procedure.pop("complication_grade", None)
    by_file = parse_patient_export(source)
    # The store spells out defaults (nodal: false, ...): the same case, hence the same response and observations.
    assert assess_json(stored.case) == assess_json(by_file.case)
    observations = [_resources(patient_bundle(p), "Observation") for p in (stored, by_file)]
    assert observations[0] == observations[1]
    assert [p.model_dump(exclude={"id"}) for p in stored.procedures] == [
        p.model_dump(exclude={"id"}) for p in by_file.procedures
    ]
    assert [(t.kind, t.grade, t.scale, t.term, t.name) for t in stored.toxicity] == [
        ("ctcae", 2, "CTCAE v5.0", "alanine_aminotransferase_increased", "Alanine aminotransferase increased")
    ]
    (event,) = _resources(patient_bundle(stored), "AdverseEvent")
    assert event["event"]["coding"][0] == {
        "system": "https://ioguide.org/fhir/CodeSystem/toxicity",
        "code": "alanine_aminotransferase_increased",
        "display": "Alanine aminotransferase increased",
    }


def test_one_lesion_is_the_same_key_in_the_store_fhir_and_sdtm(database: Database, store: tuple[str, int]) -> None:
    """Lesion I1 (injected skin target): records ``lesions.label`` -> FHIR BodyStructure identifier -> its Tumor
    Size observations, the injection Procedure and MedicationAdministration -> SDTM TULNKID, TRLNKID, PRLNKID,
    ECLNKID."""
    with read_session(database) as session:
        labels = session.scalars(select(Lesion.label).where(Lesion.patient_id == store[1])).all()
    assert "I1" in labels

    export = load_patient_export(database, cli_actor(), store[1])
    bundle = patient_bundle(export)
    (tumor,) = [t for t in _resources(bundle, "BodyStructure") if t["identifier"][0]["value"] == "I1"]
    assert tumor["identifier"][0]["system"] == "https://ioguide.org/fhir/sid/lesion/IOG01/001"
    ref = f"urn:uuid:{tumor['id']}"
    sizes = [o for o in _resources(bundle, "Observation") if o.get("focus") == [{"reference": ref}]]
    assert [s["component"][0]["valueQuantity"]["value"] for s in sizes] == [24, 14, 8, 0]
    injections = [
        p
        for p in _resources(bundle, "Procedure")
        if {"url": TARGET_BODY_STRUCTURE, "valueReference": {"reference": ref}} in p.get("extension", [])
    ]
    assert [p["code"]["coding"][0]["code"] for p in injections] == ["biopsy", "injection", "injection"]
    given = [
        m
        for m in _resources(bundle, "MedicationAdministration")
        if m["dosage"].get("site", {}).get("extension")
        == [{"url": BODY_SITE_REFERENCE, "valueReference": {"reference": ref}}]
    ]
    assert [m["dosage"]["dose"]["value"] for m in given] == [2, 1]

    from ioguide.interop.inputs import StudyExport

    datasets = study_datasets(StudyExport(study="IOG01", patients=(export,)))
    assert datasets["TU"].column("TULNKID").count("I1") == 1
    assert datasets["TR"].column("TRLNKID").count("I1") == 4
    assert datasets["PR"].column("PRLNKID").count("I1") == 3
    assert datasets["EC"].column("ECLNKID").count("I1") == 2


def test_study_from_the_store_by_program(database: Database) -> None:
    study = load_study_export(database, cli_actor(), "IOG01")
    assert [p.usubjid for p in study.patients] == ["IOG01-001"]


def test_cli_fhir_from_the_store(store: tuple[str, int]) -> None:
    result = runner.invoke(app, ["export", "fhir", "--patient", str(store[1]), "--db", store[0], "--format", "json"])
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    assert bundle["resourceType"] == "Bundle" and len(_resources(bundle, "BodyStructure")) == 7


def test_cli_unknown_patient_or_program_exits_2_naming_it(store: tuple[str, int], tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "fhir", "--patient", "999", "--db", store[0], "--format", "json"])
    assert result.exit_code == 2
    assert "999" in json.loads(result.stdout)["errors"][0]["message"]
    result = runner.invoke(
        app, ["export", "sdtm", "--program", "NOPE", "--db", store[0], "--out", str(tmp_path / "o"), "--format", "json"]
    )
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"] == [{"field": "program", "message": "no patient in program 'NOPE'"}]


def test_cli_sdtm_from_the_store_writes_xpt_csv_and_define(store: tuple[str, int], tmp_path: Path) -> None:
    out = tmp_path / "sdtm"
    result = runner.invoke(
        app, ["export", "sdtm", "--program", "IOG01", "--db", store[0], "--out", str(out), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["datasets"]["TU"] == 7 and "define.xml" in summary["files"]
    assert {"adam/define.xml", "adam/adrs.xpt", "adam/adtte.xpt", "adam/adsl.xpt", "dm.xpt", "ex.xpt"} <= set(
        summary["files"]
    )
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == set(summary["files"])


def test_cli_fhir_from_a_file_and_text_summary() -> None:
    result = runner.invoke(app, ["export", "fhir", str(DEMO / "patient-001.json"), "--format", "text"])
    assert result.exit_code == 0, result.output
    assert "BodyStructure                 7" in result.stdout


def test_cli_bad_input_exits_2_with_paths(tmp_path: Path, demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input["patients"][0])
    data["case"]["lesions"][0]["role"] = "primary"
    data["procedures"][1]["route"] = "intraventricular"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["export", "fhir", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["field"] == "case.lesions[0].role"
    assert result.stderr.startswith("case.lesions[0].role: ")


def test_cli_value_over_200_characters_exits_2_and_writes_nothing(tmp_path: Path, demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input)
    data["patients"][0]["procedures"][1]["agent"] = "x" * 201
    path = tmp_path / "long.json"
    path.write_text(json.dumps(data))
    out = tmp_path / "out"
    result = runner.invoke(app, ["export", "sdtm", str(path), "--out", str(out), "--format", "json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["field"] == "SDTM EC.ECTRT (row 1, USUBJID IOG01-001)"
    assert not out.exists() or not any(out.iterdir())


def test_cli_file_and_store_together_is_an_error(store: tuple[str, int]) -> None:
    result = runner.invoke(app, ["export", "fhir", str(DEMO / "patient-001.json"), "--patient", "1", "--db", store[0]])
    assert result.exit_code == 2
    assert "not both or neither" in result.stderr


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo program (``ioguide.demo``, six patients, ``ioguide serve --demo``) loaded through the services."""
    import argon2

    from ioguide.demo.loader import load_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    upgrade(url)
    db = open_database(url)
    load_demo(db, argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    db.dispose()
    return url


def test_the_demo_program_exports_to_fhir_and_sdtm(demo_store: str, tmp_path: Path) -> None:
    """Issue 10, "Done when": both exports work on the demo program. Its name has spaces, so STUDYID is given."""
    import io
    import zipfile

    from ioguide.demo.program import PROGRAM
    from ioguide.interop.files import study_archive

    db = open_database(demo_store)
    try:
        with pytest.raises(Exception, match="not a valid STUDYID"):
            load_study_export(db, cli_actor(), PROGRAM)
        study = load_study_export(db, cli_actor(), PROGRAM, "HITIT")
    finally:
        db.dispose()
    assert [p.subject for p in study.patients] == ["IT-001", "IT-002", "IT-003", "IT-004", "IT-005", "IT-006"]
    kinds = {e["resource"]["resourceType"] for p in study.patients for e in patient_bundle(p)["entry"]}
    assert kinds == {"Patient", "BodyStructure", "Observation", "Procedure", "MedicationAdministration", "AdverseEvent"}
    names = zipfile.ZipFile(io.BytesIO(study_archive(study))).namelist()
    assert {"tu.xpt", "tr.xpt", "rs.xpt", "pr.xpt", "ec.xpt", "tu.csv", "define.xml"} <= set(names)
    out = tmp_path / "sdtm"
    result = runner.invoke(
        app,
        [
            "export",
            "sdtm",
            "--program",
            PROGRAM,
            "--study",
            "HITIT",
            "--db",
            demo_store,
            "--out",
            str(out),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["datasets"]["RS"] > 0


def test_cli_sdtm_options_reach_dm_and_adrs(tmp_path: Path) -> None:
    """--site / --country fill DM; the SAP flags set ADRS's derivation (with the engine's own choices the confirmed
    BOR of subject 004, iRECIST pseudoprogression, is the engine's iPR); a bad --sd-reference exits 2."""
    out = tmp_path / "sdtm"
    args = ["export", "sdtm", str(DEMO / "study-iog01.json"), "--out", str(out), "--format", "json"]
    flags = ["--site", "07", "--country", "FRA", "--sd-reference", "baseline_scan", "--any-ne", "--pr-after-cr"]
    result = runner.invoke(app, [*args, *flags])
    assert result.exit_code == 0, result.output
    dm = pd.read_csv(out / "dm.csv", dtype=str)
    assert set(dm.SITEID) == {"07"} and set(dm.COUNTRY) == {"FRA"}
    adrs = pd.read_csv(out / "adam" / "adrs.csv", dtype=str)
    cbor = adrs[(adrs.USUBJID == "IOG01-004") & (adrs.PARAMCD == "CBOR")]
    assert list(cbor.AVALC) == ["iPR"]
    bad = runner.invoke(app, [*args[:-2], "--sd-reference", "randomisation"])
    assert bad.exit_code == 2 and "--sd-reference" in bad.stderr


def test_trmethod_comes_from_the_stored_imaging_study_of_the_scan(store: tuple[str, int], tmp_path: Path) -> None:
    """A stored CT study (with a SEG series, which says nothing of the method) on the baseline scan's date: TR
    records of that scan carry TRMETHOD CT SCAN, the other scans none (no study stored: unknown)."""
    import shutil

    from ioguide.records.db import write_transaction
    from ioguide.records.models import ImagingSeries, ImagingStudy

    path = tmp_path / "copy.db"
    shutil.copy(store[0].removeprefix("sqlite:///"), path)
    db = open_database(f"sqlite:///{path}")
    try:
        with write_transaction(db) as session:
            study = ImagingStudy(
                patient_id=store[1], study_instance_uid="1.2.3", dicom_patient_id="X", study_date="20260105",
                study_description="CT", deidentified=True,
            )  # fmt: skip
            study.series = [
                ImagingSeries(series_instance_uid=f"1.2.3.{n}", modality=m, series_number=str(n),
                              series_description=m, frame_of_reference_uid="1.2.3.9")
                for n, m in ((1, "SEG"), (2, "CT"))
            ]  # fmt: skip
            session.add(study)
        export = load_study_export(db, cli_actor(), "IOG01")
    finally:
        db.dispose()
    tr = pd.DataFrame(study_datasets(export)["TR"].records())
    assert set(tr[tr.TRDTC == "2026-01-05"].TRMETHOD) == {"CT SCAN"}
    assert tr[tr.TRDTC != "2026-01-05"].TRMETHOD.isna().all()
