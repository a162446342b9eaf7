"""Form fields to service documents and problems back to fields (web/forms.py): what was typed is passed on, so the
response engine and graders judge it with their own rules and messages."""

from __future__ import annotations

import pytest

from ioguide.errors import Problem
from ioguide.web import forms

LESIONS = [
    {"id": "T1", "role": "target", "organ": "liver"},
    {"id": "T2", "role": "target", "organ": "lung"},
    {"id": "N1", "role": "non_target", "organ": "bone"},
]


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("", None),
        ("  ", None),
        ("12", 12),
        ("12.5", 12.5),
        ("12,5", 12.5),
        ("0", 0),
        ("-5", -5),
        ("too small", "too_small"),
        ("TS", "too_small"),
        ("NE", "not_evaluated"),
        ("abc", "abc"),
        ("nan", "nan"),
        ("inf", "inf"),
    ],
)
def test_a_diameter_is_sent_as_typed(typed: str, sent: object) -> None:
    assert forms.diameter(typed) == sent


def test_the_timepoint_document_follows_spec_response_md() -> None:
    form = {
        "date": "2026-05-04",
        "reason": "symptom",
        "d_T1": "20",
        "d_T2": "",
        "nt_N1": "increased",
        "new_id_0": "X1",
        "new_organ_0": "lung",
        "new_diameter_0": "11",
        "new_equivocal_0": "on",
        "new_id_1": "",
        "new_organ_1": "ignored without an id",
    }
    assert forms.timepoint_document(form, LESIONS) == {
        "date": "2026-05-04",
        "reason": "symptom",
        "diameters_mm": {"T1": 20},
        "non_target": {"N1": "increased"},
        "new_lesions": [{"id": "X1", "organ": "lung", "diameter_mm": 11, "equivocal": True}],
    }


def test_a_stored_timepoint_fills_the_form_back() -> None:
    stored = {
        "date": "2026-03-02",
        "diameters_mm": {"T1": 20.5, "T2": "too_small"},
        "non_target": {"N1": "present"},
        "new_lesions": [{"id": "X1", "organ": "lung", "diameter_mm": 12, "nodal": False}],
    }
    values = forms.timepoint_form_values(stored)
    assert forms.timepoint_document(values, LESIONS) == {
        **stored,
        "new_lesions": [{"id": "X1", "organ": "lung", "diameter_mm": 12}],
    }
    carried = forms.timepoint_form_values({"new_lesions": stored["new_lesions"]}, keep_new_diameters=False)
    assert carried == {"date": "", "reason": "scheduled", "new_id_0": "X1", "new_organ_0": "lung"}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("diameters_mm.T1", "d_T1"),
        ("timepoints[3].diameters_mm.T1", "d_T1"),
        ("non_target.N1", "nt_N1"),
        ("new_lesions[1].diameter_mm", "new_diameter_1"),
        ("new_lesions[0].organ", "new_organ_0"),
        ("new_lesions[2]", "new_id_2"),
        ("date", "date"),
        ("lesions[0]", ""),
        ("", ""),
    ],
)
def test_each_problem_lands_next_to_its_field(path: str, field: str) -> None:
    assert forms.timepoint_field(path) == field


def test_problems_without_a_field_are_shown_above_the_form() -> None:
    by_field, general = forms.field_errors(
        (Problem("diameters_mm.T1", "-5 is below 0"), Problem("lesions[0]", "no target")), forms.timepoint_field
    )
    assert by_field == {"d_T1": ["-5 is below 0"]}
    assert general == ["lesions[0]: no target"]


def test_crs_and_icans_documents_follow_spec_toxicity_md() -> None:
    crs = forms.crs_document({"temp_c": "39,2", "hypotension": "none", "oxygen": "low_flow", "oxygen_flow_l_min": "2"})
    assert crs == {
        "hypotension": "none",
        "oxygen": "low_flow",
        "fever_masked": False,
        "temp_c": 39.2,
        "oxygen_flow_l_min": 2,
    }
    base = {"age_years": "54", "consciousness": "awake", "seizure": "none", "cerebral_edema": "none"}
    icans = forms.icans_document({**base, "ice_orientation": "4", "ice_naming": "3", "ice_commands": "1"})
    assert icans["ice_items"] == {"orientation": 4, "naming": 3, "commands": 1, "writing": 0, "attention": 0}
    assert forms.icans_document(base)["ice_score"] is None  # nothing entered: the grader says what is missing
    assert forms.icans_document({**base, "assessment": "capd", "capd_score": "9"})["capd_score"] == 9
    assert forms.toxicity_field("input.ice_items.naming") == "ice_naming"
