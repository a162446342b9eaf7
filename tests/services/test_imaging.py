"""``ioguide import --db`` and ``ioguide measure --store``: the imaging commands writing into the records store,
on SQLite and PostgreSQL (tests/dbfixtures.py), with real DICOM series written by tests/imaging/support.py.

Each write has its audit rows and the chain verifies; a failed call leaves every table exactly as it was (rows
counted before and after); a de-identified import stores only pseudonymous UIDs, with the mapping readable by
admins only.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pydicom
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from imaging.support import lesion_ct, write_ct_series, write_nifti
from ioguide.cli.main import app
from ioguide.imaging.deidentify import date_offset_days
from ioguide.records import audit
from ioguide.records.db import Database, open_database, read_session
from ioguide.services import cases, patients
from ioguide.services.context import Actor
from ioguide.services.errors import PermissionDeniedError
from ioguide.services.imaging import deid_mapping, list_studies, measurement_images

RAD = Actor("rita", "radiologist")
ADMIN = Actor("ada", "admin")
SPACING, ORIGIN = (0.8, 0.8, 2.5), (-25.0, -30.0, 10.0)
TABLES = (
    "imaging_studies", "imaging_series", "imaging_instances", "deid_mappings", "measurement_images",
    "timepoints", "measurements", "audit_log",
)  # fmt: skip
#: A RECIST 1.1 case (Eisenhauer 2009): a non-nodal target, a nodal target (short axis >= 15 mm at baseline,
#: §3.1) and a non-target, measured at baseline only.
CASE = {
    "criteria": "recist1.1",
    "lesions": [
        {"id": "T1", "role": "target", "organ": "liver"},
        {"id": "N1", "role": "target", "organ": "lymph node", "nodal": True},
        {"id": "NT1", "role": "non_target", "organ": "lung"},
    ],
    "timepoints": [{"date": "2026-01-05", "diameters_mm": {"T1": 30, "N1": 16}, "non_target": {"NT1": "present"}}],
}


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 64x64x12 CT series with a two-label mask (label 1: ellipsoid, label 2: box) on its grid, a mask on
    another grid, and a second study."""
    base = tmp_path_factory.mktemp("join")
    hu, labels = lesion_ct()
    series = write_ct_series(base / "series", hu, SPACING, ORIGIN)
    other = write_ct_series(base / "other", hu[:4], SPACING, ORIGIN)
    mask = write_nifti(base / "mask.nii.gz", labels.astype("uint8"), SPACING, ORIGIN)
    shifted = write_nifti(base / "shifted.nii.gz", labels.astype("uint8"), (0.8, 0.8, 3.0), ORIGIN)
    return {"series": series, "other": other, "mask": mask, "shifted": shifted, "base": base}


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}


def _chain_ok(db: Database) -> None:
    with read_session(db) as session:
        assert audit.verify(session, db.audit_keyring()).ok


def _audit(db: Database, action_prefix: str) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT action, entity, after FROM audit_log WHERE action LIKE :p ORDER BY id"),
            {"p": f"{action_prefix}%"},
        ).all()
    return [{"action": a, "entity": e, "after": json.loads(after) if after else None} for a, e, after in rows]


def _patient(db: Database, study_id: str = "S-1", case: dict[str, Any] | None = None) -> int:
    pid = int(patients.create_patient(db, RAD, patients.PatientIn(study_id=study_id, program="P"))["id"])
    if case is not None:
        cases.put_case(db, RAD, pid, case, 1)
    return pid


def _uids(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"study": set(), "series": set(), "sop": set()}
    for path in folder.glob("*.dcm"):
        ds = pydicom.dcmread(str(path), stop_before_pixels=True)
        found["study"].add(str(ds.StudyInstanceUID))
        found["series"].add(str(ds.SeriesInstanceUID))
        found["sop"].add(str(ds.SOPInstanceUID))
    return found


def test_import_indexes_the_series_with_audit_rows_and_is_idempotent(db_url: str, study: dict[str, Path]):
    db = open_database(db_url)
    pid = _patient(db)
    first = _run("import", str(study["series"]), "--db", db_url, "--patient", str(pid), "--format", "json")
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    assert out["stored"]["added"] == {"studies": 1, "series": 1, "instances": 12, "mappings": 0}
    assert "mapping" not in out
    counts = _counts(db)
    assert (counts["imaging_studies"], counts["imaging_series"], counts["imaging_instances"]) == (1, 1, 12)
    uids = _uids(study["series"])
    [stored] = list_studies(db, RAD, pid)
    assert stored["study_instance_uid"] == next(iter(uids["study"]))
    assert stored["series"] == {next(iter(uids["series"])): 12}
    [row] = _audit(db, "imaging_study")
    assert row["action"] == "imaging_study.create" and row["after"]["series"] == stored["series"]
    again = _run("import", str(study["series"]), "--db", db_url, "--patient", str(pid), "--format", "json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["stored"]["added"] == {"studies": 0, "series": 0, "instances": 0, "mappings": 0}
    assert _counts(db) == counts  # no new row, no new audit row
    text = _run("import", str(study["series"]), "--db", db_url, "--format", "text")
    assert '"instances": 12' in text.output and '"stored": {"studies": 0, "series": 0, "instances": 0' in text.output
    _chain_ok(db)
    db.dispose()


def test_deidentified_import_stores_pseudonyms_and_keeps_the_mapping_for_admins(db_url: str, study: dict[str, Path]):
    db = open_database(db_url)
    args = ("import", str(study["series"]), "--deidentify", "--salt", "s3cret", "--db", db_url, "--format", "json")
    done = _run(*args)
    assert done.exit_code == 0, done.output
    assert "mapping" not in json.loads(done.output)  # in the store, not on standard output
    original = _uids(study["series"])
    with db.engine.connect() as conn:
        study_uids = set(conn.execute(sa.text("SELECT study_instance_uid FROM imaging_studies")).scalars())
        series_uids = set(conn.execute(sa.text("SELECT series_instance_uid FROM imaging_series")).scalars())
        sop_uids = set(conn.execute(sa.text("SELECT sop_instance_uid FROM imaging_instances")).scalars())
        dicom_ids = set(conn.execute(sa.text("SELECT dicom_patient_id FROM imaging_studies")).scalars())
        trail = " ".join(str(r) for r in conn.execute(sa.text("SELECT before, after FROM audit_log")).all())
    mapping = deid_mapping(db, ADMIN)
    uid_map = {m["original"]: m["pseudonym"] for m in mapping if m["kind"] == "uid"}
    assert study_uids == {uid_map[u] for u in original["study"]}
    assert series_uids == {uid_map[u] for u in original["series"]}
    assert sop_uids == {uid_map[u] for u in original["sop"]}
    assert all(u.startswith("2.25.") for u in study_uids | series_uids | sop_uids)
    assert {m["original"]: m["pseudonym"] for m in mapping if m["kind"] == "patient_id"} == {
        "P001": next(iter(dicom_ids))
    }
    assert deid_mapping(db, ADMIN, next(iter(study_uids))) == [
        {"kind": "uid", "original": next(iter(original["study"])), "pseudonym": next(iter(study_uids))}
    ]
    for leaked in [*original["study"], *original["series"], "P001"]:
        assert leaked not in trail  # the audit trail (readable by viewers) never holds an original
    for role in ("viewer", "coordinator", "radiologist"):
        with pytest.raises(PermissionDeniedError):
            deid_mapping(db, Actor("x", role))  # type: ignore[arg-type]
    counts = _counts(db)
    assert _run(*args).exit_code == 0 and _counts(db) == counts  # same salt: same pseudonyms, nothing new
    other_salt = _run("import", str(study["series"]), "--deidentify", "--salt", "other", "--db", db_url)
    assert other_salt.exit_code == 2 and "--salt: " in other_salt.output
    assert _counts(db) == counts
    _chain_ok(db)
    db.dispose()


def test_deidentified_import_stores_no_source_path_and_keeps_the_date_offset(
    db_url: str, study: dict[str, Path], tmp_path: Path
):
    """PS3.15 §E.3.6: the per-patient date shift is kept with the mapping (admins only); a de-identified
    instance is stored under its pseudonymous name (PATIENT/STUDY/SERIES/SOP.dcm), never the source's path."""
    source = tmp_path / "DOE^JANE_MRN998877"
    shutil.copytree(study["series"], source)
    db = open_database(db_url)
    args = ("import", str(source), "--deidentify", "--salt", "k", "--retain-dates", "--db", db_url)
    assert _run(*args).exit_code == 0
    with db.engine.connect() as conn:
        files = list(conn.execute(sa.text("SELECT file FROM imaging_instances")).scalars())
        dicom_id = conn.execute(sa.text("SELECT dicom_patient_id FROM imaging_studies")).scalar_one()
    assert len(files) == 12 and all(f.startswith(f"{dicom_id}/2.25.") and f.endswith(".dcm") for f in files)
    assert not any("DOE" in f or "998877" in f or str(tmp_path) in f for f in files)
    offsets = [m for m in deid_mapping(db, ADMIN) if m["kind"] == "date_offset"]
    days = date_offset_days("P001", "k")
    assert offsets == [{"kind": "date_offset", "original": dicom_id, "pseudonym": f"{dicom_id} {days:+d} days"}]
    db.dispose()


def test_a_failed_import_leaves_the_database_as_it_was(db_url: str, study: dict[str, Path], tmp_path: Path):
    db = open_database(db_url)
    first, second = _patient(db, "S-1"), _patient(db, "S-2")
    assert _run("import", str(study["series"]), "--db", db_url, "--patient", str(first)).exit_code == 0
    both = tmp_path / "both"
    shutil.copytree(study["other"], both / "new")  # a study not stored yet, read first (sorted order)
    shutil.copytree(study["series"], both / "old")  # and the study linked to the first patient
    before = _counts(db)
    clash = _run("import", str(both), "--db", db_url, "--patient", str(second))
    assert clash.exit_code == 2
    assert (
        f"--patient: study {next(iter(_uids(study['series'])['study']))} is linked to patient {first}" in clash.output
    )
    assert _counts(db) == before  # the new study was not kept either
    unknown = _run("import", str(study["other"]), "--db", db_url, "--patient", "999")
    assert unknown.exit_code == 2 and "id: no patient with id 999" in unknown.output
    assert _counts(db) == before
    _chain_ok(db)
    db.dispose()


def test_import_options_without_the_store(study: dict[str, Path]):
    printed = _run("import", str(study["series"]), "--deidentify", "--salt", "s", "--format", "json")
    assert printed.exit_code == 0 and "mapping" in json.loads(printed.output)  # unchanged without --db
    orphan = _run("import", str(study["series"]), "--patient", "1")
    assert orphan.exit_code == 2 and "--patient: only used with --db" in orphan.output
    files = _run("import", str(study["series"]), "--deidentify", "--salt", "s", "--out", "x", "--db", "sqlite://")
    assert files.exit_code == 2 and "--out: with --db the mapping is kept in the records store" in files.output


def _measure(study: dict[str, Path], db_url: str, pid: int, lesion: str, label: str, *extra: str) -> Any:
    return _run(
        "measure", str(study["series"]), str(study["mask"]), "--label", label, "--store", "--db", db_url,
        "--patient", str(pid), "--lesion", lesion, "--date", "2026-03-02", "--format", "json", *extra,
    )  # fmt: skip


def test_measure_store_writes_the_diameter_and_the_image_reference(db_url: str, study: dict[str, Path]):
    """Label 1 is an ellipsoid (semi-axes 10 x 7 voxels of 0.8 mm): long axis 16.8 mm, short axis 12.0 mm on its
    middle slice; label 2 a 5 x 8 voxel box: short axis 4.5 mm. T1 (non-nodal) gets the long axis, N1 (nodal) the
    short axis (RECIST 1.1, Eisenhauer 2009 §3.1, §4.3.2)."""
    db = open_database(db_url)
    pid = _patient(db, case=CASE)
    before = cases.assess_patient(db, RAD, pid, None)
    assert [tp["date"] for tp in before["timepoints"]] == ["2026-01-05"]
    t1 = _measure(study, db_url, pid, "T1", "1")
    assert t1.exit_code == 0, t1.output
    out = json.loads(t1.output)
    assert (out["long_axis_mm"], out["short_axis_mm"]) == (16.8, 12.0)
    assert out["stored"]["diameter_mm"] == 16.8 and out["stored"]["axis"] == "long"
    n1 = _measure(study, db_url, pid, "N1", "2")
    assert n1.exit_code == 0, n1.output
    assert json.loads(n1.output)["stored"]["diameter_mm"] == 4.5
    case, _ = cases.get_case(db, RAD, pid)
    assert case["timepoints"][1] == {
        "date": "2026-03-02", "diameters_mm": {"T1": 16.8, "N1": 4.5}, "non_target": {}, "new_lesions": [],
    }  # fmt: skip
    after = cases.assess_patient(db, RAD, pid, None)
    follow_up = after["timepoints"][1]
    assert follow_up["sum_mm"] == 21.3  # 16.8 + 4.5, -53.7 % from 46.0: partial response of the targets
    assert follow_up["target_response"] == "PR"
    refs = measurement_images(db, RAD, pid)
    series_uid = next(iter(_uids(study["series"])["series"]))
    assert [(r["lesion"], r["diameter_mm"], r["axis"], r["label"]) for r in refs] == [
        ("T1", 16.8, "long", 1),
        ("N1", 4.5, "short", 2),
    ]
    assert refs[0]["series_instance_uid"] == series_uid and refs[0]["mask"] == str(study["mask"].resolve())
    assert refs[0]["measured"]["long_axis_endpoints_patient_mm"] == out["long_axis_endpoints_patient_mm"]
    assert [r["action"] for r in _audit(db, "timepoint.")] == ["timepoint.create", "timepoint.replace"]
    assert [r["action"] for r in _audit(db, "measurement_image.")] == ["measurement_image.create"] * 2
    again = _measure(study, db_url, pid, "T1", "1")  # measured again: the same row, its reference replaced
    assert again.exit_code == 0
    assert _counts(db)["measurement_images"] == 2
    assert _audit(db, "measurement_image.")[-1]["action"] == "measurement_image.replace"
    _chain_ok(db)
    db.dispose()


def test_measure_store_refers_to_the_pseudonymous_series(db_url: str, study: dict[str, Path]):
    db = open_database(db_url)
    pid = _patient(db, case=CASE)
    assert _run("import", str(study["series"]), "--deidentify", "--salt", "k", "--db", db_url).exit_code == 0
    assert _measure(study, db_url, pid, "T1", "1").exit_code == 0
    [ref] = measurement_images(db, RAD, pid)
    with db.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT series_instance_uid FROM imaging_series")).scalar_one()
    assert ref["series_instance_uid"] == stored != next(iter(_uids(study["series"])["series"]))
    db.dispose()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"patient": "999"}, "id: no patient with id 999"),
        ({"lesion": "T9"}, "--lesion: patient 1 has no lesion 'T9'"),
        ({"lesion": "NT1"}, "--lesion: lesion 'NT1' is a non-target lesion"),
        ({"mask": "shifted"}, "mask: mask grid does not match the image grid (spacing differ"),
        ({"label": "3"}, "--label: label 3 is not in the mask"),
        ({"date": "2026-02-30"}, "--date: '2026-02-30' is not a date"),
        ({"date": "2025-12-01"}, "diameters_mm.N1: missing: every target is measured at baseline"),
    ],
)
def test_measure_store_bad_input_exits_2_and_writes_nothing(
    db_url: str, study: dict[str, Path], change: dict[str, str], message: str
):
    db = open_database(db_url)
    pid = _patient(db, case=CASE)
    assert pid == 1
    opts = {"patient": str(pid), "lesion": "T1", "label": "1", "date": "2026-03-02", "mask": "mask", **change}
    before = _counts(db)
    done = _run(
        "measure", str(study["series"]), str(study[opts["mask"]]), "--label", opts["label"], "--store",
        "--db", db_url, "--patient", opts["patient"], "--lesion", opts["lesion"], "--date", opts["date"],
    )  # fmt: skip
    assert done.exit_code == 2, done.output
    assert message in done.output
    assert _counts(db) == before
    db.dispose()


def test_measure_store_options_are_checked_before_anything_is_read(study: dict[str, Path]):
    missing = _run("measure", str(study["series"]), str(study["mask"]), "--store")
    assert missing.exit_code == 2
    for option in ("--label", "--db", "--patient", "--lesion", "--date"):
        assert f"{option}: required with --store" in missing.output
    stray = _run("measure", str(study["series"]), str(study["mask"]), "--lesion", "T1")
    assert stray.exit_code == 2 and "--lesion: only used with --store" in stray.output


def test_replacing_the_timepoint_drops_its_image_references(db_url: str, study: dict[str, Path]):
    """A reference belongs to a measured value: a timepoint replaced through the case services (new values typed
    by hand) no longer has it."""
    db = open_database(db_url)
    pid = _patient(db, case=CASE)
    assert _measure(study, db_url, pid, "T1", "1").exit_code == 0
    tp = cases.get_timepoint(db, RAD, pid, dt.date(2026, 3, 2))
    raw = {"date": "2026-03-02", "diameters_mm": {"T1": 17, "N1": 5}}
    correcting = Actor("rita", "radiologist", reason="re-measured by hand")
    cases.replace_timepoint(db, correcting, pid, dt.date(2026, 3, 2), raw, tp["version"])
    assert measurement_images(db, RAD, pid) == []
    assert cases.get_case(db, RAD, pid)[0]["timepoints"][1]["diameters_mm"]["T1"] == 17
    db.dispose()


def test_a_study_is_stored_either_deidentified_or_not(db_url: str, study: dict[str, Path]):
    db = open_database(db_url)
    assert _run("import", str(study["series"]), "--db", db_url).exit_code == 0
    before = _counts(db)
    done = _run("import", str(study["series"]), "--deidentify", "--salt", "k", "--db", db_url)
    assert done.exit_code == 2 and "--deidentify: a study of this folder was imported without" in done.output
    assert _counts(db) == before
    assert _run("import", str(study["other"]), "--deidentify", "--salt", "k", "--db", db_url).exit_code == 0
    before = _counts(db)
    plain = _run("import", str(study["other"]), "--db", db_url)
    assert plain.exit_code == 2 and "--deidentify: a study of this folder was imported de-identified" in plain.output
    assert _counts(db) == before
    db.dispose()


def test_api_routes_read_the_references_and_the_mapping_for_admins_only(db_url: str, study: dict[str, Path]):
    """``api/routes/imaging.py`` (mounted here on the app; the lead registers it in ``create_app``)."""
    from fastapi.testclient import TestClient

    from api.support import Api, make_settings
    from ioguide.app import create_app

    db = open_database(db_url)
    pid = _patient(db, case=CASE)
    assert _run("import", str(study["series"]), "--deidentify", "--salt", "k", "--db", db_url, "--patient", str(pid)).exit_code == 0  # fmt: skip
    assert _measure(study, db_url, pid, "T1", "1").exit_code == 0
    app = create_app(make_settings(db_url), db)
    assert "/api/v1/imaging/deidentification" in app.openapi()["paths"]  # mounted by create_app
    with TestClient(app) as client:
        api = Api(client, db)
        seen = api.call("GET", f"/api/v1/patients/{pid}/imaging", role="viewer")
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert [(m["lesion"], m["diameter_mm"], m["axis"]) for m in body["measurements"]] == [("T1", 16.8, "long")]
        assert body["measurements"][0]["series_instance_uid"] in body["studies"][0]["series"]
        assert api.call("GET", "/api/v1/patients/999/imaging", role="viewer").status_code == 404
        for role in ("viewer", "coordinator", "radiologist"):
            assert api.call("GET", "/api/v1/imaging/deidentification", role=role).status_code == 403
        pairs = api.call("GET", "/api/v1/imaging/deidentification", role="admin").json()
        assert {p["original"] for p in pairs if p["kind"] == "patient_id"} == {"P001"}
        one = api.call(
            "GET", "/api/v1/imaging/deidentification", params={"pseudonym": body["studies"][0]["study_instance_uid"]}
        )
        assert [p["original"] for p in one.json()] == list(_uids(study["series"])["study"])
    db.dispose()
