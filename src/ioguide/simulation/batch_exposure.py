"""Exposure metrics for many patients at once (arrays of shape patients x times), exact by eigendecomposition.

For each patient the rate matrix K = V diag(lambda) V^-1 (research note 1.3: the tumour/two-compartment system
is mammillary, with real distinct eigenvalues), so a dose ``a b`` at day d gives
``x_j(t) = a sum_k V_jk c_k e^{lambda_k (t-d)}`` with ``c = V^-1 b``, and AUCs integrate each exponential in
closed form. Patients whose V is ill-conditioned (eigenvalues nearly equal, e.g. the Bateman equal-rate
case) are computed one by one with the matrix exponential of :mod:`ioguide.simulation.exposure`. No Python
loop over patients otherwise; every patient's numbers depend only on that patient's parameters, so results do
not depend on how a cohort is split into chunks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ioguide.simulation.exposure import regimen_exposure
from ioguide.simulation.inputs import Regimen
from ioguide.simulation.linear import Array, dose_intervals
from ioguide.simulation.tumour_models import CENTRAL, TUMOUR, PlasmaParameters, TumourParameters, build_system

#: Below this |det V| (unit-norm eigenvectors) a patient is recomputed with the matrix exponential.
_EIG_DETERMINANT = 1e-6
#: Grid points per inter-dose interval for the plasma peak search, then bisection steps on dC/dt = 0.
_PEAK_GRID = 49
_BISECTIONS = 52

SCALAR_METRICS = (
    "auc_tumour_mg_day_l",
    "auc_plasma_mg_day_l",
    "auc_plasma_inf_mg_day_l",
    "cmax_plasma_mg_l",
    "tmax_plasma_days",
)
CURVE_METRICS = ("tumour_mg_l", "plasma_mg_l")


def rate_matrices(model: str, p: dict[str, Array]) -> Array:
    """K for every patient, shape (n, states, states), same layout as :mod:`tumour_models`."""
    n = p["cl_l_day"].shape[0]
    k_out = np.log(2) / p["tumour.retention_half_life_days"]
    loss = k_out + p["tumour.k_deg_per_day"]
    k10 = p["cl_l_day"] / p["v1_l"]
    if model == "tumour_depot_one_compartment":
        k = np.zeros((n, 2, 2))
        k[:, 0, 0], k[:, 1, 0], k[:, 1, 1] = -loss, k_out, -k10
        return k
    cl_up = p["tumour.kp"] * k_out * p["tumour.volume_l"]
    q, v1, v2 = p["q_l_day"], p["v1_l"], p["v2_l"]
    k = np.zeros((n, 3, 3))
    k[:, 0, 0], k[:, 0, 1] = -loss, cl_up / v1
    k[:, 1, 0], k[:, 1, 1], k[:, 1, 2] = k_out, -(p["cl_l_day"] + q + cl_up) / v1, q / v2
    k[:, 2, 1], k[:, 2, 2] = q / v1, -q / v2
    return k


def _sum_terms(coef: Array, factor: Array) -> Array:
    """``sum_k coef[:, k] * factor[..., k]`` written out term by term (a fixed order, chunk-independent)."""
    total = coef[:, 0, None] * factor[..., 0]
    for k in range(1, coef.shape[1]):
        total = total + coef[:, k, None] * factor[..., k]
    return np.asarray(total)


class _Modes:
    """Eigen-modes of a batch of K: ``x_j(s) = sum_k coef[j][:, k] e^{lam[:, k] s}`` per unit dose."""

    def __init__(self, k: Array, entry: int) -> None:
        lam, vec = np.linalg.eig(k)
        self.lam = np.asarray(lam.real, dtype=float)
        # eig returns unit-norm eigenvectors: |det V| near 0 means two of them are nearly parallel.
        self.ill = ~(np.abs(np.linalg.det(vec)) >= _EIG_DETERMINANT) | (np.abs(lam.imag).max(axis=1) > 0)
        vec = np.where(self.ill[:, None, None], np.eye(k.shape[1]), vec.real)
        self.lam = np.where(self.ill[:, None], -1.0, self.lam)
        unit = np.zeros((k.shape[0], k.shape[1], 1))
        unit[:, entry, 0] = 1.0
        c = np.linalg.solve(vec, unit)[:, :, 0]
        self.coef = {j: vec[:, j, :] * c for j in (TUMOUR, CENTRAL)}

    def value(self, j: int, s: Array, power: int = 0) -> Array:
        """State j (or its ``power``-th derivative) at lags s of shape (n, m); zero where s < 0."""
        lag = np.maximum(s, 0.0)[..., None]
        factor = np.exp(self.lam[:, None, :] * lag)
        if power:
            factor = factor * self.lam[:, None, :] ** power
        return np.where(s >= 0, _sum_terms(self.coef[j], factor), 0.0)

    def integral(self, j: int, length: Array) -> Array:
        """``int_0^L`` of state j per unit dose; L of shape (n,), zero where L <= 0."""
        length_c = np.maximum(length, 0.0)[:, None]
        lam = self.lam
        factor = np.where(lam == 0, length_c, np.expm1(lam * length_c) / np.where(lam == 0, 1.0, lam))
        return np.asarray(_sum_terms(self.coef[j], factor[:, None, :])[:, 0])

    def integral_to_infinity(self, j: int) -> Array:
        return np.asarray(_sum_terms(self.coef[j], (-1.0 / self.lam)[:, None, :])[:, 0])


def _superposed(modes: _Modes, j: int, doses: list[tuple[float, float]], t: Array, power: int = 0) -> Array:
    out = np.zeros(t.shape)
    for day, amount in doses:
        out = out + amount * modes.value(j, t - day, power)
    return out


def _peak(modes: _Modes, doses: list[tuple[float, float]], horizon: float, n: int) -> tuple[Array, Array]:
    """Plasma amount peak per patient over [0, horizon].

    Per inter-dose interval: the best point of a grid, then the grid cell next to it where dC/dt changes sign
    is bisected to machine precision (``_BISECTIONS`` halvings), all patients at once.
    """
    best_c = np.full(n, -np.inf)
    best_t = np.zeros(n)
    rows = np.arange(n)
    for start, end in dose_intervals([day for day, _ in doses], horizon):
        grid = np.linspace(start, end, _PEAK_GRID)
        values = _superposed(modes, CENTRAL, doses, np.broadcast_to(grid, (n, _PEAK_GRID)))
        idx = values.argmax(axis=1)
        slope_at = _superposed(modes, CENTRAL, doses, grid[idx][:, None], 1)[:, 0]
        lo_idx = np.clip(np.where(slope_at > 0, idx, idx - 1), 0, _PEAK_GRID - 2)
        lo, hi = grid[lo_idx], grid[lo_idx + 1]
        lo_slope = _superposed(modes, CENTRAL, doses, lo[:, None], 1)[:, 0]
        hi_slope = _superposed(modes, CENTRAL, doses, hi[:, None], 1)[:, 0]
        bracketed = (lo_slope > 0) & (hi_slope <= 0)
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            rising = _superposed(modes, CENTRAL, doses, mid[:, None], 1)[:, 0] > 0
            lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
        t = np.where(bracketed, 0.5 * (lo + hi), grid[idx])
        c = _superposed(modes, CENTRAL, doses, t[:, None])[:, 0]
        c = np.maximum(c, values[rows, idx])
        better = c > best_c
        best_c = np.where(better, c, best_c)
        best_t = np.where(better, np.where(c > values[rows, idx], t, grid[idx]), best_t)
    return best_c, best_t


def regimen_metrics(
    model: str, p: dict[str, Array], regimen: Regimen, times: list[float], horizon: float
) -> dict[str, Array]:
    """Every exposure metric of one regimen for every patient: curves (n, times), scalars (n,)."""
    k = rate_matrices(model, p)
    n = k.shape[0]
    modes = _Modes(k, TUMOUR if regimen.route == "intratumoral" else CENTRAL)
    doses = [(d.day, d.amount_mg) for d in regimen.doses]
    t = np.broadcast_to(np.asarray(times, float), (n, len(times)))
    vt, v1 = p["tumour.volume_l"], p["v1_l"]
    auc_t = sum((a * modes.integral(TUMOUR, np.full(n, horizon - d)) for d, a in doses), np.zeros(n))
    auc_c = sum((a * modes.integral(CENTRAL, np.full(n, horizon - d)) for d, a in doses), np.zeros(n))
    inf_c = sum((a * modes.integral_to_infinity(CENTRAL) for _, a in doses), np.zeros(n))
    cmax, tmax = _peak(modes, doses, horizon, n)
    out = {
        "tumour_mg_l": _superposed(modes, TUMOUR, doses, t) / vt[:, None],
        "plasma_mg_l": _superposed(modes, CENTRAL, doses, t) / v1[:, None],
        "auc_tumour_mg_day_l": auc_t / vt,
        "auc_plasma_mg_day_l": auc_c / v1,
        "auc_plasma_inf_mg_day_l": inf_c / v1,
        "cmax_plasma_mg_l": cmax / v1,
        "tmax_plasma_days": tmax,
    }
    for i in np.flatnonzero(modes.ill):
        _exact_patient(model, p, int(i), regimen, times, horizon, out)
    return out


def _exact_patient(
    model: str, p: dict[str, Array], i: int, regimen: Regimen, times: list[float], horizon: float, out: dict[str, Any]
) -> None:
    """Recompute patient i with the matrix exponential (near-equal eigenvalues: the eigenbasis is unreliable)."""
    plasma = PlasmaParameters(
        cl_l_day=float(p["cl_l_day"][i]),
        v1_l=float(p["v1_l"][i]),
        q_l_day=float(p["q_l_day"][i]) if "q_l_day" in p else None,
        v2_l=float(p["v2_l"][i]) if "v2_l" in p else None,
    )
    tumour = TumourParameters(
        volume_l=float(p["tumour.volume_l"][i]),
        retention_half_life_days=float(p["tumour.retention_half_life_days"][i]),
        kp=float(p["tumour.kp"][i]),
        k_deg_per_day=float(p["tumour.k_deg_per_day"][i]),
    )
    exact = regimen_exposure(build_system(model, plasma, tumour), regimen, times, horizon)
    for name in (*CURVE_METRICS, *SCALAR_METRICS):
        out[name][i] = getattr(exact, name)
