"""Two-site CAR-T extension: research note pk-cell-kinetics.md section 3.4 (illustrative parameters of 2.5,
dose 1e8 cells), reduction to Stein 2019 with no exchange, and an ODE cross-check."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ioguide.simulation import stein2019, two_site
from ioguide.simulation.cart import simulate_two_site
from ioguide.simulation.inputs import TwoSiteInput

ILLUSTRATIVE = two_site.TwoSiteParameters(
    rho_regional_per_day=0.889,
    rho_blood_per_day=0.3,
    k_rb_per_day=0.1,
    k_br_per_day=0.01,
    tmax_days=9.3,
    alpha_per_day=0.16,
    beta_per_day=0.0032,
    fb=0.0079,
)
TIMES = [1, 7, 9.3, 14, 28]
# Section 3.4: (site, blood) cells at TIMES and AUC 0-28, for a regional and an IV dose of 1e8 cells.
REGIONAL = (
    [2.2021324729e08, 2.5293025541e10, 1.5598171384e11, 4.7485928856e10, 1.9889787037e09],
    [1.7332869408e07, 4.8986778916e09, 3.0843654453e10, 4.1345908784e10, 8.7033389694e09],
    8.1553887604e11,
    5.4702719134e11,
)
INTRAVENOUS = (
    [1.7332869408e06, 4.8986778916e08, 3.0843654453e09, 9.6449289987e08, 4.5963951054e07],
    [1.3372222894e08, 8.4862286199e08, 2.0718781202e09, 1.4872008686e09, 2.4913619892e08],
    1.6377529772e10,
    2.4044535076e10,
)


@pytest.mark.parametrize(("route", "expected"), [("intrapleural", REGIONAL), ("intravenous", INTRAVENOUS)])
def test_section_3_4_reference_numbers(route: str, expected: tuple[list[float], list[float], float, float]) -> None:
    site, blood, auc_site, auc_blood = expected
    s = two_site.solve(ILLUSTRATIVE, route, 1e8, TIMES, 28.0)
    np.testing.assert_allclose(s.regional_cells, site, rtol=1e-9)
    np.testing.assert_allclose(s.blood_cells, blood, rtol=1e-9)
    assert s.auc_regional_cells_day == pytest.approx(auc_site, rel=1e-9)
    assert s.auc_blood_cells_day == pytest.approx(auc_blood, rel=1e-9)


def test_regional_over_iv_ratios_of_section_3_4() -> None:
    """Regional/IV at equal dose: site AUC x 49.8, blood AUC x 22.8 (illustrative parameters)."""
    regional = two_site.solve(ILLUSTRATIVE, "intraperitoneal", 1e8, TIMES, 28.0)
    iv = two_site.solve(ILLUSTRATIVE, "intravenous", 1e8, TIMES, 28.0)
    assert regional.auc_regional_cells_day / iv.auc_regional_cells_day == pytest.approx(49.8, abs=0.05)
    assert regional.auc_blood_cells_day / iv.auc_blood_cells_day == pytest.approx(22.8, abs=0.05)


@pytest.mark.parametrize("route", ["intratumoral", "intravenous"])
def test_no_exchange_and_equal_growth_reduces_to_stein_at_each_site(route: str) -> None:
    """Note 2.5: k_RB = k_BR = 0 and rho_R = rho_B = rho gives Stein 2019 with R0 = dose at the dosed site."""
    stein = stein2019.SteinParameters(
        cmax=24000.0, foldx=3900.0, tmax_days=9.3, alpha_per_day=0.16, beta_per_day=0.0032, fb=0.0079
    )
    rho = float(stein.rho_per_day)
    p = two_site.TwoSiteParameters(rho, rho, 0.0, 0.0, 9.3, 0.16, 0.0032, 0.0079)
    times = [0, 1, 7, 9.3, 14, 28, 90, 365]
    s = two_site.solve(p, route, float(stein.r0), times, 90.0)
    dosed, other = (s.blood_cells, s.regional_cells) if route == "intravenous" else (s.regional_cells, s.blood_cells)
    np.testing.assert_allclose(dosed, stein2019.level(stein, times), rtol=1e-10)
    assert other == [0.0] * len(times)
    auc = s.auc_blood_cells_day if route == "intravenous" else s.auc_regional_cells_day
    assert auc == pytest.approx(float(stein2019.auc(stein, 90.0)), rel=1e-10)
    cmax = s.cmax_blood_cells if route == "intravenous" else s.cmax_regional_cells
    assert cmax == pytest.approx(24000.0, rel=1e-10)


def test_two_site_against_an_ode_solver() -> None:
    """LSODA (rtol 1e-11) in two segments split at Tmax reproduces the exact solution to 1e-7."""
    x0 = two_site.initial_state("intrapleural", 1e8)
    k1, k2 = two_site.expansion_matrix(ILLUSTRATIVE), two_site.contraction_matrix(ILLUSTRATIVE)
    first = solve_ivp(lambda _t, y: k1 @ y, (0, 9.3), x0, method="LSODA", rtol=1e-11, atol=1e-3)
    second = solve_ivp(
        lambda _t, y: k2 @ y, (9.3, 28), first.y[:, -1], method="LSODA", rtol=1e-11, atol=1e-3, t_eval=[14, 28]
    )
    s = two_site.solve(ILLUSTRATIVE, "intrapleural", 1e8, [14, 28], 28.0)
    np.testing.assert_allclose(s.regional_cells, second.y[0] + second.y[1], rtol=1e-7)
    np.testing.assert_allclose(s.blood_cells, second.y[2] + second.y[3], rtol=1e-7)


def test_every_growth_and_exchange_rate_is_flagged_as_an_assumption() -> None:
    result = simulate_two_site(
        TwoSiteInput(model="two_site", route="intrapleural", dose_cells=1e8, times_days=[1], horizon_days=28)
    )
    flagged = {a.parameter for a in result.assumptions}
    assert flagged == {"rho_regional_per_day", "rho_blood_per_day", "k_rb_per_day", "k_br_per_day"}
    given = simulate_two_site(
        TwoSiteInput.model_validate(
            {
                "model": "two_site",
                "route": "intravenous",
                "dose_cells": 1e8,
                "parameters": {"k_rb_per_day": 0.2},
                "times_days": [1],
                "horizon_days": 28,
            }
        )
    )
    assert "k_rb_per_day" in {a.parameter for a in given.assumptions}
    assert given.parameters["k_rb_per_day"] == 0.2
