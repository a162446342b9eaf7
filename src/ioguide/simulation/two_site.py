"""Two-site, route-aware extension of Stein 2019: a regional site (pleura, peritoneum, tumour) and blood.

Structure: ``shared/research/pk-cell-kinetics.md`` 2.5 (Model C), built on Stein AM et al., CPT Pharmacometrics
Syst Pharmacol 2019;8:285 (Figure 2). States (cells): effector and memory at each site, order
(E_R, M_R, E_B, M_B). Before Tmax effectors expand at rho_R (site) and rho_B (blood); from Tmax on they contract
at alpha and feed memory at ``k = F_B (alpha - beta)``, memory declines at beta; cells leave the site for blood
at k_RB and home from blood at k_BR. Each phase is linear and solved exactly with a matrix exponential; AUCs
with ``K^-1 (e^{KT} - I) x0`` or Van Loan's block exponential when K is singular. The growth and exchange
rates are **assumptions**, not published estimates; with no exchange and equal growth rates each site reduces
exactly to Stein 2019.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ioguide.simulation import linear
from ioguide.simulation.linear import Array

E_R, M_R, E_B, M_B = 0, 1, 2, 3
SITES = {"regional": (E_R, M_R), "blood": (E_B, M_B)}


@dataclass(frozen=True)
class TwoSiteParameters:
    rho_regional_per_day: float
    rho_blood_per_day: float
    k_rb_per_day: float
    k_br_per_day: float
    tmax_days: float
    alpha_per_day: float
    beta_per_day: float
    fb: float


def expansion_matrix(p: TwoSiteParameters) -> Array:
    """Phase 1 (t < Tmax): effectors grow at rho, nothing becomes memory; cells exchange between sites."""
    rb, br = p.k_rb_per_day, p.k_br_per_day
    return np.array(
        [
            [p.rho_regional_per_day - rb, 0.0, br, 0.0],
            [0.0, -rb, 0.0, br],
            [rb, 0.0, p.rho_blood_per_day - br, 0.0],
            [0.0, rb, 0.0, -br],
        ]
    )


def contraction_matrix(p: TwoSiteParameters) -> Array:
    """Phase 2 (t >= Tmax): effectors decline at alpha, a flow ``F_B (alpha - beta)`` becomes memory."""
    rb, br = p.k_rb_per_day, p.k_br_per_day
    a, b = p.alpha_per_day, p.beta_per_day
    k = p.fb * (a - b)
    return np.array(
        [
            [-(a + rb), 0.0, br, 0.0],
            [k, -(b + rb), 0.0, br],
            [rb, 0.0, -(a + br), 0.0],
            [0.0, rb, k, -(b + br)],
        ]
    )


def initial_state(route: str, dose_cells: float) -> Array:
    """The dose enters blood for ``intravenous`` and the regional site for every other route."""
    x0 = np.zeros(4)
    x0[E_B if route == "intravenous" else E_R] = dose_cells
    return x0


@dataclass(frozen=True)
class TwoSiteSolution:
    """Cells per site at the requested times, AUC over [0, horizon], and each site's peak."""

    regional_cells: list[float]
    blood_cells: list[float]
    auc_regional_cells_day: float
    auc_blood_cells_day: float
    cmax_regional_cells: float
    tmax_regional_days: float
    cmax_blood_cells: float
    tmax_blood_days: float


def _states(p: TwoSiteParameters, x0: Array, times: list[float]) -> Array:
    t = np.asarray(times, float)
    k1, k2 = expansion_matrix(p), contraction_matrix(p)
    x_tmax = linear.propagate(k1, x0, [p.tmax_days])[0]
    out = np.zeros((t.size, 4))
    early = t < p.tmax_days
    out[early] = linear.propagate(k1, x0, t[early])
    out[~early] = linear.propagate(k2, x_tmax, t[~early] - p.tmax_days)
    return out


def solve(p: TwoSiteParameters, route: str, dose_cells: float, times: list[float], horizon: float) -> TwoSiteSolution:
    """Exact piecewise solution (research note 2.5, reference numbers in 3.4)."""
    x0 = initial_state(route, dose_cells)
    k1, k2 = expansion_matrix(p), contraction_matrix(p)
    states = _states(p, x0, times)
    first = min(horizon, p.tmax_days)
    auc = linear.integral(k1, x0, first)
    x_tmax = linear.propagate(k1, x0, [p.tmax_days])[0]
    if horizon > p.tmax_days:
        auc = auc + linear.integral(k2, x_tmax, horizon - p.tmax_days)
    peaks: dict[str, tuple[float, float]] = {}
    for site, (effector, memory) in SITES.items():
        # A site's total is a linear output: fold it into one state by a change of coordinates.
        best = _site_peak(k1, x0, first, effector, memory)
        if horizon > p.tmax_days:
            later = _site_peak(k2, x_tmax, horizon - p.tmax_days, effector, memory)
            if later[0] > best[0]:
                best = (later[0], p.tmax_days + later[1])
        peaks[site] = best
    return TwoSiteSolution(
        regional_cells=[float(v) for v in states[:, E_R] + states[:, M_R]],
        blood_cells=[float(v) for v in states[:, E_B] + states[:, M_B]],
        auc_regional_cells_day=float(auc[E_R] + auc[M_R]),
        auc_blood_cells_day=float(auc[E_B] + auc[M_B]),
        cmax_regional_cells=peaks["regional"][0],
        tmax_regional_days=peaks["regional"][1],
        cmax_blood_cells=peaks["blood"][0],
        tmax_blood_days=peaks["blood"][1],
    )


def _site_peak(k: Array, x0: Array, length: float, effector: int, memory: int) -> tuple[float, float]:
    """Peak of E + M at one site: augment the system with a state that tracks the sum exactly."""
    n = k.shape[0]
    aug = np.zeros((n + 1, n + 1))
    aug[:n, :n] = k
    aug[n, :n] = k[effector] + k[memory]
    x_aug = np.append(x0, x0[effector] + x0[memory])
    return linear.interval_peak(aug, x_aug, length, n)
