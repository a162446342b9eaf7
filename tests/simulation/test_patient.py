"""Exposure from recorded injections (research note 1.3, pitfall 13: one tumour compartment per injected lesion
sharing the plasma model), checked against the single-lesion exposure model and the D/CL invariant."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from ioguide.simulation.exposure import simulate_exposure
from ioguide.simulation.inputs import ExposureInput
from ioguide.simulation.patient import (
    InjectionRecord,
    LesionDiameter,
    TumourAssumptions,
    patient_exposure,
    sphere_volume_l,
)

D0 = dt.date(2026, 3, 2)


def inject(
    day: int, lesion: str, volume_ml: float | None = 2.0, conc: float | None = 5.0, agent: str = "Ipilimumab"
) -> InjectionRecord:
    return InjectionRecord(D0 + dt.timedelta(days=day), agent, lesion, volume_ml, conc)


def test_sphere_volume() -> None:
    assert sphere_volume_l(20.0) == pytest.approx(math.pi / 6 * 8000 * 1e-6)


def test_one_lesion_equals_the_exposure_model_with_the_same_assumptions() -> None:
    """Two 10 mg injections (days 0 and 7) into T1 (latest diameter 40 mm): same numbers as simulate exposure."""
    result = patient_exposure(
        [inject(0, "T1"), inject(7, "T1")],
        [LesionDiameter("T1", D0 - dt.timedelta(days=10), 45.0), LesionDiameter("T1", D0 + dt.timedelta(days=6), 40.0)],
        TumourAssumptions(retention_half_life_days=1.0, kp=0.1, horizon_days=28.0),
    )
    volume = sphere_volume_l(40.0)
    reference = simulate_exposure(
        ExposureInput.model_validate(
            {
                "model": "tumour_two_compartment",
                "drug": "ipilimumab",
                "tumour": {"volume_l": volume, "retention_half_life_days": 1.0, "kp": 0.1},
                "regimens": [
                    {
                        "name": "x",
                        "route": "intratumoral",
                        "doses": [{"day": 0, "amount_mg": 10}, {"day": 7, "amount_mg": 10}],
                    }
                ],
                "times_days": list(range(29)),
                "horizon_days": 28,
            }
        )
    ).regimens[0]
    agent = result.agents[0]
    lesion = agent.lesions[0]
    assert lesion.volume_l == pytest.approx(volume)
    assert lesion.tumour_mg_l == pytest.approx(reference.tumour_mg_l, rel=1e-12)
    assert agent.plasma_mg_l == pytest.approx(reference.plasma_mg_l, rel=1e-12)
    assert lesion.auc_tumour_mg_day_l == pytest.approx(reference.auc_tumour_mg_day_l, rel=1e-12)
    assert agent.cmax_plasma_mg_l == pytest.approx(reference.cmax_plasma_mg_l, rel=1e-12)
    assert agent.auc_plasma_inf_mg_day_l == pytest.approx(20 / 0.36, rel=1e-10)
    assert [d["amount_mg"] for d in lesion.doses] == [10.0, 10.0]
    assert "ipilimumab.T1.volume_l" in {a.parameter for a in result.assumptions}


def test_several_lesions_share_plasma_and_unmeasured_lesions_have_no_concentration() -> None:
    result = patient_exposure(
        [inject(0, "T1"), inject(0, "T2", volume_ml=1.0), inject(14, "T3", volume_ml=4.0)],
        [LesionDiameter("T1", D0, 30.0), LesionDiameter("T2", D0, 15.0)],
        TumourAssumptions(kp=0.05),
    )
    agent = result.agents[0]
    assert [lesion.lesion for lesion in agent.lesions] == ["T1", "T2", "T3"]
    assert agent.auc_plasma_inf_mg_day_l == pytest.approx((10 + 5 + 20) / 0.36, rel=1e-10)
    t3 = agent.lesions[2]
    assert t3.volume_l is None and t3.tumour_mg_l is None and t3.auc_tumour_mg_day_l is None
    assert t3.tumour_mg[14] == pytest.approx(20.0)  # the amount is known even when the volume is not
    assert result.horizon_days == 14 + 28
    assert any("T3: no diameter recorded" in reason for reason in result.reasons)


def test_injections_that_cannot_be_simulated_are_listed_not_guessed() -> None:
    result = patient_exposure(
        [inject(0, "T1", agent="T-VEC"), inject(0, "T1", conc=None), inject(0, "T1")],
        [LesionDiameter("T1", D0, 30.0)],
    )
    reasons = [item["reason"] for item in result.not_evaluable]
    assert reasons[0].startswith("no drug table for 'T-VEC'; known: ipilimumab")
    assert reasons[1].startswith("amount unknown")
    assert len(result.agents) == 1 and result.agents[0].lesions[0].doses[0]["amount_mg"] == 10.0
