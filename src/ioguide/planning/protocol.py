"""The schema of an agent protocol file (``data/agents/*.yaml``): volume rule, visit limits, concentration,
schedule.

A protocol is data a program edits without code; this module only says what a valid file holds. Every file
cites
its label or trial publication in ``source`` (the reasons quote ``short_source``).
"""

from __future__ import annotations

import itertools
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from ioguide.validation import STRICT_INPUT


class Site(StrEnum):
    """Where a lesion sits; decides the guidance and the SIR 2019 procedure bleeding-risk class."""

    cutaneous = "cutaneous"
    subcutaneous = "subcutaneous"
    lymph_node = "lymph_node"
    soft_tissue = "soft_tissue"
    bone = "bone"
    liver = "liver"
    lung = "lung"
    pleura = "pleura"
    kidney = "kidney"
    adrenal = "adrenal"
    pancreas = "pancreas"
    spleen = "spleen"
    peritoneum = "peritoneum"


class Visit(StrEnum):
    """Which visit of a course: agents such as T-VEC change concentration and order after the first."""

    first = "first"
    subsequent = "subsequent"


class CapPolicy(StrEnum):
    """What to do when the next lesion's volume does not fit under the visit maximum
    (``spec/planning.md``)."""

    truncate = "truncate"
    skip = "skip"


class Priority(StrEnum):
    """Order in which lesions are filled: T-VEC label Table 1 (largest first; at later visits new lesions
    first)."""

    largest_first = "largest_first"
    new_first_then_largest = "new_first_then_largest"


class _Strict(BaseModel):
    model_config = STRICT_INPUT


class DiameterRow(_Strict):
    """One row of a volume-by-size table: ``above_mm < longest diameter <= up_to_mm`` gets up to
    ``max_volume_ml``."""

    above_mm: float | None = Field(default=None, ge=0)
    up_to_mm: float | None = Field(default=None, gt=0)
    max_volume_ml: float = Field(gt=0)

    @model_validator(mode="after")
    def _bounds(self) -> DiameterRow:
        if self.above_mm is None and self.up_to_mm is None:
            raise ValueError("a row needs above_mm, up_to_mm or both")
        if self.above_mm is not None and self.up_to_mm is not None and self.up_to_mm <= self.above_mm:
            raise ValueError("up_to_mm must be greater than above_mm")
        return self

    def matches(self, diameter_mm: float) -> bool:
        low_ok = self.above_mm is None or diameter_mm > self.above_mm
        high_ok = self.up_to_mm is None or diameter_mm <= self.up_to_mm
        return low_ok and high_ok

    def label(self) -> str:
        if self.above_mm is None:
            return f"<= {_num(self.up_to_mm)} mm"
        if self.up_to_mm is None:
            return f"> {_num(self.above_mm)} mm"
        return f"> {_num(self.above_mm)} to {_num(self.up_to_mm)} mm"


class DiameterTable(_Strict):
    """Volume by longest diameter, e.g. IMLYGIC US prescribing information Table 2."""

    kind: Literal["diameter_table"]
    rows: list[DiameterRow] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_overlap(self) -> DiameterTable:
        probes = sorted({b for r in self.rows for b in (r.above_mm, r.up_to_mm) if b is not None})
        points = [
            probes[0] / 2,
            *probes,
            *(a + (b - a) / 2 for a, b in itertools.pairwise(probes)),
        ]
        points.append(probes[-1] + 1)
        for p in points:
            hits = sum(r.matches(p) for r in self.rows)
            if hits != 1:
                raise ValueError(f"rows must cover every diameter exactly once ({hits} rows match {_num(p)} mm)")
        return self


class FractionOfVolume(_Strict):
    """Volume proportional to the lesion's ellipsoid volume (e.g. PV-10: 0.5 mL per cm3, Thompson 2008)."""

    kind: Literal["fraction_of_volume"]
    ml_per_cm3: float = Field(gt=0)
    min_volume_ml: float = Field(default=0.0, ge=0)
    max_volume_ml_per_lesion: float | None = Field(default=None, gt=0)


class FixedPerLesion(_Strict):
    """The same volume (and dose) into every injected lesion."""

    kind: Literal["fixed_per_lesion"]
    volume_ml: float = Field(gt=0)
    dose_mg: float | None = Field(default=None, gt=0)


VolumeRule = Annotated[DiameterTable | FractionOfVolume | FixedPerLesion, Field(discriminator="kind")]


class VisitLimits(_Strict):
    max_volume_ml: float = Field(gt=0)
    max_volume_source: str | None = None
    max_lesions: int | None = Field(default=None, ge=1)
    min_useful_volume_ml: float = Field(default=0.0, ge=0)
    default_cap_policy: CapPolicy = CapPolicy.truncate
    priority_first: Priority = Priority.largest_first
    priority_subsequent: Priority = Priority.largest_first


class Concentration(_Strict):
    unit: Literal["pfu_per_ml", "mg_per_ml", "cells_per_ml", "iu_per_ml"]
    label: str
    first: float = Field(gt=0)
    subsequent: float = Field(gt=0)

    def at(self, visit: Visit) -> float:
        return self.first if visit is Visit.first else self.subsequent


class NeedleGauge(_Strict):
    finest: int = Field(ge=10, le=34)
    coarsest: int = Field(ge=10, le=34)


class InjectionSchedule(_Strict):
    first_interval_days: int = Field(gt=0)
    then_every_days: int = Field(gt=0)
    window_days: int = Field(default=0, ge=0)
    window_source: str | None = None


class ImagingSchedule(_Strict):
    every_days: int = Field(gt=0)
    window_days: int = Field(default=0, ge=0)
    source: str


class BiopsyRule(_Strict):
    name: str
    before_first_days: int | None = Field(default=None, ge=0)
    at_injection: int | None = Field(default=None, ge=1)
    source: str

    @model_validator(mode="after")
    def _one_anchor(self) -> BiopsyRule:
        if (self.before_first_days is None) == (self.at_injection is None):
            raise ValueError("a biopsy needs exactly one of before_first_days or at_injection")
        return self


class LabSchedule(_Strict):
    before_each_injection: bool
    window_days: int = Field(default=0, ge=0)
    source: str


class Schedule(_Strict):
    source: str
    injections: InjectionSchedule
    imaging: ImagingSchedule | None = None
    biopsies: list[BiopsyRule] = Field(default_factory=list)
    labs: LabSchedule | None = None


class AgentProtocol(_Strict):
    """One agent protocol file. ``id`` must equal the file name without ``.yaml``."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    short_source: str
    source: str = Field(min_length=10)
    status: Literal["label", "trial_publication", "program"]
    route: Literal["intratumoral", "intralesional", "intra_arterial", "intrapleural", "intraperitoneal"]
    lesion_sites: list[Site] | None = None
    needle_gauge: NeedleGauge | None = None
    technique_notes: list[str] = Field(default_factory=list)
    volume_rule: VolumeRule
    visit: VisitLimits
    concentration: Concentration
    schedule: Schedule | None = None


def _num(value: float | None) -> str:
    """A number as a person writes it: 50.0 -> '50', 12.5 -> '12.5'."""
    if value is None:
        return "?"
    return f"{value:g}"
