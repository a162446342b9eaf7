"""RECIST 1.1 timepoint responses (Eisenhauer et al., Eur J Cancer 2009;45:228-47) and the RECIST working group's
clarifications (Schwartz et al., Eur J Cancer 2016;62:132-7; recist.eortc.org FAQ), checked on worked numbers."""

from __future__ import annotations

from response_cases import TWO_TARGETS, responses, run_case

NODE_AND_LIVER = [
    {"id": "T1", "role": "target", "organ": "liver"},
    {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True},
]


def test_pr_threshold_is_a_30_percent_decrease_from_baseline_inclusive() -> None:
    # RECIST 1.1 §4.3.1: PR is at least a 30 % decrease of the sum from baseline. 50 -> 35 is exactly -30 %.
    exact = run_case(TWO_TARGETS, [(0, {"T1": 30, "T2": 20}), (56, {"T1": 20, "T2": 15})])
    assert responses(exact, "target_response") == ["PR"]
    assert exact["timepoints"][1]["change_from_baseline_pct"] == -30.0
    short = run_case(TWO_TARGETS, [(0, {"T1": 30, "T2": 20}), (56, {"T1": 20, "T2": 15.1})])
    assert responses(short, "target_response") == ["SD"]


def test_plus_20_percent_but_under_5_mm_is_not_progression() -> None:
    # RECIST 1.1 §4.3.1: PD needs >= 20 % over the nadir AND an absolute increase of >= 5 mm.
    # Baseline 20 mm -> 24 mm is +20 % but only +4 mm: SD. 25 -> 30 is +20 % and +5 mm: PD.
    small = run_case(TWO_TARGETS, [(0, {"T1": 10, "T2": 10}), (56, {"T1": 12, "T2": 12})])
    assert responses(small, "target_response") == ["SD"]
    assert small["timepoints"][1]["change_from_nadir_pct"] == 20.0
    big = run_case(TWO_TARGETS, [(0, {"T1": 15, "T2": 10}), (56, {"T1": 18, "T2": 12})])
    assert responses(big, "target_response") == ["PD"]


def test_progression_is_judged_against_the_nadir_after_baseline() -> None:
    # RECIST 1.1 §4.3.1: the reference for PD is the smallest sum on study. 50 -> 30 -> 36: +20 % and +6 mm over the
    # nadir 30 is PD although the sum is still 28 % below baseline.
    result = run_case(TWO_TARGETS, [(0, {"T1": 30, "T2": 20}), (56, {"T1": 18, "T2": 12}), (112, {"T1": 22, "T2": 14})])
    assert responses(result, "target_response") == ["PR", "PD"]
    assert result["timepoints"][2]["nadir_mm"] == 30.0
    assert result["timepoints"][2]["change_from_baseline_pct"] == -28.0
    assert result["timepoints"][2]["progression_date"] == result["timepoints"][2]["date"]


def test_a_node_shrinking_below_10_mm_counts_toward_cr() -> None:
    # RECIST 1.1 §4.3.1: CR needs every non-nodal target gone and every target node < 10 mm short axis; the sum
    # need not be 0. Node 9 mm: CR; node 10 mm: not CR.
    cr = run_case(NODE_AND_LIVER, [(0, {"T1": 30, "T2": 20}), (56, {"T1": 0, "T2": 9})])
    assert responses(cr, "target_response") == ["CR"]
    assert responses(cr) == ["CR"]
    assert cr["timepoints"][1]["sum_mm"] == 9.0
    not_cr = run_case(NODE_AND_LIVER, [(0, {"T1": 30, "T2": 20}), (56, {"T1": 0, "T2": 10})])
    assert responses(not_cr, "target_response") == ["PR"]


def test_too_small_to_measure_counts_5_mm_and_is_not_cr() -> None:
    # RECIST 1.1 appendix: a lesion present but too small to measure counts as 5 mm.
    result = run_case(TWO_TARGETS, [(0, {"T1": 30, "T2": 20}), (56, {"T1": "too_small", "T2": 0})])
    assert result["timepoints"][1]["sum_mm"] == 5.0
    assert responses(result, "target_response") == ["PR"]
    assert any("too small to measure" in r for r in result["timepoints"][1]["reasons"])


def test_a_missing_target_gives_ne_unless_the_measured_ones_already_show_pd() -> None:
    # RECIST 1.1 §4.4.2: if the lesions that were measured already meet PD, the missing one cannot change that.
    three = [*TWO_TARGETS, {"id": "T3", "role": "target", "organ": "kidney"}]
    ne = run_case(three, [(0, {"T1": 20, "T2": 20, "T3": 10}), (56, {"T1": 20, "T2": "not_evaluated", "T3": 10})])
    assert responses(ne, "target_response") == ["NE"]
    assert responses(ne) == ["NE"]
    assert ne["timepoints"][1]["sum_mm"] is None
    # Baseline 50 mm; only two lesions measured, summing 80 mm: PD whatever the third one shows.
    pd = run_case(three, [(0, {"T1": 20, "T2": 20, "T3": 10}), (56, {"T1": 45, "T2": 35})])
    assert responses(pd, "target_response") == ["PD"]
    assert responses(pd) == ["PD"]


def test_a_timepoint_with_a_missing_target_never_sets_the_nadir() -> None:
    result = run_case(
        TWO_TARGETS,
        [(0, {"T1": 30, "T2": 20}), (56, {"T1": 5}), (112, {"T1": 20, "T2": 15}), (168, {"T1": 22, "T2": 15})],
    )
    assert [tp["nadir_mm"] for tp in result["timepoints"][1:]] == [50.0, 50.0, 35.0]


def test_non_target_unequivocal_progression_and_table_1() -> None:
    lesions = [*TWO_TARGETS, {"id": "N1", "role": "non_target", "organ": "bone"}]
    result = run_case(
        lesions,
        [
            (0, {"T1": 30, "T2": 20}, {"N1": "present"}),
            (56, {"T1": 0, "T2": 0}, {"N1": "present"}),
            (112, {"T1": 0, "T2": 0}, {"N1": "absent"}),
            (168, {"T1": 0, "T2": 0}, {}),
            (224, {"T1": 10, "T2": 8}, {"N1": "unequivocal_progression"}),
        ],
    )
    # Table 1: CR + NON_CR_NON_PD = PR; CR + CR = CR; CR + NE = PR; anything + non-target PD = PD.
    assert responses(result, "non_target_response") == ["NON_CR_NON_PD", "CR", "NE", "PD"]
    assert responses(result) == ["PR", "CR", "PR", "PD"]


def test_non_target_only_disease_uses_table_2() -> None:
    lesions = [
        {"id": "N1", "role": "non_target", "organ": "pleura"},
        {"id": "N2", "role": "non_target", "organ": "bone"},
    ]
    result = run_case(
        lesions,
        [
            (0, {}, {}),
            (56, {}, {"N1": "present", "N2": "absent"}),
            (112, {}, {"N1": "absent", "N2": "absent"}),
            (168, {}, {"N1": "absent"}),
        ],
    )
    assert responses(result) == ["NON_CR_NON_PD", "CR", "NE"]
    assert result["baseline"]["sum_mm"] is None
    assert responses(result, "target_response") == [None, None, None]


def test_an_equivocal_new_lesion_confirmed_later_back_dates_progression() -> None:
    # RECIST 1.1 §4.3.5: if an equivocal new lesion proves to be new, PD is dated to the scan that first showed it.
    result = run_case(
        TWO_TARGETS,
        [
            (0, {"T1": 30, "T2": 20}),
            (56, {"T1": 28, "T2": 20}, None, [{"id": "X1", "organ": "bone", "equivocal": True}]),
            (112, {"T1": 28, "T2": 20}, None, [{"id": "X1", "organ": "bone"}]),
        ],
    )
    assert responses(result) == ["SD", "PD"]
    assert responses(result, "new_lesions") == [False, True]
    assert result["timepoints"][2]["progression_date"] == result["timepoints"][1]["date"]


def test_an_equivocal_new_lesion_that_resolves_is_not_progression() -> None:
    result = run_case(
        TWO_TARGETS,
        [
            (0, {"T1": 30, "T2": 20}),
            (56, {"T1": 28, "T2": 20}, None, [{"id": "X1", "organ": "bone", "equivocal": True}]),
            (112, {"T1": 27, "T2": 20}),
        ],
    )
    assert responses(result) == ["SD", "SD"]


def test_a_target_reappearing_after_an_overall_cr_is_progression() -> None:
    # RECIST working group FAQ "Does a new lesion always result in PD?": reappearance after CR is PD even when the
    # sum criteria are not met (here 0 -> 4 mm).
    result = run_case(TWO_TARGETS, [(0, {"T1": 30, "T2": 20}), (56, {"T1": 0, "T2": 0}), (112, {"T1": 4, "T2": 0})])
    assert responses(result, "target_response") == ["CR", "PD"]
    assert any("reappeared" in r for r in result["timepoints"][2]["reasons"])


def test_a_confirmed_pr_continues_against_the_nadir() -> None:
    # RECIST working group FAQ "Managing PR when TP measurements change slightly": sums 100, 70, 70, 80, 80, 80 are
    # PR at every timepoint once the PR is confirmed (80 mm is only -20 % from baseline but not PD over nadir 70).
    lesions = [{"id": "T1", "role": "target", "organ": "liver"}, {"id": "T2", "role": "target", "organ": "lung"}]
    sums = [(60, 40), (42, 28), (42, 28), (48, 32), (48, 32), (48, 32)]
    result = run_case(lesions, [(56 * i, {"T1": a, "T2": b}) for i, (a, b) in enumerate(sums)])
    assert responses(result) == ["PR"] * 5
    assert responses(result, "change_from_baseline_pct") == [-30.0, -30.0, -20.0, -20.0, -20.0]
    assert any("continues as PR" in r for r in result["timepoints"][3]["reasons"])
    # An unconfirmed PR does not continue: without the confirming scan the -20 % timepoint is SD.
    early = run_case(lesions, [(0, {"T1": 60, "T2": 40}), (56, {"T1": 42, "T2": 28}), (70, {"T1": 48, "T2": 32})])
    assert responses(early) == ["PR", "SD"]


def test_percentages_round_half_away_from_zero_but_compare_exactly() -> None:
    # 3 targets of baseline 70 mm: 70 -> 49.0 is exactly -30 %: PR. The display rounds, comparisons do not.
    lesions = [*TWO_TARGETS, {"id": "T3", "role": "target", "organ": "bone"}]
    result = run_case(lesions, [(0, {"T1": 30, "T2": 20, "T3": 20}), (56, {"T1": 21, "T2": 14, "T3": 14.05})])
    assert result["timepoints"][1]["sum_mm"] == 49.1  # 49.05 rounds half away from zero
    assert responses(result, "target_response") == ["SD"]  # 49.05 > 49.0: not PR, though the display says -29.9 %
    assert result["timepoints"][1]["change_from_baseline_pct"] == -29.9
