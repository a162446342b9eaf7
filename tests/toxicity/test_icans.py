"""ASTCT 2019 ICANS grading (Lee et al., Biol Blood Marrow Transplant 2019;25:625-38: ICE table, "ASTCT ICANS
Consensus Grading for Adults" table, and the ICANS table for children under 12 using CAPD)."""

from __future__ import annotations

from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.toxicity.icans import grade_icans, parse_icans

CALM = {"consciousness": "awake", "seizure": "none", "motor_weakness": False, "cerebral_edema": "none"}


def adult(**fields: Any) -> int:
    return grade_icans(parse_icans({"age_years": 54, "ice_score": 10, **CALM, **fields})).grade


def child(**fields: Any) -> int:
    return grade_icans(parse_icans({"age_years": 7, "capd_score": 0, **CALM, **fields})).grade


@pytest.mark.parametrize(
    ("ice", "expected"),
    # Lee 2019 adult ICANS table, ICE row: 7-9 -> 1, 3-6 -> 2, 0-2 -> 3; 10 is no impairment
    [(10, 0), (9, 1), (7, 1), (6, 2), (3, 2), (2, 3), (0, 3)],
)
def test_ice_domain_boundaries(ice: int, expected: int) -> None:
    assert adult(ice_score=ice) == expected


def test_ice_zero_awake_with_global_aphasia_is_3_unarousable_is_4() -> None:
    # Lee 2019 adult table footnote: ICE 0 is grade 3 if awake with global aphasia, grade 4 if unarousable
    assert adult(ice_score=0) == 3
    assert adult(ice_score=None, consciousness="unarousable") == 4


@pytest.mark.parametrize(
    ("consciousness", "expected"),
    # Lee 2019 adult table, depressed level of consciousness row: awakens spontaneously 1, to voice 2, to touch 3
    [("awake", 0), ("awakens_spontaneously", 1), ("awakens_to_voice", 2), ("awakens_to_touch", 3)],
)
def test_consciousness_domain(consciousness: str, expected: int) -> None:
    assert adult(consciousness=consciousness) == expected


def test_awakens_spontaneously_is_grade_1_whatever_the_ice_score() -> None:
    # Lee 2019 adult ICANS table: "awakens spontaneously" is the grade 1 level of consciousness; spec/toxicity.md
    # grades it 1 by itself, so a drowsy patient with a perfect ICE of 10 is grade 1 (a wrong "ICE-only" reading
    # would say 0), and the domain is named as the driver.
    result = grade_icans(
        parse_icans({"age_years": 54, "ice_score": 10, **{**CALM, "consciousness": "awakens_spontaneously"}})
    )
    assert (result.grade, result.drivers) == (1, ("consciousness",))
    assert adult(ice_score=10, consciousness="awake") == 0
    assert adult(ice_score=8, consciousness="awake") == 1
    assert adult(ice_score=8, consciousness="awakens_spontaneously") == 1  # same grade: both domains drive it
    assert adult(ice_score=5, consciousness="awakens_spontaneously") == 2  # the ICE domain is more severe
    # Lee 2019 paediatric ICANS table: the same consciousness row; CAPD 0 with spontaneous waking is grade 1
    assert child(capd_score=0, consciousness="awakens_spontaneously") == 1


@pytest.mark.parametrize(
    ("age", "assessment"),
    # Lee 2019: ICE for adults and children aged 12 years and older; CAPD for children under 12 years
    [(11.99, "capd"), (12.0, "ice"), (12.01, "ice")],
)
def test_ice_from_12_years_capd_below(age: float, assessment: str) -> None:
    score = {"capd_score": 4} if assessment == "capd" else {"ice_score": 8}
    result = grade_icans(parse_icans({"age_years": age, **score, **CALM}))
    assert (result.assessment, result.grade) == (assessment, 1)
    assert any("12" in r and assessment.upper() in r for r in result.reasons)
    other = {"ice_score": 8} if assessment == "capd" else {"capd_score": 4}
    with pytest.raises(InputError) as err:
        parse_icans({"age_years": age, **other, **CALM})
    assert next(iter(other)) in [p.field for p in err.value.problems]


def test_lee_2019_worked_example_ice_3_with_generalised_seizure_is_grade_3() -> None:
    # Lee 2019 adult table note: "a patient with an ICE score of 3 who has a generalized seizure is ... grade 3"
    result = grade_icans(parse_icans({"age_years": 54, "ice_score": 3, **{**CALM, "seizure": "resolved"}}))
    assert result.grade == 3
    assert result.drivers == ("seizure",)


@pytest.mark.parametrize(
    ("fields", "expected"),
    # Lee 2019 adult table: seizure, motor findings and raised ICP / cerebral oedema rows
    [
        ({"seizure": "resolved"}, 3),
        ({"seizure": "prolonged"}, 4),
        ({"motor_weakness": True}, 4),
        ({"cerebral_edema": "focal"}, 3),
        ({"cerebral_edema": "diffuse"}, 4),
    ],
)
def test_other_domains(fields: dict[str, Any], expected: int) -> None:
    assert adult(**fields) == expected


def test_ice_items_are_summed() -> None:
    # Lee 2019 ICE table: orientation 4 + naming 3 + commands 1 + writing 1 + attention 1 = 10
    items = {"orientation": 4, "naming": 2, "commands": 1, "writing": 0, "attention": 0}
    result = grade_icans(parse_icans({"age_years": 60, "ice_items": items, **CALM}))
    assert (result.score, result.grade, result.drivers) == (7, 1, ("ice_items",))


@pytest.mark.parametrize(
    ("capd", "consciousness", "expected"),
    # Lee 2019 paediatric ICANS table (CAPD): 1-8 shared by grades 1 and 2, >= 9 -> 3, unable -> 4.
    # CAPD 0 is grade 0 (spec/toxicity.md; secondary sources print "< 9", see docs/toxicity.md).
    [
        (0, "awake", 0),
        (1, "awake", 1),
        (8, "awake", 1),
        (8, "awakens_to_voice", 2),
        (9, "awake", 3),
        (None, "unarousable", 4),
    ],
)
def test_capd_for_children(capd: int | None, consciousness: str, expected: int) -> None:
    assert child(capd_score=capd, consciousness=consciousness) == expected


def test_age_12_is_the_ice_boundary_and_developmental_delay_uses_capd() -> None:
    assert grade_icans(parse_icans({"age_years": 12, "ice_score": 8, **CALM})).assessment == "ice"
    with pytest.raises(InputError):
        parse_icans({"age_years": 11.9, "ice_score": 8, **CALM})
    delayed = parse_icans({"age_years": 15, "developmental_delay": True, "capd_score": 9, **CALM})
    assert grade_icans(delayed).grade == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"age_years": 54, "ice_score": 11, **CALM}, "ice_score"),
        ({"age_years": 54, "ice_score": -1, **CALM}, "ice_score"),
        ({"age_years": 8, "ice_score": 8, "capd_score": 3, **CALM}, "ice_score"),
        ({"age_years": 8, **CALM}, "capd_score"),
        ({"age_years": 54, "ice_score": 8, "capd_score": 3, **CALM}, "capd_score"),
        ({"age_years": 54, "ice_score": None, **CALM}, "ice_score"),
        ({"age_years": 8, "capd_score": None, **CALM}, "capd_score"),
        ({"age_years": 8, "capd_score": 33, **CALM}, "capd_score"),
        ({"age_years": 54, **CALM}, "ice_score"),
        (
            {
                "age_years": 54,
                "ice_score": 8,
                "ice_items": {"orientation": 4, "naming": 3, "commands": 1, "writing": 0, "attention": 0},
                **CALM,
            },
            "ice_items",
        ),
        (
            {
                "age_years": 54,
                "ice_items": {"orientation": 5, "naming": 3, "commands": 1, "writing": 0, "attention": 0},
                **CALM,
            },
            "ice_items.orientation",
        ),
        ({"age_years": 54, "ice_score": 8, **{**CALM, "seizure": "tremor"}}, "seizure"),
    ],
)
def test_bad_input_is_rejected_with_its_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        parse_icans(data)
    assert field in [p.field for p in err.value.problems]
