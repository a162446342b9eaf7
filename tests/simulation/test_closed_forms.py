"""Closed forms vs matrix exponential vs an ODE solver: research note pk-cell-kinetics.md section 3.1-3.2."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla
from scipy.integrate import solve_ivp

from ioguide.simulation import closed_forms as cf
from ioguide.simulation import linear

LN2 = math.log(2)


def test_model_a_bateman_matches_section_3_1() -> None:
    """Section 3.1 (illustrative IgG-like: D 10 mg IT, V_T 0.05 L, k_out ln2/1 d, V 5 L, CL 0.25 L/day)."""
    t = np.array([0.25, 1, 7, 14, 28])
    k, k_out = 0.25 / 5, LN2
    c_t = 10 / 0.05 * np.exp(-k_out * t)
    c_p = 10 / 5 * cf.bateman_fraction(k_out, k, t)
    np.testing.assert_allclose(
        c_t, [168.1792830507429, 100.0, 1.5625, 0.01220703125, 7.450580596923837e-07], rtol=1e-12
    )
    np.testing.assert_allclose(
        c_p,
        [0.3161695851059475, 0.9726184389273077, 1.5021051629085185, 1.0702508143918434, 0.53153614872346],
        rtol=1e-12,
    )
    tmax = cf.bateman_tmax(k_out, k)
    assert tmax == pytest.approx(4.0880523656859395, rel=1e-12)
    assert 2 * cf.bateman_fraction(k_out, k, tmax) == pytest.approx(1.6302682344229142, rel=1e-12)
    assert 2 * cf.bateman_integral(k_out, k, 28) == pytest.approx(29.369276876519187, rel=1e-12)
    # IV, same dose: C0 = 2.0, C(28) and AUC(0-28) of section 3.1.
    assert 2 * math.exp(-k * 28) == pytest.approx(0.49319392788321287, rel=1e-12)
    assert 2 * float(cf.exp_integral(k, 28)) == pytest.approx(30.136121442335742, rel=1e-12)


@pytest.mark.parametrize("gap", [0.0, 1e-12, 1e-7, 1e-5, 1e-3])
def test_bateman_equal_rate_limit_agrees_with_matrix_exponential(gap: float) -> None:
    """k_a = k (research note 1.2 and pitfall 11): limit k t e^{-kt}; near it no cancellation."""
    k = 0.05
    ka = k * (1 + gap)
    t = np.array([0.5, 3.0, 20.0, 60.0])
    km = np.array([[-ka, 0.0], [ka, -k]])
    exact = linear.propagate(km, np.array([1.0, 0.0]), t)[:, 1]
    np.testing.assert_allclose(cf.bateman_fraction(ka, k, t), exact, rtol=1e-10)
    auc = linear.van_loan_integral(km, np.array([1.0, 0.0]), 60.0)[1]
    assert float(cf.bateman_integral(ka, k, 60.0)) == pytest.approx(auc, rel=1e-10)
    if gap == 0.0:
        np.testing.assert_allclose(cf.bateman_fraction(k, k, t), k * t * np.exp(-k * t), rtol=1e-15)
        assert cf.bateman_tmax(k, k) == pytest.approx(1 / k)


def test_bateman_equal_rate_against_ode_solver() -> None:
    k = 0.3
    sol = solve_ivp(
        lambda _t, y: [-k * y[0], k * y[0] - k * y[1]],
        (0, 30),
        [1.0, 0.0],
        rtol=1e-12,
        atol=1e-14,
        t_eval=[1, 5, 30],
        method="LSODA",
    )
    np.testing.assert_allclose(cf.bateman_fraction(k, k, sol.t), sol.y[1], rtol=1e-7)


FENG = {"cl": 0.36, "v1": 4.15, "q": 0.9864, "v2": 3.11}


def test_two_compartment_bolus_matches_section_3_2() -> None:
    """Section 3.2: IV bolus 10 mg with Feng 2014 ipilimumab PK: A, B, alpha, beta and C_P(1, 7, 14, 28)."""
    alpha, beta = cf.two_compartment_rates(**FENG)
    assert float(alpha) == pytest.approx(0.5953933979673767, rel=1e-12)
    assert float(beta) == pytest.approx(0.04621075497881327, rel=1e-12)
    c = cf.two_compartment_bolus(10, **FENG, t=np.array([1, 7, 14, 28]))
    np.testing.assert_allclose(
        c, [1.808252806602419, 0.8792182844693877, 0.6228405642535543, 0.3259910768650905], rtol=1e-12
    )


def test_two_compartment_first_order_matches_section_3_2_and_expm() -> None:
    """Section 3.2: tumour depot with no back-uptake (k_a = ln2/1 d, D = 10 mg) vs the 3-state expm."""
    t = np.array([1, 7, 14, 28])
    c = cf.two_compartment_first_order(10, LN2, **FENG, t=t)
    expected = [1.0238297648324974, 0.9782440390695897, 0.6684865013749369, 0.3492770485921924]
    np.testing.assert_allclose(c, expected, rtol=1e-12)
    k10, k12, k21 = 0.36 / 4.15, 0.9864 / 4.15, 0.9864 / 3.11
    km = np.array([[-LN2, 0, 0], [LN2, -(k10 + k12), k21], [0, k12, -k21]])
    np.testing.assert_allclose(linear.propagate(km, np.array([10.0, 0, 0]), t)[:, 1] / 4.15, expected, rtol=1e-12)


def test_integral_inverse_and_van_loan_agree_and_handle_a_singular_matrix() -> None:
    km = np.array([[-0.7, 0.1], [0.7, -0.2]])
    x0 = np.array([3.0, 1.0])
    np.testing.assert_allclose(linear.integral(km, x0, 12.0), linear.van_loan_integral(km, x0, 12.0), rtol=1e-12)
    singular = np.array([[-0.5, 0.0], [0.5, 0.0]])  # an absorbing state: K has a zero eigenvalue
    got = linear.integral(singular, np.array([1.0, 0.0]), 4.0)
    expected_first = (1 - math.exp(-2.0)) / 0.5
    np.testing.assert_allclose(got, [expected_first, 4.0 - expected_first], rtol=1e-12)
    np.testing.assert_allclose(linear.integral(km, x0, 0.0), [0.0, 0.0])
    assert sla.expm(np.zeros((2, 2)))[0, 0] == 1.0


def test_expm_of_a_triangular_matrix_with_diagonal_equal_but_for_rounding() -> None:
    """scipy 1.17's expm is 19% off here (triangular branch, plain divided difference); ours is exact."""
    k = math.log(2) / 3.0
    km = np.array([[-k, 0.0], [k, -(k * 5.0) / 5.0]])  # the diagonal differs by 2.8e-17
    assert km[0, 0] != km[1, 1]
    for t in (7.0, 14.0, 28.0):
        got = linear.expm(km * t)
        assert got[1, 0] == pytest.approx(k * t * math.exp(-k * t), rel=1e-12)
        assert got[0, 1] == 0.0
        assert got[0, 0] == pytest.approx(math.exp(-k * t), rel=1e-15)


def test_expm_keeps_tiny_entries_relatively_accurate() -> None:
    """Model A tumour after 28 half-lives: 2^-28 of the dose, to full relative precision (no basis change)."""
    km = np.array([[-LN2, 0.0], [LN2, -0.05]])
    assert linear.expm(km * 28.0)[0, 0] == pytest.approx(2.0**-28, rel=1e-14)


def test_expm_triangular_with_coupling_and_near_equal_diagonal_falls_back() -> None:
    """A 3x3 triangular chain with nearly equal rates needs the coupling term: the dense-basis fallback."""
    km = np.array([[-0.5, 0.0, 0.0], [0.5, -0.5 * (1 + 1e-12), 0.0], [0.0, 0.5, -0.5]])
    got = linear.expm(km * 4.0)
    # Chain of three equal rates: x_3(t) = (k t)^2 / 2 e^{-kt} for a unit dose into state 1.
    assert got[2, 0] == pytest.approx((0.5 * 4.0) ** 2 / 2 * math.exp(-2.0), rel=1e-9)
    np.testing.assert_allclose(got, sla.expm(km * 4.0 + np.triu(np.full((3, 3), 1e-300), 1)), rtol=1e-9, atol=1e-15)
