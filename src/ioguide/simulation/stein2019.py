"""Stein 2019 CAR-T cellular kinetics: exponential expansion to Tmax, then biexponential contraction.

Source: Stein AM et al., "Tisagenlecleucel model-based cellular kinetic analysis of chimeric antigen receptor-T
cells", CPT Pharmacometrics Syst Pharmacol 2019;8(5):285-295, Figure 2 (structure) and Table 1 (parameters);
closed form and AUC as in ``shared/research/pk-cell-kinetics.md`` 2.1:
``C(t) = R0 e^{rho t}`` for t < Tmax, ``C(t) = Cmax [(1-F_B) e^{-alpha(t-Tmax)} + F_B e^{-beta(t-Tmax)}]`` for
t >= Tmax, with ``R0 = Cmax/foldx`` and ``rho = ln(foldx)/Tmax``. Every function is vectorised: parameters may
be arrays of shape (patients, 1) and times of shape (times,), giving (patients, times).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ioguide.simulation.closed_forms import exp_integral

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SteinParameters:
    """Typical or individual values (scalars or arrays of equal shape); levels in copies/ug gDNA."""

    cmax: ArrayLike
    foldx: ArrayLike
    tmax_days: ArrayLike
    alpha_per_day: ArrayLike
    beta_per_day: ArrayLike
    fb: ArrayLike

    @property
    def rho_per_day(self) -> Array:
        """Expansion rate ``rho = ln(foldx) / Tmax`` (Stein 2019 Figure 2)."""
        return np.asarray(np.log(np.asarray(self.foldx, float)) / np.asarray(self.tmax_days, float))

    @property
    def r0(self) -> Array:
        """Level at infusion ``R0 = Cmax / foldx`` (Stein 2019 Figure 2)."""
        return np.asarray(np.asarray(self.cmax, float) / np.asarray(self.foldx, float))


def level(p: SteinParameters, t: ArrayLike) -> Array:
    """Transgene level at ``t`` (days); ``t < Tmax`` is expansion, ``t >= Tmax`` contraction (pitfall 10)."""
    t_a = np.asarray(t, float)
    tmax = np.asarray(p.tmax_days, float)
    cmax = np.asarray(p.cmax, float)
    fb = np.asarray(p.fb, float)
    since = np.maximum(t_a - tmax, 0.0)
    expansion = p.r0 * np.exp(p.rho_per_day * np.minimum(t_a, tmax))
    contraction = cmax * (
        (1.0 - fb) * np.exp(-np.asarray(p.alpha_per_day, float) * since)
        + fb * np.exp(-np.asarray(p.beta_per_day, float) * since)
    )
    return np.asarray(np.where(t_a < tmax, expansion, contraction), dtype=float)


def auc(p: SteinParameters, horizon: ArrayLike) -> Array:
    """``int_0^T C dt`` (note 2.1): ``(R0 e^{rho min(T,Tmax)} - R0)/rho`` plus the contraction integrals."""
    h = np.asarray(horizon, float)
    tmax = np.asarray(p.tmax_days, float)
    cmax = np.asarray(p.cmax, float)
    fb = np.asarray(p.fb, float)
    rho = p.rho_per_day
    expansion = p.r0 * np.expm1(rho * np.minimum(h, tmax)) / rho
    since = np.maximum(h - tmax, 0.0)
    contraction = cmax * (
        (1.0 - fb) * exp_integral(np.asarray(p.alpha_per_day, float), since)
        + fb * exp_integral(np.asarray(p.beta_per_day, float), since)
    )
    return np.asarray(expansion + contraction, dtype=float)


def peak(p: SteinParameters, horizon: ArrayLike) -> tuple[Array, Array]:
    """``(Cmax, Tmax)`` within [0, horizon]: the model's peak, or the level at the horizon if it comes first."""
    h = np.asarray(horizon, float)
    tmax = np.asarray(p.tmax_days, float)
    before = h < tmax
    cmax = np.where(before, level(p, np.minimum(h, tmax)), np.asarray(p.cmax, float))
    return np.asarray(cmax, float), np.asarray(np.where(before, h, tmax), float)


def doubling_time(p: SteinParameters) -> Array:
    """Doubling time during expansion, ``ln 2 / rho`` (Stein 2019: 0.78 day for the typical patient)."""
    return np.asarray(np.log(2.0) / p.rho_per_day, dtype=float)
