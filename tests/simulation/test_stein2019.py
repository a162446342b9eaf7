"""Stein 2019 CAR-T kinetics: research note pk-cell-kinetics.md section 3.3 (typical tisagenlecleucel patient,
Stein et al. CPT Pharmacometrics Syst Pharmacol 2019;8:285, Table 1 and Figure 2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ioguide.simulation import stein2019
from ioguide.simulation.cart import simulate_stein
from ioguide.simulation.inputs import SteinInput

TYPICAL = stein2019.SteinParameters(
    cmax=24000.0, foldx=3900.0, tmax_days=9.3, alpha_per_day=0.16, beta_per_day=0.0032, fb=0.0079
)
TIMES = [0, 1, 7, 9.3, 14, 28, 90, 180, 365]
LEVELS = [
    6.153846153846154,
    14.972096372981708,
    3105.2637209457102,
    24000,
    11411.534326543413,
    1373.5587757511003,
    146.50767414043509,
    109.80176351677422,
    60.74450283544559,
]


def test_section_3_3_levels_and_derived_rates() -> None:
    assert float(TYPICAL.rho_per_day) == pytest.approx(0.8891109496900792, rel=1e-14)
    assert float(TYPICAL.r0) == pytest.approx(6.153846153846154, rel=1e-14)
    np.testing.assert_allclose(stein2019.level(TYPICAL, TIMES), LEVELS, rtol=1e-12)
    # Stein 2019 reports a doubling time of 0.78 day during expansion.
    assert float(stein2019.doubling_time(TYPICAL)) == pytest.approx(0.78, abs=0.005)


@pytest.mark.parametrize(
    ("horizon", "expected"),
    [(28, 171774.28517972582), (90, 189285.6854105133), (9.3, 26986.335239949276)],
)
def test_section_3_3_auc(horizon: float, expected: float) -> None:
    """AUC(0-28) = 171,774 copies/ug*day (nlmixr2lib's PKNCA check: 172,000); AUC(0-90); expansion part."""
    assert float(stein2019.auc(TYPICAL, horizon)) == pytest.approx(expected, rel=1e-12)


def test_boundary_at_tmax_uses_the_contraction_branch() -> None:
    """Pitfall 10: t < Tmax expands, t >= Tmax contracts; both give Cmax at Tmax (continuity)."""
    just_below = float(stein2019.level(TYPICAL, 9.3 - 1e-9))
    at = float(stein2019.level(TYPICAL, 9.3))
    just_above = float(stein2019.level(TYPICAL, 9.3 + 1e-9))
    assert at == 24000.0
    assert just_below == pytest.approx(24000.0, rel=1e-8)
    assert just_above == pytest.approx(24000.0, rel=1e-8)
    assert just_below < at and just_above < at


def test_effector_memory_ode_solved_piecewise_agrees() -> None:
    """Section 2.1 E/M ODE with solve_ivp (rtol 1e-10) in two segments: 11411.534329 and 1373.558776."""
    rho, alpha, beta, fb = float(TYPICAL.rho_per_day), 0.16, 0.0032, 0.0079
    first = solve_ivp(lambda _t, y: [rho * y[0], 0.0], (0, 9.3), [float(TYPICAL.r0), 0.0], rtol=1e-12, atol=1e-12)
    k = fb * (alpha - beta)
    second = solve_ivp(
        lambda _t, y: [-alpha * y[0], k * y[0] - beta * y[1]],
        (9.3, 28),
        first.y[:, -1],
        t_eval=[14, 28],
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_allclose(second.y.sum(axis=0), [11411.534326543413, 1373.5587757511003], rtol=1e-8)


def test_simulate_stein_uses_table_1_defaults_and_reports_peak() -> None:
    result = simulate_stein(SteinInput(model="stein2019", times_days=[1, 28], horizon_days=28))
    assert result.parameters == {
        "cmax": 24000.0,
        "foldx": 3900.0,
        "tmax_days": 9.3,
        "alpha_per_day": 0.16,
        "beta_per_day": 0.0032,
        "fb": 0.0079,
    }
    assert result.cmax == 24000.0 and result.tmax_days == 9.3
    assert result.auc_0_horizon == pytest.approx(171774.28517972582, rel=1e-12)
    assert any("Stein 2019 Table 1" in reason for reason in result.reasons)


def test_horizon_before_tmax_reports_the_level_at_the_horizon() -> None:
    result = simulate_stein(SteinInput(model="stein2019", times_days=[1], horizon_days=7))
    assert result.tmax_days == 7.0
    assert result.cmax == pytest.approx(3105.2637209457102, rel=1e-12)
    assert result.auc_0_horizon == pytest.approx((3105.2637209457102 - 6.153846153846154) / 0.8891109496900792)
    assert math.isfinite(result.doubling_time_days)
