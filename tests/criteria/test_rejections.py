"""Rejected input (spec/response.md, "Rejected input"): each problem names the field path and the rule; nothing is
computed from a case with a problem."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from response_cases import build_case

from ioguide.criteria.assess import assess_json
from ioguide.errors import InputError

GOOD: dict[str, Any] = build_case(
    [
        {"id": "T1", "role": "target", "organ": "liver"},
        {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True},
        {"id": "N1", "role": "non_target", "organ": "bone"},
    ],
    [(0, {"T1": 20, "T2": 16}, {"N1": "present"}), (56, {"T1": 15, "T2": 12}, {"N1": "present"})],
)


def problems(mutate: Any) -> list[str]:
    case = copy.deepcopy(GOOD)
    mutate(case)
    with pytest.raises(InputError) as err:
        assess_json(case)
    return [str(p) for p in err.value.problems]


def test_the_good_case_is_accepted() -> None:
    assert assess_json(copy.deepcopy(GOOD))["timepoints"][1]["sum_mm"] == 27.0


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda c: c["timepoints"][0]["diameters_mm"].update(T1=9.9),
            "timepoints[0].diameters_mm.T1: 9.9 mm is not measurable: a non-nodal target needs a long axis >= 10 mm (RECIST 1.1 §3.1.1)",
        ),
        (
            lambda c: c["timepoints"][0]["diameters_mm"].update(T2=14),
            "timepoints[0].diameters_mm.T2: 14 mm is not measurable: a target node needs a short axis >= 15 mm (RECIST 1.1 §3.1.1)",
        ),
        (
            lambda c: c["timepoints"][0]["diameters_mm"].update(T1="too_small"),
            "timepoints[0].diameters_mm.T1: 'too_small' at baseline: a target must be measured",
        ),
        (
            lambda c: c["timepoints"][0]["diameters_mm"].pop("T1"),
            "timepoints[0].diameters_mm.T1: missing: every target is measured at baseline",
        ),
        (
            lambda c: c["timepoints"][1]["diameters_mm"].update(T1=-4),
            "timepoints[1].diameters_mm.T1: -4 is below 0 (a diameter is >= 0 mm)",
        ),
        (
            lambda c: c["timepoints"][1]["diameters_mm"].update(T1="12"),
            "timepoints[1].diameters_mm.T1: '12' is not a diameter",
        ),
        (
            lambda c: c["timepoints"][1]["diameters_mm"].update(T3=12),
            "timepoints[1].diameters_mm.T3: 'T3' was never declared in lesions",
        ),
        (
            lambda c: c["timepoints"][1]["diameters_mm"].update(N1=12),
            "timepoints[1].diameters_mm.N1: 'N1' is a non-target lesion",
        ),
        (
            lambda c: c["timepoints"][1]["non_target"].update(N9="present"),
            "timepoints[1].non_target.N9: 'N9' was never declared in lesions",
        ),
        (
            lambda c: c["timepoints"][1]["non_target"].update(N1="gone"),
            "timepoints[1].non_target.N1: 'gone' is not one of present, absent",
        ),
        (
            lambda c: c["timepoints"][0]["non_target"].update(N1="absent"),
            "timepoints[0].non_target.N1: 'absent' at baseline",
        ),
        (
            lambda c: c["timepoints"][0].update(new_lesions=[{"id": "X1", "organ": "lung"}]),
            "timepoints[0].new_lesions[0]: a new lesion cannot appear at baseline",
        ),
        (
            lambda c: c["timepoints"][1].update(new_lesions=[{"id": "T1", "organ": "lung"}]),
            "timepoints[1].new_lesions[0].id: 'T1' is a baseline lesion",
        ),
        (
            lambda c: c["timepoints"][1].update(date="2026-01-05"),
            "timepoints[1].date: 2026-01-05 is not after 2026-01-05 (dates must increase strictly)",
        ),
        (lambda c: c.update(lesions=[]), "lesions: a case needs at least one target or non-target lesion"),
        (lambda c: c["lesions"].append(dict(c["lesions"][0])), "lesions[3].id: duplicate lesion id 'T1'"),
        (lambda c: c["lesions"][0].update(colour="red"), "lesions[0].colour: unknown field"),
        (
            lambda c: c["lesions"][0].update(role="index"),
            "lesions[0].role: 'index' is not one of 'target' or 'non_target'",
        ),
        (lambda c: c.update(criteria="recist2"), "criteria: 'recist2' is not one of"),
        (
            lambda c: c.update(settings={"sd_min_days": -1}),
            "settings.sd_min_days: -1: input should be greater than or equal to 0",
        ),
        (lambda c: c.update(settings={"require_confirmation": "yes"}), "settings.require_confirmation: 'yes'"),
        (lambda c: c["timepoints"][1].update(reason="routine"), "timepoints[1].reason: 'routine' is not one of"),
        (lambda c: c.pop("criteria"), "criteria: missing: give it in the case or with --criteria"),
    ],
)
def test_each_rejection_names_the_field_and_the_rule(mutate: Any, expected: str) -> None:
    found = problems(mutate)
    assert any(p.startswith(expected) for p in found), found


def test_too_many_targets_and_too_many_per_organ() -> None:
    def six(c: dict[str, Any]) -> None:
        c["lesions"] = [{"id": f"T{i}", "role": "target", "organ": f"organ {i}"} for i in range(6)]
        c["timepoints"] = [{"date": "2026-01-05", "diameters_mm": {f"T{i}": 20 for i in range(6)}}]

    assert problems(six) == ["lesions[5]: 6 targets: at most 5 (RECIST 1.1 §3.3.1)"]

    def three_nodes(c: dict[str, Any]) -> None:
        # All nodes count as one organ (RECIST working group clarification), whatever their station.
        c["lesions"] = [{"id": f"L{i}", "role": "target", "organ": f"station {i}", "nodal": True} for i in range(3)]
        c["timepoints"] = [{"date": "2026-01-05", "diameters_mm": {f"L{i}": 20 for i in range(3)}}]

    assert problems(three_nodes) == ["lesions[2]: more than 2 targets in organ 'lymph node' (RECIST 1.1 §3.3.1)"]

    def paired_lungs(c: dict[str, Any]) -> None:
        c["lesions"] = [{"id": f"P{i}", "role": "target", "organ": o} for i, o in enumerate(["Lung", "lung ", "LUNG"])]
        c["timepoints"] = [{"date": "2026-01-05", "diameters_mm": {f"P{i}": 20 for i in range(3)}}]

    assert problems(paired_lungs) == ["lesions[2]: more than 2 targets in organ 'lung' (RECIST 1.1 §3.3.1)"]


def test_every_problem_is_reported_at_once() -> None:
    def two(c: dict[str, Any]) -> None:
        c["timepoints"][1]["diameters_mm"].update(T1=-1, T9=3)

    assert len(problems(two)) == 2
