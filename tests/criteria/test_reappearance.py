"""Reappearance after a complete response, for every kind of lesion and every criterion of the family
(spec/response.md, target rule 3 and the non-target rule).

Sources: RECIST working group FAQ "Does a new lesion always result in PD?" (once the overall response was CR, any
reappearing lesion is PD); RECIST 1.1 §4.3.1 (Eisenhauer 2009) and the working group's clarification on lymph nodes
(a node of 10 mm or more short axis is abnormal again); RECIST 1.1 Table 3 note a (disease reappearing after a true
CR is PD). iRECIST (Seymour 2017), itRECIST (Goldmacher 2020, per subset) and mRECIST (Lencioni & Llovet 2010)
carry the same rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from response_cases import responses, run_case

from ioguide.criteria.assess import assess_json

WITH_NODE_AND_NON_TARGET: list[dict[str, Any]] = [
    {"id": "T1", "role": "target", "organ": "liver"},
    {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True},
    {"id": "N1", "role": "non_target", "organ": "bone"},
]
BASE = (0, {"T1": 30, "T2": 20}, {"N1": "present"})
CR = (56, {"T1": 0, "T2": 8}, {"N1": "absent"})


def after_cr(visit: tuple[Any, ...], criteria: str = "recist1.1", **settings: Any) -> dict[str, Any]:
    result: dict[str, Any] = run_case(WITH_NODE_AND_NON_TARGET, [BASE, CR, visit], criteria, **settings)
    return result


def test_a_non_target_present_again_after_cr_is_pd_naming_it() -> None:
    # Before the fix this timepoint was PR (target CR + non-target NON_CR_NON_PD, RECIST 1.1 Table 1).
    result = after_cr((112, {"T1": 0, "T2": 8}, {"N1": "present"}))
    assert responses(result, "non_target_response") == ["CR", "PD"]
    assert responses(result) == ["CR", "PD"]
    assert any(
        "non-target N1 (present) reappeared after an overall CR" in r for r in result["timepoints"][2]["reasons"]
    )
    assert result["timepoints"][2]["progression_date"] == result["timepoints"][2]["date"]


def test_a_non_target_present_without_a_previous_cr_is_not_pd() -> None:
    # The rule needs the previous evaluable overall response to be CR: after a PR, "present" is NON_CR_NON_PD.
    pr = (56, {"T1": 10, "T2": 8}, {"N1": "absent"})
    result = run_case(WITH_NODE_AND_NON_TARGET, [BASE, pr, (112, {"T1": 10, "T2": 8}, {"N1": "present"})])
    assert responses(result) == ["PR", "PR"]


def test_the_previous_evaluable_timepoint_counts_across_an_ne() -> None:
    ne = (84, {"T1": 0}, {"N1": "absent"})  # T2 not evaluated: NE
    result = run_case(WITH_NODE_AND_NON_TARGET, [BASE, CR, ne, (112, {"T1": 0, "T2": 8}, {"N1": "present"})])
    assert responses(result) == ["CR", "NE", "PD"]


def test_a_reappearing_target_makes_pd_even_when_another_target_is_not_evaluated() -> None:
    # spec target rule 1: a lesion not evaluated cannot undo a reappearance seen on the others.
    result = after_cr((112, {"T1": 3}, {"N1": "absent"}))
    assert responses(result, "target_response") == ["CR", "PD"]
    assert any("T1 (3.0 mm > 0) reappeared" in r for r in result["timepoints"][2]["reasons"])


def test_a_target_too_small_to_measure_after_cr_has_reappeared() -> None:
    # RECIST 1.1 §4.3.2: "too small" means present (counts 5 mm), so it is not gone.
    result = after_cr((112, {"T1": "too_small", "T2": 8}, {"N1": "absent"}))
    assert responses(result) == ["CR", "PD"]


@pytest.mark.parametrize(("node", "expected"), [(9.9, "CR"), (10, "PD")])
def test_a_node_reappears_from_10_mm_short_axis(node: float, expected: str) -> None:
    assert responses(after_cr((112, {"T1": 0, "T2": node}, {"N1": "absent"}))) == ["CR", expected]


def test_mrecist_viable_tissue_or_a_non_target_back_after_cr_is_pd() -> None:
    # mRECIST (Lencioni & Llovet 2010) uses RECIST 1.1's overall tables: reappearance after CR is PD as well.
    lesions: list[dict[str, Any]] = [
        {"id": "T1", "role": "target", "organ": "liver"},
        {"id": "N1", "role": "non_target", "organ": "liver"},
    ]
    base = (0, {"T1": 30}, {"N1": "present"})
    cr = (56, {"T1": 0}, {"N1": "absent"})
    back = run_case(lesions, [base, cr, (112, {"T1": 0}, {"N1": "present"})], "mrecist")
    assert responses(back) == ["CR", "PD"]
    assert any("mRECIST" in r and "reappeared" in r for r in back["timepoints"][2]["reasons"])


def test_irecist_reappearance_after_icr_is_iupd_and_stays_iupd_while_it_persists() -> None:
    # iRECIST (Seymour 2017, Table 2): RECIST 1.1 progression is iUPD. Decision (docs/response.md): the episode that
    # a reappearance after iCR opened judges reappearance against that iCR, so a lesion that persists unchanged keeps
    # the iUPD open (it is not reset to iPR); growth of the non-target confirms (iCPD); disappearing again resets.
    base, cr = BASE, CR
    persists = run_case(
        WITH_NODE_AND_NON_TARGET,
        [base, cr, (112, {"T1": 0, "T2": 8}, {"N1": "present"}), (154, {"T1": 0, "T2": 8}, {"N1": "present"})],
        "irecist",
    )
    assert responses(persists) == ["iCR", "iUPD", "iUPD"]
    assert responses(persists, "progressed_categories")[1] == ["non_target"]
    grows = run_case(
        WITH_NODE_AND_NON_TARGET,
        [base, cr, (112, {"T1": 0, "T2": 8}, {"N1": "present"}), (154, {"T1": 0, "T2": 8}, {"N1": "increased"})],
        "irecist",
    )
    assert responses(grows) == ["iCR", "iUPD", "iCPD"]
    gone = run_case(
        WITH_NODE_AND_NON_TARGET,
        [base, cr, (112, {"T1": 0, "T2": 8}, {"N1": "present"}), (154, {"T1": 0, "T2": 8}, {"N1": "absent"})],
        "irecist",
    )
    assert responses(gone) == ["iCR", "iUPD", "iCR"]


def test_itrecist_reappearance_is_judged_per_subset() -> None:
    # itRECIST (Goldmacher 2020): the injected subset reaches CR on its own while the non-injected one does not; an
    # injected lesion back at the next scan is PD for the injected subset (its previous response was CR) but not for
    # the overall response, whose previous response was PR (the non-injected lesion is still there).
    lesions: list[dict[str, Any]] = [
        {"id": "I1", "role": "target", "organ": "skin", "injected": True},
        {"id": "D1", "role": "target", "organ": "liver"},
    ]
    result = run_case(
        lesions,
        [(0, {"I1": 30, "D1": 30}), (56, {"I1": 0, "D1": 25}), (112, {"I1": 4, "D1": 25})],
        "itrecist",
    )
    injected = [tp["response"] for tp in result["subsets"]["injected"]["timepoints"][1:]]
    assert injected == ["CR", "PD"]
    assert responses(result) == ["PR", "PR"]
    assert [tp["response"] for tp in result["subsets"]["non_injected"]["timepoints"][1:]] == ["SD", "SD"]


def test_the_worked_example_node_back_after_cr() -> None:
    # examples/response/recist-node-back-after-cr.json (docs/response.md): confirmed CR with the node at 8 then 7 mm;
    # at 11 mm the node is abnormal again: PD by reappearance although +4 mm over the nadir is below the sum rule.
    case = json.loads(
        (Path(__file__).resolve().parents[2] / "examples/response/recist-node-back-after-cr.json").read_text()
    )
    result = assess_json(case)
    assert responses(result) == ["PR", "CR", "CR", "PD"]
    assert responses(result, "sum_mm") == [25.0, 8.0, 7.0, 11.0]
    assert result["timepoints"][4]["progression_date"] == "2026-09-21"
    best = result["best_overall_response"]
    assert (best["response"], best["confirmed"], best["date"]) == ("CR", True, "2026-06-01")
    assert result["settings"]["sd_min_reference"] == "first_treatment"
