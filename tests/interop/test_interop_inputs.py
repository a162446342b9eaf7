"""Export input: rejected as a whole, each problem naming its JSON path (spec/README.md, "Errors")."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.interop.inputs import parse_patient_export, parse_study_export


def _fields(data: Any, parse: Any = parse_patient_export) -> list[str]:
    with pytest.raises(InputError) as err:
        parse(data)
    return [p.field for p in err.value.problems]


def test_unknown_field_is_an_error(demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input["patients"][0])
    data["nmae"] = "x"
    assert _fields(data) == ["nmae"]


def test_a_case_the_response_engine_rejects_is_rejected_with_its_path(demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input["patients"][0])
    data["case"]["timepoints"][1]["diameters_mm"]["I1"] = -4
    assert _fields(data) == ["case.timepoints[1].diameters_mm.I1"]


def test_a_procedure_on_an_undeclared_lesion_is_rejected(demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input["patients"][0])
    data["procedures"][1]["lesions"][0]["lesion_id"] = "Z9"
    assert _fields(data) == ["procedures[1].lesions[0].lesion_id"]


def test_direct_identifiers_cannot_be_a_subject(demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input["patients"][0])
    data["subject"] = "Jane Doe"
    assert _fields(data) == ["subject"]


def test_study_rejects_a_patient_of_another_study_and_a_repeated_subject(demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input)
    data["patients"][1]["study"] = "OTHER"
    data["patients"][2]["subject"] = "001"
    assert _fields(data, parse_study_export) == ["patients[1].study", "patients[2].subject"]


def test_an_injection_without_agent_is_rejected(demo_input: dict[str, Any]) -> None:
    """ECTRT is required (SDTMIG 3.4 §6.1.3) and the store requires it too (services/procedures.py)."""
    data = copy.deepcopy(demo_input["patients"][0])
    del data["procedures"][1]["agent"]
    assert _fields(data) == ["procedures[1].agent"]


def test_a_study_lists_every_bad_patient_at_once_naming_the_subject(demo_input: dict[str, Any]) -> None:
    """Issue 17: the error named neither the patient nor the other problems."""
    data = copy.deepcopy(demo_input)
    data["patients"][0]["case"]["timepoints"][1]["diameters_mm"]["I1"] = -4
    data["patients"][3]["procedures"][0]["lesions"][0]["lesion_id"] = "Z9"
    with pytest.raises(InputError) as err:
        parse_study_export(data)
    problems = [(p.field, p.message.split(":")[0]) for p in err.value.problems]
    assert problems == [
        ("patients[0].case.timepoints[1].diameters_mm.I1", "subject 001"),
        ("patients[3].procedures[0].lesions[0].lesion_id", "subject 004"),
    ]
