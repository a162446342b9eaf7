"""R.E.N.A.L. nephrometry (Kutikov & Uzzo, J Urol 2009, Table 1) against worked examples K1 and K2 of
research/meso-ablation-bclc.md §5.2 and the R and N band boundaries."""

from __future__ import annotations

from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.planning.catalog import load_rules
from ioguide.planning.renal import RenalRequest, RenalRules, renal_score

RULES = load_rules(RenalRules, "planning", "renal")
BASE: dict[str, Any] = {
    "max_diameter_mm": 28,
    "nearness_to_collecting_system_mm": 5,
    "exophytic": "ge_50_percent",
    "anterior_posterior": "p",
    "location": "beyond_polar_lines",
    "touches_main_renal_vessel": False,
}


def _score(**change: Any) -> dict[str, Any]:
    return renal_score(RULES, RenalRequest.model_validate({**BASE, **change}))


def test_k1_low_complexity_5p() -> None:
    """K1: 2.8 cm, 60% exophytic, 5 mm from sinus, above the upper polar line, posterior -> 1+1+2+1 = 5p, low."""
    out = _score()
    assert (out["score"], out["complexity"]) == ("5p", "low")


def test_k2_high_complexity_10ah() -> None:
    """K2: 3.6 cm endophytic anterior, 3 mm from collecting system, crosses the midline, touches the vein -> 10ah."""
    out = _score(
        max_diameter_mm=36,
        nearness_to_collecting_system_mm=3,
        exophytic="entirely_endophytic",
        anterior_posterior="a",
        location="central",
        touches_main_renal_vessel=True,
    )
    assert (out["score"], out["complexity"], out["points"]) == ("10ah", "high", {"R": 1, "E": 3, "N": 3, "L": 3})


@pytest.mark.parametrize(("mm", "points"), [(40, 1), (40.1, 2), (69.9, 2), (70, 3)])
def test_radius_bands(mm: float, points: int) -> None:
    """R: <= 4 cm 1; > 4 and < 7 cm 2; >= 7 cm 3."""
    assert _score(max_diameter_mm=mm)["points"]["R"] == points


@pytest.mark.parametrize(("mm", "points"), [(7, 1), (6.9, 2), (4.1, 2), (4, 3), (0, 3)])
def test_nearness_bands(mm: float, points: int) -> None:
    """N: >= 7 mm 1; > 4 and < 7 mm 2; <= 4 mm 3."""
    assert _score(nearness_to_collecting_system_mm=mm)["points"]["N"] == points


def test_x_descriptor_gives_no_letter_and_moderate_band() -> None:
    out = _score(anterior_posterior="x", exophytic="lt_50_percent", location="crosses_polar_line", max_diameter_mm=50)
    assert (out["score"], out["complexity"]) == ("8", "moderate")


def test_zero_diameter_rejected() -> None:
    with pytest.raises(InputError) as err:
        _score(max_diameter_mm=0)
    assert err.value.problems[0].field == "max_diameter_mm"
