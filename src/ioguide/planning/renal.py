"""R.E.N.A.L. nephrometry score for a renal mass considered for ablation (Kutikov & Uzzo, J Urol 2009, Table
1).

R (maximal diameter) and N (distance of the deepest point to the collecting system or sinus) are banded from
the
measurements; E (exophytic share), A (anterior/posterior), L (location against the polar lines) and contact
with the
main renal artery or vein ("h") are the reader's calls. Output: points, total, complexity and the string
(``"10ah"``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ioguide.errors import InputError, Problem
from ioguide.planning.bands import Band, check_partition
from ioguide.planning.protocol import _num
from ioguide.validation import STRICT_INPUT

Exophytic = Literal["ge_50_percent", "lt_50_percent", "entirely_endophytic"]
Location = Literal["beyond_polar_lines", "crosses_polar_line", "central"]


class PointsBand(Band):
    points: int = Field(ge=1, le=3)


class ComplexityBand(Band):
    name: Literal["low", "moderate", "high"]


class RenalRules(BaseModel):
    """Schema of ``data/planning/renal.yaml``."""

    model_config = STRICT_INPUT
    source: str
    radius_mm: list[PointsBand]
    nearness_mm: list[PointsBand]
    exophytic: dict[Exophytic, int]
    location: dict[Location, int]
    complexity: list[ComplexityBand]

    @model_validator(mode="after")
    def _partitions(self) -> RenalRules:
        check_partition(list(self.radius_mm), "radius_mm")
        check_partition(list(self.nearness_mm), "nearness_mm")
        return self


class RenalRequest(BaseModel):
    """Input of ``ioguide plan renal``."""

    model_config = STRICT_INPUT
    max_diameter_mm: float
    nearness_to_collecting_system_mm: float
    exophytic: Exophytic
    anterior_posterior: Literal["a", "p", "x"]
    location: Location
    touches_main_renal_vessel: bool


def renal_score(rules: RenalRules, request: RenalRequest) -> dict[str, Any]:
    """R + E + N + L points (4-12), A as a letter suffix, ``h`` when the tumour touches the main renal
    vessels."""
    problems = []
    if request.max_diameter_mm <= 0:
        problems.append(Problem("max_diameter_mm", "must be above 0 (a diameter is > 0 mm)"))
    if request.nearness_to_collecting_system_mm < 0:
        problems.append(Problem("nearness_to_collecting_system_mm", "must be >= 0 mm"))
    if problems:
        raise InputError(problems)
    r_band = next(b for b in rules.radius_mm if b.matches(request.max_diameter_mm))
    n_band = next(b for b in rules.nearness_mm if b.matches(request.nearness_to_collecting_system_mm))
    points = {
        "R": r_band.points,
        "E": rules.exophytic[request.exophytic],
        "N": n_band.points,
        "L": rules.location[request.location],
    }
    total = sum(points.values())
    complexity = next(c for c in rules.complexity if c.matches(total)).name
    suffix = ("" if request.anterior_posterior == "x" else request.anterior_posterior) + (
        "h" if request.touches_main_renal_vessel else ""
    )
    reasons = [
        f"R: maximal diameter {_num(request.max_diameter_mm)} mm ({r_band.label()} mm): {points['R']}",
        f"E: {request.exophytic} (reader): {points['E']}",
        f"N: {_num(request.nearness_to_collecting_system_mm)} mm to the collecting system ({n_band.label()} mm): "
        f"{points['N']}",
        f"A: {request.anterior_posterior} (reader, no points)",
        f"L: {request.location} (reader): {points['L']}",
        f"total {total} -> {complexity} complexity ({rules.source}: low 4-6, moderate 7-9, high 10-12)",
    ]
    if request.touches_main_renal_vessel:
        reasons.append("h: touches the main renal artery or vein (reader)")
    return {"score": f"{total}{suffix}", "total": total, "points": points, "complexity": complexity, "reasons": reasons}
