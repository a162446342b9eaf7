"""One patient as a FHIR R4 (4.0.1) Bundle of type ``collection``, using mCODE STU4 (4.0.0) profiles.

Profiles claimed (http://hl7.org/fhir/us/mcode/StructureDefinition/...): ``mcode-cancer-patient`` (Patient),
``mcode-tumor`` (BodyStructure, one per lesion), ``mcode-tumor-size`` (Observation, LOINC 21889-1 with components
33728-7 longest dimension and 33729-5 other dimension, one per measured lesion per timepoint),
``mcode-cancer-disease-status`` (Observation, LOINC 97509-4), ``mcode-cancer-related-surgical-procedure``
(biopsy, ablation, embolization) and ``mcode-cancer-related-medication-administration`` (injection, infusion).
Responses per criterion and AdverseEvents have no mCODE profile; they are R4 core resources with ioguide codes.
mCODE STU4 §"Profiles" and the StructureDefinitions of the hl7.fhir.us.mcode 4.0.0 package are the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ioguide.case.facts import baseline_date, injected_at
from ioguide.interop import identity
from ioguide.interop.inputs import PatientExport, ProcedureRecord, ToxicityRecord
from ioguide.interop.terminology import (
    CRITERIA,
    IOGUIDE_CS,
    LOINC,
    PROCEDURE_NAMES,
    RESPONSE_TREND,
    SNOMED,
    TREND,
    UCUM,
    Site,
    check_code,
    known_site,
    route_for,
)

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
TARGET_BODY_STRUCTURE = "http://hl7.org/fhir/StructureDefinition/procedure-targetBodyStructure"
BODY_SITE_REFERENCE = "http://hl7.org/fhir/StructureDefinition/bodySite"
#: mCODE's ``mcode-reason-required`` invariant (MedicationAdministration, surgical Procedure): the case carries no
#: diagnosis, so the reason is the generic SNOMED CT "Malignant neoplastic disease (disorder)".
REASON = [
    {
        "coding": [
            {
                "system": "http://snomed.info/sct",
                "code": "363346000",
                "display": "Malignant neoplastic disease (disorder)",
            }
        ]
    }
]
#: ioguide extension carrying the exact grade and its scale (R4 AdverseEvent.severity has only mild|moderate|severe).
GRADE_EXTENSION = "https://ioguide.org/fhir/StructureDefinition/toxicity-grade"
SURGICAL_KINDS = ("biopsy", "ablation", "embolization")

Resource = dict[str, Any]


def _ref(resource: Resource) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource['id']}"}


def _concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    coding: dict[str, str] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    out: dict[str, Any] = {"coding": [coding]}
    if text:
        out["text"] = text
    return out


def _mm(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "mm", "system": UCUM, "code": "mm"}


def _site_concept(site: Site, text: str) -> dict[str, Any]:
    return _concept(SNOMED, site.snomed, site.display, text)


class _Builder:
    """Collects one patient's resources; every id is deterministic (``identity.resource_id``)."""

    def __init__(self, patient: PatientExport) -> None:
        self.patient = patient
        self.key = (patient.study, patient.subject)
        self.resources: list[Resource] = []
        self.tumors: dict[str, Resource] = {}
        self.sizes: dict[str, list[Resource]] = {}
        self.procedures: dict[int, Resource] = {}

    def add(self, resource: Resource, *name: str) -> Resource:
        kind = resource.pop("resourceType")
        resource = {"resourceType": kind, "id": identity.resource_id(*self.key, kind, *name), **resource}
        self.resources.append(resource)
        return resource

    @property
    def subject(self) -> dict[str, str]:
        return _ref(self.resources[0])

    def patient_resource(self) -> None:
        """mCODE Cancer Patient on US Core Patient 6.1.0: identifier (the study pseudonym), name (absent: masked,
        US Core us-core-6 allows the data-absent-reason extension), gender (required by US Core); birth year only."""
        p = self.patient
        resource: Resource = {
            "resourceType": "Patient",
            "meta": {
                "profile": [MCODE + "mcode-cancer-patient"],
                "security": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                        "code": "PSEUDED",
                        "display": "pseudonymized",
                    }
                ],
            },
            "identifier": [{"system": identity.subject_system(p.study), "value": p.subject}],
            "name": [
                {
                    "extension": [
                        {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "masked"}
                    ]
                }
            ],
            "gender": p.sex or "unknown",
        }
        if p.birth_year is not None:
            resource["birthDate"] = str(p.birth_year)
        self.add(resource, p.subject)

    def tumor(self, lesion_id: str, organ: str, description: str) -> None:
        """mCODE Tumor: identifier slice ``bodyStructureIdentifier`` (type BodyStructure, value required) carrying
        the lesion key; ``location`` (1..1) from the organ: SNOMED CT when the organ maps (``terminology.SITES``),
        else the organ as entered, as text only (a CodeableConcept without a coding: nothing guessed, and the
        export does not stop on a free-text location, as SDTM TULOC)."""
        site = known_site(organ)
        resource: Resource = {
            "resourceType": "BodyStructure",
            "meta": {"profile": [MCODE + "mcode-tumor"]},
            "identifier": [
                {
                    "use": "usual",
                    "type": _concept("http://hl7.org/fhir/resource-types", "BodyStructure"),
                    "system": identity.lesion_system(*self.key),
                    "value": lesion_id,
                }
            ],
            "description": description,
            "location": {"text": organ} if site is None else _site_concept(site, organ),
            "patient": self.subject,
        }
        self.tumors[lesion_id] = self.add(resource, "lesion", lesion_id)

    def tumors_from_case(self) -> None:
        case = self.patient.case
        typed = self.patient.typed_case()
        baseline = baseline_date(typed)
        for lesion in case["lesions"]:
            role = str(lesion["role"]).replace("_", "-")
            injected = " injected" if injected_at(typed, lesion["id"], baseline) else ""
            self.tumor(lesion["id"], lesion["organ"], f"{role}{injected} lesion {lesion['id']}")
        for timepoint in case["timepoints"]:
            for new in timepoint.get("new_lesions", []):
                if new["id"] not in self.tumors:
                    self.tumor(new["id"], new["organ"], f"new lesion {new['id']}, first seen {timepoint['date']}")

    def tumor_size(self, lesion_id: str, date: str, value: Any, nodal: bool, pleural: bool) -> None:
        """mCODE Tumor Size: LOINC 21889-1; component 33728-7 (longest dimension, 1..1) and 33729-5 (other).

        A node's short axis (RECIST 1.1 §3.1.2) or a pleural thickness (Armato & Nowak 2018) is not a longest
        dimension: it goes in 33729-5 and the longest dimension says ``dataAbsentReason: not-performed``.
        ``too_small`` (RECIST 1.1 appendix I) is reported as such, not as the 5 mm the response engine counts.
        """
        longest: Resource = {"code": _concept(LOINC, "33728-7", "Size.maximum dimension in Tumor")}
        components = [longest]
        notes = []
        if value == "too_small":
            longest["dataAbsentReason"] = _concept(DATA_ABSENT, "unknown", "Unknown")
            notes.append("too small to measure (RECIST 1.1 counts 5 mm)")
        elif nodal or pleural:
            longest["dataAbsentReason"] = _concept(DATA_ABSENT, "not-performed", "Not Performed")
            what = "short axis" if nodal else "pleural thickness"
            components.append(
                {
                    "code": _concept(LOINC, "33729-5", "Size additional dimension in Tumor", what),
                    "valueQuantity": _mm(value),
                }
            )
        else:
            longest["valueQuantity"] = _mm(value)
        if self.patient.case.get("criteria") == "mrecist":
            notes.append("diameter of the viable (arterially enhancing) tumour, mRECIST")
        resource: Resource = {
            "resourceType": "Observation",
            "meta": {"profile": [MCODE + "mcode-tumor-size"]},
            "status": "final",
            "category": [_concept(OBS_CATEGORY, "imaging", "Imaging")],
            "code": _concept(LOINC, "21889-1", "Size Tumor"),
            "subject": self.subject,
            "focus": [_ref(self.tumors[lesion_id])],
            "effectiveDateTime": date,
            "method": _concept(SNOMED, "363679005", "Imaging (procedure)"),
            "component": components,
        }
        if notes:
            resource["note"] = [{"text": n} for n in notes]
        self.sizes.setdefault(date, []).append(self.add(resource, "size", lesion_id, date))

    def sizes_from_case(self) -> None:
        lesions = {lesion["id"]: lesion for lesion in self.patient.case["lesions"]}
        for timepoint in self.patient.case["timepoints"]:
            date = timepoint["date"]
            for lesion_id, value in timepoint.get("diameters_mm", {}).items():
                if value == "not_evaluated":
                    continue
                lesion = lesions[lesion_id]
                self.tumor_size(lesion_id, date, value, bool(lesion.get("nodal")), bool(lesion.get("pleural")))
            for new in timepoint.get("new_lesions", []):
                if new.get("diameter_mm") is not None:
                    self.tumor_size(new["id"], date, new["diameter_mm"], bool(new.get("nodal")), False)

    def response(self, criteria: str, item: dict[str, Any], best: bool) -> None:
        """A response (timepoint or best overall) as an Observation whose ``method`` names the criterion and its
        paper; ``note`` carries the engine's reasons (spec/response.md, "Every result explains itself")."""
        label, source = CRITERIA[criteria]
        code = "best-overall-response" if best else "timepoint-response"
        display = "Best overall response" if best else "Overall response at timepoint"
        response = item["response"]
        check_code(response, RESPONSE_TREND, f"response.{criteria}", "response")
        components = []
        if item.get("sum_mm") is not None:
            components.append(
                {
                    "code": _concept(f"{IOGUIDE_CS}/measure", "sum-of-diameters", "Sum of diameters"),
                    "valueQuantity": _mm(item["sum_mm"]),
                }
            )
        if item.get("change_from_baseline_pct") is not None:
            pct = {"value": item["change_from_baseline_pct"], "unit": "%", "system": UCUM, "code": "%"}
            components.append(
                {
                    "code": _concept(f"{IOGUIDE_CS}/measure", "change-from-baseline", "Change from baseline sum"),
                    "valueQuantity": pct,
                }
            )
        resource: Resource = {
            "resourceType": "Observation",
            "status": "final",
            "category": [_concept(OBS_CATEGORY, "imaging", "Imaging")],
            "code": _concept(f"{IOGUIDE_CS}/observation", code, display),
            "subject": self.subject,
            "focus": [_ref(t) for t in self.tumors.values()],
            "effectiveDateTime": item["date"],
            "method": _concept(f"{IOGUIDE_CS}/criteria", criteria, label, f"{label} ({source})"),
            "valueCodeableConcept": _concept(f"{IOGUIDE_CS}/response", response, None, response),
        }
        if not best and self.sizes.get(item["date"]):
            resource["derivedFrom"] = [_ref(r) for r in self.sizes[item["date"]]]
        if best and item.get("confirmed") is not None:
            components.append(
                {
                    "code": _concept(f"{IOGUIDE_CS}/measure", "confirmed", "Response confirmed"),
                    "valueBoolean": item["confirmed"],
                }
            )
        if components:
            resource["component"] = components
        if item.get("reasons"):
            resource["note"] = [{"text": r} for r in item["reasons"]]
        self.add(resource, "response", criteria, code, item["date"] or "none")

    def disease_status(self, item: dict[str, Any]) -> None:
        """mCODE Cancer Disease Status (LOINC 97509-4): the trend of the primary criterion's timepoint response,
        evidence type imaging (SNOMED 363679005)."""
        code, display = TREND[RESPONSE_TREND[item["response"]]]
        self.add(
            {
                "resourceType": "Observation",
                "meta": {"profile": [MCODE + "mcode-cancer-disease-status"]},
                "extension": [
                    {
                        "url": MCODE + "mcode-cancer-disease-status-evidence-type",
                        "valueCodeableConcept": _concept(SNOMED, "363679005", "Imaging (procedure)"),
                    }
                ],
                "status": "final",
                "category": [_concept(OBS_CATEGORY, "survey", "Survey")],
                "code": _concept(LOINC, "97509-4", "Cancer disease status"),
                "subject": self.subject,
                "effectiveDateTime": item["date"],
                "valueCodeableConcept": _concept(SNOMED, code, display, item["response"]),
            },
            "status",
            item["date"],
        )

    def responses(self) -> None:
        for n, criteria in enumerate(self.patient.export_criteria()):
            result = self.patient.assessment(criteria)
            for item in result["timepoints"]:
                if item["response"] is None:
                    continue
                self.response(criteria, item, best=False)
                if n == 0:
                    self.disease_status(item)
            if result["best_overall_response"]["date"] is not None:
                self.response(criteria, result["best_overall_response"], best=True)

    def _lesion_sites(self, procedure: ProcedureRecord) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for item in procedure.lesions:
            tumor = self.tumors[item.lesion_id]
            concept = dict(tumor["location"])
            concept["text"] = f"lesion {item.lesion_id} ({tumor['location']['text']})"
            out.append((item.lesion_id, concept))
        return out

    def procedure(self, procedure: ProcedureRecord, index: int) -> None:
        """A Procedure per injection, biopsy, ablation, embolization or infusion. Biopsy, ablation and
        embolization claim ``mcode-cancer-related-surgical-procedure``; each treated lesion is a ``bodySite`` and a
        ``procedure-targetBodyStructure`` extension (FHIR R4 core extension) pointing to its Tumor."""
        name = PROCEDURE_NAMES[procedure.kind]
        detail = procedure.modality or procedure.agent or procedure.embolic
        resource: Resource = {"resourceType": "Procedure"}
        if procedure.kind in SURGICAL_KINDS:
            resource["meta"] = {"profile": [MCODE + "mcode-cancer-related-surgical-procedure"]}
        if procedure.lesions:
            resource["extension"] = [
                {"url": TARGET_BODY_STRUCTURE, "valueReference": _ref(self.tumors[i.lesion_id])}
                for i in procedure.lesions
            ]
        if procedure.id is not None:
            resource["identifier"] = [
                {"system": f"{identity.BASE}/procedure/{self.patient.study}", "value": str(procedure.id)}
            ]
        resource |= {
            "status": "completed",
            "code": _concept(
                f"{IOGUIDE_CS}/procedure",
                procedure.kind,
                name.capitalize(),
                f"{name.lower()} ({detail})" if detail else name.lower(),
            ),
            "subject": self.subject,
            "performedDateTime": procedure.date.isoformat(),
            "reasonCode": REASON,
        }
        sites = self._lesion_sites(procedure)
        if sites:
            resource["bodySite"] = [concept for _, concept in sites]
        self.procedures[index] = self.add(resource, "procedure", str(index), procedure.date.isoformat())
        if procedure.kind == "injection":
            for (lesion_id, concept), item in zip(sites, procedure.lesions, strict=True):
                self.administration(
                    procedure,
                    index,
                    concept
                    | {"extension": [{"url": BODY_SITE_REFERENCE, "valueReference": _ref(self.tumors[lesion_id])}]},
                    item.volume_ml,
                    lesion_id,
                )
        elif procedure.kind == "infusion":
            self.administration(procedure, index, None, None, "")

    def administration(
        self,
        procedure: ProcedureRecord,
        index: int,
        site: dict[str, Any] | None,
        volume_ml: float | None,
        lesion_id: str,
    ) -> None:
        """mCODE Cancer-Related MedicationAdministration, route coded in SNOMED CT (intratumoral 47017003,
        intrapleural 38233002, intra-arterial 58100008, ...); an injection defaults to the intratumoral route."""
        field = f"procedures[{index}].route"
        route = route_for(procedure.route, field)
        dosage: dict[str, Any] = {"route": _concept(SNOMED, route.snomed, route.display)}
        if site is not None:
            dosage["site"] = site
        if volume_ml is not None:
            dosage["dose"] = {"value": volume_ml, "unit": "mL", "system": UCUM, "code": "mL"}
        elif procedure.dose_cells is not None:
            dosage["dose"] = {"value": procedure.dose_cells, "unit": "cells", "system": UCUM, "code": "{cells}"}
        if procedure.concentration_mg_ml is not None:
            dosage["text"] = f"concentration {procedure.concentration_mg_ml} mg/mL"
        self.add(
            {
                "resourceType": "MedicationAdministration",
                "meta": {"profile": [MCODE + "mcode-cancer-related-medication-administration"]},
                "partOf": [_ref(self.procedures[index])],
                "status": "completed",
                "medicationCodeableConcept": {"text": procedure.agent},
                "subject": self.subject,
                "effectiveDateTime": procedure.date.isoformat(),
                "reasonCode": REASON,
                "dosage": dosage,
            },
            "administration",
            str(index),
            lesion_id,
        )

    def adverse_event(
        self, name: str, scale: str, grade: int, date: str, code: str, suspect: Resource | None, *key: str
    ) -> None:
        """An R4 AdverseEvent for a graded event (grade >= 1). ``severity`` follows CTCAE v5.0's grade words
        (1 mild, 2 moderate, >= 3 severe); the exact grade and its scale are kept in an ioguide extension."""
        severity = "mild" if grade == 1 else "moderate" if grade == 2 else "severe"
        resource: Resource = {
            "resourceType": "AdverseEvent",
            "extension": [
                {
                    "url": GRADE_EXTENSION,
                    "valueCodeableConcept": _concept(
                        f"{IOGUIDE_CS}/grade", f"{scale} grade {grade}", None, f"{scale} grade {grade}"
                    ),
                }
            ],
            "actuality": "actual",
            "event": _concept(f"{IOGUIDE_CS}/toxicity", code, name, name),
            "subject": self.subject,
            "date": date,
            "severity": _concept(
                "http://terminology.hl7.org/CodeSystem/adverse-event-severity", severity, severity.capitalize()
            ),
        }
        if grade == 5:
            resource["outcome"] = _concept(
                "http://terminology.hl7.org/CodeSystem/adverse-event-outcome", "fatal", "Fatal"
            )
        if suspect is not None:
            resource["suspectEntity"] = [{"instance": _ref(suspect)}]
        self.add(resource, "adverse-event", *key)

    def adverse_events(self, toxicity: Iterable[ToxicityRecord]) -> None:
        names = {"crs": "Cytokine release syndrome", "icans": "Immune effector cell-associated neurotoxicity syndrome"}
        for i, event in enumerate(toxicity):
            if not event.grade:
                continue
            code = event.term or event.kind
            self.adverse_event(
                event.name or event.term or names.get(event.kind, event.kind),
                event.scale,
                event.grade,
                event.date.isoformat(),
                code,
                None,
                "toxicity",
                str(i),
            )
        for i, procedure in enumerate(self.patient.procedures):
            if procedure.complication_grade:
                name = f"complication of {PROCEDURE_NAMES[procedure.kind].lower()}"
                self.adverse_event(
                    name,
                    "CIRSE 2017",
                    procedure.complication_grade,
                    procedure.date.isoformat(),
                    "procedure-complication",
                    self.procedures[i],
                    "complication",
                    str(i),
                )


def patient_bundle(patient: PatientExport) -> dict[str, Any]:
    """The patient's FHIR R4 Bundle (type ``collection``), resources in a fixed order: Patient, Tumors, Tumor
    Sizes, responses and disease status, Procedures with their MedicationAdministrations, AdverseEvents.

    Raises :class:`~ioguide.errors.InputError` naming the field whose value has no code (organ, route)."""
    builder = _Builder(patient)
    builder.patient_resource()
    builder.tumors_from_case()
    builder.sizes_from_case()
    builder.responses()
    for i, procedure in enumerate(patient.procedures):
        builder.procedure(procedure, i)
    builder.adverse_events(patient.toxicity)
    return {
        "resourceType": "Bundle",
        "id": identity.resource_id(patient.study, patient.subject, "Bundle"),
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in builder.resources],
    }
