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


@pytest.mark.parametrize(("stay_h", "expected"), [(0, 0), (0.5, 2), (47.9, 2), (48, 2), (48.1, 3)])
def test_48_hour_boundary(stay_h: float, expected: int) -> None:
    # CIRSE 2017: grade 2 "< 48 h", grade 3 "> 48 h"; spec/toxicity.md puts exactly 48 h in grade 2
    assert cirse(unplanned_stay_h=stay_h) == expected


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
