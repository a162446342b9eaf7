"""Child-Pugh (Pugh et al., Br J Surg 1973), ALBI (Johnson et al., J Clin Oncol 2015) and BCLC 2022 (Reig et al.,
J Hepatol 2022, Fig. 1) against the worked patients H1-H6 of research/meso-ablation-bclc.md §4.5 (numbers computed
from the papers' formulas and tables) and the band boundaries."""

from __future__ import annotations

from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.planning.catalog import load_rules
from ioguide.planning.liver import LiverRequest, LiverRules, assess_liver

RULES = load_rules(LiverRules, "planning", "liver")
NONE = {"ascites": "none", "encephalopathy": "none"}


def _liver(labs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return assess_liver(RULES, LiverRequest.model_validate({"labs": {**NONE, **labs}, **extra}))


def _tumour(sizes: list[float], mvi: bool = False, ehs: bool = False) -> dict[str, Any]:
    return {"nodule_diameters_mm": sizes, "macrovascular_invasion": mvi, "extrahepatic_spread": ehs}


@pytest.mark.parametrize(
    ("name", "labs", "cp", "albi", "grade"),
    [
        ("H1", {"bilirubin_umol_l": 17, "albumin_g_l": 40, "inr": 1.1}, (5, "A"), -2.588, 2),
        ("H2", {"bilirubin_umol_l": 12, "albumin_g_l": 42, "inr": 1.2}, (5, "A"), -2.858, 1),
        ("H3", {"bilirubin_umol_l": 22, "albumin_g_l": 36, "inr": 1.3}, (5, "A"), -2.174, 2),
        ("H4", {"bilirubin_umol_l": 20, "albumin_g_l": 35, "inr": 1.1}, (6, "A"), -2.116, 2),
        ("H5", {"bilirubin_umol_l": 40, "albumin_g_l": 30, "inr": 1.5, "ascites": "mild"}, (8, "B"), -1.493, 2),
        (
            "H6",
            {
                "bilirubin_umol_l": 60,
                "albumin_g_l": 25,
                "inr": 2.0,
                "ascites": "moderate_severe",
                "encephalopathy": "grade_1_2",
            },
            (13, "C"),
            -0.951,
            3,
        ),
    ],
)
def test_worked_patients_child_pugh_and_albi(
    name: str, labs: dict[str, Any], cp: tuple[int, str], albi: float, grade: int
) -> None:
    out = _liver(labs)
    assert (out["child_pugh"]["score"], out["child_pugh"]["class"]) == cp, name
    assert out["albi"]["score"] == pytest.approx(albi, abs=0.001) and out["albi"]["grade"] == grade, name


@pytest.mark.parametrize(
    ("name", "sizes", "mvi", "ecog", "function", "stage"),
    [
        ("H1", [18], False, 0, "preserved", "0"),
        ("H2", [25, 20, 15], False, 0, "preserved", "A"),
        ("H3", [40, 30, 20, 15], False, 0, "preserved", "B"),
        ("H4", [50], True, 1, "preserved", "C"),
        ("H6", [30], False, 0, "non_preserved", "D"),
    ],
)
def test_worked_patients_bclc(name: str, sizes: list[float], mvi: bool, ecog: int, function: str, stage: str) -> None:
    labs = {"bilirubin_umol_l": 17, "albumin_g_l": 40, "inr": 1.1}
    out = _liver(labs, tumour=_tumour(sizes, mvi), ecog=ecog, liver_function=function)
    assert out["bclc"]["stage"] == stage, name


@pytest.mark.parametrize(
    ("sizes", "stage"),
    [([20], "0"), ([20.1], "A"), ([80], "A"), ([30, 30, 30], "A"), ([30, 30.1], "B"), ([10] * 4, "B")],
)
def test_bclc_size_and_count_boundaries(sizes: list[float], stage: str) -> None:
    """BCLC 2022: 0 = single <= 2 cm; A = single any size or 2-3 nodules each <= 3 cm; B beyond A."""
    labs = {"bilirubin_umol_l": 17, "albumin_g_l": 40, "inr": 1.1}
    assert _liver(labs, tumour=_tumour(sizes), ecog=0, liver_function="preserved")["bclc"]["stage"] == stage


def test_bclc_recommendations_per_stage() -> None:
    labs = {"bilirubin_umol_l": 17, "albumin_g_l": 40, "inr": 1.1}
    c = _liver(labs, tumour=_tumour([50], mvi=True), ecog=0, liver_function="preserved")["bclc"]
    assert "atezolizumab + bevacizumab" in c["recommended_treatment"][0]
    b = _liver(
        labs,
        tumour={**_tumour([40] * 4), "b_group": "well_defined_selective_access"},
        ecog=0,
        liver_function="preserved",
    )["bclc"]
    assert b["recommended_treatment"] == ["well-defined nodules, preserved portal flow, selective access: TACE"]
    assert (
        _liver(labs, tumour=_tumour([18]), ecog=0, liver_function="preserved")["bclc"]["recommended_treatment"][0]
        == "ablation"
    )


def test_bclc_without_liver_function_is_not_evaluable() -> None:
    out = _liver({"bilirubin_umol_l": 17, "albumin_g_l": 40, "inr": 1.1}, tumour=_tumour([18]), ecog=0)
    assert out["bclc"]["stage"] is None and "liver_function" in out["bclc"]["reasons"][0]


@pytest.mark.parametrize(
    ("field", "value", "points"),
    [
        ("bilirubin_mg_dl", 1.99, 1),
        ("bilirubin_mg_dl", 2.0, 2),
        ("bilirubin_mg_dl", 3.0, 2),
        ("bilirubin_mg_dl", 3.01, 3),
        ("albumin_g_l", 35.1, 1),
        ("albumin_g_l", 35, 2),
        ("albumin_g_l", 28, 2),
        ("albumin_g_l", 27.9, 3),
        ("inr", 1.69, 1),
        ("inr", 1.7, 2),
        ("inr", 2.3, 2),
        ("inr", 2.31, 3),
    ],
)
def test_child_pugh_band_boundaries(field: str, value: float, points: int) -> None:
    labs: dict[str, Any] = {"bilirubin_mg_dl": 1.0, "albumin_g_l": 40, "inr": 1.0, field: value}
    key = {"bilirubin_mg_dl": "bilirubin", "albumin_g_l": "albumin", "inr": "inr"}[field]
    assert _liver(labs)["child_pugh"]["points"][key] == points


def test_albi_grade_boundary_at_minus_2_60() -> None:
    """Grade 1 is <= -2.60: bilirubin 10 umol/L, albumin 38.35 g/L gives 0.66 - 3.25975 = -2.59975 -> grade 2."""
    assert _liver({"bilirubin_umol_l": 10, "albumin_g_l": 38.35, "inr": 1.0})["albi"]["grade"] == 2
    assert _liver({"bilirubin_umol_l": 10, "albumin_g_l": 38.36, "inr": 1.0})["albi"]["grade"] == 1


@pytest.mark.parametrize(
    ("labs", "field"),
    [
        ({"bilirubin_umol_l": 17, "albumin_g_l": 3.5, "inr": 1.0}, "labs.albumin_g_l"),
        ({"bilirubin_umol_l": 17, "albumin_g_l": 40, "inr": 0}, "labs.inr"),
        ({"bilirubin_umol_l": 17, "bilirubin_mg_dl": 1, "albumin_g_l": 40, "inr": 1}, "labs.bilirubin_umol_l"),
        ({"bilirubin_umol_l": -1, "albumin_g_l": 40, "inr": 1}, "labs.bilirubin_umol_l"),
    ],
)
def test_child_pugh_input_out_of_range_rejected(labs: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        _liver(labs)
    assert err.value.problems[0].field == field
