"""DICOM PS3.15 Annex E basic profile (Table E.1-1) on pydicom's bundled test files, and ``ioguide import``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from typer.testing import CliRunner

from ioguide.cli.main import app
from ioguide.imaging.deidentify import BASIC_PROFILE, deidentify, replacement_uid

runner = CliRunner()
CT_SMALL = Path(str(get_testdata_file("CT_small.dcm")))


def test_identifying_attributes_are_replaced_emptied_or_removed() -> None:
    ds = pydicom.dcmread(CT_SMALL)
    assert ds.PatientName and any(e.tag.is_private for e in ds)
    out = deidentify(ds, salt="s3cret").dataset
    assert str(out.PatientName) == str(out.PatientID) and str(out.PatientID).startswith("ANON")
    assert out.PatientBirthDate == ""  # Z: Type 2 kept, empty
    assert "InstitutionName" not in out and "OperatorsName" not in out  # X
    assert not any(e.tag.is_private for e in out)  # private attributes removed (Table E.1-1 note)
    assert out.PatientIdentityRemoved == "YES"
    assert out.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert out.StudyInstanceUID == replacement_uid(ds.StudyInstanceUID, "s3cret") != ds.StudyInstanceUID
    assert ds.PatientName == pydicom.dcmread(CT_SMALL).PatientName  # the input is not changed


def test_uids_and_pseudonyms_are_consistent_across_files() -> None:
    a = deidentify(pydicom.dcmread(CT_SMALL), salt="k")
    b = deidentify(pydicom.dcmread(CT_SMALL), salt="k")
    c = deidentify(pydicom.dcmread(CT_SMALL), salt="other")
    assert a.dataset.SeriesInstanceUID == b.dataset.SeriesInstanceUID != c.dataset.SeriesInstanceUID
    assert a.patient_ids == b.patient_ids != c.patient_ids
    assert a.uids[str(pydicom.dcmread(CT_SMALL).FrameOfReferenceUID)] == a.dataset.FrameOfReferenceUID


def test_profile_actions_are_from_the_table() -> None:
    assert set(BASIC_PROFILE.values()) <= {"D", "Z", "X", "U", "K"}
    assert BASIC_PROFILE["PatientName"] == "Z" and BASIC_PROFILE["SOPInstanceUID"] == "U"


def test_import_indexes_and_lists_skipped_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CT_SMALL, folder / "a.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm"), folder / "b.dcm")
    (folder / "junk.dcm").write_bytes(b"not a dicom file")
    run = runner.invoke(app, ["import", str(folder), "--format", "json"])
    assert run.exit_code == 3  # finished, but a file was skipped
    out = json.loads(run.stdout)
    assert out["summary"] == {"studies": 2, "series": 2, "instances": 2, "skipped": 1, "deidentified": False}
    assert out["skipped"][0]["file"] == "junk.dcm"


def test_import_deidentified_writes_copies_and_mapping(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CT_SMALL, folder / "a.dcm")
    run = runner.invoke(
        app, ["import", str(folder), "--deidentify", "--salt", "k", "--out", str(tmp_path / "out"), "--format", "json"]
    )
    assert run.exit_code == 0, run.output
    out = json.loads(run.stdout)
    original = pydicom.dcmread(CT_SMALL)
    assert out["studies"][0]["patient_id"] == out["mapping"]["patients"][original.PatientID]
    copy = pydicom.dcmread(tmp_path / "out" / "a.dcm")
    assert copy.PatientIdentityRemoved == "YES" and copy.pixel_array.shape == original.pixel_array.shape
    assert (
        json.loads((tmp_path / "out" / "mapping.json").read_text())["uids"][original.SOPInstanceUID]
        == copy.SOPInstanceUID
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["--deidentify"], "--salt: de-identification needs a secret --salt"), (["--out", "x"], "--out: --out writes")],
)
def test_import_rejects_unsafe_options(tmp_path: Path, args: list[str], expected: str) -> None:
    run = runner.invoke(app, ["import", str(tmp_path), *args])
    assert run.exit_code == 2 and run.stderr.startswith(expected)
