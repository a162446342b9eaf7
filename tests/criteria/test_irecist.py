"""iRECIST (Seymour et al., Lancet Oncol 2017;18:e143-52, Tables 2 and 3) and the RECIST working group FAQ on
iRECIST: iUPD, its confirmation to iCPD by each route, reset, and iBOR."""

from __future__ import annotations

from typing import Any

from response_cases import responses, run_case

LESIONS = [
    {"id": "T1", "role": "target", "organ": "liver"},
    {"id": "T2", "role": "target", "organ": "lung"},
    {"id": "N1", "role": "non_target", "organ": "bone"},
]
BASE = (0, {"T1": 30, "T2": 20}, {"N1": "present"})  # sum 50 mm
PRESENT = {"N1": "present"}


def irecist(*visits: tuple[Any, ...], **settings: Any) -> dict[str, Any]:
    result: dict[str, Any] = run_case(LESIONS, [BASE, *visits], "irecist", **settings)
    return result


def test_targets_that_grow_5_mm_more_after_iupd_confirm_icpd() -> None:
    # iRECIST Table 2: iUPD on targets is confirmed by a further increase of the sum by >= 5 mm.
    result = irecist((56, {"T1": 36, "T2": 24}, PRESENT), (112, {"T1": 40, "T2": 25}, PRESENT))
    assert responses(result) == ["iUPD", "iCPD"]
    assert responses(result, "recist_response") == ["PD", "PD"]
    assert responses(result, "progressed_categories") == [["target"], ["target"]]
    assert responses(result, "progression_date") == ["2026-03-02", "2026-03-02"]


def test_growth_adds_up_across_timepoints() -> None:
    # RECIST working group FAQ: +4 mm then +2 mm after the iUPD confirms (compared with the first iUPD, not the last).
    result = irecist(
        (56, {"T1": 36, "T2": 24}, PRESENT), (98, {"T1": 40, "T2": 24}, PRESENT), (140, {"T1": 42, "T2": 24}, PRESENT)
    )
    assert responses(result) == ["iUPD", "iUPD", "iCPD"]


def test_a_scan_under_4_weeks_confirms_only_for_a_symptom_with_a_new_lesion() -> None:
    # RECIST working group FAQ: a scan < 4 weeks after iUPD may not confirm, unless done for a symptom and showing
    # an additional new lesion.
    early = irecist(
        (56, {"T1": 36, "T2": 24}, PRESENT), (70, {"T1": 45, "T2": 25}, PRESENT), (84, {"T1": 46, "T2": 25}, PRESENT)
    )
    assert responses(early) == ["iUPD", "iUPD", "iCPD"]
    assert any("cannot confirm" in r for r in early["timepoints"][2]["reasons"])
    symptom = irecist(
        (56, {"T1": 36, "T2": 24}, PRESENT),
        (70, {"T1": 36, "T2": 24}, PRESENT, [{"id": "X1", "organ": "brain", "diameter_mm": 8}], "symptom"),
    )
    assert responses(symptom) == ["iUPD", "iCPD"]
    growth_only = irecist((56, {"T1": 36, "T2": 24}, PRESENT), (70, {"T1": 45, "T2": 25}, PRESENT, None, "symptom"))
    assert responses(growth_only) == ["iUPD", "iUPD"]


def test_non_target_progression_confirms_only_with_further_growth() -> None:
    # RECIST working group FAQ: NC, UNE, NCLA stays iUPD; NC, UNE, INCLA is iCPD.
    stable_targets = {"T1": 29, "T2": 20}
    result = irecist(
        (56, stable_targets, {"N1": "unequivocal_progression"}),
        (112, stable_targets, {"N1": "unequivocal_progression"}),
        (168, stable_targets, {"N1": "increased"}),
    )
    assert responses(result) == ["iUPD", "iUPD", "iCPD"]
    assert responses(result, "progressed_categories")[0] == ["non_target"]


def test_new_lesions_confirm_by_growth_number_or_new_non_target_growth() -> None:
    targets = {"T1": 29, "T2": 20}
    first = (56, targets, PRESENT, [{"id": "X1", "organ": "lung", "diameter_mm": 12}])
    # New-target sum +6 mm over the iUPD: iCPD.
    grew = irecist(first, (112, targets, PRESENT, [{"id": "X1", "organ": "lung", "diameter_mm": 18}]))
    assert responses(grew) == ["iUPD", "iCPD"]
    assert responses(grew, "new_target_sum_mm") == [12.0, 18.0]
    # An additional new lesion: iCPD.
    more = irecist(
        first,
        (
            112,
            targets,
            PRESENT,
            [{"id": "X1", "organ": "lung", "diameter_mm": 12}, {"id": "X2", "organ": "skin", "diameter_mm": 4}],
        ),
    )
    assert responses(more) == ["iUPD", "iCPD"]
    # A new non-target lesion (a 12 mm node is not measurable as a new target) that increases: iCPD.
    node = (56, targets, PRESENT, [{"id": "Y1", "organ": "lymph node", "nodal": True, "diameter_mm": 12}])
    nlnt = irecist(
        node,
        (
            112,
            targets,
            PRESENT,
            [{"id": "Y1", "organ": "lymph node", "nodal": True, "diameter_mm": 14, "increased": True}],
        ),
    )
    assert responses(nlnt) == ["iUPD", "iCPD"]
    assert responses(nlnt, "new_target_sum_mm") == [None, None]
    # Unchanged new lesion with unchanged targets: remains iUPD (iRECIST Table 2).
    same = irecist(first, (112, targets, PRESENT, [{"id": "X1", "organ": "lung", "diameter_mm": 12}]))
    assert responses(same) == ["iUPD", "iUPD"]


def test_progression_in_a_category_that_had_not_progressed_confirms() -> None:
    result = irecist(
        (56, {"T1": 29, "T2": 20}, PRESENT, [{"id": "X1", "organ": "lung", "diameter_mm": 12}]),
        (112, {"T1": 40, "T2": 25}, PRESENT, [{"id": "X1", "organ": "lung", "diameter_mm": 12}]),
    )
    assert responses(result) == ["iUPD", "iCPD"]
    assert any("had not progressed" in r for r in result["timepoints"][2]["reasons"])


def test_an_iupd_that_resets_to_isd_and_a_second_fresh_iupd() -> None:
    # iRECIST: when the category that progressed no longer meets PD, the bar is reset; the next progression is a
    # new iUPD, confirmed afresh (compared with its own first iUPD).
    result = irecist(
        (56, {"T1": 36, "T2": 24}, PRESENT),  # 60: +20 %, +10 mm over 50: iUPD
        (112, {"T1": 27, "T2": 18}, PRESENT),  # 45: not PD against nadir 50: reset, -10 % from baseline: iSD
        (168, {"T1": 34, "T2": 22}, PRESENT),  # 56: +24 %, +11 mm over the nadir 45: a fresh iUPD
        (224, {"T1": 35, "T2": 22}, PRESENT),  # 57: +1 mm over the new iUPD: remains iUPD
    )
    assert responses(result) == ["iUPD", "iSD", "iUPD", "iUPD"]
    assert responses(result, "progression_date") == ["2026-03-02", None, "2026-06-22", "2026-06-22"]
    assert result["best_overall_response"]["response"] == "iSD"


def test_pseudoprogression_with_a_persisting_new_lesion_can_reach_ipr_but_not_icr() -> None:
    # RECIST working group FAQ scenario B: the new lesion persists while the targets shrink further: iPR may be
    # assigned; never iCR while a new lesion persists.
    lesions = [{"id": "T1", "role": "target", "organ": "liver"}, {"id": "T2", "role": "target", "organ": "lung"}]
    x1 = [{"id": "X1", "organ": "skin", "diameter_mm": 5}]
    result = run_case(
        lesions,
        [
            (0, {"T1": 30, "T2": 20}),
            (56, {"T1": 28, "T2": 20}, None, x1),
            (112, {"T1": 10, "T2": 8}, None, x1),
            (168, {"T1": 0, "T2": 0}, None, x1),
        ],
        "irecist",
    )
    assert responses(result) == ["iUPD", "iPR", "iPR"]
    assert responses(result, "recist_response") == ["PD", "PD", "PD"]


def test_ibor_follows_table_3() -> None:
    # iRECIST Table 3 (randomised trial: no confirmation of iCR/iPR required).
    upd = (56, {"T1": 36, "T2": 24}, PRESENT)
    ne = (112, {"T1": 36}, PRESENT)
    never_confirmed = irecist(upd, ne, (168, {"T1": 30}, PRESENT), require_confirmation=False)
    assert responses(never_confirmed) == ["iUPD", "NE", "NE"]
    assert never_confirmed["best_overall_response"]["response"] == "iUPD"
    confirmed = irecist(upd, (112, {"T1": 40, "T2": 26}, PRESENT), require_confirmation=False)
    assert confirmed["best_overall_response"]["response"] == "iCPD"
    later_pr = irecist(
        upd, (112, {"T1": 27, "T2": 18}, PRESENT), (168, {"T1": 20, "T2": 10}, PRESENT), require_confirmation=False
    )
    assert responses(later_pr) == ["iUPD", "iSD", "iPR"]
    best = later_pr["best_overall_response"]
    assert (best["response"], best["date"]) == ("iPR", "2026-06-22")
