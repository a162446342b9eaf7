"""Test helpers for de-identification: DICOM files carrying every attribute of PS3.15 Table E.1-1 with a
recognisable value, written to disk with pydicom."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

from ioguide.imaging.deid_table import TableRow, profile_table

SECRET = "SECRET"
SECRET_DATE = "20200102"
UID_ROOT = "1.2.826.0.1.3680043.9.4242."


def instance_tag(row: TableRow) -> int:
    """A real tag for a row: the row's own, or in the first group of a repeating group (``60xx`` -> ``6000``);
    Curve Data ``(50xx,xxxx)`` as ``(5000,3000)`` (not a group length)."""
    return 0x50003000 if row.tag == "(50xx,xxxx)" else row.value


def row_vr(row: TableRow) -> str:
    """The VR to write a row with: pydicom's dictionary, else read from the attribute's name (tags newer than the
    installed pydicom)."""
    if row.keyword:
        return str(dictionary_VR(row.keyword)).split(" or ")[0]
    if row.tag == "(60xx,4000)":
        return "LT"
    if "x" in row.tag:
        return "OW"
    for word, vr in (("Sequence", "SQ"), ("DateTime", "DT"), ("URI", "UR"), ("Comment", "LT")):
        if word in row.name:
            return vr
    return "LO"


def secret_value(vr: str, n: int) -> Any:
    """A recognisable value of the VR (the text ``SECRET``, the date 2020-01-02, UIDs under a test root)."""
    text = {
        "DA": SECRET_DATE,
        "DT": SECRET_DATE + "030405",
        "TM": "030405",
        "AS": "042Y",
        "IS": "4242",
        "DS": "42.42",
        "UI": f"{UID_ROOT}{n}",
        "UR": f"http://example.org/{SECRET}{n}",
    }
    if vr in text:
        return text[vr]
    if vr in ("US", "SS", "UL", "SL", "UV", "SV", "AT"):
        return 4242
    if vr in ("FL", "FD"):
        return 42.42
    if vr in ("OB", "OW", "OD", "OF", "OL", "OV", "UN"):
        return SECRET.encode() + b"\x00\x00"
    if vr == "SQ":
        item = Dataset()
        item.PatientName = f"{SECRET}^ITEM{n}"
        item.ReferencedSOPInstanceUID = f"{UID_ROOT}9{n}"
        return DicomSequence([item])
    return f"{SECRET}{n}"


#: Table rows that cannot be in a file's data set: command group (0000,eeee), file meta group (0002,eeee).
NOT_IN_A_FILE_GROUPS = (0x0000, 0x0002)


def every_attribute_dataset() -> tuple[Dataset, dict[int, tuple[TableRow, str, Any]]]:
    """A CT header with every row of the table that a file's data set may hold (tag -> row, VR, value written;
    Media Storage SOP Instance UID in the file meta), one private block, and the attributes a file needs."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("every.dcm", {}, file_meta=meta, preamble=b"\x00" * 128)
    written: dict[int, tuple[TableRow, str, Any]] = {}
    for n, row in enumerate(profile_table(), start=10):
        if row.value >> 16 in NOT_IN_A_FILE_GROUPS:
            continue
        vr = row_vr(row)
        value = secret_value(vr, n)
        ds.add_new(instance_tag(row), vr, value)
        written[instance_tag(row)] = (row, vr, value)
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SOPClassUID = CTImageStorage
    ds.Modality = "CT"
    ds.BurnedInAnnotation = "NO"
    ds.add_new(0x00090010, "LO", "SECRET CREATOR")
    ds.add_new(0x00091001, "LO", f"{SECRET} private value")
    return ds, written


def write(ds: Dataset, path: Path) -> Path:
    """Write ``ds`` as a DICOM file (explicit VR little endian) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(str(path), enforce_file_format=True)
    return path


def ct_header(patient: str, sop: str, study_date: str = SECRET_DATE, **extra: Any) -> FileDataset:
    """A small CT header of one patient (no pixels), with extra keyword attributes."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = extra.get("SOPClassUID", CTImageStorage)
    meta.MediaStorageSOPInstanceUID = sop
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("ct.dcm", {}, file_meta=meta, preamble=b"\x00" * 128)
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = sop
    ds.StudyInstanceUID = sop + ".1"
    ds.SeriesInstanceUID = sop + ".2"
    ds.PatientID = patient
    ds.PatientName = f"{SECRET}^{patient}"
    ds.PatientBirthDate = "19610304"
    ds.Modality = "CT"
    ds.StudyDate = study_date
    ds.StudyTime = "101112"
    for keyword, value in extra.items():
        setattr(ds, keyword, value)
    return ds
