"""Eligibility criteria as data: met / not met / unknown per criterion, washout windows at the boundary, and the
overall answer; the example program's thresholds cite SIR 2019 (platelets >= 50 x10^9/L for high-risk procedures)
and Tselikas et al., Clin Cancer Res 2021 (ECOG 0-1)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ioguide.errors import InputError
from ioguide.planning.catalog import load_collection, parse_file
from ioguide.planning.eligibility import Criterion, PatientFacts, Program, assess_eligibility, evaluate_criterion

PROGRAM = load_collection(Program, "programs")["intratumoral_example"]
COMPLETE: dict[str, Any] = {
    "assessment_date": "2026-03-02",
    "ecog": 0,
    "measurable_lesions": 2,
    "injectable_lesions": 1,
    "non_injected_measurable_lesions": 1,
    "platelets_10e9_l": 150,
    "inr": 1.0,
    "neutrophils_10e9_l": 2.0,
    "last_systemic_therapy_date": "never",
    "immunocompromised": False,
    "pregnant": False,
    "anticoagulation_cannot_be_held": False,
}


def _status(facts: dict[str, Any]) -> dict[str, str]:
    out = assess_eligibility(PROGRAM, PatientFacts.model_validate(facts))
    return {"eligible": out["eligible"], **{c["id"]: c["status"] for c in out["criteria"]}}


def test_complete_patient_is_eligible() -> None:
    assert _status(COMPLETE)["eligible"] == "yes"


def test_missing_value_is_unknown_not_guessed() -> None:
    facts = {k: v for k, v in COMPLETE.items() if k != "inr"}
    status = _status(facts)
    assert status["inr"] == "unknown" and status["eligible"] == "unknown"


@pytest.mark.parametrize(("platelets", "status"), [(49.9, "not_met"), (50, "met"), (50.1, "met")])
def test_platelet_boundary(platelets: float, status: str) -> None:
    """Example program: platelets >= 50 x10^9/L (SIR 2019 high-risk threshold)."""
    assert _status({**COMPLETE, "platelets_10e9_l": platelets})["platelets"] == status


@pytest.mark.parametrize(("last", "status"), [("2026-02-01", "met"), ("2026-02-02", "met"), ("2026-02-03", "not_met")])
def test_washout_28_days_boundary(last: str, status: str) -> None:
    """Assessment 2026-03-02: 29 and exactly 28 days since the last therapy are enough; 27 days are not."""
    assert _status({**COMPLETE, "last_systemic_therapy_date": last})["systemic_washout"] == status


def test_washout_without_assessment_date_is_unknown() -> None:
    facts = {**COMPLETE, "last_systemic_therapy_date": "2026-01-01"}
    del facts["assessment_date"]
    assert _status(facts)["systemic_washout"] == "unknown"


def test_exclusion_met_makes_patient_not_eligible() -> None:
    status = _status({**COMPLETE, "immunocompromised": True})
    assert status["immunocompromised"] == "met" and status["eligible"] == "no"


def test_not_met_beats_unknown() -> None:
    facts = {**COMPLETE, "ecog": 2}
    del facts["inr"]
    assert _status(facts)["eligible"] == "no"


def test_criterion_needs_exactly_one_test() -> None:
    with pytest.raises(ValidationError):
        Criterion.model_validate(
            {"id": "x", "kind": "inclusion", "text": "t", "field": "ecog", "min": 0, "max": 1, "source": "program"}
        )


def test_broken_program_file_names_file_key_and_rule() -> None:
    text = "id: p\nname: n\nsource: some source text\ncriteria:\n  - {id: a, kind: inclusion, text: t, field: ecg, max: 1, source: x y}\n"
    with pytest.raises(InputError) as err:
        parse_file(Program, "programs/p.yaml", text)
    assert err.value.problems[0].field == "programs/p.yaml:criteria[0].field"
    assert "schema Program" in err.value.problems[0].message


def test_single_criterion_reason_names_numbers() -> None:
    c = Criterion.model_validate(
        {"id": "e", "kind": "inclusion", "text": "t", "field": "ecog", "max": 1, "source": "Tselikas 2021"}
    )
    r = evaluate_criterion(c, PatientFacts(ecog=2))
    assert r.status == "not_met" and r.reason == "ecog 2 does not meet <= 1 (Tselikas 2021)"
