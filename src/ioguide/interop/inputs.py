"""What an export reads: one patient (pseudonym, case JSON, procedures, toxicity events) or a whole study.

The case is the ``ioguide assess`` input of ``spec/response.md``; it is checked by the response engine itself
(``ioguide.criteria.assess.assess_json``), so an export never carries a case that ``ioguide assess`` rejects.
Procedures and toxicity events have the records store's shape (``spec/api.md``; ``services/procedures.py``,
``services/toxicity.py``), with the grade already computed by ``ioguide grade``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, StrictFloat, StrictInt, StrictStr

from ioguide.case.document import case_of
from ioguide.criteria.assess import assess_json
from ioguide.criteria.values import Case
from ioguide.errors import InputError, Problem
from ioguide.validation import STRICT_INPUT, parse_model

Number = StrictInt | StrictFloat
#: Study and subject identifiers: the records store's pseudonym pattern (``services/patients.py``).
IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
CriteriaName = Literal["recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma"]
ProcedureKind = Literal["injection", "biopsy", "ablation", "embolization", "infusion"]
Route = Literal["intravenous", "intrapleural", "intraperitoneal", "intra_arterial", "intratumoral", "intraventricular"]
ToxicityKind = Literal["crs", "icans", "ctcae", "cirse"]


class TreatedLesion(BaseModel):
    """A lesion a procedure reached, by the case's lesion ``id``, with the volume injected into it."""

    model_config = STRICT_INPUT
    lesion_id: StrictStr = Field(min_length=1, max_length=64)
    volume_ml: Number | None = Field(None, gt=0, le=1000)


class ProcedureRecord(BaseModel):
    """One stored procedure (``POST /api/v1/patients/{id}/procedures``), as ``list_procedures`` returns it."""

    model_config = STRICT_INPUT
    id: StrictInt | None = None
    kind: ProcedureKind
    date: dt.date
    agent: StrictStr | None = Field(None, min_length=1)  # length: the SDTM export checks its 200-byte limit
    concentration_mg_ml: Number | None = Field(None, gt=0)
    lesions: tuple[TreatedLesion, ...] = ()
    route: Route | None = None
    dose_cells: Number | None = Field(None, gt=0)
    modality: Literal["radiofrequency", "microwave", "cryoablation", "irreversible_electroporation"] | None = None
    approach: StrictStr | None = None
    guidance: StrictStr | None = None
    cores: StrictInt | None = Field(None, ge=1)
    embolic: StrictStr | None = None
    complication_grade: StrictInt | None = Field(None, ge=0, le=5)


class ToxicityRecord(BaseModel):
    """One stored, graded toxicity event (``POST /api/v1/patients/{id}/toxicity``)."""

    model_config = STRICT_INPUT
    id: StrictInt | None = None
    kind: ToxicityKind
    date: dt.date
    grade: StrictInt | None = Field(None, ge=0, le=5)
    scale: StrictStr = Field(min_length=1, max_length=40)
    term: StrictStr | None = Field(None, max_length=200)  # CTCAE term key, e.g. alanine_aminotransferase_increased
    name: StrictStr | None = Field(None, max_length=200)  # its display name, e.g. Alanine aminotransferase increased


class Evaluation(BaseModel):
    """Who assessed one timepoint besides the investigator: a signed independent (central) read of the scan of
    ``date``. The SDTM export writes that timepoint's RS records again with RSEVAL ``INDEPENDENT ASSESSOR``,
    RSEVALID ``evaluator_id`` (a CDISC MEDEVAL term, e.g. ``RADIOLOGIST 1``) and RSACPTFL ``Y`` (the accepted read).
    Filled by the e-signature records when they exist; absent, every record is the investigator's."""

    model_config = STRICT_INPUT
    date: dt.date
    evaluator_id: StrictStr = Field(min_length=1, max_length=40)


class ImagingStudyRef(BaseModel):
    """An imaging study of the patient: its date and DICOM modality (CT, MR, PT, US, ...), for TRMETHOD."""

    model_config = STRICT_INPUT
    date: dt.date
    modality: StrictStr = Field(min_length=1, max_length=16)


class PatientExport(BaseModel):
    """Everything exported for one patient. ``subject`` is the study pseudonym, never a direct identifier."""

    model_config = STRICT_INPUT
    study: StrictStr = Field(min_length=1, max_length=64, pattern=IDENTIFIER)
    subject: StrictStr = Field(min_length=1, max_length=64, pattern=IDENTIFIER)
    birth_year: StrictInt | None = Field(None, ge=1900, le=2100)
    sex: Literal["female", "male", "other", "unknown"] | None = None
    criteria: tuple[CriteriaName, ...] = Field(default=(), max_length=5)
    case: dict[StrictStr, Any]
    procedures: tuple[ProcedureRecord, ...] = ()
    toxicity: tuple[ToxicityRecord, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    imaging: tuple[ImagingStudyRef, ...] = ()
    _assessments: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)

    def assessment(self, criteria: str) -> dict[str, Any]:
        """The response engine's output for ``criteria``, computed once per patient and criterion and reused by
        the input check and every export domain (SDTM RS/TR, ADaM, FHIR). Raises ``InputError``."""
        if criteria not in self._assessments:
            self._assessments[criteria] = assess_json(self.case, criteria)
        return self._assessments[criteria]

    @property
    def usubjid(self) -> str:
        """SDTM USUBJID: unique across studies, ``STUDYID-SUBJID`` (SDTMIG 3.4 §4.1.2.3)."""
        return f"{self.study}-{self.subject}"

    def lesion_ids(self) -> list[str]:
        return [str(lesion["id"]) for lesion in self.case["lesions"]]

    def typed_case(self) -> Case:
        """The case as the core's typed value (parsed under the first export criterion, which it passed when
        this export was parsed): what the exports ask the case's facts of (``ioguide.case.facts``)."""
        return case_of(self.case, self.export_criteria()[0])

    def export_criteria(self) -> tuple[str, ...]:
        """The criteria to report: the listed ones, else the case's own, else RECIST 1.1."""
        if self.criteria:
            return self.criteria
        return (str(self.case.get("criteria") or "recist1.1"),)


class StudyExport(BaseModel):
    """A whole study for SDTM: every patient carries the same ``study``."""

    model_config = STRICT_INPUT
    study: StrictStr = Field(min_length=1, max_length=64, pattern=IDENTIFIER)
    patients: tuple[PatientExport, ...] = Field(min_length=1)


#: What each procedure kind needs for the export (the store's rule, ``services/procedures.py`` REQUIRED).
REQUIRED: dict[str, tuple[str, ...]] = {
    "injection": ("agent", "lesions"),
    "biopsy": ("lesions",),
    "ablation": ("lesions",),
    "embolization": (),
    "infusion": ("agent", "route"),
}


def _check_patient(patient: PatientExport, prefix: str) -> list[Problem]:
    problems: list[Problem] = [
        Problem(f"{prefix}procedures[{i}].{name}", f"required for a procedure of kind {procedure.kind!r}")
        for i, procedure in enumerate(patient.procedures)
        for name in REQUIRED[procedure.kind]
        if getattr(procedure, name) in (None, ())
    ]
    for name in patient.export_criteria():
        try:
            patient.assessment(name)
        except InputError as err:
            problems += [Problem(f"{prefix}case.{p.field}".rstrip("."), p.message) for p in err.problems]
            break
    if problems:
        return problems
    declared = set(patient.lesion_ids())
    for i, procedure in enumerate(patient.procedures):
        for j, item in enumerate(procedure.lesions):
            if item.lesion_id not in declared:
                problems.append(
                    Problem(
                        f"{prefix}procedures[{i}].lesions[{j}].lesion_id",
                        f"{item.lesion_id!r} is not a lesion of the case (lesions[].id)",
                    )
                )
    return problems


def parse_patient_export(data: Any) -> PatientExport:
    """Parse and check one patient's export input; raise :class:`InputError` naming every bad field."""
    patient = parse_model(PatientExport, data)
    problems = _check_patient(patient, "")
    if problems:
        raise InputError(problems)
    return patient


def parse_study_export(data: Any) -> StudyExport:
    """Parse and check a study's export input (every patient as in :func:`parse_patient_export`)."""
    study = parse_model(StudyExport, data)
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, patient in enumerate(study.patients):
        if patient.study != study.study:
            problems.append(Problem(f"patients[{i}].study", f"{patient.study!r} is not the study {study.study!r}"))
        if patient.subject in seen:
            problems.append(Problem(f"patients[{i}].subject", f"{patient.subject!r} is listed twice"))
        seen.add(patient.subject)
        # the message names the subject too, so a data manager finds the patient without counting (issue 17)
        problems += [
            Problem(p.field, f"subject {patient.subject}: {p.message}")
            for p in _check_patient(patient, f"patients[{i}].")
        ]
    if problems:
        raise InputError(problems)
    return study
