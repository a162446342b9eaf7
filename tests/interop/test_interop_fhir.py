"""FHIR export: R4 round trip, mCODE STU4 profile validation offline (fhircraft + vendored mCODE 4.0.0), our own
checks of US Core 6.1.0 required elements (not obtainable offline), and the clinical content of each resource."""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any

import pytest

from ioguide.criteria.assess import assess_json
from ioguide.errors import InputError
from ioguide.interop.fhir import GRADE_EXTENSION, MCODE, TARGET_BODY_STRUCTURE, patient_bundle
from ioguide.interop.inputs import StudyExport, parse_patient_export


def _resources(bundle: dict[str, Any], kind: str, profile: str | None = None) -> list[dict[str, Any]]:
    out = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    if profile is not None:
        out = [r for r in out if MCODE + profile in r.get("meta", {}).get("profile", [])]
    return out


@pytest.fixture(scope="module")
def bundles(demo_study: StudyExport) -> dict[str, dict[str, Any]]:
    return {p.subject: patient_bundle(p) for p in demo_study.patients}


def test_bundle_reads_back_through_the_r4_bundle_model_unchanged(bundles: dict[str, Any], fhir_models: Any) -> None:
    model = fhir_models.core("Bundle")
    for bundle in bundles.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = model.model_validate(bundle)
        assert json.loads(parsed.model_dump_json(exclude_none=True)) == bundle


def test_every_resource_conforms_to_its_profile_or_r4_core(bundles: dict[str, Any], fhir_models: Any) -> None:
    """mcode-tumor, mcode-tumor-size, mcode-cancer-disease-status and mcode-cancer-related-medication-administration
    are validated against mCODE 4.0.0; the rest against R4 core. Any mCODE invariant warning fails the test."""
    from fhircraft.fhir.resources.validators import FhirValidationWarning

    for bundle in bundles.values():
        for entry in bundle["entry"]:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fhir_models.validate(entry["resource"])
            serious = [
                str(w.message)
                for w in caught
                if issubclass(w.category, FhirValidationWarning) and "dom-6" not in str(w.message)
            ]
            assert serious == [], (entry["resource"]["resourceType"], serious)


def test_profile_validation_is_not_vacuous_a_wrong_loinc_is_rejected(bundles: dict[str, Any], fhir_models: Any) -> None:
    size = copy.deepcopy(_resources(bundles["001"], "Observation", "mcode-tumor-size")[0])
    size["code"]["coding"][0]["code"] = "8302-2"  # body height, not 21889-1
    with pytest.raises(Exception, match="21889-1"):
        fhir_models.validate(size)
    tumor = copy.deepcopy(_resources(bundles["001"], "BodyStructure", "mcode-tumor")[0])
    del tumor["location"]  # mcode-tumor: location 1..1
    with pytest.raises(Exception, match="location"):
        fhir_models.validate(tumor)


def test_patient_meets_us_core_patient_required_elements_and_is_pseudonymised(bundles: dict[str, Any]) -> None:
    """US Core 6.1.0 Patient (not obtainable offline, checked here): identifier.system + value 1..1, name 1..*
    (us-core-6: family, given or data-absent-reason), gender 1..1. No direct identifier, birth year only."""
    (patient,) = _resources(bundles["001"], "Patient", "mcode-cancer-patient")
    assert patient["identifier"] == [{"system": "https://ioguide.org/fhir/sid/subject/IOG01", "value": "001"}]
    assert patient["name"][0]["extension"][0]["valueCode"] == "masked"
    assert "family" not in patient["name"][0] and "given" not in patient["name"][0]
    assert patient["gender"] == "female"
    assert patient["birthDate"] == "1961"
    assert patient["meta"]["security"][0]["code"] == "PSEUDED"


def test_surgical_procedures_meet_us_core_procedure_required_elements(bundles: dict[str, Any]) -> None:
    """US Core 6.1.0 Procedure: status, code, subject 1..1; us-core-7 performed[x] when completed; mCODE
    mcode-reason-required: reasonCode or reasonReference."""
    surgical = [
        r for b in bundles.values() for r in _resources(b, "Procedure", "mcode-cancer-related-surgical-procedure")
    ]
    assert {r["code"]["coding"][0]["code"] for r in surgical} == {"biopsy", "ablation", "embolization"}
    for procedure in surgical:
        assert procedure["status"] == "completed"
        assert procedure["code"]["coding"][0]["code"]
        assert procedure["subject"]["reference"].startswith("urn:uuid:")
        assert procedure["performedDateTime"]
        assert procedure["reasonCode"]


def test_nodal_target_short_axis_is_not_reported_as_a_longest_dimension(bundles: dict[str, Any]) -> None:
    """RECIST 1.1 §3.1.2: a node is measured by its short axis. I2 (node) is 21 mm at baseline."""
    tumors = {t["identifier"][0]["value"]: t["id"] for t in _resources(bundles["001"], "BodyStructure")}
    sizes = [
        s
        for s in _resources(bundles["001"], "Observation", "mcode-tumor-size")
        if s["focus"][0]["reference"].endswith(tumors["I2"])
    ]
    baseline = next(s for s in sizes if s["effectiveDateTime"] == "2026-01-05")
    longest, other = baseline["component"]
    assert longest["code"]["coding"][0]["code"] == "33728-7" and "valueQuantity" not in longest
    assert longest["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
    assert other["code"]["coding"][0]["code"] == "33729-5"
    assert other["valueQuantity"] == {"value": 21, "unit": "mm", "system": "http://unitsofmeasure.org", "code": "mm"}
    assert len(sizes) == 4  # one per timepoint


def test_routes_are_coded_intratumoral_intrapleural_intra_arterial(bundles: dict[str, Any]) -> None:
    routes = {
        subject: {m["dosage"]["route"]["coding"][0]["code"] for m in _resources(b, "MedicationAdministration")}
        for subject, b in bundles.items()
    }
    assert routes == {"001": {"47017003"}, "002": {"38233002"}, "003": set(), "004": {"58100008"}}
    car_t = _resources(bundles["002"], "MedicationAdministration")[0]
    assert car_t["dosage"]["dose"] == {
        "value": 30000000,
        "unit": "cells",
        "system": "http://unitsofmeasure.org",
        "code": "{cells}",
    }


def test_responses_cite_the_criterion_and_equal_the_response_engine(
    bundles: dict[str, Any], demo_study: StudyExport
) -> None:
    patient = demo_study.patients[0]
    for criteria, paper in (("itrecist", "Goldmacher"), ("recist1.1", "Eisenhauer")):
        expected = assess_json(patient.case, criteria)
        observed = [
            r for r in _resources(bundles["001"], "Observation")
            if r.get("method", {}).get("coding", [{}])[0].get("code") == criteria
        ]  # fmt: skip
        best = [r for r in observed if r["code"]["coding"][0]["code"] == "best-overall-response"]
        assert paper in best[0]["method"]["text"]
        assert best[0]["valueCodeableConcept"]["coding"][0]["code"] == expected["best_overall_response"]["response"]
        per_date = {
            r["effectiveDateTime"]: r["valueCodeableConcept"]["coding"][0]["code"] for r in observed if r not in best
        }
        assert per_date == {t["date"]: t["response"] for t in expected["timepoints"] if t["response"] is not None}
    status = _resources(bundles["001"], "Observation", "mcode-cancer-disease-status")
    assert len(status) == 3  # one per follow-up timepoint, from the first criterion (itRECIST)


def test_graded_toxicity_becomes_adverse_events_grade_0_does_not(bundles: dict[str, Any]) -> None:
    events = _resources(bundles["002"], "AdverseEvent")
    assert len(events) == 1  # CRS grade 2; ICANS grade 0 is no adverse event
    (crs,) = events
    assert crs["severity"]["coding"][0]["code"] == "moderate"
    assert crs["extension"][0]["url"] == GRADE_EXTENSION
    assert crs["extension"][0]["valueCodeableConcept"]["text"] == "ASTCT 2019 grade 2"
    complication = next(e for e in _resources(bundles["003"], "AdverseEvent"))
    embolization = next(
        p for p in _resources(bundles["003"], "Procedure") if p["code"]["coding"][0]["code"] == "embolization"
    )
    assert complication["suspectEntity"][0]["instance"]["reference"] == f"urn:uuid:{embolization['id']}"


def test_export_is_deterministic(demo_study: StudyExport) -> None:
    assert patient_bundle(demo_study.patients[0]) == patient_bundle(demo_study.patients[0])


def test_an_organ_without_snomed_mapping_is_a_text_only_location(demo_input: dict[str, Any], fhir_models: Any) -> None:
    """A free-text organ does not stop the export (issue 17): the Tumor's location is the text as entered, with no
    coding guessed, and the resource still validates against mCODE Tumor (location 1..1 CodeableConcept)."""
    data = copy.deepcopy(demo_input["patients"][0])
    data["case"]["lesions"][2]["organ"] = "gallbladder wall"
    bundle = patient_bundle(parse_patient_export(data))
    tumor = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "BodyStructure" and e["resource"]["identifier"][0]["value"] == "D1"
    )
    assert tumor["location"] == {"text": "gallbladder wall"}
    fhir_models.validate(tumor)


def test_unmappable_route_is_an_error(demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input["patients"][0])
    data["procedures"][1]["route"] = "intraventricular"
    with pytest.raises(InputError, match=r"procedures\[1\].route: route 'intraventricular'"):
        patient_bundle(parse_patient_export(data))


def test_procedure_points_to_its_lesions(bundles: dict[str, Any]) -> None:
    tumors = {t["id"]: t["identifier"][0]["value"] for t in _resources(bundles["001"], "BodyStructure")}
    injection = next(
        p for p in _resources(bundles["001"], "Procedure") if p["code"]["coding"][0]["code"] == "injection"
    )
    targets = [
        tumors[e["valueReference"]["reference"].removeprefix("urn:uuid:")]
        for e in injection["extension"]
        if e["url"] == TARGET_BODY_STRUCTURE
    ]
    assert targets == ["I1", "I2", "N1"]
