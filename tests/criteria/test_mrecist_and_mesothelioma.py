"""mRECIST for HCC (Lencioni & Llovet, Semin Liver Dis 2010;30:52-60) and modified RECIST 1.1 for pleural
mesothelioma (Armato & Nowak, J Thorac Oncol 2018;13:1012-21), with the worked examples of
shared/research/meso-ablation-bclc.md §2 (M1, M2)."""

from __future__ import annotations

from typing import Any

import pytest
from response_cases import TWO_TARGETS, responses, run_case

from ioguide.errors import InputError

LIVER = [{"id": "T1", "role": "target", "organ": "liver"}, {"id": "T2", "role": "target", "organ": "liver"}]


def test_mrecist_has_no_5_mm_clause() -> None:
    # mRECIST Table 1: PD is a >= 20 % increase of the viable sum over the nadir, with no absolute minimum.
    visits = [(0, {"T1": 12, "T2": 10}), (56, {"T1": 10, "T2": 10}), (112, {"T1": 14, "T2": 10})]
    assert responses(run_case(LIVER, visits, "mrecist"), "target_response") == ["SD", "PD"]  # 20 -> 24: +20 %, +4 mm
    assert responses(run_case(LIVER, visits, "recist1.1"), "target_response") == ["SD", "SD"]
    reasons = run_case(LIVER, visits, "mrecist")["timepoints"][1]["reasons"]
    assert any("arterially enhancing" in r for r in reasons)


def test_mrecist_complete_loss_of_enhancement_is_cr_and_regrowth_from_zero_is_pd() -> None:
    result = run_case(
        LIVER, [(0, {"T1": 30, "T2": 20}), (56, {"T1": 0, "T2": 0}), (112, {"T1": 3, "T2": 0})], "mrecist"
    )
    assert responses(result, "target_response") == ["CR", "PD"]
    assert result["timepoints"][2]["change_from_nadir_pct"] is None  # undefined from a 0 mm nadir


def test_mrecist_new_lesion_counts_from_10_mm_with_the_typical_pattern_without_back_dating() -> None:
    small = [{"id": "X1", "organ": "liver", "diameter_mm": 8, "typical_hcc": True}]
    atypical = [{"id": "X2", "organ": "liver", "diameter_mm": 15}]
    grown = [{"id": "X1", "organ": "liver", "diameter_mm": 10, "typical_hcc": True}]
    result = run_case(
        LIVER,
        [
            (0, {"T1": 30, "T2": 20}),
            (56, {"T1": 20, "T2": 10}, None, small + atypical),
            (112, {"T1": 20, "T2": 10}, None, grown),
        ],
        "mrecist",
    )
    assert responses(result) == ["PR", "PD"]
    assert responses(result, "new_lesions") == [False, True]
    assert result["timepoints"][2]["progression_date"] == result["timepoints"][2]["date"]


PLEURA: list[dict[str, Any]] = [
    {"id": f"P{level}{side}", "role": "target", "organ": f"pleura level {level}", "pleural": True}
    for level in (1, 2, 3)
    for side in "ab"
]


def pleural(*values: float) -> dict[str, float]:
    return {lesion["id"]: v for lesion, v in zip(PLEURA, values, strict=True)}


def test_meso_example_m1_pleural_and_nodal_sum() -> None:
    # Worked example M1: pleural 15, 12; 18, 10; 14, 11 (80 mm) + subcarinal node 18 mm short axis = 98 mm;
    # week 6: 9, 8; 11, 7; 10, 7 (52 mm) + node 12 mm = 64 mm: -34.7 %, PR.
    lesions = [*PLEURA, {"id": "L1", "role": "target", "organ": "mediastinum", "nodal": True}]
    result = run_case(
        lesions,
        [(0, {**pleural(15, 12, 18, 10, 14, 11), "L1": 18}), (42, {**pleural(9, 8, 11, 7, 10, 7), "L1": 12})],
        "mesothelioma",
    )
    assert result["baseline"]["sum_mm"] == 98.0
    assert result["timepoints"][1]["sum_mm"] == 64.0
    assert result["timepoints"][1]["change_from_baseline_pct"] == -34.7
    assert responses(result) == ["PR"]


def test_meso_example_m2_20_percent_under_5_mm_is_not_pd() -> None:
    # Worked example M2: 60 -> 20 (nadir) -> 24 mm: +20 % but +4 mm: not PD under modified RECIST 1.1 (it was PD under
    # Byrne & Nowak 2004, which had no 5 mm clause); -60 % from baseline: PR.
    result = run_case(
        PLEURA,
        [(0, pleural(12, 10, 11, 9, 10, 8)), (84, pleural(4, 3, 4, 3, 3, 3)), (126, pleural(5, 3, 4, 4, 4, 4))],
        "mesothelioma",
    )
    assert [tp["sum_mm"] for tp in result["timepoints"]] == [60.0, 20.0, 24.0]
    assert responses(result) == ["PR", "PR"]
    assert result["timepoints"][2]["change_from_nadir_pct"] == 20.0


@pytest.mark.parametrize(("thickness", "ok"), [(6.9, False), (7, True)])
def test_meso_pleural_thickness_must_be_7_mm_at_baseline(thickness: float, ok: bool) -> None:
    case: list[Any] = [(0, pleural(thickness, 10, 10, 10, 10, 10))]
    if ok:
        assert run_case(PLEURA, case, "mesothelioma")["baseline"]["sum_mm"] == 57.0
    else:
        with pytest.raises(
            InputError,
            match=r"timepoints\[0\]\.diameters_mm\.P1a: 6\.9 mm is not measurable: pleural thickness >= 7 mm",
        ):
            run_case(PLEURA, case, "mesothelioma")


def test_meso_sites_levels_and_counts() -> None:
    third = {"id": "P1c", "role": "target", "organ": "pleura level 1", "pleural": True}
    with pytest.raises(InputError, match="more than 2 pleural sites on level 'pleura level 1'"):
        run_case([*PLEURA, third], [(0, {**pleural(9, 9, 9, 9, 9, 9), "P1c": 9})], "mesothelioma")
    fourth_level = {"id": "P4a", "role": "target", "organ": "pleura level 4", "pleural": True}
    with pytest.raises(InputError, match="4 pleural levels: at most 3"):
        sites = [*PLEURA[:5], fourth_level]
        run_case(sites, [(0, {lesion["id"]: 9 for lesion in sites})], "mesothelioma")
    with pytest.raises(InputError, match="pleural sites are measured only under 'mesothelioma'"):
        run_case([PLEURA[0], *TWO_TARGETS], [(0, {"P1a": 9, "T1": 20, "T2": 20})], "recist1.1")


PORTA: list[dict[str, Any]] = [
    {"id": "T1", "role": "target", "organ": "liver"},
    {"id": "L1", "role": "target", "organ": "porta hepatis", "nodal": True},
]


@pytest.mark.parametrize("organ", ["porta hepatis", "Porta Hepatis", "porta_hepatis"])
def test_mrecist_porta_hepatis_node_target_needs_20_mm_short_axis(organ: str) -> None:
    # Lencioni & Llovet 2010 (mRECIST, lymph nodes): a porta hepatis node is malignant only with a short axis of at
    # least 2 cm (reactive nodes are common in cirrhosis); RECIST 1.1's 15 mm holds elsewhere and under RECIST 1.1.
    lesions = [PORTA[0], {**PORTA[1], "organ": organ}]
    with pytest.raises(InputError) as err:
        run_case(lesions, [(0, {"T1": 30, "L1": 19.9})], "mrecist")
    assert [str(p) for p in err.value.problems] == [
        "timepoints[0].diameters_mm.L1: 19.9 mm is not measurable: a porta hepatis node is malignant only with a "
        "short axis >= 20 mm (mRECIST, Lencioni & Llovet 2010)"
    ]
    assert run_case(lesions, [(0, {"T1": 30, "L1": 20})], "mrecist")["baseline"]["sum_mm"] == 50.0
    assert run_case(lesions, [(0, {"T1": 30, "L1": 15})], "recist1.1")["baseline"]["sum_mm"] == 45.0
    other_station = [PORTA[0], {**PORTA[1], "organ": "mediastinum"}]
    assert run_case(other_station, [(0, {"T1": 30, "L1": 15})], "mrecist")["baseline"]["sum_mm"] == 45.0


def placed(*positions: float | None) -> list[dict[str, Any]]:
    """The six pleural sites with their level's slice position (mm), one value per site."""
    out = []
    for lesion, position in zip(PLEURA, positions, strict=True):
        site = dict(lesion)
        if position is not None:
            site["slice_position_mm"] = position
        out.append(site)
    return out


def test_meso_levels_at_least_1_cm_apart() -> None:
    # Byrne & Nowak 2004 (three separate levels; "at least 1 cm apart" as restated by Picone et al. 2025) and Armato &
    # Nowak 2018 (same scheme): levels 10 mm apart are accepted, 9.5 mm apart refused, naming the rule and sources.
    baseline = [(0, pleural(9, 9, 9, 9, 9, 9))]
    ok = run_case(placed(-120, -120, -110, -110, -60, -60), baseline, "mesothelioma")
    assert ok["baseline"]["sum_mm"] == 54.0
    with pytest.raises(InputError) as err:
        run_case(placed(-120, -120, -110.5, -110.5, -60, -60), baseline, "mesothelioma")
    assert [str(p) for p in err.value.problems] == [
        "lesions[2].slice_position_mm: level 'pleura level 2' at -110.5 mm is 9.5 mm from level 'pleura level 1' at "
        "-120.0 mm: pleural measurement levels must be at least 10 mm (1 cm) apart (Byrne & Nowak 2004; "
        "Armato & Nowak 2018)"
    ]
    # Positions are optional: a level without one is not checked; levels are compared in body-axis order.
    assert run_case(placed(None, None, -110, None, -80, None), baseline, "mesothelioma")["baseline"]["sum_mm"] == 54.0
    with pytest.raises(
        InputError, match=r"level 'pleura level 2' at -110\.0 mm is 5\.0 mm from level 'pleura level 3'"
    ):
        run_case(placed(None, None, -110, -110, -115, -115), baseline, "mesothelioma")


def test_meso_sites_of_one_level_share_its_slice_and_only_pleural_sites_give_one() -> None:
    baseline = [(0, pleural(9, 9, 9, 9, 9, 9))]
    with pytest.raises(InputError, match=r"lesions\[1\]\.slice_position_mm: -118\.0 mm differs from -120\.0 mm"):
        run_case(placed(-120, -118, -100, -100, -60, -60), baseline, "mesothelioma")
    node = {"id": "L1", "role": "target", "organ": "mediastinum", "nodal": True, "slice_position_mm": -90}
    with pytest.raises(InputError, match=r"lesions\[6\]\.slice_position_mm: only a pleural site"):
        run_case([*PLEURA, node], [(0, {**pleural(9, 9, 9, 9, 9, 9), "L1": 18})], "mesothelioma")
    with pytest.raises(InputError, match=r"lesions\[0\]\.slice_position_mm: 'x' is not a number"):
        run_case(placed("x", None, None, None, None, None), baseline, "mesothelioma")  # type: ignore[arg-type]
