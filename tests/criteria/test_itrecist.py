"""itRECIST (Goldmacher et al., J Clin Oncol 2020;38:2667-76): injected and non-injected lesions assessed beside the
overall response; lesions that become injected after baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from response_cases import responses, run_case

from ioguide.criteria.assess import assess_json
from ioguide.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "response"


def subset_values(result: dict[str, Any], name: str, key: str) -> list[Any]:
    return [tp[key] for tp in result["subsets"][name]["timepoints"][1:]]


def test_injected_lesions_respond_while_non_injected_progress() -> None:
    # The case the criteria were written for: the overall (combined) sum is SD while the injected lesions respond
    # and the non-injected (abscopal) ones progress; the non-injected response is never derived from the overall.
    lesions = [
        {"id": "I1", "role": "target", "organ": "skin", "injected": True},
        {"id": "I2", "role": "target", "organ": "subcutis", "injected": True},
        {"id": "D1", "role": "target", "organ": "liver"},
        {"id": "D2", "role": "target", "organ": "lung"},
    ]
    result = run_case(
        lesions,
        [(0, {"I1": 30, "I2": 20, "D1": 20, "D2": 10}), (56, {"I1": 12, "I2": 8, "D1": 30, "D2": 18})],
        "itrecist",
    )
    assert responses(result) == ["SD"]  # combined 80 -> 68 mm: -15 %
    assert subset_values(result, "injected", "response") == ["PR"]  # 50 -> 20 mm: -60 %
    assert subset_values(result, "non_injected", "response") == ["PD"]  # 30 -> 48 mm: +60 %, +18 mm
    assert result["subsets"]["injected"]["baseline_sum_mm"] == 50.0
    assert result["subsets"]["non_injected"]["baseline_sum_mm"] == 30.0
    assert subset_values(result, "non_injected", "change_from_baseline_pct") == [60.0]


def test_new_lesions_enter_only_the_non_injected_response() -> None:
    lesions = [
        {"id": "I1", "role": "target", "organ": "skin", "injected": True},
        {"id": "D1", "role": "target", "organ": "liver"},
    ]
    result = run_case(
        lesions,
        [
            (0, {"I1": 30, "D1": 20}),
            (56, {"I1": 10, "D1": 19}, None, [{"id": "X1", "organ": "lung", "diameter_mm": 8}]),
        ],
        "itrecist",
    )
    assert responses(result) == ["PD"]
    assert subset_values(result, "injected", "response") == ["PR"]
    assert subset_values(result, "non_injected", "response") == ["PD"]


def test_a_lesion_injected_after_baseline_moves_and_sums_are_recomputed() -> None:
    # spec/response.md (itRECIST), after Goldmacher 2020 Fig. 1B: a non-injected lesion may become injected; each
    # subset's sums at every timepoint, baseline and nadir included, are recomputed over its current lesions.
    result = assess_json(json.loads((EXAMPLES / "itrecist-abscopal.json").read_text()))
    injected = result["subsets"]["injected"]
    assert injected["lesions"] == ["I1", "I2", "D2", "N1"]
    assert injected["membership_changed_at"] == "2026-04-20"
    assert injected["baseline_sum_mm"] == 60.0  # 24 + 21 + 15: D2 counted from baseline
    assert [tp["sum_mm"] for tp in injected["timepoints"]] == [60.0, 46.0, 40.0, 23.0]
    assert [tp["response"] for tp in injected["timepoints"][1:]] == ["SD", "PR", "PR"]
    last = injected["timepoints"][-1]
    assert (last["nadir_mm"], last["change_from_baseline_pct"]) == (40.0, -61.7)
    non_injected = result["subsets"]["non_injected"]
    assert non_injected["lesions"] == ["D1", "N2"]
    assert [tp["sum_mm"] for tp in non_injected["timepoints"]] == [20.0, 24.0, 28.0, 30.0]
    # 24 mm is +20 % but +4 mm (SD); 28 mm is +40 % and +8 mm over the nadir 20 (PD), while the overall is SD.
    assert [tp["response"] for tp in non_injected["timepoints"][1:]] == ["SD", "PD", "PD"]
    assert [tp["response"] for tp in result["timepoints"][1:]] == ["SD", "SD", "PD"]
    unchanged = run_case(
        [
            {"id": "I1", "role": "target", "organ": "skin", "injected": True},
            {"id": "D1", "role": "target", "organ": "liver"},
        ],
        [(0, {"I1": 20, "D1": 20}), (56, {"I1": 10, "D1": 20})],
        "itrecist",
    )
    assert unchanged["subsets"]["injected"]["membership_changed_at"] is None


def test_a_subset_without_lesions_is_null_and_a_subset_without_targets_uses_its_non_targets() -> None:
    lesions = [
        {"id": "I1", "role": "target", "organ": "skin", "injected": True},
        {"id": "N1", "role": "non_target", "organ": "bone"},
    ]
    result = run_case(lesions, [(0, {"I1": 20}, {"N1": "present"}), (56, {"I1": 5}, {"N1": "absent"})], "itrecist")
    assert subset_values(result, "non_injected", "response") == ["CR"]  # RECIST 1.1 Table 2 on NT-NI alone
    assert subset_values(result, "non_injected", "target_response") == [None]
    only_injected = run_case(lesions[:1], [(0, {"I1": 20}), (56, {"I1": 5})], "itrecist")
    assert only_injected["subsets"]["non_injected"] is None


def test_up_to_five_injected_and_five_non_injected_targets() -> None:
    organs = ["skin", "skin", "liver", "liver", "lung"]
    injected = [{"id": f"I{i}", "role": "target", "organ": o, "injected": True} for i, o in enumerate(organs)]
    others = [{"id": f"D{i}", "role": "target", "organ": o} for i, o in enumerate(organs)]
    diameters = {lesion["id"]: 20 for lesion in injected + others}
    ok = run_case(injected + others, [(0, diameters)], "itrecist")
    assert ok["baseline"]["sum_mm"] == 200.0
    with pytest.raises(InputError) as err:
        run_case(injected + others, [(0, diameters)], "recist1.1")
    assert "at most 5 (RECIST 1.1 §3.3.1)" in str(err.value)
    extra = {"id": "I9", "role": "target", "organ": "bone", "injected": True}
    with pytest.raises(InputError) as err:
        run_case([*injected, extra, *others], [(0, {**diameters, "I9": 20})], "itrecist")
    assert "6 injected targets: at most 5" in str(err.value)


def test_confirm_progression_switches_the_overall_response_to_irecist() -> None:
    lesions = [
        {"id": "I1", "role": "target", "organ": "skin", "injected": True},
        {"id": "D1", "role": "target", "organ": "liver"},
    ]
    visits = [(0, {"I1": 30, "D1": 20}), (56, {"I1": 40, "D1": 22}), (112, {"I1": 25, "D1": 20})]
    plain = run_case(lesions, visits, "itrecist")
    immune = run_case(lesions, visits, "itrecist", confirm_progression=True)
    assert responses(plain) == ["PD", "SD"]
    assert responses(immune) == ["iUPD", "iSD"]  # injection-site pseudoprogression, then reset
    assert responses(immune, "recist_response") == ["PD", "SD"]
    assert immune["settings"]["confirm_progression"] is True
    assert subset_values(immune, "injected", "response") == ["PD", "SD"]
