"""Log-normal between-patient variability: ``theta_i = theta_typ exp(eta_i)``, ``eta ~ N(0, Omega)``.

Source: the standard population-PK random-effects model (e.g. Feng 2014, Stein 2019 Table 1; research note 3.5
and pitfall 4): ``omega2`` is the variance of the log of a parameter, an off-diagonal ``omega`` the covariance
of two logs. All etas of a cohort are drawn at once from one seeded generator, so splitting the cohort into
chunks (locally or on Dask) cannot change any patient's values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ioguide.errors import InputError, Problem
from ioguide.simulation.linear import Array

#: Tolerance on negative eigenvalues of Omega (rounding) before it is declared not positive semi-definite.
_PSD_TOLERANCE = 1e-12


@dataclass(frozen=True)
class VariabilityPlan:
    """Which parameters vary (``names``), their typical values, and the covariance ``omega`` of their logs."""

    names: tuple[str, ...]
    typical: dict[str, float]
    omega: Array
    sources: dict[str, str]

    def correlation(self, a: str, b: str) -> float:
        i, j = self.names.index(a), self.names.index(b)
        denom = float(np.sqrt(self.omega[i, i] * self.omega[j, j]))
        return float(self.omega[i, j] / denom) if denom > 0 else 0.0


def build_plan(
    typical: dict[str, float],
    omega2: dict[str, float],
    covariances: list[tuple[str, str, float]],
    sources: dict[str, str],
    field: str = "variability",
) -> VariabilityPlan:
    """Check names against ``typical`` and Omega for positive semi-definiteness; errors name the field."""
    problems = [
        Problem(f"{field}.{name}", f"no such parameter; parameters that can vary: {', '.join(typical)}")
        for name in omega2
        if name not in typical
    ]
    names = tuple(omega2)
    for index, (a, b, _) in enumerate(covariances):
        for name in (a, b):
            if name not in omega2:
                problems.append(
                    Problem(f"correlations[{index}].between", f"{name!r} has no variability (give its omega2 first)")
                )
        if a == b:
            problems.append(Problem(f"correlations[{index}].between", "a covariance needs two different parameters"))
    if problems:
        raise InputError(problems)
    omega = np.diag([omega2[n] for n in names]).astype(float)
    for a, b, cov in covariances:
        i, j = names.index(a), names.index(b)
        omega[i, j] = omega[j, i] = cov
    if names and float(np.linalg.eigvalsh(omega).min()) < -_PSD_TOLERANCE:
        raise InputError.one(
            "correlations",
            "the covariance matrix of the logs is not positive semi-definite "
            "(each |omega| must be <= sqrt(omega2_a omega2_b), and jointly consistent)",
        )
    return VariabilityPlan(names, dict(typical), omega, sources)


def sample_etas(plan: VariabilityPlan, n: int, seed: int) -> Array:
    """``eta`` of shape (n, parameters): standard normals from ``default_rng(seed)`` times a factor of Omega."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, len(plan.names)))
    if not plan.names:
        return z
    w, v = np.linalg.eigh(plan.omega)
    factor = v * np.sqrt(np.clip(w, 0.0, None))
    return np.asarray(z @ factor.T, dtype=float)


def individual_parameters(plan: VariabilityPlan, etas: Array) -> dict[str, Array]:
    """``theta_i = theta_typ exp(eta_i)`` for the varying parameters; the others stay typical (shape (n,))."""
    n = etas.shape[0]
    out = {name: np.full(n, value, dtype=float) for name, value in plan.typical.items()}
    for column, name in enumerate(plan.names):
        out[name] = plan.typical[name] * np.exp(etas[:, column])
    return out
