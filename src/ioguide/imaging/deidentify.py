"""DICOM PS3.15 Annex E de-identification: the Basic Application Level Confidentiality Profile, applied from the
shipped Table E.1-1 (:mod:`ioguide.imaging.deid_table`), with two options, as functions on pydicom datasets.

Per attribute, the table's code is resolved to one action (PS3.15 §E.1.1, Table E.1-1 legend):

* ``X`` remove; ``Z`` empty value; ``D`` a dummy value of the VR (a sequence keeps its items, each de-identified
  by the same table); ``K`` keep; ``U`` a consistent new UID (also for ``D`` on a UI attribute).
* Choices: ``Z/D`` -> ``D`` (a dummy is valid whether the attribute is Type 1 or 2); ``X/Z``, ``X/D``, ``X/Z/D`` ->
  ``X`` (removal reveals least; ioguide does not look up the attribute's Type in the IOD, so an object whose IOD
  makes one of these Type 1 or 2 loses it); ``X/Z/U*`` -> the sequence kept with the table applied inside (its
  instance UIDs replaced), so derived objects keep pointing at their de-identified sources.
* Private attributes (odd groups): removed, inside sequences too (the table's "Private attributes" row, X).
* Attributes the table does not list are kept (the profile lists what identifies).

Options (PS3.15 §E.3.6 and §E.3.5):

* **Retain Longitudinal Temporal Information with Modified Dates** (DCM 113107): an attribute with ``C`` in the
  table's "Rtn. Long. Modif. Dates Opt." column is cleaned instead: DA and the date of a DT shifted by a
  per-patient whole number of days (:func:`date_offset_days`, kept in the mapping), TM kept (a whole-day shift
  leaves times as they are); any other VR gets its Basic Profile action. LongitudinalTemporalInformationModified
  is set to MODIFIED (REMOVED without the option).
* **Clean Descriptors** (DCM 113105): an attribute with ``C`` in the "Clean Desc. Opt." column (StudyDescription,
  SeriesDescription, ProtocolName, comments, ...) is kept only when every word of it is in ioguide's safe
  vocabulary (``data/dicom/descriptor-vocabulary.txt``, :func:`is_clean_descriptor`); otherwise its Basic Profile
  action applies.

Attributes added to the table after the edition its option columns were read from carry no option code: the
Basic Profile action applies to them (the stricter choice). Pseudonyms, UIDs and date offsets are deterministic
given a secret ``salt`` so that separate imports of one patient stay linked. Images whose pixels may show text
(:func:`burned_in_reason`) are for the caller to quarantine. No I/O here but reading the shipped tables.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID

from ioguide.imaging.deid_table import TableRow, row_for, table_source

#: Table E.1-1 choice codes -> the action applied (see the module docstring for why).
_RESOLVED = {
    "D": "D",
    "Z": "Z",
    "X": "X",
    "U": "U",
    "K": "K",
    "Z/D": "D",
    "X/Z": "X",
    "X/D": "X",
    "X/Z/D": "X",
    "X/Z/U*": "U*",
}
#: Secondary Capture SOP classes (PS3.4 Annex B.5): without BurnedInAnnotation they are taken to carry text.
SECONDARY_CAPTURE_SOP_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.7",
        "1.2.840.10008.5.1.4.1.1.7.1",
        "1.2.840.10008.5.1.4.1.1.7.2",
        "1.2.840.10008.5.1.4.1.1.7.3",
        "1.2.840.10008.5.1.4.1.1.7.4",
    }
)
#: PS3.16 CID 7050 codes written to DeidentificationMethodCodeSequence.
BASIC_PROFILE_CODE = ("113100", "Basic Application Confidentiality Profile")
RETAIN_LONGITUDINAL_CODE = ("113107", "Retain Longitudinal Temporal Information Modified Dates Option")
CLEAN_DESCRIPTORS_CODE = ("113105", "Clean Descriptors Option")
DUMMY_TEXT = "ANONYMIZED"
_DUMMIES: dict[str, Any] = {
    "DA": "19000101",
    "DT": "19000101000000",
    "TM": "000000",
    "AS": "000Y",
    "IS": "0",
    "DS": "0",
    "US": 0,
    "SS": 0,
    "UL": 0,
    "SL": 0,
    "UV": 0,
    "SV": 0,
    "FL": 0.0,
    "FD": 0.0,
    "AT": 0,
    "OB": b"\x00\x00",
    "OW": b"\x00\x00",
    "OD": b"\x00" * 8,
    "OF": b"\x00" * 4,
    "OL": b"\x00" * 4,
    "OV": b"\x00" * 8,
    "UN": b"\x00\x00",
}
_WORD = re.compile(r"[A-Za-z0-9]+")
_NUMBER = re.compile(r"(\d{1,3})([a-z]*)")
_LETTER_NUMBER = re.compile(r"[a-z]\d{1,4}")


@dataclass(frozen=True)
class Options:
    """The PS3.15 options applied on top of the Basic Profile (both off by default)."""

    retain_longitudinal: bool = False
    clean_descriptors: bool = False


@dataclass
class Deidentified:
    """What de-identification produced: the new dataset, the mapping original -> replacement per kind, and the
    per-patient date shift (patient pseudonym -> days, only with Retain Longitudinal Temporal Information)."""

    dataset: Dataset
    uids: dict[str, str] = field(default_factory=dict)
    patient_ids: dict[str, str] = field(default_factory=dict)
    date_offsets: dict[str, int] = field(default_factory=dict)


def pseudonym(value: str, salt: str, prefix: str = "ANON") -> str:
    """A stable stand-in for an identifier: ``prefix`` + 12 hex digits of SHA-256(salt, value)."""
    return f"{prefix}{hashlib.sha256(f'{salt}|{value}'.encode()).hexdigest()[:12].upper()}"


def replacement_uid(uid: str, salt: str) -> str:
    """A consistent new UID under the ``2.25.`` root (PS3.5 §B.2: UUID-derived UIDs), from SHA-256(salt, uid)."""
    return "2.25." + str(int(hashlib.sha256(f"{salt}|{uid}".encode()).hexdigest()[:32], 16))


def date_offset_days(patient_id: str, salt: str) -> int:
    """The patient's date shift for Retain Longitudinal Temporal Information with Modified Dates (PS3.15 §E.3.6):
    between 365 and 3652 days back, from SHA-256(salt, "dates", patient), so every study of the patient moves by
    the same amount (intervals between them are kept) and the true dates cannot be read back without the salt."""
    digest = int(hashlib.sha256(f"{salt}|dates|{patient_id}".encode()).hexdigest()[:8], 16)
    return -(365 + digest % (3652 - 365 + 1))


@functools.cache
def descriptor_vocabulary() -> frozenset[str]:
    """ioguide's safe words for Clean Descriptors (``data/dicom/descriptor-vocabulary.txt``)."""
    text = resources.files("ioguide").joinpath("data", "dicom", "descriptor-vocabulary.txt").read_text("utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def is_clean_descriptor(text: str) -> bool:
    """True when every word of ``text`` is a safe vocabulary word, a number of at most 3 digits (optionally with a
    vocabulary unit: ``5mm``; not a year), or one letter and at most 4 digits (``t1``, ``b800``): ioguide's reading of
    PS3.15 §E.3.5 "Clean Descriptors" (keep descriptive text only once it is known to hold no identity)."""
    vocabulary = descriptor_vocabulary()
    for word in _WORD.findall(text.lower()):
        number = _NUMBER.fullmatch(word)
        if word in vocabulary or _LETTER_NUMBER.fullmatch(word):
            continue
        if number and (not number.group(2) or number.group(2) in vocabulary):
            continue
        return False
    return True


def burned_in_reason(ds: Dataset) -> str | None:
    """Why the pixels may show identifying text (the image must be quarantined), or None: BurnedInAnnotation
    (0028,0301) YES, or a Secondary Capture without the attribute (PS3.15 §E.1.1: the Basic Profile does not
    clean pixel data; text burned into the pixels survives header de-identification)."""
    value = str(ds.get("BurnedInAnnotation", "") or "").strip().upper()
    if value == "YES":
        return "BurnedInAnnotation (0028,0301) is YES: the pixels carry text the header profile cannot remove"
    if "BurnedInAnnotation" not in ds and str(ds.get("SOPClassUID", "")) in SECONDARY_CAPTURE_SOP_CLASSES:
        return "a Secondary Capture without BurnedInAnnotation (0028,0301): its pixels may carry text"
    return None


def _shift_date(text: str, days: int) -> str | None:
    """The date of ``text`` (``YYYYMMDD...``) moved by ``days``, or None when it is no valid date."""
    try:
        day = dt.datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        return None
    return (day + dt.timedelta(days=days)).strftime("%Y%m%d")


@dataclass
class _Run:
    salt: str
    options: Options
    offset: int
    uids: dict[str, str]

    def uid(self, value: str) -> str:
        return self.uids.setdefault(value, replacement_uid(value, self.salt))


def _values(elem: DataElement) -> list[Any]:
    value = elem.value
    return list(value) if isinstance(value, MultiValue | list) else [value]


def _set_values(elem: DataElement, values: list[Any]) -> None:
    elem.value = values if len(values) > 1 else values[0]


def _dummy(elem: DataElement, run: _Run) -> None:
    if elem.VR == "UI":
        _set_values(elem, [run.uid(str(v)) for v in _values(elem) if v] or [run.uid("")])
        return
    elem.value = _DUMMIES.get(elem.VR, DUMMY_TEXT)


def _clean_dates(elem: DataElement, run: _Run) -> bool:
    """Shift DA / the date of DT by the patient's offset, keep TM; False when the VR is none of these."""
    if elem.VR == "TM":
        return True
    if elem.VR not in ("DA", "DT"):
        return False
    shifted = []
    for value in _values(elem):
        text = str(value or "")
        day = _shift_date(text, run.offset)
        if day is not None:
            shifted.append(day + text[8:])
        elif text:
            return False  # not a date: no shift can be trusted, the Basic Profile action applies
        else:
            shifted.append(text)
    _set_values(elem, shifted)
    return True


def _resolve(row: TableRow, elem: DataElement, run: _Run) -> str:
    """The action for one element: an option's clean when it applies and succeeds, else the Basic Profile's."""
    if run.options.retain_longitudinal and row.option("rtn_long_modified_dates") == "C" and _clean_dates(elem, run):
        return "K"
    cleanable = run.options.clean_descriptors and row.option("clean_descriptors") == "C" and elem.VR != "SQ"
    if cleanable and all(is_clean_descriptor(str(v)) for v in _values(elem) if v is not None):
        return "K"
    return _RESOLVED[row.basic]


def _apply(ds: Dataset, run: _Run) -> None:
    for elem in list(ds):
        if elem.tag.is_private:
            del ds[elem.tag]
            continue
        row = row_for(int(elem.tag))
        action = "K" if row is None else _resolve(row, elem, run)
        if action == "X":
            del ds[elem.tag]
        elif elem.VR == "SQ":
            if action == "Z":
                elem.value = DicomSequence([])
            else:  # K, D, U*: the items stay, each de-identified by the same table
                for item in elem.value:
                    _apply(item, run)
        elif action == "Z":
            elem.value = None
        elif action == "D":
            _dummy(elem, run)
        elif action in ("U", "U*") and elem.value:
            _set_values(elem, [run.uid(str(v)) for v in _values(elem)])


def _code(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item


def deidentify(ds: Dataset, salt: str, options: Options | None = None) -> Deidentified:
    """A de-identified copy of ``ds`` (the input is not changed): Table E.1-1 applied with ``options``, private
    attributes removed, PatientID and PatientName set to the patient's pseudonym, and the record of what was done
    (PS3.15 §E.1.1): PatientIdentityRemoved YES, DeidentificationMethod and its Code Sequence (CID 7050),
    LongitudinalTemporalInformationModified."""
    options = options or Options()
    out = copy.deepcopy(ds)
    original_patient = str(ds.get("PatientID", ""))
    new_patient = pseudonym(original_patient, salt)
    run = _Run(salt, options, date_offset_days(original_patient, salt), {})
    _apply(out, run)
    meta = getattr(out, "file_meta", None)
    if meta is not None and "MediaStorageSOPInstanceUID" in meta:
        meta.MediaStorageSOPInstanceUID = UID(run.uid(str(meta.MediaStorageSOPInstanceUID)))
    out.PatientID = new_patient
    out.PatientName = new_patient
    out.PatientIdentityRemoved = "YES"
    codes = [BASIC_PROFILE_CODE]
    if options.retain_longitudinal:
        codes.append(RETAIN_LONGITUDINAL_CODE)
    if options.clean_descriptors:
        codes.append(CLEAN_DESCRIPTORS_CODE)
    method = [f"PS3.15 Table E.1-1 {table_source()['basic_profile_column']['dicom_edition']} Basic Profile"]
    method += ["Retain Longitudinal Modified Dates Option"] if options.retain_longitudinal else []
    method += ["Clean Descriptors Option"] if options.clean_descriptors else []
    out.DeidentificationMethod = method if len(method) > 1 else method[0]
    out.DeidentificationMethodCodeSequence = DicomSequence([_code(*code) for code in codes])
    out.LongitudinalTemporalInformationModified = "MODIFIED" if options.retain_longitudinal else "REMOVED"
    offsets = {new_patient: run.offset} if options.retain_longitudinal else {}
    return Deidentified(out, run.uids, {original_patient: new_patient}, offsets)


def output_name(ds: Dataset) -> str:
    """The relative file name of a de-identified instance: made of its pseudonym and new UIDs only
    (``PATIENT/STUDY_UID/SERIES_UID/SOP_UID.dcm``), never of a source folder or file name."""
    parts = [str(ds.get(k, "") or "") for k in ("PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")]
    if not all(parts) or any(not re.fullmatch(r"[A-Za-z0-9.]+", p) for p in parts):
        raise ValueError(f"not a de-identified instance (pseudonym and UIDs expected): {parts}")
    return "/".join(parts[:3]) + f"/{parts[3]}.dcm"
