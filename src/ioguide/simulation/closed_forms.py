"""Closed-form concentration curves for the linear PK models (vectorised: every argument may be an array).

Source: ``shared/research/pk-cell-kinetics.md`` sections 1.2 (Model A, the Bateman function with its
equal-rate limit) and 1.3 (two-compartment IV bolus and first-order input); standard results, e.g. Gibaldi M,
Perrier D, *Pharmacokinetics*, 2nd ed., 1982, chapters 1-2. Time in days, amounts in mg, volumes in L.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

#: Relative gap |k_a - k| / k_a below which the Bateman function uses its series about k_a = k.
_EQUAL_RATE_GAP = 1e-6


def bateman_fraction(ka: ArrayLike, k: ArrayLike, t: ArrayLike) -> Array:
    """``k_a (e^{-k t} - e^{-k_a t}) / (k_a - k)``: the fraction of a dose in the central compartment at t.

    Bateman function for first-order input at rate ``ka`` into a one-compartment body eliminating at ``k``
    (research note 1.2). When ``ka == k`` the limit is ``k t e^{-k t}``; near it, the difference quotient
    cancels catastrophically, so within a relative gap of 1e-6 the first two terms of the series in
    ``d = ka - k`` are used: ``ka t e^{-k t} (1 - d t / 2)`` (error O(d^2 t^3)).
    """
    ka_a, k_a, t_a = np.broadcast_arrays(np.asarray(ka, float), np.asarray(k, float), np.asarray(t, float))
    d = ka_a - k_a
    near = np.abs(d) <= _EQUAL_RATE_GAP * np.maximum(np.abs(ka_a), np.abs(k_a))
    safe_d = np.where(near, 1.0, d)
    # e^{-kt} - e^{-ka t} = e^{-kt} (1 - e^{-d t}) = -e^{-kt} expm1(-d t): no cancellation for small d t.
    exact = ka_a * np.exp(-k_a * t_a) * (-np.expm1(-safe_d * t_a)) / safe_d
    series = ka_a * t_a * np.exp(-k_a * t_a) * (1.0 - d * t_a / 2.0)
    return np.asarray(np.where(near, series, exact), dtype=float)


def bateman_tmax(ka: float, k: float) -> float:
    """Time of the Bateman peak: ``ln(k_a/k) / (k_a - k)``, and ``1/k`` in the equal-rate limit (note 1.2)."""
    if abs(ka - k) <= _EQUAL_RATE_GAP * max(ka, k):
        return 1.0 / k
    return float(np.log(ka / k) / (ka - k))


def exp_integral(rate: ArrayLike, horizon: ArrayLike) -> Array:
    """``int_0^T e^{-rate s} ds = (1 - e^{-rate T}) / rate`` (and T when rate = 0), without cancellation."""
    r, h = np.broadcast_arrays(np.asarray(rate, float), np.asarray(horizon, float))
    safe = np.where(r == 0.0, 1.0, r)
    return np.asarray(np.where(r == 0.0, h, -np.expm1(-safe * h) / safe), dtype=float)


def bateman_integral(ka: ArrayLike, k: ArrayLike, horizon: ArrayLike) -> Array:
    """``int_0^T`` of :func:`bateman_fraction`: ``k_a/(k_a-k) [(1-e^{-kT})/k - (1-e^{-k_a T})/k_a]`` (note 1.2).

    In the equal-rate limit ``(1 - e^{-kT}(1 + kT)) / k``; near it, the first-order series in ``ka - k``.
    """
    ka_a, k_a, h = np.broadcast_arrays(np.asarray(ka, float), np.asarray(k, float), np.asarray(horizon, float))
    d = ka_a - k_a
    near = np.abs(d) <= _EQUAL_RATE_GAP * np.maximum(np.abs(ka_a), np.abs(k_a))
    safe_d = np.where(near, 1.0, d)
    exact = ka_a / safe_d * (exp_integral(k_a, h) - exp_integral(ka_a, h))
    # Series in d = ka - k: ka [int_0^T s e^{-ks} ds - d/2 int_0^T s^2 e^{-ks} ds] (error O(d^2 T^3)).
    kh = k_a * h
    first_moment = (1.0 - np.exp(-kh) * (1.0 + kh)) / k_a**2
    second_moment = (2.0 - np.exp(-kh) * (kh * kh + 2.0 * kh + 2.0)) / k_a**3
    limit = ka_a * (first_moment - d / 2.0 * second_moment)
    return np.asarray(np.where(near, limit, exact), dtype=float)


def two_compartment_rates(cl: ArrayLike, v1: ArrayLike, q: ArrayLike, v2: ArrayLike) -> tuple[Array, Array]:
    """Hybrid rate constants ``alpha > beta`` of the two-compartment model (note 1.3).

    ``s = k10 + k12 + k21``, ``alpha, beta = (s +- sqrt(s^2 - 4 k10 k21)) / 2``; beta is computed as
    ``k10 k21 / alpha`` to avoid cancellation.
    """
    k10 = np.asarray(cl, float) / np.asarray(v1, float)
    k12 = np.asarray(q, float) / np.asarray(v1, float)
    k21 = np.asarray(q, float) / np.asarray(v2, float)
    s = k10 + k12 + k21
    alpha = (s + np.sqrt(s * s - 4.0 * k10 * k21)) / 2.0
    return alpha, k10 * k21 / alpha


def two_compartment_bolus(
    dose: ArrayLike, cl: ArrayLike, v1: ArrayLike, q: ArrayLike, v2: ArrayLike, t: ArrayLike
) -> Array:
    """Central concentration after an IV bolus: ``A e^{-alpha t} + B e^{-beta t}`` (note 1.3).

    ``A = D/V1 (alpha - k21)/(alpha - beta)``, ``B = D/V1 (k21 - beta)/(alpha - beta)``.
    """
    alpha, beta = two_compartment_rates(cl, v1, q, v2)
    k21 = np.asarray(q, float) / np.asarray(v2, float)
    c0 = np.asarray(dose, float) / np.asarray(v1, float)
    a = c0 * (alpha - k21) / (alpha - beta)
    b = c0 * (k21 - beta) / (alpha - beta)
    t_a = np.asarray(t, float)
    return np.asarray(a * np.exp(-alpha * t_a) + b * np.exp(-beta * t_a), dtype=float)


def two_compartment_first_order(
    dose: ArrayLike, ka: ArrayLike, cl: ArrayLike, v1: ArrayLike, q: ArrayLike, v2: ArrayLike, t: ArrayLike
) -> Array:
    """Central concentration after first-order input at ``ka`` (e.g. a tumour depot with no back-uptake).

    ``C = D ka / V1 [ (k21-a) e^{-a t}/((ka-a)(b-a)) + (k21-b) e^{-b t}/((ka-b)(a-b))
    + (k21-ka) e^{-ka t}/((a-ka)(b-ka)) ]`` (note 1.3); needs ``ka`` distinct from alpha and beta.
    """
    alpha, beta = two_compartment_rates(cl, v1, q, v2)
    k21 = np.asarray(q, float) / np.asarray(v2, float)
    ka_a = np.asarray(ka, float)
    t_a = np.asarray(t, float)
    terms = (
        (k21 - alpha) / ((ka_a - alpha) * (beta - alpha)) * np.exp(-alpha * t_a)
        + (k21 - beta) / ((ka_a - beta) * (alpha - beta)) * np.exp(-beta * t_a)
        + (k21 - ka_a) / ((alpha - ka_a) * (beta - ka_a)) * np.exp(-ka_a * t_a)
    )
    return np.asarray(np.asarray(dose, float) * ka_a / np.asarray(v1, float) * terms, dtype=float)
