"""Ablation record derived fields per Ahmed et al., Radiology 2014 (technical success, residual unablated tumour vs
technique efficacy at the first contrast-enhanced follow-up, local tumour progression only after documented complete
ablation) and the minimal ablative margin target (>= 5 mm, Nakazawa et al., AJR 2007)."""

from __future__ import annotations

from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.planning.ablation import AblationRequest, assess_ablation


def _fu(day: str, viable: bool, ce: bool = True) -> dict[str, Any]:
    return {"date": day, "contrast_enhanced": ce, "viable_tumour_at_ablation_zone": viable}


def _assess(**fields: Any) -> dict[str, Any]:
    base = {
        "tumour": "T1",
        "ablation_date": "2026-01-12",
        "protocol_followed": True,
        "complete_coverage_on_immediate_imaging": True,
    }
    return assess_ablation(AblationRequest.model_validate({**base, **fields}))


def test_complete_then_edge_tumour_is_ltp() -> None:
    out = _assess(follow_ups=[_fu("2026-05-18", True), _fu("2026-02-16", False)])  # order does not matter
    assert out["technique_efficacy"] is True and out["residual_unablated_tumour"] is False
    assert out["local_tumour_progression"] is True and out["local_tumour_progression_date"] == "2026-05-18"


def test_viable_at_first_ce_is_residual_not_ltp() -> None:
    """Ahmed 2014: viable tumour at the first CE follow-up is residual unablated tumour, never LTP."""
    out = _assess(follow_ups=[_fu("2026-02-16", True), _fu("2026-05-18", True)])
    assert out["residual_unablated_tumour"] is True and out["technique_efficacy"] is False
    assert out["local_tumour_progression"] is False


def test_non_enhanced_reads_do_not_count() -> None:
    out = _assess(follow_ups=[_fu("2026-02-16", False, ce=False)])
    assert out["technique_efficacy"] is None and out["local_tumour_progression"] is None


def test_technical_success_needs_both_inputs() -> None:
    assert _assess(complete_coverage_on_immediate_imaging=False)["technical_success"] is False
    assert _assess(protocol_followed=None)["technical_success"] is None


@pytest.mark.parametrize(("mam", "ok"), [(4.9, False), (5, True), (-1, False), (0, False)])
def test_margin_against_5_mm(mam: float, ok: bool) -> None:
    assert _assess(minimal_ablative_margin_mm=mam)["margin_adequate"] is ok


def test_follow_up_before_ablation_rejected() -> None:
    with pytest.raises(InputError) as err:
        _assess(follow_ups=[_fu("2026-01-01", False)])
    assert err.value.problems[0].field == "follow_ups[0].date"
