"""CIRSE classification (Filippiadis et al., Cardiovasc Intervent Radiol 2017;40:1141-6, classification table) and
the modified CIRSE classification (Filippiadis et al., Cardiovasc Intervent Radiol 2026;49:2-6)."""

from __future__ import annotations

from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.toxicity.cirse import grade_cirse, parse_cirse


def cirse(**fields: Any) -> int:
    return grade_cirse(parse_cirse(fields)).grade


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, 0),
        ({"resolved_in_session": True}, 1),
        ({"unplanned_stay_h": 20}, 2),
        ({"additional_therapy": True}, 3),
        ({"unplanned_stay_h": 72}, 3),
        ({"sequelae": "mild_permanent"}, 4),
        ({"sequelae": "severe_permanent"}, 5),
        ({"death": True, "sequelae": "severe_permanent"}, 6),
        ({"resolved_in_session": True, "unplanned_stay_h": 12}, 2),
    ],
)
def test_cirse_2017_grades_0_to_6(fields: dict[str, Any], expected: int) -> None:
    assert cirse(**fields) == expected


@pytest.mark.parametrize("classification", ["cirse_2017", "modified_cirse"])
@pytest.mark.parametrize(("stay_h", "expected"), [(0, 0), (0.01, 2), (0.5, 2), (47.9, 2), (48, 2), (48.01, 3)])
def test_48_hour_boundary(stay_h: float, expected: int, classification: str) -> None:
    # Filippiadis 2017, classification table: grade 2 "prolonged observation including overnight stay (< 48 h)",
    # grade 3 "prolonged hospital stay (> 48 h)" (the 2017 grades as quoted in the abstract of Filippiadis 2026,
    # whose modified classification only splits grades 1 and 3, so the 2-vs-3 cut-off is the same). Exactly 48 h
    # matches neither; spec/toxicity.md puts it in grade 2 ("> 0 and <= 48"). Any unplanned stay (> 0 h) is at
    # least grade 2.
    result = grade_cirse(parse_cirse({"unplanned_stay_h": stay_h, "classification": classification}))
    assert result.grade == expected


@pytest.mark.parametrize("classification", ["cirse_2017", "modified_cirse"])
def test_exactly_48_hours_is_grade_2_and_the_reason_says_why(classification: str) -> None:
    # Filippiadis 2017: "< 48 h" (grade 2) and "> 48 h" (grade 3) leave 48 h itself open; the result names the rule
    result = grade_cirse(parse_cirse({"unplanned_stay_h": 48, "classification": classification}))
    assert result.grade == 2
    assert any("exactly 48 h" in r for r in result.reasons)


@pytest.mark.parametrize("classification", ["cirse_2017", "modified_cirse"])
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # Filippiadis 2017 table: additional therapy is grade 3 whatever the stay, even with no stay at all
        ({"additional_therapy": True, "unplanned_stay_h": 0}, 3),
        ({"additional_therapy": True, "unplanned_stay_h": 48}, 3),
        # a complication solved in the session but followed by any unplanned stay is no longer grade 1
        ({"resolved_in_session": True, "unplanned_stay_h": 0}, 1),
        ({"resolved_in_session": True, "unplanned_stay_h": 0.01}, 2),
        # sequelae outrank stays and therapy; death outranks sequelae
        ({"sequelae": "mild_permanent", "unplanned_stay_h": 200, "additional_therapy": True}, 4),
        ({"sequelae": "severe_permanent", "unplanned_stay_h": 200}, 5),
        ({"death": True, "unplanned_stay_h": 1}, 6),
    ],
)
def test_the_other_cut_offs_in_both_classifications(fields: dict[str, Any], expected: int, classification: str) -> None:
    assert grade_cirse(parse_cirse({**fields, "classification": classification})).grade == expected


def test_modified_cirse_splits_grade_1_by_procedure_outcome() -> None:
    base = {"resolved_in_session": True, "classification": "modified_cirse"}
    assert grade_cirse(parse_cirse(base)).subgrade == "1a"
    failed = grade_cirse(parse_cirse({**base, "procedure_failed": True}))
    assert (failed.grade, failed.subgrade, failed.scale) == (1, "1b", "modified CIRSE 2026")


def test_modified_cirse_grade_3_subgrade_is_not_guessed() -> None:
    result = grade_cirse(parse_cirse({"additional_therapy": True, "classification": "modified_cirse"}))
    assert (result.grade, result.subgrade) == (3, None)
    assert result.as_dict()["subgrade"] is None
    assert "subgrade" not in grade_cirse(parse_cirse({"additional_therapy": True})).as_dict()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"unplanned_stay_h": -1}, "unplanned_stay_h"),
        ({"sequelae": "moderate"}, "sequelae"),
        ({"resolved_in_session": True, "procedure_failed": True}, "procedure_failed"),
        ({"classification": "modified_cirse", "procedure_failed": True}, "procedure_failed"),
        ({"grade": 2}, "grade"),
    ],
)
def test_bad_input_is_rejected_with_its_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        parse_cirse(data)
    assert field in [p.field for p in err.value.problems]
