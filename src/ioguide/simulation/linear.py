"""Exact solutions of linear compartment systems dx/dt = K x: matrix exponential, AUC integrals, superposition.

Sources: the matrix-exponential solution x(t) = e^{Kt} x0 of a linear time-invariant system; its integral
int_0^T e^{Ks} x0 ds = K^-1 (e^{KT} - I) x0 when K is invertible, and otherwise the last column of
expm([[K, x0], [0, 0]] T) (Van Loan CF, "Computing integrals involving the matrix exponential", IEEE Trans
Automat Control 1978;23(3):395-404, Theorem 1). Multiple doses of a linear system add up (superposition).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import scipy.linalg as sla
from numpy.typing import NDArray
from scipy.optimize import brentq

Array = NDArray[np.float64]

#: Above this condition number K is treated as singular and integrals use Van Loan's block exponential.
_SINGULAR_CONDITION = 1e12


def _householder(n: int) -> Array:
    """A dense symmetric orthogonal matrix ``H = I - 2 v v^T / v^T v`` with ``v = 1 + sqrt(n) e_1``."""
    v = np.ones(n)
    v[0] += math.sqrt(n)
    return np.eye(n) - 2.0 * np.outer(v, v) / float(v @ v)


def _exp_divided_difference(a: Array, b: Array) -> Array:
    """``(e^a - e^b) / (a - b)`` without cancellation: ``e^m (1 - e^{-|a-b|}) / |a-b|``, m = max(a, b)."""
    gap = np.abs(a - b)
    safe = np.where(gap == 0, 1.0, gap)
    return np.asarray(np.exp(np.maximum(a, b)) * np.where(gap == 0, 1.0, -np.expm1(-safe) / safe), dtype=float)


def _expm_upper_triangular(t: Array) -> Array | None:
    """Parlett's recurrence for ``e^T``, T upper triangular (stack ..., n, n), Golub & Van Loan, *Matrix
    Computations*, 4th ed., Algorithm 9.1.1, with the divided difference of exp computed stably.

    Returns None when a coupling term would be divided by two nearly equal eigenvalues (the caller then
    uses another method); compartment matrices of the models here never need that term.
    """
    n = t.shape[-1]
    nonzero = t != 0
    pattern = reachable(t)  # where e^T is structurally non-zero
    f = np.zeros(t.shape)
    for i in range(n):
        f[..., i, i] = np.exp(t[..., i, i])
    for p in range(1, n):
        for i in range(n - p):
            j = i + p
            a, b = t[..., i, i], t[..., j, j]
            value = t[..., i, j] * _exp_divided_difference(a, b)
            coupling = np.zeros(value.shape)
            coupled = False
            for k in range(i + 1, j):
                coupling = coupling + f[..., i, k] * t[..., k, j] - t[..., i, k] * f[..., k, j]
                coupled = coupled or bool(
                    np.any(pattern[..., i, k] & nonzero[..., k, j]) or np.any(nonzero[..., i, k] & pattern[..., k, j])
                )
            if coupled:
                gap = np.abs(b - a)
                if np.any(gap <= 1e-6 * np.maximum(np.abs(a), np.abs(b))):
                    return None
                value = value + coupling / np.where(gap == 0, 1.0, b - a)
            f[..., i, j] = value
    return f


def expm(k: Array) -> Array:
    """``e^K`` for one matrix or a stack (..., n, n), accurate for triangular K with nearly equal diagonal.

    scipy 1.17's ``expm`` recomputes the off-diagonal of a *triangular* matrix from a plain divided difference
    of its diagonal, which loses every digit when two diagonal entries differ by a few ulps (measured: 19%
    error for the Bateman matrix with k_out and CL/V equal but for rounding). Triangular K (Model A, the
    two-site contraction phase without exchange) therefore goes through Parlett's recurrence with a stable
    divided difference; a dense orthogonal change of basis ``e^K = H e^{HKH} H`` (then scipy's generic
    scaling and squaring, structural zeros restored) is the fallback.
    """
    n = k.shape[-1]
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    if n == 1 or (np.any(k[..., upper]) and np.any(k[..., upper.T])):
        return np.asarray(sla.expm(k), dtype=float)
    lower_triangular = not np.any(k[..., upper])
    t = np.swapaxes(k, -1, -2) if lower_triangular else k
    f = _expm_upper_triangular(t)
    if f is not None:
        return np.swapaxes(f, -1, -2) if lower_triangular else f
    h = _householder(n)
    out = np.asarray(h @ sla.expm(h @ k @ h) @ h, dtype=float)
    return np.where(reachable(k), out, 0.0)


def reachable(k: Array) -> NDArray[np.bool_]:
    """Where ``e^K`` can be non-zero: (i, j) such that state i is reachable from state j in the graph of K."""
    n = k.shape[-1]
    closure = ((k != 0) | np.eye(n, dtype=bool)).astype(np.int64)
    for _ in range(max(1, math.ceil(math.log2(n)))):
        closure = np.minimum(closure @ closure, 1)
    return np.asarray(closure > 0)


def propagate(k: Array, x0: Array, times: Sequence[float] | Array) -> Array:
    """States at ``times`` (shape times x states) after starting at ``x0`` at time 0: ``e^{K t} x0``."""
    t = np.asarray(times, dtype=float)
    if t.size == 0:
        return np.zeros((0, k.shape[0]))
    exps = expm(k[None, :, :] * t[:, None, None])
    return np.asarray(exps @ x0, dtype=float)


def van_loan_integral(k: Array, x0: Array, horizon: float) -> Array:
    """``int_0^T e^{Ks} x0 ds`` from one block exponential (Van Loan 1978, Theorem 1); K may be singular."""
    n = k.shape[0]
    block = np.zeros((n + 1, n + 1))
    block[:n, :n] = k
    block[:n, n] = x0
    return np.asarray(expm(block * horizon)[:n, n], dtype=float)


def integral(k: Array, x0: Array, horizon: float) -> Array:
    """``int_0^T e^{Ks} x0 ds``: ``K^-1 (e^{KT} - I) x0`` when K is invertible, else Van Loan."""
    if horizon <= 0:
        return np.zeros(k.shape[0])
    if np.linalg.cond(k) > _SINGULAR_CONDITION:
        return van_loan_integral(k, x0, horizon)
    n = k.shape[0]
    return np.asarray(np.linalg.inv(k) @ (expm(k * horizon) - np.eye(n)) @ x0, dtype=float)


def integral_to_infinity(k: Array, x0: Array) -> Array:
    """``int_0^inf e^{Ks} x0 ds = -K^-1 x0`` for a stable K (every eigenvalue with negative real part)."""
    return np.asarray(-np.linalg.inv(k) @ x0, dtype=float)


def superpose(k: Array, doses: Sequence[tuple[float, Array]], times: Sequence[float] | Array) -> Array:
    """States at ``times`` after several doses ``(day, x0)``: the sum of each dose's solution from its day on."""
    t = np.asarray(times, dtype=float)
    out = np.zeros((t.size, k.shape[0]))
    for day, x0 in doses:
        after = t >= day
        if after.any():
            out[after] += propagate(k, x0, t[after] - day)
    return out


def dose_intervals(days: Sequence[float], horizon: float) -> list[tuple[float, float]]:
    """[start, end) pieces of [0, horizon] between dose days: within one, the solution is one e^{Ks} x."""
    cuts = sorted({0.0, horizon, *(day for day in days if 0 < day < horizon)})
    return list(itertools.pairwise(cuts))


def superposed_integral(k: Array, doses: Sequence[tuple[float, Array]], horizon: float) -> Array:
    """``int_0^T x(t) dt`` over several doses (each integrated from its own day to T)."""
    total = np.zeros(k.shape[0])
    for day, x0 in doses:
        total = total + integral(k, x0, horizon - day)
    return total


def superposed_integral_to_infinity(k: Array, doses: Sequence[tuple[float, Array]]) -> Array:
    total = np.zeros(k.shape[0])
    for _, x0 in doses:
        total = total + integral_to_infinity(k, x0)
    return total


#: Grid points used to bracket a local maximum before root-finding the derivative.
_PEAK_GRID = 257


def interval_peak(k: Array, x0: Array, length: float, index: int) -> tuple[float, float]:
    """Largest value of state ``index`` of ``e^{Ks} x0`` for s in [0, length], and the s where it occurs.

    The state is a sum of exponentials: candidates are both ends and every root of its derivative
    ``(K x(s))_index`` bracketed by a sign change (+ to -) on a fine grid, refined with Brent's method.
    """
    grid = np.linspace(0.0, length, _PEAK_GRID)
    states = propagate(k, x0, grid)
    slope = (states @ k.T)[:, index]
    candidates = [(float(states[0, index]), 0.0), (float(states[-1, index]), float(length))]

    def derivative(s: float) -> float:
        return float((k @ propagate(k, x0, [s])[0])[index])

    for i in np.flatnonzero((slope[:-1] > 0) & (slope[1:] <= 0)):
        root = float(grid[i + 1]) if slope[i + 1] == 0 else float(brentq(derivative, grid[i], grid[i + 1]))
        candidates.append((float(propagate(k, x0, [root])[0, index]), root))
    return max(candidates, key=lambda c: c[0])


def peak_over_doses(k: Array, doses: Sequence[tuple[float, Array]], horizon: float, index: int) -> tuple[float, float]:
    """Largest value of state ``index`` over [0, horizon] after several doses, and when it occurs.

    Between dose days the state is ``e^{Ks} x(start)`` (superposition of the doses given so far), so
    :func:`interval_peak` finds its exact maximum in each interval.
    """
    best, when = -np.inf, 0.0
    for start, end in dose_intervals([day for day, _ in doses], horizon):
        x_start = superpose(k, doses, [start])[0]
        value, offset = interval_peak(k, x_start, end - start, index)
        if value > best:
            best, when = value, start + offset
    return float(best), when
