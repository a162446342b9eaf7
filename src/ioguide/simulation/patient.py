"""Exposure from a patient's recorded injections: one tumour compartment per injected lesion, shared plasma.

Structure: ``shared/research/pk-cell-kinetics.md`` 1.3 (Model B) with pitfall 13 ("several lesions: give each
injected lesion its own tumour compartment (V_T,i, k_out,i) feeding the same central compartment"). For each
agent with a drug table the states are (lesion 1 .. lesion L, central, peripheral); each injection puts
``volume_ml x concentration_mg_ml`` mg into its lesion on its day (days counted from the agent's first
injection); the system is solved exactly (matrix exponential, superposition). Every value that is not in the
records is an assumption and is listed: the lesion volume (a sphere on the latest recorded diameter,
``pi/6 d^3``), the retention half-life and kp.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ioguide.simulation import linear
from ioguide.simulation.drugs import all_drugs
from ioguide.simulation.exposure import Assumption
from ioguide.simulation.linear import Array

#: Follow-up after the last injection when no horizon is given (days).
DEFAULT_FOLLOW_UP_DAYS = 28.0


@dataclass(frozen=True)
class InjectionRecord:
    """One lesion injected at one procedure, as recorded (``POST .../procedures``, kind ``injection``)."""

    date: dt.date
    agent: str
    lesion: str
    volume_ml: float | None
    concentration_mg_ml: float | None


@dataclass(frozen=True)
class LesionDiameter:
    """A recorded diameter of a lesion (RECIST long axis; short axis for nodes) at a timepoint."""

    lesion: str
    date: dt.date
    diameter_mm: float


@dataclass(frozen=True)
class TumourAssumptions:
    """Tumour-side values no record holds; all are assumptions and are repeated in the result."""

    retention_half_life_days: float = 1.0
    kp: float = 0.0
    horizon_days: float | None = None


@dataclass(frozen=True)
class LesionExposure:
    lesion: str
    volume_l: float | None
    doses: list[dict[str, Any]]
    tumour_mg: list[float]
    tumour_mg_l: list[float] | None
    auc_tumour_mg_day_l: float | None


@dataclass(frozen=True)
class AgentExposure:
    agent: str
    first_injection: str
    parameters: dict[str, float]
    lesions: list[LesionExposure]
    plasma_mg_l: list[float]
    auc_plasma_mg_day_l: float
    auc_plasma_inf_mg_day_l: float
    cmax_plasma_mg_l: float
    tmax_plasma_days: float


@dataclass(frozen=True)
class PatientExposure:
    agents: list[AgentExposure]
    not_evaluable: list[dict[str, str]]
    times_days: list[float]
    horizon_days: float
    assumptions: list[Assumption]
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sphere_volume_l(diameter_mm: float) -> float:
    """``pi/6 d^3`` in litres (1 L = 1e6 mm^3): the lesion taken as a sphere on its recorded diameter."""
    return math.pi / 6.0 * diameter_mm**3 * 1e-6


def latest_diameter(diameters: list[LesionDiameter], lesion: str, by: dt.date) -> LesionDiameter | None:
    """The latest diameter of ``lesion`` measured on or before ``by``."""
    found = [d for d in diameters if d.lesion == lesion and d.date <= by]
    return max(found, key=lambda d: d.date) if found else None


def _rate_matrix(p: dict[str, float], k_out: float, uptake: list[float]) -> Array:
    """States (lesions..., central, peripheral); ``uptake`` is each lesion's CL_up in L/day (note 1.3)."""
    n_les = len(uptake)
    c, per = n_les, n_les + 1
    k = np.zeros((n_les + 2, n_les + 2))
    for i, cl_up in enumerate(uptake):
        k[i, i] = -k_out
        k[i, c] = cl_up / p["v1_l"]
        k[c, i] = k_out
    k[c, c] = -(p["cl_l_day"] + p["q_l_day"] + sum(uptake)) / p["v1_l"]
    k[c, per] = p["q_l_day"] / p["v2_l"]
    k[per, c] = p["q_l_day"] / p["v1_l"]
    k[per, per] = -p["q_l_day"] / p["v2_l"]
    return k


def _usable(
    injections: list[InjectionRecord],
) -> tuple[dict[str, list[tuple[InjectionRecord, float]]], list[dict[str, str]]]:
    """Injections by agent with their amount in mg; the others, each with why it cannot be simulated."""
    drugs = all_drugs()
    usable: dict[str, list[tuple[InjectionRecord, float]]] = {}
    not_evaluable: list[dict[str, str]] = []
    for rec in injections:
        where = f"{rec.date.isoformat()} {rec.agent} into {rec.lesion}"
        if rec.agent.lower() not in drugs:
            reason = f"no drug table for {rec.agent!r}; known: {', '.join(sorted(drugs))}"
            not_evaluable.append({"injection": where, "reason": reason})
        elif rec.volume_ml is None or rec.concentration_mg_ml is None:
            reason = "amount unknown: volume_ml and concentration_mg_ml are both needed"
            not_evaluable.append({"injection": where, "reason": reason})
        else:
            usable.setdefault(rec.agent.lower(), []).append((rec, rec.volume_ml * rec.concentration_mg_ml))
    return usable, not_evaluable


def _lesion_volumes(
    name: str, lesions: list[str], diameters: list[LesionDiameter], by: dt.date, notes: list[str]
) -> tuple[list[float | None], list[Assumption]]:
    volumes: list[float | None] = []
    assumptions: list[Assumption] = []
    for lesion in lesions:
        measured = latest_diameter(diameters, lesion, by)
        if measured is None:
            volumes.append(None)
            notes.append(f"{name}, lesion {lesion}: no diameter recorded by {by.isoformat()}: volume unknown")
            continue
        volume = sphere_volume_l(measured.diameter_mm)
        volumes.append(volume)
        source = f"assumption (sphere on the {measured.diameter_mm} mm diameter of {measured.date.isoformat()})"
        assumptions.append(Assumption(f"{name}.{lesion}.volume_l", volume, source))
    return volumes, assumptions


def _agent_exposure(
    name: str,
    recs: list[tuple[InjectionRecord, float]],
    diameters: list[LesionDiameter],
    tumour: TumourAssumptions,
    times: list[float],
    horizon: float,
    notes: list[str],
) -> tuple[AgentExposure, list[Assumption]]:
    params = {key: all_drugs()[name].parameters[key].value for key in ("cl_l_day", "v1_l", "q_l_day", "v2_l")}
    first = min(rec.date for rec, _ in recs)
    lesions = sorted({rec.lesion for rec, _ in recs})
    volumes, assumptions = _lesion_volumes(name, lesions, diameters, max(rec.date for rec, _ in recs), notes)
    k_out = math.log(2) / tumour.retention_half_life_days
    k = _rate_matrix(params, k_out, [tumour.kp * k_out * v if v is not None else 0.0 for v in volumes])
    central = len(lesions)
    doses: list[tuple[float, Array]] = []
    given: dict[str, list[dict[str, Any]]] = {lesion: [] for lesion in lesions}
    for rec, amount in sorted(recs, key=lambda item: (item[0].date, item[0].lesion)):
        day = float((rec.date - first).days)
        x0 = np.zeros(k.shape[0])
        x0[lesions.index(rec.lesion)] = amount
        doses.append((day, x0))
        given[rec.lesion].append({"date": rec.date.isoformat(), "day": day, "amount_mg": amount})
    states = linear.superpose(k, doses, times)
    auc = linear.superposed_integral(k, doses, horizon)
    auc_inf = linear.superposed_integral_to_infinity(k, doses)
    peak, when = linear.peak_over_doses(k, doses, horizon, central)
    exposure = AgentExposure(
        agent=name,
        first_injection=first.isoformat(),
        parameters=params,
        lesions=[
            LesionExposure(
                lesion=lesion,
                volume_l=volume,
                doses=given[lesion],
                tumour_mg=[float(v) for v in states[:, i]],
                tumour_mg_l=None if volume is None else [float(v) for v in states[:, i] / volume],
                auc_tumour_mg_day_l=None if volume is None else float(auc[i] / volume),
            )
            for i, (lesion, volume) in enumerate(zip(lesions, volumes, strict=True))
        ],
        plasma_mg_l=[float(v) for v in states[:, central] / params["v1_l"]],
        auc_plasma_mg_day_l=float(auc[central] / params["v1_l"]),
        auc_plasma_inf_mg_day_l=float(auc_inf[central] / params["v1_l"]),
        cmax_plasma_mg_l=peak / params["v1_l"],
        tmax_plasma_days=when,
    )
    return exposure, assumptions


def patient_exposure(
    injections: list[InjectionRecord],
    diameters: list[LesionDiameter],
    tumour: TumourAssumptions = TumourAssumptions(),
) -> PatientExposure:
    """Exposure per injected lesion and in plasma for each agent with a drug table (see module docstring)."""
    usable, not_evaluable = _usable(injections)
    last_day = max(
        ((rec.date - min(r.date for r, _ in recs)).days for recs in usable.values() for rec, _ in recs), default=0
    )
    horizon = tumour.horizon_days if tumour.horizon_days is not None else last_day + DEFAULT_FOLLOW_UP_DAYS
    times = [float(t) for t in range(math.floor(horizon) + 1)]
    assumptions = [
        Assumption("tumour.retention_half_life_days", tumour.retention_half_life_days, "assumption"),
        Assumption("tumour.kp", tumour.kp, "assumption"),
    ]
    reasons = [
        "one tumour compartment per injected lesion feeding the drug's two-compartment plasma model "
        "(research note 1.3 and pitfall 13); exact matrix exponential, superposition over injections",
        "lesion volume: a sphere on the latest diameter recorded on or before the agent's last injection "
        "(pi/6 d^3; the long axis overestimates an ellipsoid)",
        "days are counted from each agent's first recorded injection",
    ]
    agents: list[AgentExposure] = []
    for name, recs in sorted(usable.items()):
        exposure, used = _agent_exposure(name, recs, diameters, tumour, times, float(horizon), reasons)
        agents.append(exposure)
        assumptions += used
        reasons.append(f"{name} plasma PK: {all_drugs()[name].citation}")
    if not agents:
        reasons.append("no injection could be simulated: see not_evaluable")
    return PatientExposure(agents, not_evaluable, times, float(horizon), assumptions, reasons)
