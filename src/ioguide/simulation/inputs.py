"""Input models of ``ioguide simulate`` (``spec/simulation.md``): strict, unknown fields are errors.

Each numeric rule names itself in its message, e.g. ``tumour.volume_l: must be > 0 (a volume in litres is
positive)``; :func:`ioguide.validation.parse_model` adds the JSON path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from ioguide.validation import STRICT_INPUT


def _rule(check: Callable[[float], bool], text: str) -> AfterValidator:
    def validate(value: float) -> float:
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", "must be a finite number")
        if not check(value):
            raise PydanticCustomError("rule_broken", text)
        return value

    return AfterValidator(validate)


def positive(rule: str) -> AfterValidator:
    return _rule(lambda v: v > 0, f"must be > 0 ({rule})")


def non_negative(rule: str) -> AfterValidator:
    return _rule(lambda v: v >= 0, f"must be >= 0 ({rule})")


Volume = Annotated[float, positive("a volume in litres is positive")]
Clearance = Annotated[float, positive("a clearance in L/day is positive")]
HalfLife = Annotated[float, positive("a half-life in days is > 0")]
Rate = Annotated[float, non_negative("a rate constant per day is >= 0")]
PositiveRate = Annotated[float, positive("a rate constant per day is > 0")]
Day = Annotated[float, non_negative("days are counted from the first dose, day 0")]
Horizon = Annotated[float, positive("the horizon is a duration in days > 0")]
Amount = Annotated[float, positive("a dose amount is > 0")]
Fraction = Annotated[float, _rule(lambda v: 0 <= v <= 1, "must be between 0 and 1 (a fraction)")]
Percentile = Annotated[float, _rule(lambda v: 0 <= v <= 100, "must be between 0 and 100 (a percentile)")]

DrugRoute = Literal["intratumoral", "intravenous"]
CellRoute = Literal["intravenous", "intrapleural", "intraperitoneal", "intratumoral", "intra_arterial"]
ExposureModelName = Literal["tumour_depot_one_compartment", "tumour_two_compartment"]


class DrugParameters(BaseModel):
    """Plasma PK parameters; each overrides the drug table's value (``spec/simulation.md``, exposure)."""

    model_config = STRICT_INPUT
    cl_l_day: Clearance | None = None
    v1_l: Volume | None = None
    q_l_day: Clearance | None = None
    v2_l: Volume | None = None


class Tumour(BaseModel):
    """The injected tumour: volume, retention half-life (k_out = ln 2 / t1/2), partition kp, local loss."""

    model_config = STRICT_INPUT
    volume_l: Volume
    retention_half_life_days: HalfLife
    kp: Annotated[float, non_negative("kp is a tumour:plasma concentration ratio >= 0")] = 0.0
    k_deg_per_day: Rate = 0.0


class Dose(BaseModel):
    model_config = STRICT_INPUT
    day: Day
    amount_mg: Amount


class Regimen(BaseModel):
    model_config = STRICT_INPUT
    name: str = Field(min_length=1)
    route: DrugRoute
    doses: list[Dose] = Field(min_length=1)


class ExposureInput(BaseModel):
    """``ioguide simulate exposure`` input."""

    model_config = STRICT_INPUT
    model: ExposureModelName
    drug: str | None = None
    drug_parameters: DrugParameters = DrugParameters()
    tumour: Tumour
    regimens: list[Regimen] = Field(min_length=1)
    times_days: list[Day] = Field(min_length=1)
    horizon_days: Horizon


class SteinParameters(BaseModel):
    """Stein 2019 parameters (Table 1 names); each overrides the tisagenlecleucel table's typical value."""

    model_config = STRICT_INPUT
    cmax: Annotated[float, positive("the peak level is > 0")] | None = None
    foldx: Annotated[float, _rule(lambda v: v > 1, "must be > 1 (a fold expansion above baseline)")] | None = None
    tmax_days: Annotated[float, positive("the time to peak is > 0 days")] | None = None
    alpha_per_day: PositiveRate | None = None
    beta_per_day: PositiveRate | None = None
    fb: Fraction | None = None


class TwoSiteParameters(BaseModel):
    """Two-site extension parameters; the growth and exchange rates are assumptions (research note 2.5)."""

    model_config = STRICT_INPUT
    rho_regional_per_day: Rate | None = None
    rho_blood_per_day: Rate | None = None
    k_rb_per_day: Rate | None = None
    k_br_per_day: Rate | None = None
    tmax_days: Annotated[float, positive("the time to peak is > 0 days")] | None = None
    alpha_per_day: PositiveRate | None = None
    beta_per_day: PositiveRate | None = None
    fb: Fraction | None = None


class SteinInput(BaseModel):
    model_config = STRICT_INPUT
    model: Literal["stein2019"]
    parameters: SteinParameters = SteinParameters()
    times_days: list[Day] = Field(min_length=1)
    horizon_days: Horizon


class TwoSiteInput(BaseModel):
    model_config = STRICT_INPUT
    model: Literal["two_site"]
    route: CellRoute
    dose_cells: Annotated[float, positive("a dose of cells is > 0")]
    parameters: TwoSiteParameters = TwoSiteParameters()
    times_days: list[Day] = Field(min_length=1)
    horizon_days: Horizon


class Variability(BaseModel):
    model_config = STRICT_INPUT
    omega2: Annotated[float, non_negative("omega2 is the variance of the log, >= 0")]


class Correlation(BaseModel):
    model_config = STRICT_INPUT
    between: tuple[str, str]
    omega: Annotated[float, _rule(lambda v: True, "a covariance of two logs")]


class Simulation(BaseModel):
    model_config = STRICT_INPUT
    kind: Literal["exposure", "cart"]
    input: dict[str, object]


def _table_path(path: str) -> str:
    if not path.lower().endswith((".parquet", ".csv")):
        raise PydanticCustomError("rule_broken", "must end in .parquet or .csv (the per-patient table's format)")
    return path


class CohortInput(BaseModel):
    """``ioguide simulate cohort`` input; ``variability`` absent means the drug table's published IIV."""

    model_config = STRICT_INPUT
    simulation: Simulation
    n: Annotated[int, Field(ge=1, le=10_000_000)]
    seed: Annotated[int, Field(ge=0)] = 0
    variability: dict[str, Variability] | None = None
    correlations: list[Correlation] | None = None
    percentiles: list[Percentile] = Field(default=[5.0, 50.0, 95.0], min_length=1)
    per_patient_out: (
        Annotated[
            str,
            AfterValidator(_table_path),
        ]
        | None
    ) = None
    chunk_size: Annotated[int, Field(ge=1)] = 10_000
