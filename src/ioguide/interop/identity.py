"""One lesion identity across every export: the case's lesion ``id`` (the records store's lesion label).

- records store: ``lesions.label`` (unique per patient), and ``procedure_lesions`` point to that row;
- FHIR: ``BodyStructure.identifier`` (mCODE ``mcode-body-structure-identifier``) with ``value`` = the key and
  ``system`` scoped to study and subject, since a key is unique only within its patient;
- SDTM: ``TULNKID`` / ``TRLNKID`` / ``PRLNKID`` / ``ECLNKID`` = the key (SDTMIG 3.4 §6.3.5.10: --LNKID links TU to
  TR within USUBJID);
- DICOM SR: the TID 1500 tracking identifier (imaging) carries the same key.

FHIR resource ids are UUID v5 of a stable name, so the same store exports to the same Bundle every time.
"""

from __future__ import annotations

import uuid

#: Namespace for ioguide's FHIR resource ids (uuid5 of "ioguide.org", DNS namespace).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "ioguide.org")
BASE = "https://ioguide.org/fhir/sid"


def lesion_system(study: str, subject: str) -> str:
    """The FHIR identifier system under which a patient's lesion keys are unique."""
    return f"{BASE}/lesion/{study}/{subject}"


def subject_system(study: str) -> str:
    """The FHIR identifier system of a study's pseudonyms."""
    return f"{BASE}/subject/{study}"


def resource_id(*parts: str) -> str:
    """A deterministic FHIR id (a UUID) for the thing named by ``parts``."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))
