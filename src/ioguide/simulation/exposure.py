"""``simulate exposure``: tumour and plasma concentrations by route, AUCs, Cmax, and the IT/IV tumour-AUC ratio.

Exact: every curve is ``e^{Kt} x0`` summed over doses (superposition of a linear system), every AUC is
``K^-1 (e^{KT} - I) x0`` (Van Loan's block exponential if K is singular). Model and formulas:
``shared/research/pk-cell-kinetics.md`` 1.2-1.3; contract: ``shared/spec/simulation.md`` (exposure).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ioguide.errors import InputError, Problem
from ioguide.simulation import linear
from ioguide.simulation.drugs import DrugData, load_drug
from ioguide.simulation.inputs import ExposureInput, Regimen
from ioguide.simulation.linear import Array
from ioguide.simulation.tumour_models import (
    CENTRAL,
    TUMOUR,
    ExposureSystem,
    PlasmaParameters,
    TumourParameters,
    build_system,
)

_PLASMA_NAMES = {
    "tumour_depot_one_compartment": ("cl_l_day", "v1_l"),
    "tumour_two_compartment": ("cl_l_day", "v1_l", "q_l_day", "v2_l"),
}
_TUMOUR_NAMES = ("volume_l", "retention_half_life_days", "kp", "k_deg_per_day")


@dataclass(frozen=True)
class Assumption:
    parameter: str
    value: float
    source: str


@dataclass(frozen=True)
class RegimenExposure:
    name: str
    route: str
    total_dose_mg: float
    tumour_mg_l: list[float]
    plasma_mg_l: list[float]
    auc_tumour_mg_day_l: float
    auc_plasma_mg_day_l: float
    auc_plasma_inf_mg_day_l: float
    cmax_plasma_mg_l: float
    tmax_plasma_days: float


@dataclass(frozen=True)
class ExposureResult:
    model: str
    drug: str | None
    parameters: dict[str, float]
    tumour: dict[str, float]
    regimens: list[RegimenExposure]
    tumour_auc_ratio_same_dose: float | None
    iv_dose_for_equal_tumour_auc_mg: float | None
    times_days: list[float]
    horizon_days: float
    assumptions: list[Assumption]
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_plasma(inp: ExposureInput) -> tuple[dict[str, float], DrugData | None, list[str]]:
    """Plasma parameters: the drug table's values, overridden by ``drug_parameters``; names missing are errors."""
    drug = load_drug(inp.drug) if inp.drug is not None else None
    overrides = inp.drug_parameters.model_dump(exclude_none=True)
    values: dict[str, float] = {}
    notes: list[str] = []
    problems: list[Problem] = []
    for name in _PLASMA_NAMES[inp.model]:
        if name in overrides:
            values[name] = float(overrides[name])
            if drug is not None and name in drug.parameters:
                tabled = drug.parameters[name]
                notes.append(f"{name} = {values[name]} from the input (table: {tabled.value}, {tabled.source})")
        elif drug is not None and name in drug.parameters:
            values[name] = drug.parameters[name].value
        else:
            problems.append(Problem(f"drug_parameters.{name}", f"required by {inp.model} (no drug table gives it)"))
    if problems:
        raise InputError(problems)
    return values, drug, notes


def _check_model(inp: ExposureInput) -> None:
    if inp.model == "tumour_depot_one_compartment" and inp.tumour.kp > 0:
        raise InputError.one(
            "tumour.kp",
            f"{inp.tumour.kp}: must be 0 for tumour_depot_one_compartment (Model A has no uptake from plasma; "
            "use tumour_two_compartment)",
        )


def regimen_doses(system: ExposureSystem, regimen: Regimen) -> list[tuple[float, Array]]:
    return [(dose.day, system.dose_vector(regimen.route, dose.amount_mg)) for dose in regimen.doses]


def plasma_peak(system: ExposureSystem, doses: list[tuple[float, Array]], horizon: float) -> tuple[float, float]:
    """Plasma Cmax (mg/L) and Tmax (days) over [0, horizon]: the exact maximum between dose days."""
    amount, when = linear.peak_over_doses(system.k, doses, horizon, CENTRAL)
    return amount / system.central_volume_l, when


def regimen_exposure(system: ExposureSystem, regimen: Regimen, times: list[float], horizon: float) -> RegimenExposure:
    doses = regimen_doses(system, regimen)
    states = linear.superpose(system.k, doses, times)
    auc = linear.superposed_integral(system.k, doses, horizon)
    auc_inf = linear.superposed_integral_to_infinity(system.k, doses)
    cmax, tmax = plasma_peak(system, doses, horizon)
    return RegimenExposure(
        name=regimen.name,
        route=regimen.route,
        total_dose_mg=float(sum(d.amount_mg for d in regimen.doses)),
        tumour_mg_l=[float(v) for v in states[:, TUMOUR] / system.tumour_volume_l],
        plasma_mg_l=[float(v) for v in states[:, CENTRAL] / system.central_volume_l],
        auc_tumour_mg_day_l=float(auc[TUMOUR] / system.tumour_volume_l),
        auc_plasma_mg_day_l=float(auc[CENTRAL] / system.central_volume_l),
        auc_plasma_inf_mg_day_l=float(auc_inf[CENTRAL] / system.central_volume_l),
        cmax_plasma_mg_l=cmax,
        tmax_plasma_days=tmax,
    )


def tumour_auc_ratio(system: ExposureSystem) -> float | None:
    """Tumour AUC(0-inf) per mg, intratumoral over intravenous (note 1.3: ``1 + CL / (kp k_out V_T)``).

    Computed exactly as ``(-K^-1 e_T)_T / (-K^-1 e_C)_T``; None when an intravenous dose gives no tumour
    exposure (Model A, or kp = 0).
    """
    if not system.iv_reaches_tumour:
        return None
    per_mg_it = linear.integral_to_infinity(system.k, system.dose_vector("intratumoral", 1.0))[TUMOUR]
    per_mg_iv = linear.integral_to_infinity(system.k, system.dose_vector("intravenous", 1.0))[TUMOUR]
    if not per_mg_iv > 0:
        return None  # uptake so small (e.g. a subnormal kp) that no tumour exposure follows an IV dose
    ratio = float(per_mg_it / per_mg_iv)
    return ratio if math.isfinite(ratio) else None


def tumour_assumptions(inp: ExposureInput) -> list[Assumption]:
    return [Assumption(f"tumour.{name}", float(getattr(inp.tumour, name)), "assumption") for name in _TUMOUR_NAMES]


def simulate_exposure(inp: ExposureInput) -> ExposureResult:
    """Tumour and plasma exposure per regimen for one typical patient (``spec/simulation.md``, exposure)."""
    _check_model(inp)
    values, drug, notes = resolve_plasma(inp)
    plasma = PlasmaParameters(**values)
    tumour = TumourParameters(**inp.tumour.model_dump())
    system = build_system(inp.model, plasma, tumour)
    times = [float(t) for t in inp.times_days]
    horizon = float(inp.horizon_days)
    regimens = [regimen_exposure(system, r, times, horizon) for r in inp.regimens]

    reasons = ["exact linear solution by matrix exponential; AUCs from K^-1 (e^{KT} - I) x0"]
    if drug is not None:
        reasons.append(f"{drug.name} plasma PK: {drug.citation}")
        if drug.caveat:
            reasons.append(drug.caveat)
    reasons.extend(notes)
    assumptions = tumour_assumptions(inp)
    if drug is not None:
        assumptions += [
            Assumption(name, value.value, value.source)
            for name, value in drug.parameters.items()
            if name in values and value.is_assumption and name not in inp.drug_parameters.model_fields_set
        ]

    first_it = next((r for r in regimens if r.route == "intratumoral"), None)
    first_iv = next((r for r in regimens if r.route == "intravenous"), None)
    ratio = tumour_auc_ratio(system) if first_it and first_iv else None
    iv_equal = ratio * first_it.total_dose_mg if ratio is not None and first_it is not None else None
    if ratio is not None:
        reasons.append(
            f"tumour AUC(0-inf) per mg, intratumoral over intravenous = {ratio:.6g} "
            f"(= 1 + CL/(kp k_out V_T) with CL {values['cl_l_day']} L/day, kp {tumour.kp}, "
            f"k_out {tumour.k_out_per_day:.6g}/day, V_T {tumour.volume_l} L; research note 1.3)"
        )
    elif first_it and first_iv:
        reasons.append(
            "tumour AUC ratio not evaluable: in this model an intravenous dose gives no tumour exposure "
            "(Model A has no uptake from plasma; Model B needs kp > 0)"
        )
    else:
        reasons.append("tumour AUC ratio not evaluable: needs one intratumoral and one intravenous regimen")

    return ExposureResult(
        model=inp.model,
        drug=inp.drug,
        parameters=values,
        tumour={name: float(getattr(inp.tumour, name)) for name in _TUMOUR_NAMES},
        regimens=regimens,
        tumour_auc_ratio_same_dose=ratio,
        iv_dose_for_equal_tumour_auc_mg=iv_equal,
        times_days=times,
        horizon_days=horizon,
        assumptions=assumptions,
        reasons=reasons,
    )
