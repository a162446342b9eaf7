"""Exposure by route: research note pk-cell-kinetics.md section 3.2 (Feng 2014 ipilimumab + illustrative tumour),
the invariants of section 1.3, multiple doses, and an independent ODE solver at tight tolerance."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from ioguide.simulation import closed_forms as cf
from ioguide.simulation.exposure import simulate_exposure
from ioguide.simulation.inputs import ExposureInput

TUMOUR = {"volume_l": 0.05, "retention_half_life_days": 1.0, "kp": 0.1}


def run(regimens: list[dict[str, Any]], **overrides: Any) -> Any:
    data: dict[str, Any] = {
        "model": "tumour_two_compartment",
        "drug": "ipilimumab",
        "tumour": TUMOUR,
        "regimens": regimens,
        "times_days": [1, 7, 14, 28],
        "horizon_days": 28,
    }
    data.update(overrides)
    return simulate_exposure(ExposureInput.model_validate(data))


def bolus(route: str, mg: float, day: float = 0.0) -> dict[str, Any]:
    return {"name": f"{route} {mg}", "route": route, "doses": [{"day": day, "amount_mg": mg}]}


# Section 3.2 table: (C_T at 1/7/14/28, C_P at 1/7/14/28, AUC_T 0-28, AUC_P 0-28, AUC_P inf, Cmax_P).
SECTION_3_2 = {
    ("intratumoral", 10): (
        [100.033074, 1.669597, 0.084156, 0.03743],
        [1.023474, 0.977761, 0.668351, 0.349349],
        290.5063,
        20.2131,
        27.7778,
        1.3324,
    ),
    ("intravenous", 10): (
        [0.102347, 0.097776, 0.066835, 0.034935],
        [1.807215, 0.878876, 0.622743, 0.326073],
        2.0213,
        20.7171,
        27.7778,
        2.4096,
    ),
    ("intravenous", 240): (
        [2.456339, 2.346626, 1.604042, 0.838438],
        [43.373161, 21.093035, 14.945823, 7.825753],
        48.5114,
        497.2097,
        666.6667,
        57.8313,
    ),
}


@pytest.mark.parametrize(("route", "mg"), list(SECTION_3_2))
def test_section_3_2_reference_numbers(route: str, mg: float) -> None:
    """Feng 2014 Table 2 plasma PK (CL 0.36 L/day, V1 4.15, Q 0.9864, V2 3.11) + tumour V_T 0.05, t1/2 1 d, kp 0.1."""
    c_t, c_p, auc_t, auc_p, auc_inf, cmax = SECTION_3_2[(route, mg)]
    r = run([bolus(route, mg)]).regimens[0]
    np.testing.assert_allclose(r.tumour_mg_l, c_t, rtol=5e-5)
    np.testing.assert_allclose(r.plasma_mg_l, c_p, rtol=5e-6)
    assert r.auc_tumour_mg_day_l == pytest.approx(auc_t, rel=5e-5)
    assert r.auc_plasma_mg_day_l == pytest.approx(auc_p, rel=5e-6)
    assert r.auc_plasma_inf_mg_day_l == pytest.approx(auc_inf, rel=5e-6)
    assert r.cmax_plasma_mg_l == pytest.approx(cmax, rel=5e-5)


def test_it_peak_time_and_ratio_headlines_of_section_3_2() -> None:
    """Cmax,P(IT)/Cmax,P(IV) = 0.553 at equal dose; t_max about 2.51 d; R_T = 104.87404294400535 exactly."""
    result = run([bolus("intratumoral", 10), bolus("intravenous", 10)])
    it, iv = result.regimens
    assert it.tmax_plasma_days == pytest.approx(2.5059655807930334, rel=1e-12)
    assert it.cmax_plasma_mg_l == pytest.approx(1.3324361782228429, rel=1e-12)
    assert it.cmax_plasma_mg_l / iv.cmax_plasma_mg_l == pytest.approx(0.553, abs=5e-4)
    assert iv.tmax_plasma_days == 0.0
    cl_up = 0.1 * math.log(2) * 0.05
    assert result.tumour_auc_ratio_same_dose == pytest.approx(1 + 0.36 / cl_up, rel=1e-12)
    assert result.tumour_auc_ratio_same_dose == pytest.approx(104.87404294400535, rel=1e-12)
    assert result.iv_dose_for_equal_tumour_auc_mg == pytest.approx(1048.740429440053, rel=1e-12)


def test_headline_10_mg_it_vs_240_mg_iv() -> None:
    """Section 3.2: 10 mg IT gives 6.0x the tumour AUC(0-28) of 240 mg IV with 4.1% of its plasma AUC, 2.3% of Cmax."""
    it, iv = run([bolus("intratumoral", 10), bolus("intravenous", 240)]).regimens
    assert it.auc_tumour_mg_day_l / iv.auc_tumour_mg_day_l == pytest.approx(6.0, abs=0.05)
    assert it.auc_plasma_mg_day_l / iv.auc_plasma_mg_day_l == pytest.approx(0.041, abs=5e-4)
    assert it.cmax_plasma_mg_l / iv.cmax_plasma_mg_l == pytest.approx(0.023, abs=5e-4)


def three_state_rhs(cl: float, v1: float, q: float, v2: float, vt: float, t_half: float, kp: float, kdeg: float) -> Any:
    k_out = math.log(2) / t_half
    cl_up = kp * k_out * vt

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        a_t, a_c, a_p = y
        return [
            cl_up * a_c / v1 - (k_out + kdeg) * a_t,
            -(cl + q + cl_up) / v1 * a_c + q / v2 * a_p + k_out * a_t,
            q / v1 * a_c - q / v2 * a_p,
        ]

    return rhs


def test_multiple_doses_by_superposition_match_an_ode_solver() -> None:
    """Three IT doses (days 0, 7, 14) and a tumour with local loss: piecewise LSODA (rtol 1e-11) vs exact."""
    tumour = {"volume_l": 0.02, "retention_half_life_days": 2.0, "kp": 0.2, "k_deg_per_day": 0.05}
    doses = [{"day": d, "amount_mg": 5.0} for d in (0, 7, 14)]
    times = [0.5, 3, 7, 10, 14, 20, 28]
    r = run([{"name": "IT x3", "route": "intratumoral", "doses": doses}], tumour=tumour, times_days=times).regimens[0]
    rhs = three_state_rhs(0.36, 4.15, 0.9864, 3.11, 0.02, 2.0, 0.2, 0.05)
    y = np.zeros(4)
    got_t, got_p = [], []
    edges = [0.0, 7.0, 14.0, 28.0]
    for start, end in itertools.pairwise(edges):
        y = y.copy()
        y[0] += 5.0
        inside = [t for t in times if start <= t < end or (end == 28.0 and t == 28.0)]
        sol = solve_ivp(
            lambda t, z: [*rhs(t, z[:3]), z[1] / 4.15],
            (start, end),
            y,
            method="LSODA",
            rtol=1e-11,
            atol=1e-14,
            t_eval=sorted({*inside, end}),
        )
        for i, t in enumerate(sol.t):
            if t in inside:
                got_t.append(sol.y[0, i] / 0.02)
                got_p.append(sol.y[1, i] / 4.15)
        y = sol.y[:, -1]
    np.testing.assert_allclose(r.tumour_mg_l, got_t, rtol=1e-7)
    np.testing.assert_allclose(r.plasma_mg_l, got_p, rtol=1e-7)
    assert r.auc_plasma_mg_day_l == pytest.approx(y[3], rel=1e-7)


def test_tumour_local_loss_lowers_the_systemic_fraction() -> None:
    """Note 1.3: with k_deg and no back-uptake only k_out/(k_out + k_deg) of an IT dose reaches plasma."""
    tumour = {"volume_l": 0.02, "retention_half_life_days": 2.0, "kp": 0.0, "k_deg_per_day": 0.05}
    r = run([bolus("intratumoral", 15.0)], tumour=tumour).regimens[0]
    k_out = math.log(2) / 2.0
    assert r.auc_plasma_inf_mg_day_l == pytest.approx(15.0 * k_out / (k_out + 0.05) / 0.36, rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(
    cl=st.floats(0.05, 50),
    v1=st.floats(1, 60),
    q=st.floats(0.05, 20),
    v2=st.floats(0.5, 60),
    vt=st.floats(0.001, 0.5),
    t_half=st.floats(0.01, 20),
    kp=st.floats(0, 2),
    model=st.sampled_from(["tumour_two_compartment", "tumour_depot_one_compartment"]),
)
def test_plasma_auc_to_infinity_is_dose_over_clearance_for_every_route(
    cl: float, v1: float, q: float, v2: float, vt: float, t_half: float, kp: float, model: str
) -> None:
    """Note 1.3 invariant: with no tumour-local loss all drug leaves through CL, so AUC_P(0-inf) = D/CL."""
    result = run(
        [bolus("intratumoral", 7.0), bolus("intravenous", 7.0, day=3.0)],
        model=model,
        drug=None,
        drug_parameters={"cl_l_day": cl, "v1_l": v1, "q_l_day": q, "v2_l": v2},
        tumour={
            "volume_l": vt,
            "retention_half_life_days": t_half,
            "kp": kp if model == "tumour_two_compartment" else 0,
        },
    )
    for regimen in result.regimens:
        assert regimen.auc_plasma_inf_mg_day_l == pytest.approx(7.0 / cl, rel=1e-8)
    if model == "tumour_two_compartment" and kp > 1e-9:
        k_out = math.log(2) / t_half
        assert result.tumour_auc_ratio_same_dose == pytest.approx(1 + cl / (kp * k_out * vt), rel=1e-7)


def test_model_a_matches_the_bateman_closed_form_and_section_3_1() -> None:
    """Model A with V 5 L, CL 0.25 L/day, 10 mg IT (section 3.1): expm path = Bateman; IV gives no tumour AUC."""
    result = run(
        [bolus("intratumoral", 10), bolus("intravenous", 10)],
        model="tumour_depot_one_compartment",
        drug=None,
        drug_parameters={"cl_l_day": 0.25, "v1_l": 5.0},
        tumour={"volume_l": 0.05, "retention_half_life_days": 1.0},
        times_days=[0.25, 1, 7, 14, 28],
    )
    it, iv = result.regimens
    np.testing.assert_allclose(
        it.plasma_mg_l,
        [0.3161695851059475, 0.9726184389273077, 1.5021051629085185, 1.0702508143918434, 0.53153614872346],
        rtol=1e-10,
    )
    assert it.tmax_plasma_days == pytest.approx(4.0880523656859395, rel=1e-9)
    assert it.cmax_plasma_mg_l == pytest.approx(1.6302682344229142, rel=1e-12)
    assert it.auc_tumour_mg_day_l == pytest.approx(288.5390081777927 * (1 - 2.0**-28), rel=1e-10)
    assert it.auc_plasma_mg_day_l == pytest.approx(29.369276876519187, rel=1e-10)
    assert it.auc_plasma_inf_mg_day_l == pytest.approx(40.0, rel=1e-12)
    assert iv.auc_plasma_mg_day_l == pytest.approx(30.136121442335742, rel=1e-10)
    assert iv.tumour_mg_l == [0.0] * 5
    assert result.tumour_auc_ratio_same_dose is None
    assert result.iv_dose_for_equal_tumour_auc_mg is None
    assert any("not evaluable" in reason for reason in result.reasons)


def test_model_a_equal_clearance_case() -> None:
    """k_out = CL/V exactly (pitfall 11): the matrix exponential handles the defective K; limit k t e^{-kt}."""
    k = math.log(2) / 3.0
    result = run(
        [bolus("intratumoral", 10)],
        model="tumour_depot_one_compartment",
        drug=None,
        drug_parameters={"cl_l_day": k * 5.0, "v1_l": 5.0},
        tumour={"volume_l": 0.05, "retention_half_life_days": 3.0},
    )
    r = result.regimens[0]
    t = np.array([1, 7, 14, 28])
    np.testing.assert_allclose(r.plasma_mg_l, 10 / 5 * k * t * np.exp(-k * t), rtol=1e-10)
    assert r.tmax_plasma_days == pytest.approx(1 / k, rel=1e-8)
    assert r.auc_plasma_mg_day_l == pytest.approx(2 * float(cf.bateman_integral(k, k, 28.0)), rel=1e-10)


def test_ratio_needs_one_regimen_of_each_route() -> None:
    result = run([bolus("intratumoral", 10)])
    assert result.tumour_auc_ratio_same_dose is None
    assert any("needs one intratumoral and one intravenous" in reason for reason in result.reasons)


def test_every_tumour_value_is_flagged_as_an_assumption() -> None:
    result = run([bolus("intratumoral", 10)])
    assert {a.parameter for a in result.assumptions} == {
        "tumour.volume_l",
        "tumour.retention_half_life_days",
        "tumour.kp",
        "tumour.k_deg_per_day",
    }
    assert all(a.source == "assumption" for a in result.assumptions)


def test_drug_parameter_override_is_reported() -> None:
    result = run([bolus("intravenous", 10)], drug_parameters={"cl_l_day": 0.5})
    assert result.parameters["cl_l_day"] == 0.5
    assert result.parameters["v1_l"] == 4.15
    assert any("cl_l_day = 0.5 from the input" in reason for reason in result.reasons)
