"""DICOM PS3.15 Annex E de-identification (Table E.1-1 Basic Profile, Retain Longitudinal Temporal Information
with Modified Dates, Clean Descriptors), burned-in text quarantine, output names and ``ioguide import``.

Every test writes real DICOM files with pydicom and reads them back. Source: DICOM PS3.15 (2026c) Annex E,
§E.1.1 (the profile, PatientIdentityRemoved, De-identification Method Code Sequence), Table E.1-1 (the
attributes and their actions), §E.3.5 (Clean Descriptors), §E.3.6 (Retain Longitudinal Temporal Information);
PS3.16 CID 7050 (the method codes).
"""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import SecondaryCaptureImageStorage
from typer.testing import CliRunner

from imaging.deid_support import (
    NOT_IN_A_FILE_GROUPS,
    SECRET,
    SECRET_DATE,
    UID_ROOT,
    ct_header,
    every_attribute_dataset,
    write,
)
from imaging.support import dciodvfy_errors
from ioguide.cli.main import app
from ioguide.imaging.deid_table import profile_table
from ioguide.imaging.deidentify import (
    Options,
    burned_in_reason,
    date_offset_days,
    deidentify,
    is_clean_descriptor,
    output_name,
    replacement_uid,
)

runner = CliRunner()
CT_SMALL = Path(str(get_testdata_file("CT_small.dcm")))
#: The action ioguide applies for each code of the table (module docstring of ioguide.imaging.deidentify).
APPLIED = {"D": "D", "Z": "Z", "X": "X", "U": "U", "Z/D": "D", "X/Z": "X", "X/D": "X", "X/Z/D": "X", "X/Z/U*": "U*"}


def _roundtrip(tmp_path: Path, options: Options | None = None) -> tuple[dict[int, tuple], pydicom.Dataset, bytes]:
    source, written = every_attribute_dataset()
    read = pydicom.dcmread(write(source, tmp_path / "in" / "every.dcm"))
    done = deidentify(read, "s3cret", options).dataset
    path = write(done, tmp_path / "out" / "every.dcm")
    return written, pydicom.dcmread(path), path.read_bytes()


def test_a_file_with_every_attribute_of_the_table_keeps_none_the_table_removes(tmp_path: Path) -> None:
    """Table E.1-1, Basic Profile column: every row, each with a recognisable value, checked one by one."""
    written, out, raw = _roundtrip(tmp_path)
    outside = [r for r in profile_table() if r.value >> 16 in NOT_IN_A_FILE_GROUPS]
    assert [r.tag for r in outside] == ["(0000,1000)", "(0000,1001)", "(0002,0003)"]  # checked in other tests
    assert len(written) + len(outside) == len(profile_table()) == 655  # every other attribute was in the file
    checked = {code: 0 for code in APPLIED.values()}
    for tag, (row, vr, value) in written.items():
        action = APPLIED[row.basic]
        checked[action] += 1
        if row.keyword in ("PatientID", "PatientName"):
            continue  # replaced by the pseudonym, checked below
        if action == "X":
            assert tag not in out, f"{row.tag} {row.name}: X but kept"
            continue
        assert tag in out, f"{row.tag} {row.name}: {row.basic} must stay in the object"
        elem = out[tag]
        if vr == "SQ":
            if action == "Z":
                assert len(elem.value) == 0, row.name
            else:  # D / U*: the items stay, de-identified by the same table
                item = elem.value[0]
                assert (
                    str(item.PatientName) == "" and item.ReferencedSOPInstanceUID != value[0].ReferencedSOPInstanceUID
                )
        elif action == "Z":
            assert elem.value in (None, "", b""), f"{row.name}: Z but {elem.value!r}"
        elif action == "U" or (action == "D" and vr == "UI"):
            assert elem.value == replacement_uid(value, "s3cret") != value, row.name
        else:
            assert elem.value not in (None, "", b"") and elem.value != value, f"{row.name}: D but {elem.value!r}"
    assert all(checked.values()), checked  # every kind of action was exercised
    assert SECRET.encode() not in raw and SECRET_DATE.encode() not in raw  # nothing recognisable survives
    assert not re.search(rb"1\.2\.826\.0\.1\.3680043\.9\.4242\.", raw)  # no original UID either
    assert not any(e.tag.is_private for e in out)
    assert str(out.PatientID) == str(out.PatientName) and str(out.PatientID).startswith("ANON")
    assert out.PatientIdentityRemoved == "YES" and out.LongitudinalTemporalInformationModified == "REMOVED"
    assert [c.CodeValue for c in out.DeidentificationMethodCodeSequence] == ["113100"]
    sop = next(value for row, _, value in written.values() if row.keyword == "SOPInstanceUID")
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID == replacement_uid(sop, "s3cret")


def test_command_group_attributes_of_the_table_are_handled_in_a_data_set() -> None:
    """Table E.1-1 rows of the command group, which no file holds: Affected SOP Instance UID X, Requested SOP
    Instance UID U."""
    ds = Dataset()
    ds.add_new(0x00001000, "UI", f"{UID_ROOT}7")
    ds.add_new(0x00001001, "UI", f"{UID_ROOT}8")
    out = deidentify(ds, "s3cret").dataset
    assert 0x00001000 not in out and out[0x00001001].value == replacement_uid(f"{UID_ROOT}8", "s3cret")


def test_the_attributes_of_the_issue_are_removed(tmp_path: Path) -> None:
    """The attributes reported to survive: each one's Table E.1-1 action is X or X/Z (removed here)."""
    written, out, _ = _roundtrip(tmp_path)
    for keyword in (
        "RequestedProcedureDescription",
        "StudyComments",
        "PatientState",
        "ResponsiblePerson",
        "AdmittingDate",
        "PerformedStationName",
        "DerivationDescription",
        "InsurancePlanIdentification",
        "PatientInsurancePlanCodeSequence",
    ):
        assert any(row.keyword == keyword for row, _, _ in written.values()) and keyword not in out, keyword


def test_retain_longitudinal_temporal_information_shifts_dates_by_one_offset_per_patient(tmp_path: Path) -> None:
    """§E.3.6 / Table E.1-1 "Rtn. Long. Modif. Dates Opt." column C: dates shifted, intervals kept."""
    options = Options(retain_longitudinal=True)
    first = pydicom.dcmread(write(ct_header("P1", "1.2.3.1", SeriesDate="20200102"), tmp_path / "a.dcm"))
    later = pydicom.dcmread(write(ct_header("P1", "1.2.3.2", study_date="20200401"), tmp_path / "b.dcm"))
    other = pydicom.dcmread(write(ct_header("P2", "1.2.3.3"), tmp_path / "c.dcm"))
    a, b, c = (deidentify(d, "k", options) for d in (first, later, other))
    offset = date_offset_days("P1", "k")
    assert -3652 <= offset <= -365 and a.date_offsets == {str(a.dataset.PatientID): offset}
    import datetime as dt

    def day(ds: Dataset) -> dt.date:
        return dt.datetime.strptime(ds.StudyDate, "%Y%m%d").date()

    assert day(a.dataset) == dt.date(2020, 1, 2) + dt.timedelta(days=offset)
    assert (day(b.dataset) - day(a.dataset)).days == 90  # the interval between the two studies is kept
    assert a.dataset.SeriesDate == a.dataset.StudyDate  # SeriesDate (X/D, option C) shifted the same way
    assert a.dataset.StudyTime == "101112"  # whole-day shift: the time is kept
    assert a.dataset.PatientBirthDate in (None, "")  # not in the option's column: Z
    assert c.date_offsets[str(c.dataset.PatientID)] == date_offset_days("P2", "k") != offset
    assert a.dataset.LongitudinalTemporalInformationModified == "MODIFIED"
    assert [x.CodeValue for x in a.dataset.DeidentificationMethodCodeSequence] == ["113100", "113107"]
    with pytest.warns(UserWarning, match="Invalid value for VR DA"):  # pydicom says so, and writes it
        odd = pydicom.dcmread(write(ct_header("P1", "1.2.3.4", study_date="20201399"), tmp_path / "d.dcm"))
    assert deidentify(odd, "k", options).dataset.StudyDate in (None, "")  # no valid date: Z, not a guess
    plain = deidentify(first, "k").dataset
    assert plain.StudyDate in (None, "") and "SeriesDate" not in plain  # without the option: Z and X


def test_clean_descriptors_keeps_only_descriptions_of_safe_words(tmp_path: Path) -> None:
    """§E.3.5 Clean Descriptors, ioguide's safe vocabulary: kept when every word is safe, else removed (X)."""
    assert is_clean_descriptor("AX T1 POST GD 5mm") and is_clean_descriptor("CT Abdomen/Pelvis portal venous")
    assert not is_clean_descriptor("Liver John Smith") and not is_clean_descriptor("CT 12345678")
    assert not is_clean_descriptor("CT chest 2019") and not is_clean_descriptor("MR ab12")  # a year, initials
    ds = ct_header(
        "P1",
        "1.2.3.1",
        SeriesDescription="AX T1 POST GD 5mm",
        StudyDescription="CT chest DOE JOHN",
        ProtocolName="Abdomen 3 phase",
    )
    read = pydicom.dcmread(write(ds, tmp_path / "a.dcm"))
    out = deidentify(read, "k", Options(clean_descriptors=True)).dataset
    assert out.SeriesDescription == "AX T1 POST GD 5mm" and "StudyDescription" not in out
    assert out.ProtocolName == "Abdomen 3 phase"  # X/D in the Basic Profile, kept once clean
    assert [x.CodeValue for x in out.DeidentificationMethodCodeSequence] == ["113100", "113105"]
    assert "SeriesDescription" not in deidentify(read, "k").dataset  # without the option: X


def test_uids_are_replaced_consistently_inside_sequences(tmp_path: Path) -> None:
    """Table E.1-1 U and X/Z/U*: a derived image still points at its source after both are de-identified."""
    source = pydicom.dcmread(write(ct_header("P1", "1.2.3.1"), tmp_path / "a.dcm"))
    derived_header = ct_header("P1", "1.2.3.9")
    ref = Dataset()
    ref.ReferencedSOPClassUID = source.SOPClassUID
    ref.ReferencedSOPInstanceUID = source.SOPInstanceUID
    derived_header.SourceImageSequence = DicomSequence([ref])
    derived = pydicom.dcmread(write(derived_header, tmp_path / "b.dcm"))
    a, b = deidentify(source, "k").dataset, deidentify(derived, "k").dataset
    item = b.SourceImageSequence[0]
    assert item.ReferencedSOPInstanceUID == a.SOPInstanceUID != source.SOPInstanceUID
    assert item.ReferencedSOPClassUID == source.SOPClassUID  # a class UID identifies nobody: kept


@pytest.mark.parametrize("options", [Options(), Options(retain_longitudinal=True, clean_descriptors=True)])
def test_de_identified_objects_stay_valid(
    dciodvfy: str, ct_study: dict[str, Path], tmp_path: Path, options: Options
) -> None:
    """The choices made for Z/D, X/Z, X/D, X/Z/D keep a CT and an MR image valid: dciodvfy reports no error."""
    sources = [CT_SMALL, Path(str(get_testdata_file("MR_small.dcm"))), next(ct_study["series"].glob("*.dcm"))]
    for n, source in enumerate(sources):
        assert dciodvfy_errors(dciodvfy, source) == []
        done = deidentify(pydicom.dcmread(source), "k", options).dataset
        assert dciodvfy_errors(dciodvfy, write(done, tmp_path / f"{n}.dcm")) == [], source.name


def test_pydicom_sample_is_de_identified_and_the_input_is_unchanged() -> None:
    ds = pydicom.dcmread(CT_SMALL)
    assert ds.PatientName and any(e.tag.is_private for e in ds)
    out = deidentify(ds, salt="s3cret").dataset
    assert "InstitutionName" not in out and "OperatorsName" not in out  # X/Z/D -> X
    assert out.StudyInstanceUID == replacement_uid(ds.StudyInstanceUID, "s3cret") != ds.StudyInstanceUID
    assert ds.PatientName == pydicom.dcmread(CT_SMALL).PatientName
    a, c = deidentify(ds, salt="k"), deidentify(ds, salt="other")
    assert a.dataset.SeriesInstanceUID == deidentify(ds, salt="k").dataset.SeriesInstanceUID
    assert a.dataset.SeriesInstanceUID != c.dataset.SeriesInstanceUID and a.patient_ids != c.patient_ids


@pytest.mark.parametrize(
    ("burned_in", "sop_class", "quarantined"),
    [("YES", None, True), ("NO", None, False), (None, SecondaryCaptureImageStorage, True), (None, None, False)],
)
def test_burned_in_annotation_decides_quarantine(
    burned_in: str | None, sop_class: str | None, quarantined: bool
) -> None:
    ds = ct_header("P1", "1.2.3.1")
    if burned_in is not None:
        ds.BurnedInAnnotation = burned_in
    if sop_class is not None:
        ds.SOPClassUID = sop_class
    assert (burned_in_reason(ds) is not None) is quarantined


def _folder(tmp_path: Path) -> Path:
    """A source folder whose name holds a patient name and MRN, with a clean CT, a CT with burned-in text and a
    secondary capture without BurnedInAnnotation."""
    folder = tmp_path / "DOE^JANE_MRN998877"
    write(ct_header("MRN998877", "1.2.3.1"), folder / "DOE_JANE" / "ct1.dcm")
    write(ct_header("MRN998877", "1.2.3.2", BurnedInAnnotation="YES"), folder / "DOE_JANE" / "ct2.dcm")
    sc = ct_header("MRN998877", "1.2.3.3")
    sc.SOPClassUID = SecondaryCaptureImageStorage
    write(sc, folder / "DOE_JANE" / "sc.dcm")
    return folder


def test_import_quarantines_burned_in_and_names_outputs_by_pseudonym_and_uid(tmp_path: Path) -> None:
    folder, out_dir = _folder(tmp_path), tmp_path / "out"
    args = ["import", str(folder), "--deidentify", "--salt", "k", "--out", str(out_dir), "--format", "json"]
    run = runner.invoke(app, args)
    assert run.exit_code == 3, run.output  # finished, but images were quarantined
    result = json.loads(run.stdout)
    assert result["summary"]["instances"] == 1 and result["summary"]["quarantined"] == 2
    assert {q["file"] for q in result["quarantined"]} == {"DOE_JANE/ct2.dcm", "DOE_JANE/sc.dcm"}
    files = [p for p in out_dir.rglob("*") if p.is_file()]
    assert len(files) == 2  # one image and mapping.json: the quarantined ones are not written
    for path in files:
        rel = str(path.relative_to(out_dir))
        assert "DOE" not in rel and "998877" not in rel and "ct1" not in rel
    [image] = [p for p in files if p.name != "mapping.json"]
    ds = pydicom.dcmread(image)
    assert (
        str(image.relative_to(out_dir)) == output_name(ds) == result["studies"][0]["series"][0]["instances"][0]["file"]
    )
    assert output_name(ds) == f"{ds.PatientID}/{ds.StudyInstanceUID}/{ds.SeriesInstanceUID}/{ds.SOPInstanceUID}.dcm"
    mapping = out_dir / "mapping.json"
    assert stat.S_IMODE(mapping.stat().st_mode) == 0o600  # the mapping is readable by its owner only
    accepted = runner.invoke(app, [*args, "--accept-burned-in"])
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["summary"]["burned_in_accepted"] == 2
    assert len([p for p in out_dir.rglob("*.dcm")]) == 3


def test_a_file_without_patient_id_is_skipped_not_given_a_shared_pseudonym(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(ct_header("P1", "1.2.3.1"), folder / "a.dcm")
    write(ct_header("", "1.2.3.2"), folder / "b.dcm")
    run = runner.invoke(app, ["import", str(folder), "--deidentify", "--salt", "k", "--format", "json"])
    assert run.exit_code == 3, run.output
    result = json.loads(run.stdout)
    assert result["summary"]["instances"] == 1 and result["skipped"][0]["file"] == "b.dcm"
    assert result["skipped"][0]["reason"].startswith("no PatientID")


def test_mapping_becomes_private_even_when_it_existed_and_keeps_date_offsets(tmp_path: Path) -> None:
    folder, out_dir = _folder(tmp_path), tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "mapping.json").write_text("{}")
    (out_dir / "mapping.json").chmod(0o644)
    args = ["import", str(folder), "--deidentify", "--salt", "k", "--out", str(out_dir), "--retain-dates"]
    assert runner.invoke(app, [*args, "--format", "json"]).exit_code == 3
    mapping = json.loads((out_dir / "mapping.json").read_text())
    assert stat.S_IMODE((out_dir / "mapping.json").stat().st_mode) == 0o600
    [(patient, offset)] = mapping["date_offsets"].items()
    assert mapping["patients"] == {"MRN998877": patient} and offset == date_offset_days("MRN998877", "k")


def test_import_indexes_and_lists_skipped_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CT_SMALL, folder / "a.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm"), folder / "b.dcm")
    (folder / "junk.dcm").write_bytes(b"not a dicom file")
    run = runner.invoke(app, ["import", str(folder), "--format", "json"])
    assert run.exit_code == 3  # finished, but a file was skipped
    out = json.loads(run.stdout)
    assert out["summary"] == {
        "studies": 2,
        "series": 2,
        "instances": 2,
        "skipped": 1,
        "quarantined": 0,
        "deidentified": False,
    }
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
    [path] = (tmp_path / "out").rglob("*.dcm")
    copy = pydicom.dcmread(path)
    assert copy.PatientIdentityRemoved == "YES" and copy.pixel_array.shape == original.pixel_array.shape
    assert (
        json.loads((tmp_path / "out" / "mapping.json").read_text())["uids"][original.SOPInstanceUID]
        == copy.SOPInstanceUID
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--deidentify"], "--salt: de-identification needs a secret --salt"),
        (["--out", "x"], "--out: --out writes"),
        (["--retain-dates"], "--deidentify: the de-identification options need --deidentify"),
        (["--accept-burned-in"], "--deidentify: the de-identification options need --deidentify"),
    ],
)
def test_import_rejects_unsafe_options(tmp_path: Path, args: list[str], expected: str) -> None:
    run = runner.invoke(app, ["import", str(tmp_path), *args])
    assert run.exit_code == 2 and run.stderr.startswith(expected)
