"""``simulate cohort``: N virtual patients with log-normal variability, percentiles of every metric.

Vectorised over patients (arrays of shape patients x times, no Python loop over patients); the cohort is cut
into chunks that a ``mapper`` evaluates (the built-in ``map`` locally, or Dask), and because all random draws
are made up front from one seeded generator and every patient's numbers depend only on that patient, the
result is identical whichever way the chunks run. Sources: ``spec/simulation.md`` (cohort) and research note
3.5 (recipe and the distributional facts the tests check).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ioguide.errors import InputError
from ioguide.simulation import batch_exposure, stein2019
from ioguide.simulation.cart import CAR_T_PRODUCT
from ioguide.simulation.drugs import DrugData, load_drug
from ioguide.simulation.exposure import Assumption, resolve_plasma, tumour_assumptions
from ioguide.simulation.inputs import CohortInput, ExposureInput, SteinInput
from ioguide.simulation.linear import Array
from ioguide.simulation.sampling import VariabilityPlan, build_plan, individual_parameters, sample_etas
from ioguide.validation import parse_model

Metrics = dict[str, Array]
Chunk = Callable[[dict[str, Array]], list[Metrics]]
Mapper = Callable[[Chunk, list[dict[str, Array]]], Iterable[list[Metrics]]]

_STEIN_SCALARS = ("auc_0_horizon", "cmax", "tmax_days", "doubling_time_days")


@dataclass(frozen=True)
class CohortResult:
    """Percentiles per group (a regimen, or the CAR-T level), per-patient columns, and the explanations."""

    summary: dict[str, Any]
    per_patient: dict[str, Array]

    def as_dict(self) -> dict[str, Any]:
        return self.summary


@dataclass(frozen=True)
class _Setup:
    kind: str
    plan: VariabilityPlan
    evaluate: Chunk
    groups: list[dict[str, Any]]
    scalar_names: tuple[str, ...]
    curve_names: tuple[str, ...]
    echo: dict[str, Any]
    assumptions: list[Assumption]
    reasons: list[str]


def _table_variability(
    drug: DrugData | None, typical: dict[str, float]
) -> tuple[dict[str, float], list[tuple[str, str, float]], dict[str, str]]:
    if drug is None:
        return {}, [], {}
    square = drug.variability_reading == "sd"
    omega2 = {name: (v.omega2**2 if square else v.omega2) for name, v in drug.variability.items() if name in typical}
    covs = [(c.between[0], c.between[1], c.omega) for c in drug.correlations]
    sources = {name: v.source for name, v in drug.variability.items() if name in typical}
    return omega2, covs, sources


def _plan(inp: CohortInput, drug: DrugData | None, typical: dict[str, float]) -> tuple[VariabilityPlan, str]:
    if inp.variability is None:
        omega2, covs, sources = _table_variability(drug, typical)
        how = f"variability from {drug.name}: {drug.citation}" if drug else "no variability given"
        if drug is not None:
            how += (
                " (table values read as SDs of the log and squared)"
                if drug.variability_reading == "sd"
                else " (table values read as variances of the log, omega2)"
            )
    else:
        omega2 = {name: v.omega2 for name, v in inp.variability.items()}
        covs = [(c.between[0], c.between[1], c.omega) for c in inp.correlations or []]
        sources = {name: "input" for name in omega2}
        how = "variability from the input (omega2 = variance of the log)"
    return build_plan(typical, omega2, covs, sources), how


def _exposure_setup(inp: CohortInput) -> _Setup:
    sim = parse_model(ExposureInput, inp.simulation.input, ("simulation", "input"))
    try:
        plasma, drug, notes = resolve_plasma(sim)
    except InputError as err:
        raise InputError([type(p)(f"simulation.input.{p.field}", p.message) for p in err.problems]) from None
    if sim.model == "tumour_depot_one_compartment" and sim.tumour.kp > 0:
        raise InputError.one("simulation.input.tumour.kp", "must be 0 for tumour_depot_one_compartment")
    typical = dict(plasma)
    typical.update({f"tumour.{k}": float(v) for k, v in sim.tumour.model_dump().items()})
    plan, how = _plan(inp, drug, typical)
    times = [float(t) for t in sim.times_days]
    horizon = float(sim.horizon_days)

    def evaluate(params: dict[str, Array]) -> list[Metrics]:
        return batch_exposure.cohort_metrics(sim.model, params, sim.regimens, times, horizon)

    groups = [
        {"name": r.name, "route": r.route, "total_dose_mg": float(sum(d.amount_mg for d in r.doses))}
        for r in sim.regimens
    ]
    reasons = [
        "exact linear solution per patient (eigendecomposition of K, matrix exponential where it is "
        "ill-conditioned); superposition over doses",
        how,
        *notes,
    ]
    return _Setup(
        kind="exposure",
        plan=plan,
        evaluate=evaluate,
        groups=groups,
        scalar_names=batch_exposure.SCALAR_METRICS,
        curve_names=batch_exposure.CURVE_METRICS,
        echo={"model": sim.model, "drug": sim.drug, "times_days": times, "horizon_days": horizon},
        assumptions=tumour_assumptions(sim),
        reasons=reasons,
    )


def _stein_setup(inp: CohortInput) -> _Setup:
    if inp.simulation.input.get("model") == "two_site":
        raise InputError.one(
            "simulation.input.model", "'two_site' cohorts are not available yet; cohorts support 'stein2019'"
        )
    sim = parse_model(SteinInput, inp.simulation.input, ("simulation", "input"))
    product = load_drug(CAR_T_PRODUCT)
    typical = {name: v.value for name, v in product.parameters.items()}
    typical.update(sim.parameters.model_dump(exclude_none=True))
    plan, how = _plan(inp, product, typical)
    times = np.asarray(sim.times_days, float)
    horizon = float(sim.horizon_days)

    def evaluate(params: dict[str, Array]) -> list[Metrics]:
        p = stein2019.SteinParameters(**{name: values[:, None] for name, values in params.items()})
        cmax, tmax = stein2019.peak(p, horizon)
        return [
            {
                "level": stein2019.level(p, times),
                "auc_0_horizon": stein2019.auc(p, horizon)[:, 0],
                "cmax": cmax[:, 0],
                "tmax_days": tmax[:, 0],
                "doubling_time_days": stein2019.doubling_time(p)[:, 0],
            }
        ]

    reasons = ["Stein 2019 closed form per patient (Figure 2), log-normal IIV on each parameter", how]
    return _Setup(
        kind="cart",
        plan=plan,
        evaluate=evaluate,
        groups=[{"name": "stein2019"}],
        scalar_names=_STEIN_SCALARS,
        curve_names=("level",),
        echo={"model": "stein2019", "times_days": [float(t) for t in times], "horizon_days": horizon},
        assumptions=[],
        reasons=reasons,
    )


def chunk_slices(n: int, chunk_size: int) -> list[slice]:
    return [slice(start, min(start + chunk_size, n)) for start in range(0, n, chunk_size)]


def run_cohort(
    inp: CohortInput, mapper: Mapper | None = None, progress: Callable[[int, int], None] | None = None
) -> CohortResult:
    """Sample, evaluate chunk by chunk with ``mapper`` (default: local ``map``), and summarise."""
    setup = _exposure_setup(inp) if inp.simulation.kind == "exposure" else _stein_setup(inp)
    etas = sample_etas(setup.plan, inp.n, inp.seed)
    params = individual_parameters(setup.plan, etas)
    slices = chunk_slices(inp.n, inp.chunk_size)
    chunks = [{name: values[s] for name, values in params.items()} for s in slices]
    parts: list[list[Metrics]] = []
    run: Iterator[list[Metrics]] = iter((mapper or map)(setup.evaluate, chunks))
    for done, part in enumerate(run, start=1):
        parts.append(part)
        if progress is not None:
            progress(done, len(chunks))
    metrics = [
        {name: np.concatenate([part[g][name] for part in parts]) for name in parts[0][g]}
        for g in range(len(setup.groups))
    ]
    return CohortResult(_summary(inp, setup, metrics, len(chunks)), _per_patient(setup, params, metrics))


def _percentiles(values: Array, q: list[float]) -> list[Any]:
    out: list[Any] = np.asarray(np.percentile(values, q, axis=0), dtype=float).tolist()
    return out


def _summary(inp: CohortInput, setup: _Setup, metrics: list[Metrics], n_chunks: int) -> dict[str, Any]:
    q = [float(p) for p in inp.percentiles]
    groups = []
    for group, values in zip(setup.groups, metrics, strict=True):
        entry = dict(group)
        entry.update({name: _percentiles(values[name], q) for name in setup.curve_names})
        entry.update({name: _percentiles(values[name], q) for name in setup.scalar_names})
        groups.append(entry)
    plan = setup.plan
    variability = {
        name: {"typical": plan.typical[name], "omega2": float(plan.omega[i, i]), "source": plan.sources[name]}
        for i, name in enumerate(plan.names)
    }
    correlations = [
        {"between": [a, b], "omega": float(plan.omega[i, j]), "correlation": plan.correlation(a, b)}
        for i, a in enumerate(plan.names)
        for j, b in enumerate(plan.names)
        if j > i and plan.omega[i, j] != 0
    ]
    reasons = [
        *setup.reasons,
        f"{inp.n} virtual patients, seed {inp.seed}, {n_chunks} chunk(s) of at most {inp.chunk_size}; "
        "theta_i = theta_typ exp(eta_i), eta ~ N(0, Omega) (research note 3.5)",
        f"percentiles {q} of each metric across patients (numpy linear interpolation)",
    ]
    return {
        "kind": setup.kind,
        **setup.echo,
        "n": inp.n,
        "seed": inp.seed,
        "percentiles": q,
        "variability": variability,
        "correlations": correlations,
        "groups": groups,
        "per_patient_out": inp.per_patient_out,
        "assumptions": [vars(a) for a in setup.assumptions],
        "reasons": reasons,
    }


def _per_patient(setup: _Setup, params: dict[str, Array], metrics: list[Metrics]) -> dict[str, Array]:
    """One row per patient: the varying parameters, then every scalar metric per group (``group.metric``)."""
    n = next(iter(params.values())).shape[0]
    table: dict[str, Array] = {"patient": np.arange(n, dtype=float)}
    table.update({name: params[name] for name in setup.plan.names})
    for group, values in zip(setup.groups, metrics, strict=True):
        for name in setup.scalar_names:
            table[f"{group['name']}.{name}"] = values[name]
    return table
