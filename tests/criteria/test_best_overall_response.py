"""Best overall response: confirmation and minimum SD duration (RECIST 1.1 §4.4.3 and Table 3, Eisenhauer 2009)."""

from __future__ import annotations

from typing import Any

import pytest
from response_cases import TWO_TARGETS, run_case

# Sums chosen for each response on a 50 mm baseline (T1 30 + T2 20):
CR = {"T1": 0, "T2": 0}
PR = {"T1": 20, "T2": 10}  # 30 mm, -40 %
SD = {"T1": 28, "T2": 20}  # 48 mm
NE = {"T1": 20}
BASE = (0, {"T1": 30, "T2": 20})


def bor(*visits: tuple[int, dict[str, Any]], **settings: Any) -> dict[str, Any]:
    result: dict[str, Any] = run_case(TWO_TARGETS, [BASE, *visits], **settings)["best_overall_response"]
    return result


def test_a_pr_is_confirmed_no_sooner_than_28_days_later() -> None:
    # RECIST 1.1 §4.4.3: confirmation at least 4 weeks after the response was first seen.
    assert bor((56, PR), (83, PR))["response"] == "SD"  # 27 days: too early and nothing after it
    confirmed = bor((56, PR), (84, PR))
    assert (confirmed["response"], confirmed["confirmed"], confirmed["date"]) == ("PR", True, "2026-03-02")
    # A PR 24 days later does not confirm, but the next scan 28 days after the first does.
    assert bor((56, PR), (80, PR), (84, PR))["response"] == "PR"


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        # RECIST 1.1 Table 3, first and subsequent timepoint -> BOR (minimum SD duration met: day 56 >= 42).
        (CR, CR, "CR"),
        (CR, PR, "SD"),  # Table 3 note a: disease reappearing after a true CR is PD, so the CR is unconfirmed
        (CR, SD, "SD"),
        (PR, CR, "PR"),
        (PR, PR, "PR"),
        (PR, SD, "SD"),
        (PR, NE, "SD"),
    ],
)
def test_table_3_with_sd_duration_met(first: dict[str, Any], then: dict[str, Any], expected: str) -> None:
    assert bor((56, first), (112, then))["response"] == expected


def test_table_3_when_the_minimum_sd_duration_is_not_met() -> None:
    # PR then PD: SD if the minimum duration is met, otherwise PD; PR then NE: otherwise NE.
    progression = {"T1": 40, "T2": 30}
    assert bor((28, PR), (56, progression))["response"] == "PD"
    assert bor((56, PR), (84, progression))["response"] == "SD"
    assert bor((28, PR), (56, NE))["response"] == "NE"
    assert bor((28, NE), (56, NE))["response"] == "NE"


def test_sd_counts_only_from_the_minimum_duration() -> None:
    assert bor((41, SD))["response"] == "NE"
    assert bor((42, SD))["response"] == "SD"
    assert bor((42, SD), sd_min_days=56)["response"] == "NE"
    late = bor((28, SD), (84, SD))
    assert (late["response"], late["date"]) == ("SD", "2026-03-30")


def test_only_timepoints_up_to_the_first_pd_count() -> None:
    progression = {"T1": 40, "T2": 30}
    result = bor((28, SD), (56, progression), (112, PR), (168, PR))
    assert (result["response"], result["date"]) == ("PD", "2026-03-02")


def test_without_confirmation_a_single_pr_counts_and_says_it_is_unconfirmed() -> None:
    result = bor((56, PR), (84, SD), require_confirmation=False)
    assert (result["response"], result["confirmed"]) == ("PR", False)
    assert bor((56, SD), require_confirmation=False)["confirmed"] is None


def test_an_sd_in_between_breaks_confirmation_but_ne_does_not() -> None:
    assert bor((56, PR), (70, SD), (112, PR))["response"] == "SD"
    assert bor((56, PR), (70, NE), (112, PR))["response"] == "PR"


CR_THEN_PR: list[dict[str, Any]] = [
    # Target CR with a non-target not evaluated is PR (RECIST 1.1 Table 1: CR, not evaluated, no -> PR): the one way a
    # PR can follow an overall CR now that any reappearing lesion after CR is PD.
    {"id": "T1", "role": "target", "organ": "liver"},
    {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True},
    {"id": "N1", "role": "non_target", "organ": "bone"},
]
CR_THEN_PR_VISITS = [
    (0, {"T1": 30, "T2": 20}),
    (56, {"T1": 0, "T2": 8}, {"N1": "absent"}),
    (112, {"T1": 0, "T2": 8}, {"N1": "not_evaluated"}),
]


def test_a_cr_followed_by_a_pr_counts_as_a_confirmed_pr() -> None:
    # RECIST 1.1 Table 3 (CR then PR, with confirmation): a confirmed PR dated at the CR.
    result = run_case(CR_THEN_PR, CR_THEN_PR_VISITS)
    assert [tp["response"] for tp in result["timepoints"][1:]] == ["CR", "PR"]
    best = result["best_overall_response"]
    assert (best["response"], best["confirmed"], best["date"]) == ("PR", True, "2026-03-02")


def test_without_confirmation_a_cr_followed_by_a_pr_is_cr() -> None:
    # RECIST 1.1 §4.4.1: without confirmation the best overall response is the best response recorded, so CR (it
    # used to give PR, the confirmed level). ``confirmed`` reports that the CR itself was not confirmed as CR.
    best = run_case(CR_THEN_PR, CR_THEN_PR_VISITS, require_confirmation=False)["best_overall_response"]
    assert (best["response"], best["confirmed"], best["date"]) == ("CR", False, "2026-03-02")
    confirmed_cr = bor((56, CR), (112, CR), require_confirmation=False)
    assert (confirmed_cr["response"], confirmed_cr["confirmed"]) == ("CR", True)


def test_a_node_back_to_10_mm_after_cr_is_progression_not_pr() -> None:
    # spec/response.md target rule 3; RECIST working group FAQ (once CR, any reappearing lesion is PD) and the
    # clarification on abnormal nodes (short axis >= 10 mm). This case gave PR before: 8 mm -> 12 mm is +4 mm only.
    lesions: list[dict[str, Any]] = [
        {"id": "T1", "role": "target", "organ": "liver"},
        {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True},
    ]
    result = run_case(lesions, [(0, {"T1": 30, "T2": 20}), (56, {"T1": 0, "T2": 8}), (112, {"T1": 0, "T2": 12})])
    assert [tp["response"] for tp in result["timepoints"][1:]] == ["CR", "PD"]
    assert any("T2 (node, short axis 12.0 mm >= 10 mm) reappeared" in r for r in result["timepoints"][2]["reasons"])
    # 9.9 mm is still a normal node: CR continues.
    still = run_case(lesions, [(0, {"T1": 30, "T2": 20}), (56, {"T1": 0, "T2": 8}), (112, {"T1": 0, "T2": 9.9})])
    assert [tp["response"] for tp in still["timepoints"][1:]] == ["CR", "CR"]
