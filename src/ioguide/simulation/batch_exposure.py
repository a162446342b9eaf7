"""Exposure metrics for many patients at once (arrays of shape patients x times), exact by eigendecomposition.

For each patient the rate matrix K = V diag(lambda) V^-1 (research note 1.3: the tumour/two-compartment system
is mammillary, hence diagonally similar to a symmetric matrix with real eigenvalues; see :class:`Eigen`), so a dose ``a b`` at day d gives
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
#: Grid points per inter-dose interval for the plasma peak search, then bisection and Newton steps on dC/dt = 0.
_PEAK_GRID = 33
_BISECTIONS = 12
_NEWTON_STEPS = 3

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


class Eigen:
    """Eigendecomposition ``K = V diag(lam) V^-1`` of a batch of K (n, states, states), shared by every regimen.

    A mammillary system (every compartment exchanging with the central one both ways, as Model B with kp > 0)
    is diagonally similar to a symmetric matrix: with ``D = diag(d)``, ``d_c = 1`` and
    ``d_j = sqrt(K_jc / K_cj)``, ``S = D^-1 K D`` is symmetric, so ``S = Q diag(lam) Q^T`` (``eigh``: real
    eigenvalues, orthogonal Q, never defective) and ``V = D Q``, ``V^-1 = Q^T D^-1``. Other patients (one-way
    coupling: Model A, or kp = 0) use the general ``eig``; those whose eigenvectors are nearly parallel are
    flagged ``ill`` and recomputed elsewhere with the matrix exponential.
    """

    def __init__(self, k: Array, hub: int = CENTRAL) -> None:
        n, size = k.shape[0], k.shape[1]
        spokes = [j for j in range(size) if j != hub]
        two_way = np.all([(k[:, j, hub] > 0) & (k[:, hub, j] > 0) for j in spokes], axis=0)
        self.lam = np.empty((n, size))
        self.vec = np.empty((n, size, size))
        self.inv = np.empty((n, size, size))
        self.ill = np.zeros(n, dtype=bool)
        sym = np.flatnonzero(two_way)
        if sym.size:
            d = np.ones((sym.size, size))
            for j in spokes:
                d[:, j] = np.sqrt(k[sym, j, hub] / k[sym, hub, j])
            s = k[sym] * d[:, None, :] / d[:, :, None]
            s = 0.5 * (s + np.swapaxes(s, 1, 2))  # exactly symmetric (rounding of the scaling)
            lam, q = np.linalg.eigh(s)
            self.lam[sym] = lam
            self.vec[sym] = d[:, :, None] * q
            self.inv[sym] = np.swapaxes(q, 1, 2) / d[:, None, :]
        general = np.flatnonzero(~two_way)
        if general.size:
            lam, vec = np.linalg.eig(k[general])
            # eig returns unit-norm eigenvectors: |det V| near 0 means two of them are nearly parallel.
            ill = ~(np.abs(np.linalg.det(vec)) >= _EIG_DETERMINANT) | (np.abs(lam.imag).max(axis=1) > 0)
            vec = np.where(ill[:, None, None], np.eye(size), vec.real)
            self.ill[general] = ill
            self.lam[general] = np.where(ill[:, None], -1.0, lam.real)
            self.vec[general] = vec
            self.inv[general] = np.linalg.inv(vec)


class _Modes:
    """Per unit dose into state ``entry``: ``x_j(s) = sum_k coef[j][:, k] e^{lam[:, k] s}``."""

    def __init__(self, eigen: Eigen, entry: int) -> None:
        c = eigen.inv[:, :, entry]  # V^-1 e_entry
        self.lam = eigen.lam
        self.ill = eigen.ill
        self.coef = {j: eigen.vec[:, j, :] * c for j in (TUMOUR, CENTRAL)}

    def value(self, states: tuple[int, ...], s: Array, powers: tuple[int, ...] = (0,)) -> list[Array]:
        """Each state (for each derivative order) at lags s of shape (n, m), sharing one table of
        exponentials; zero where s < 0. Output order: states outer, powers inner."""
        lag = np.maximum(s, 0.0)[..., None]
        lam = self.lam[:, None, :]
        factor = np.exp(lam * lag)
        after = s >= 0
        scaled = [factor * lam**p if p else factor for p in powers]
        return [np.where(after, _sum_terms(self.coef[j], f), 0.0) for j in states for f in scaled]

    def integral(self, j: int, length: Array) -> Array:
        """``int_0^L`` of state j per unit dose; L of shape (n,), zero where L <= 0."""
        length_c = np.maximum(length, 0.0)[:, None]
        lam = self.lam
        factor = np.where(lam == 0, length_c, np.expm1(lam * length_c) / np.where(lam == 0, 1.0, lam))
        return np.asarray(_sum_terms(self.coef[j], factor[:, None, :])[:, 0])

    def integral_to_infinity(self, j: int) -> Array:
        return np.asarray(_sum_terms(self.coef[j], (-1.0 / self.lam)[:, None, :])[:, 0])


def _superposed(
    modes: _Modes,
    j: int | tuple[int, ...],
    doses: list[tuple[float, float]],
    t: Array,
    powers: tuple[int, ...] = (0,),
) -> list[Array]:
    """Sum over doses of ``amount x`` the unit response; one array per state and derivative order."""
    states = j if isinstance(j, tuple) else (j,)
    out = [np.zeros(t.shape) for _ in range(len(states) * len(powers))]
    for day, amount in doses:
        for i, value in enumerate(modes.value(states, t - day, powers)):
            out[i] = out[i] + amount * value
    return out


def _central(modes: _Modes, doses: list[tuple[float, float]], t: Array, power: int = 0) -> Array:
    """Central amount (or a derivative) at one time per patient, t of shape (n,)."""
    return _superposed(modes, CENTRAL, doses, t[:, None], (power,))[0][:, 0]


def _peak(modes: _Modes, doses: list[tuple[float, float]], horizon: float, n: int) -> tuple[Array, Array]:
    """Plasma amount peak per patient over [0, horizon].

    Per inter-dose interval: the best point of a grid; if dC/dt changes sign in a grid cell next to it, the
    root is bracketed, halved ``_BISECTIONS`` times and polished by Newton steps kept inside the bracket.
    """
    best_c = np.full(n, -np.inf)
    best_t = np.zeros(n)
    rows = np.arange(n)
    for start, end in dose_intervals([day for day, _ in doses], horizon):
        grid = np.linspace(start, end, _PEAK_GRID)
        (values,) = _superposed(modes, CENTRAL, doses, np.broadcast_to(grid, (n, _PEAK_GRID)))
        idx = values.argmax(axis=1)
        grid_best = values[rows, idx]
        lo_idx = np.clip(np.where(_central(modes, doses, grid[idx], 1) > 0, idx, idx - 1), 0, _PEAK_GRID - 2)
        lo, hi = grid[lo_idx], grid[lo_idx + 1]
        bracketed = (_central(modes, doses, lo, 1) > 0) & (_central(modes, doses, hi, 1) <= 0)
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            rising = _central(modes, doses, mid, 1) > 0
            lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
        t = 0.5 * (lo + hi)
        for _ in range(_NEWTON_STEPS):
            d1, d2 = (v[:, 0] for v in _superposed(modes, CENTRAL, doses, t[:, None], (1, 2)))
            t = np.clip(t - d1 / np.where(d2 < 0, d2, -np.inf), lo, hi)
        c = _central(modes, doses, t)
        use_root = bracketed & (c > grid_best)
        c, t = np.where(use_root, c, grid_best), np.where(use_root, t, grid[idx])
        better = c > best_c
        best_c, best_t = np.where(better, c, best_c), np.where(better, t, best_t)
    return best_c, best_t


def cohort_metrics(
    model: str, p: dict[str, Array], regimens: list[Regimen], times: list[float], horizon: float
) -> list[dict[str, Array]]:
    """Every exposure metric of every regimen for every patient (one eigendecomposition per patient)."""
    eigen = Eigen(rate_matrices(model, p))
    return [regimen_metrics(model, p, r, times, horizon, eigen) for r in regimens]


def regimen_metrics(
    model: str, p: dict[str, Array], regimen: Regimen, times: list[float], horizon: float, eigen: Eigen | None = None
) -> dict[str, Array]:
    """Every exposure metric of one regimen for every patient: curves (n, times), scalars (n,)."""
    eigen = eigen if eigen is not None else Eigen(rate_matrices(model, p))
    n = eigen.lam.shape[0]
    modes = _Modes(eigen, TUMOUR if regimen.route == "intratumoral" else CENTRAL)
    doses = [(d.day, d.amount_mg) for d in regimen.doses]
    t = np.broadcast_to(np.asarray(times, float), (n, len(times)))
    vt, v1 = p["tumour.volume_l"], p["v1_l"]
    auc_t = sum((a * modes.integral(TUMOUR, np.full(n, horizon - d)) for d, a in doses), np.zeros(n))
    auc_c = sum((a * modes.integral(CENTRAL, np.full(n, horizon - d)) for d, a in doses), np.zeros(n))
    inf_c = sum((a * modes.integral_to_infinity(CENTRAL) for _, a in doses), np.zeros(n))
    cmax, tmax = _peak(modes, doses, horizon, n)
    tumour_curve, plasma_curve = _superposed(modes, (TUMOUR, CENTRAL), doses, t)
    out = {
        "tumour_mg_l": tumour_curve / vt[:, None],
        "plasma_mg_l": plasma_curve / v1[:, None],
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
