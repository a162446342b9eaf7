"""The two tumour/plasma exposure models of ``spec/simulation.md`` as linear systems dx/dt = K x.

Model A ``tumour_depot_one_compartment`` (research note 1.2): states (tumour, central);
``dA_T/dt = -(k_out + k_deg) A_T``, ``dA_C/dt = k_out A_T - (CL/V1) A_C``; no uptake from plasma, so an
intravenous dose gives no tumour exposure. Model B ``tumour_two_compartment`` (note 1.3): states (tumour,
central, peripheral), uptake clearance ``CL_up = kp k_out V_T``, ``k_out = ln 2 / retention half-life``:
``dA_T/dt = CL_up A_C/V1 - (k_out + k_deg) A_T``,
``dA_C/dt = -(CL + Q + CL_up)/V1 A_C + Q/V2 A_P + k_out A_T``, ``dA_P/dt = Q/V1 A_C - Q/V2 A_P``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ioguide.simulation.linear import Array

TUMOUR, CENTRAL, PERIPHERAL = 0, 1, 2


@dataclass(frozen=True)
class PlasmaParameters:
    cl_l_day: float
    v1_l: float
    q_l_day: float | None = None
    v2_l: float | None = None


@dataclass(frozen=True)
class TumourParameters:
    volume_l: float
    retention_half_life_days: float
    kp: float = 0.0
    k_deg_per_day: float = 0.0

    @property
    def k_out_per_day(self) -> float:
        return math.log(2) / self.retention_half_life_days

    @property
    def uptake_clearance_l_day(self) -> float:
        """``CL_up = kp k_out V_T`` (note 1.3): the clearance that gives C_T = kp C_P at steady state."""
        return self.kp * self.k_out_per_day * self.volume_l


@dataclass(frozen=True)
class ExposureSystem:
    """A linear tumour/plasma system: rate matrix K (per day) and where each route's dose enters."""

    model: str
    k: Array
    tumour_volume_l: float
    central_volume_l: float

    def dose_vector(self, route: str, amount_mg: float) -> Array:
        x0 = np.zeros(self.k.shape[0])
        x0[TUMOUR if route == "intratumoral" else CENTRAL] = amount_mg
        return x0

    @property
    def iv_reaches_tumour(self) -> bool:
        return bool(self.k[TUMOUR, CENTRAL] > 0)


def depot_one_compartment(plasma: PlasmaParameters, tumour: TumourParameters) -> ExposureSystem:
    """Model A (note 1.2): the tumour depot drains into a one-compartment body (the Bateman function)."""
    k_out = tumour.k_out_per_day
    k = np.array(
        [
            [-(k_out + tumour.k_deg_per_day), 0.0],
            [k_out, -plasma.cl_l_day / plasma.v1_l],
        ]
    )
    return ExposureSystem("tumour_depot_one_compartment", k, tumour.volume_l, plasma.v1_l)


def tumour_two_compartment(plasma: PlasmaParameters, tumour: TumourParameters) -> ExposureSystem:
    """Model B (note 1.3): the tumour exchanges with the central compartment of a two-compartment body."""
    if plasma.q_l_day is None or plasma.v2_l is None:
        raise ValueError("tumour_two_compartment needs q_l_day and v2_l")
    k_out = tumour.k_out_per_day
    cl_up = tumour.uptake_clearance_l_day
    cl, v1, q, v2 = plasma.cl_l_day, plasma.v1_l, plasma.q_l_day, plasma.v2_l
    k = np.array(
        [
            [-(k_out + tumour.k_deg_per_day), cl_up / v1, 0.0],
            [k_out, -(cl + q + cl_up) / v1, q / v2],
            [0.0, q / v1, -q / v2],
        ]
    )
    return ExposureSystem("tumour_two_compartment", k, tumour.volume_l, v1)


def build_system(model: str, plasma: PlasmaParameters, tumour: TumourParameters) -> ExposureSystem:
    if model == "tumour_depot_one_compartment":
        return depot_one_compartment(plasma, tumour)
    return tumour_two_compartment(plasma, tumour)
