"""Virtual-cohort benchmark: ioguide's vectorised exact solutions vs scipy.integrate.solve_ivp looped per patient.

Run: ``python benchmarks/cohort.py [--patients 100000] [--loop 1000]`` (prints a Markdown table).

Workloads (issue 9): 100,000 virtual patients x 29 time points (days 0..28)
  1. tumour_two_compartment (ipilimumab, Feng 2014 IIV on CL and V1 with their covariance; tumour from the
     spec example), two regimens (IT 10 mg, IV 240 mg): ioguide computes the tumour and plasma curves, AUCs to
     28 days and to infinity, Cmax and Tmax for every patient (``simulation.batch_exposure``);
  2. Stein 2019 (tisagenlecleucel, Table 1 IIV read as variances): levels, AUC, peak, doubling time.
ioguide is timed end to end as ``ioguide simulate cohort`` runs it (``run_cohort``: sampling, solving in chunks
of 10,000, percentiles, per-patient table). The baseline is what a user would otherwise write: ``solve_ivp``
per patient (LSODA and RK45, rtol 1e-8, atol 1e-12: the loosest setting that keeps agreement within 1e-6),
timed on ``--loop`` patients and scaled to the cohort. Agreement: largest relative difference of the curves over
the looped patients (values above 1e-9 of each curve's max).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from ioguide.simulation import batch_exposure, stein2019
from ioguide.simulation.cohort import run_cohort
from ioguide.simulation.inputs import CohortInput, ExposureInput
from ioguide.simulation.sampling import build_plan, individual_parameters, sample_etas
from ioguide.validation import parse_model

TIMES = np.arange(29.0)
EXPOSURE = {
    "model": "tumour_two_compartment",
    "drug": "ipilimumab",
    "tumour": {"volume_l": 0.05, "retention_half_life_days": 1.0, "kp": 0.1},
    "regimens": [
        {"name": "IT 10 mg", "route": "intratumoral", "doses": [{"day": 0, "amount_mg": 10}]},
        {"name": "IV 240 mg", "route": "intravenous", "doses": [{"day": 0, "amount_mg": 240}]},
    ],
    "times_days": TIMES.tolist(),
    "horizon_days": 28,
}
TOL = {"rtol": 1e-8, "atol": 1e-12}


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def max_rel_diff(ours: np.ndarray, ref: np.ndarray) -> float:
    scale = np.abs(ref).max(axis=-1, keepdims=True)
    mask = np.abs(ref) > 1e-9 * scale
    return float((np.abs(ours - ref)[mask] / np.abs(ref)[mask]).max())


def exposure_params(n: int, seed: int) -> dict[str, np.ndarray]:
    typical = {"cl_l_day": 0.36, "v1_l": 4.15, "q_l_day": 0.9864, "v2_l": 3.11}
    typical.update({"tumour.volume_l": 0.05, "tumour.retention_half_life_days": 1.0, "tumour.kp": 0.1})
    typical["tumour.k_deg_per_day"] = 0.0
    plan = build_plan(typical, {"cl_l_day": 0.125, "v1_l": 0.0223}, [("cl_l_day", "v1_l", 0.0254)], {})
    return individual_parameters(plan, sample_etas(plan, n, seed))


def exposure_cohort(n: int) -> Any:
    data = {
        "simulation": {"kind": "exposure", "input": EXPOSURE},
        "n": n,
        "seed": 1,
        "variability": {"cl_l_day": {"omega2": 0.125}, "v1_l": {"omega2": 0.0223}},
        "correlations": [{"between": ["cl_l_day", "v1_l"], "omega": 0.0254}],
    }
    return run_cohort(parse_model(CohortInput, data))


def stein_cohort(n: int) -> Any:
    data = {
        "simulation": {
            "kind": "cart",
            "input": {"model": "stein2019", "times_days": TIMES.tolist(), "horizon_days": 28},
        },
        "n": n,
        "seed": 1,
    }
    return run_cohort(parse_model(CohortInput, data))


def exposure_vectorised(n: int) -> list[dict[str, np.ndarray]]:
    sim = ExposureInput.model_validate(EXPOSURE)
    return batch_exposure.cohort_metrics(sim.model, exposure_params(n, 1), sim.regimens, TIMES.tolist(), 28.0)


def exposure_loop(n: int, method: str) -> np.ndarray:
    """(patients, regimens, 2 curves, 29 times) from solve_ivp, one call per patient and regimen."""
    p = exposure_params(n, 1)
    out = np.zeros((n, 2, 2, TIMES.size))
    k_out = np.log(2) / 1.0
    cl_up = 0.1 * k_out * 0.05
    for i in range(n):
        cl, v1, q, v2 = (float(p[k][i]) for k in ("cl_l_day", "v1_l", "q_l_day", "v2_l"))

        def rhs(_t: float, y: np.ndarray, cl: float = cl, v1: float = v1, q: float = q, v2: float = v2) -> list[float]:
            return [
                cl_up * y[1] / v1 - k_out * y[0],
                -(cl + q + cl_up) / v1 * y[1] + q / v2 * y[2] + k_out * y[0],
                q / v1 * y[1] - q / v2 * y[2],
            ]

        for j, y0 in enumerate(([10.0, 0.0, 0.0], [0.0, 240.0, 0.0])):
            sol = solve_ivp(rhs, (0, 28), y0, method=method, t_eval=TIMES, **TOL)
            out[i, j, 0] = sol.y[0] / 0.05
            out[i, j, 1] = sol.y[1] / v1
    return out


def stein_params(n: int) -> dict[str, np.ndarray]:
    data = {
        "simulation": {"kind": "cart", "input": {"model": "stein2019", "times_days": [1], "horizon_days": 28}},
        "n": n,
        "seed": 1,
    }
    parse_model(CohortInput, data)  # the same validation a cohort run does
    typical = {
        "cmax": 24000.0,
        "foldx": 3900.0,
        "tmax_days": 9.3,
        "alpha_per_day": 0.16,
        "beta_per_day": 0.0032,
        "fb": 0.0079,
    }
    omega2 = {"cmax": 0.65, "foldx": 2.4, "tmax_days": 0.38, "alpha_per_day": 0.91, "fb": 0.8, "beta_per_day": 0.86}
    plan = build_plan(typical, omega2, [], {})
    return individual_parameters(plan, sample_etas(plan, n, 1))


def stein_vectorised(n: int) -> dict[str, np.ndarray]:
    """Sampling included (issue 9: the whole 100,000-patient Stein cohort in under 1 s)."""
    p = stein2019.SteinParameters(**{k: v[:, None] for k, v in stein_params(n).items()})
    cmax, _ = stein2019.peak(p, 28.0)
    return {
        "level": stein2019.level(p, TIMES),
        "auc": stein2019.auc(p, 28.0),
        "cmax": cmax,
        "doubling": stein2019.doubling_time(p),
    }


def stein_loop(n: int, method: str) -> np.ndarray:
    """Effector/memory ODE per patient, integrated in two segments split at Tmax (pitfall 10)."""
    p = stein_params(n)
    times = TIMES
    out = np.zeros((n, times.size))
    for i in range(n):
        cmax, foldx, tmax = p["cmax"][i], p["foldx"][i], p["tmax_days"][i]
        alpha, beta, fb = p["alpha_per_day"][i], p["beta_per_day"][i], p["fb"][i]
        rho, k = np.log(foldx) / tmax, fb * (alpha - beta)
        early = times[times < tmax]
        first = solve_ivp(
            lambda _t, y, r=rho: [r * y[0], 0.0],
            (0, min(tmax, 28.0)),
            [cmax / foldx, 0.0],
            method=method,
            t_eval=early,
            **TOL,
        )
        out[i, : early.size] = first.y.sum(axis=0)
        late = times[times >= tmax]
        if late.size:
            start = [cmax, 0.0]
            second = solve_ivp(
                lambda _t, y, a=alpha, b=beta, kk=k: [-a * y[0], kk * y[0] - b * y[1]],
                (tmax, 28.0),
                start,
                method=method,
                t_eval=late,
                **TOL,
            )
            out[i, early.size :] = second.y.sum(axis=0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--loop", type=int, default=1_000)
    args = parser.parse_args()
    n, m = args.patients, args.loop

    rows = []
    t_vec, _ = best_of(3, lambda: exposure_cohort(n))
    ours_small = exposure_vectorised(m)
    ours_curves = np.stack([np.stack([g["tumour_mg_l"], g["plasma_mg_l"]], axis=1) for g in ours_small], axis=1)
    for method in ("LSODA", "RK45"):
        t_loop, ref = best_of(1, lambda method=method: exposure_loop(m, method))
        diff = max(max_rel_diff(ours_curves[:, j, c], ref[:, j, c]) for j in range(2) for c in range(2))
        scaled = t_loop * n / m
        rows.append(("tumour_two_compartment, 2 regimens", method, t_vec, scaled, diff))
    t_stein, _ = best_of(3, lambda: stein_cohort(n))
    t_stein_core, _ = best_of(3, lambda: stein_vectorised(n))
    ours_stein = stein_vectorised(m)["level"]
    for method in ("LSODA", "RK45"):
        t_loop, ref = best_of(1, lambda method=method: stein_loop(m, method))
        rows.append(("stein2019", method, t_stein, t_loop * n / m, max_rel_diff(ours_stein, ref)))

    print(f"{n:,} patients x {TIMES.size} times; solve_ivp looped over {m:,} patients and scaled x{n // m}\n")
    print("| model | solve_ivp method | ioguide (s) | solve_ivp loop, scaled (s) | ratio | max rel. diff |")
    print("|---|---|---:|---:|---:|---:|")
    for model, method, ours, loop, diff in rows:
        print(f"| {model} | {method} | {ours:.3f} | {loop:,.1f} | {loop / ours:,.0f}x | {diff:.1e} |")
    print(f"\nStein 2019 closed form alone (sampling + levels + AUC + peak, no percentiles): {t_stein_core:.3f} s")


if __name__ == "__main__":
    main()
