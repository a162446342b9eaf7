"""DICOM PS3.15 Annex E "Basic Application Level Confidentiality Profile" as pure functions on pydicom datasets.

Actions (PS3.15 Table E.1-1): ``D`` replace with a dummy value, ``Z`` replace with an empty (zero-length) value,
``X`` remove, ``U`` replace a UID by a consistent new one, ``K`` keep. This module applies the profile's actions to
the attributes listed in :data:`BASIC_PROFILE` (the identifying attributes of the table that occur in CT/MR/SEG/RT
objects), removes every private attribute and every attribute in a sequence the profile removes, replaces UIDs
consistently, and records what it did (PS3.15 §E.1.1: Patient Identity Removed = YES, De-identification Method
(Code) Sequence with DCM 113100 "Basic Application Confidentiality Profile").

The pseudonyms are deterministic given a secret ``salt``: the same patient or UID maps to the same replacement in
every run, so several imports of one study stay linked; the mapping (original -> replacement) is returned to the
caller, which keeps it (the records store, not the files). No I/O here.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from typing import Literal

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID

Action = Literal["D", "Z", "X", "U", "K"]

#: Keyword -> action, from PS3.15 (2024e) Table E.1-1, column "Basic Profile" (where the table gives a choice
#: such as ``Z/D`` or ``X/Z/D``, the least-revealing action that keeps the object valid is used: ``Z`` for
#: Type 2 attributes, ``D`` for Type 1, else ``X``).
BASIC_PROFILE: dict[str, Action] = {
    "AccessionNumber": "Z",
    "AcquisitionDateTime": "X",
    "AdditionalPatientHistory": "X",
    "AdmittingDiagnosesDescription": "X",
    "Allergies": "X",
    "BranchOfService": "X",
    "ContentCreatorName": "Z",
    "ContentDate": "Z",
    "ContentTime": "Z",
    "ContrastBolusAgent": "Z",
    "CountryOfResidence": "X",
    "CurrentPatientLocation": "X",
    "DeviceSerialNumber": "Z",
    "EthnicGroup": "X",
    "FrameOfReferenceUID": "U",
    "ImageComments": "X",
    "InstanceCreatorUID": "U",
    "InstitutionAddress": "X",
    "InstitutionName": "X",
    "InstitutionalDepartmentName": "X",
    "IssuerOfPatientID": "X",
    "MedicalAlerts": "X",
    "MedicalRecordLocator": "X",
    "MilitaryRank": "X",
    "NameOfPhysiciansReadingStudy": "X",
    "Occupation": "X",
    "OperatorsName": "X",
    "OtherPatientIDs": "X",
    "OtherPatientIDsSequence": "X",
    "OtherPatientNames": "X",
    "PatientAddress": "X",
    "PatientAge": "X",
    "PatientBirthDate": "Z",
    "PatientBirthName": "X",
    "PatientBirthTime": "X",
    "PatientComments": "X",
    "PatientID": "Z",
    "PatientMotherBirthName": "X",
    "PatientName": "Z",
    "PatientReligiousPreference": "X",
    "PatientSex": "Z",
    "PatientSize": "X",
    "PatientTelephoneNumbers": "X",
    "PatientWeight": "X",
    "PerformedProcedureStepDescription": "X",
    "PerformedProcedureStepID": "X",
    "PerformedProcedureStepStartDate": "X",
    "PerformedProcedureStepStartTime": "X",
    "PerformingPhysicianName": "X",
    "PhysiciansOfRecord": "X",
    "ReferencedPatientSequence": "X",
    "ReferencedStudySequence": "X",
    "ReferringPhysicianAddress": "X",
    "ReferringPhysicianName": "Z",
    "ReferringPhysicianTelephoneNumbers": "X",
    "RequestAttributesSequence": "X",
    "RequestingPhysician": "X",
    "SeriesDate": "X",
    "SeriesInstanceUID": "U",
    "SeriesTime": "X",
    "SOPInstanceUID": "U",
    "StationName": "X",
    "StudyDate": "Z",
    "StudyDescription": "X",
    "StudyID": "Z",
    "StudyInstanceUID": "U",
    "StudyTime": "Z",
    "AcquisitionDate": "X",
    "AcquisitionTime": "X",
    "InstanceCreationDate": "X",
    "InstanceCreationTime": "X",
    "SeriesDescription": "X",
    "ProtocolName": "X",
    "ReferencedSOPInstanceUID": "U",
    "MediaStorageSOPInstanceUID": "U",
    "StorageMediaFileSetUID": "U",
    "SynchronizationFrameOfReferenceUID": "U",
    "IrradiationEventUID": "U",
    "TrackingUID": "U",
    "ConcatenationUID": "U",
    "DimensionOrganizationUID": "U",
    "ReferencedFrameOfReferenceUID": "U",
    "RelatedFrameOfReferenceUID": "U",
    "StructureSetDate": "Z",
    "StructureSetTime": "Z",
}


def pseudonym(value: str, salt: str, prefix: str = "ANON") -> str:
    """A stable stand-in for an identifier: ``prefix`` + 12 hex digits of SHA-256(salt, value)."""
    return f"{prefix}{hashlib.sha256(f'{salt}|{value}'.encode()).hexdigest()[:12].upper()}"


def replacement_uid(uid: str, salt: str) -> str:
    """A consistent new UID under the ``2.25.`` root (PS3.5 §B.2: UUID-derived UIDs), from SHA-256(salt, uid)."""
    return "2.25." + str(int(hashlib.sha256(f"{salt}|{uid}".encode()).hexdigest()[:32], 16))


@dataclass
class Deidentified:
    """What de-identification produced: the new dataset and the mapping original -> replacement per kind."""

    dataset: Dataset
    uids: dict[str, str] = field(default_factory=dict)
    patient_ids: dict[str, str] = field(default_factory=dict)


def _apply(ds: Dataset, salt: str, uids: dict[str, str]) -> None:
    ds.remove_private_tags()
    for elem in list(ds):
        keyword = elem.keyword
        action = BASIC_PROFILE.get(keyword)
        if elem.VR == "SQ":
            if action == "X":
                del ds[elem.tag]
                continue
            for item in elem.value:
                _apply(item, salt, uids)
            continue
        if action is None or action == "K":
            continue
        if action == "X":
            del ds[elem.tag]
        elif action == "Z":
            elem.value = ""
        elif action == "D":
            elem.value = "ANONYMIZED"
        elif action == "U" and elem.value:
            values = elem.value if elem.VM > 1 else [elem.value]
            new = [uids.setdefault(str(v), replacement_uid(str(v), salt)) for v in values]
            elem.value = new if elem.VM > 1 else new[0]


def deidentify(ds: Dataset, salt: str) -> Deidentified:
    """A de-identified copy of ``ds`` (the input is not changed) with the PS3.15 basic profile applied."""
    out = copy.deepcopy(ds)
    original_patient = str(ds.get("PatientID", ""))
    uids: dict[str, str] = {}
    _apply(out, salt, uids)
    if hasattr(out, "file_meta"):
        meta = out.file_meta
        if "MediaStorageSOPInstanceUID" in meta:
            meta.MediaStorageSOPInstanceUID = UID(uids.get(str(meta.MediaStorageSOPInstanceUID), out.SOPInstanceUID))
    new_patient = pseudonym(original_patient, salt)
    out.PatientID = new_patient
    out.PatientName = new_patient
    out.PatientIdentityRemoved = "YES"
    method = Dataset()
    method.CodeValue = "113100"
    method.CodingSchemeDesignator = "DCM"
    method.CodeMeaning = "Basic Application Confidentiality Profile"
    out.DeidentificationMethodCodeSequence = DicomSequence([method])
    out.DeidentificationMethod = "PS3.15 Annex E Basic Profile (ioguide)"
    return Deidentified(out, uids, {original_patient: new_patient})
