"""ASTCT 2019 CRS grading (Lee et al., Biol Blood Marrow Transplant 2019;25:625-38, CRS consensus grading table)."""

from __future__ import annotations

from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.toxicity.crs import grade_crs, parse_crs


def crs(**fields: Any) -> int:
    base: dict[str, Any] = {"temp_c": 38.5, "hypotension": "none", "oxygen": "none"}
    return grade_crs(parse_crs({**base, **fields})).grade


@pytest.mark.parametrize(
    ("hypotension", "oxygen", "expected"),
    [
        # Lee 2019 CRS table, one row per grade (fever >= 38.0 °C in every grade)
        ("none", "none", 1),
        ("no_vasopressor", "none", 2),
        ("none", "low_flow", 2),
        ("one_vasopressor", "none", 3),
        ("none", "high_flow", 3),
        ("multiple_vasopressors", "none", 4),
        ("none", "positive_pressure", 4),
        # "CRS grade is determined by the more severe event": the worse of the two wins
        ("no_vasopressor", "high_flow", 3),
        ("multiple_vasopressors", "low_flow", 4),
    ],
)
def test_lee_2019_crs_table_rows(hypotension: str, oxygen: str, expected: int) -> None:
    assert crs(hypotension=hypotension, oxygen=oxygen) == expected


def test_lee_2019_worked_example_fever_vasopressor_low_flow_is_grade_3() -> None:
    # Lee 2019 footnote: 39.5 °C, hypotension on one vasopressor, hypoxia on low-flow nasal cannula -> grade 3
    result = grade_crs(parse_crs({"temp_c": 39.5, "hypotension": "one_vasopressor", "oxygen": "low_flow"}))
    assert result.grade == 3
    assert result.drivers == ("hypotension",)


@pytest.mark.parametrize(("temp_c", "expected"), [(37.9, 0), (38.0, 1), (38.1, 1)])
def test_fever_threshold_is_38_0_inclusive(temp_c: float, expected: int) -> None:
    # Lee 2019 CRS table: fever is temperature >= 38.0 °C
    assert crs(temp_c=temp_c) == expected


def test_no_fever_no_crs_even_with_hypotension() -> None:
    # Lee 2019: CRS requires fever; hypotension without fever (and without masking therapy) is not CRS
    assert crs(temp_c=37.2, hypotension="one_vasopressor") == 0


def test_masked_fever_grade_follows_hypotension_and_hypoxia() -> None:
    # Lee 2019 fever footnote: after antipyretic or anti-cytokine therapy fever is no longer required
    assert crs(temp_c=37.1, fever_masked=True, hypotension="one_vasopressor") == 3
    assert crs(temp_c=None, fever_masked=True, oxygen="low_flow") == 2
    masked_only = grade_crs(parse_crs({"temp_c": 36.9, "fever_masked": True, "hypotension": "none", "oxygen": "none"}))
    assert (masked_only.grade, masked_only.fever, masked_only.drivers) == (1, False, ("fever_masked",))


def test_vasopressin_does_not_count_towards_multiple() -> None:
    # Lee 2019: "a vasopressor with or without vasopressin" is grade 3; norepinephrine + vasopressin is one_vasopressor
    assert crs(hypotension="one_vasopressor") == 3


@pytest.mark.parametrize(("flow", "ok"), [(5.9, True), (6.0, True), (6.1, False)])
def test_low_flow_is_at_most_6_l_min(flow: float, ok: bool) -> None:
    # Lee 2019 CRS table footnote: low-flow nasal cannula <= 6 L/min; above 6 L/min is high-flow
    data = {"temp_c": 38.5, "hypotension": "none", "oxygen": "low_flow", "oxygen_flow_l_min": flow}
    if ok:
        assert grade_crs(parse_crs(data)).grade == 2
    else:
        with pytest.raises(InputError) as err:
            parse_crs(data)
        assert err.value.problems[0].field == "oxygen_flow_l_min"
        assert "low_flow" in err.value.problems[0].message


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"temp_c": 25, "hypotension": "none", "oxygen": "none"}, "temp_c"),
        ({"temp_c": 46, "hypotension": "none", "oxygen": "none"}, "temp_c"),
        ({"hypotension": "none", "oxygen": "none"}, "temp_c"),
        ({"temp_c": 38.5, "hypotension": "pressors", "oxygen": "none"}, "hypotension"),
        ({"temp_c": 38.5, "hypotension": "none", "oxygen": "none", "oxygen_flow_l_min": 2}, "oxygen_flow_l_min"),
        ({"temp_c": 38.5, "hypotension": "none", "oxygen": "none", "tocilizumab": True}, "tocilizumab"),
        ({"temp_c": 38.5, "oxygen": "none"}, "hypotension"),
    ],
)
def test_bad_input_is_rejected_with_its_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        parse_crs(data)
    assert field in [p.field for p in err.value.problems]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InputError) as err:
        parse_crs({"temp_c": 25, "hypotension": "none", "oxygen": "low_flow", "oxygen_flow_l_min": 10})
    assert [p.field for p in err.value.problems] == ["temp_c", "oxygen_flow_l_min"]


@pytest.mark.parametrize(
    ("hypotension", "oxygen", "would_be"),
    [("one_vasopressor", "high_flow", 3), ("none", "high_flow", 3), ("no_vasopressor", "none", 2)],
)
def test_afebrile_hypotension_or_hypoxia_is_grade_0_with_a_warning(
    hypotension: str, oxygen: str, would_be: int
) -> None:
    # Lee 2019 CRS table: CRS needs fever, so the grade is 0; the fever footnote (antipyretics or anti-cytokine
    # therapy may mask it) is why spec/toxicity.md asks for a warning instead of silence.
    result = grade_crs(parse_crs({"temp_c": 37.0, "hypotension": hypotension, "oxygen": oxygen}))
    assert result.grade == 0
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    for words in ("tocilizumab", "antipyretics", "corticosteroids", "fever_masked", "sepsis", f"would be {would_be}"):
        assert words in warning
    assert result.as_dict()["warnings"] == [warning]


def test_issue_patient_afebrile_on_vasopressor_and_high_flow_gets_grade_3_once_fever_is_masked() -> None:
    # The issue's patient: afebrile, hypotension on a vasopressor, high-flow oxygen. Lee 2019 fever footnote:
    # after antipyretic or anti-cytokine therapy fever is no longer required; the grade follows the worse of the two.
    data = {"temp_c": 36.8, "hypotension": "one_vasopressor", "oxygen": "high_flow"}
    assert grade_crs(parse_crs(data)).grade == 0
    masked = grade_crs(parse_crs({**data, "fever_masked": True}))
    assert (masked.grade, masked.warnings) == (3, ())


@pytest.mark.parametrize(
    "data",
    [
        {"temp_c": 37.0, "hypotension": "none", "oxygen": "none"},
        {"temp_c": 38.5, "hypotension": "one_vasopressor", "oxygen": "none"},
        {"temp_c": None, "fever_masked": True, "hypotension": "none", "oxygen": "low_flow"},
    ],
)
def test_no_warning_when_nothing_needs_a_look(data: dict[str, Any]) -> None:
    # spec/toxicity.md: warnings is a list, empty unless something needs a clinician's look
    assert grade_crs(parse_crs(data)).as_dict()["warnings"] == []
