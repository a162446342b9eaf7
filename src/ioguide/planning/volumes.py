"""Per-lesion volume from an agent protocol's volume rule, in exact hundredths of a millilitre.

Volumes are kept as integer centi-millilitres (0.01 mL, the spec's rounding) so that sums and the visit cap
are
exact: 4.0 - 2.0 - 1.0 - 0.5 leaves exactly 0.5 mL, never 0.49999.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ioguide.planning.protocol import DiameterTable, FixedPerLesion, FractionOfVolume, _num


def to_cml(volume_ml: float) -> int:
    """Millilitres to whole hundredths of a millilitre (half up)."""
    return int((Decimal(repr(volume_ml)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def ml(cml: int) -> float:
    """Hundredths of a millilitre back to millilitres (a plain JSON number)."""
    return cml / 100


def fmt_ml(cml: int) -> str:
    """A volume for reasons: 400 -> '4.0', 25 -> '0.25'."""
    text = f"{cml / 100:.2f}"
    return text[:-1] if text.endswith("0") else text


@dataclass(frozen=True, slots=True)
class LesionVolume:
    """The volume a rule allows for one lesion (``cml`` is None when it cannot be computed) and why."""

    cml: int | None
    reason: str


def ellipsoid_cm3(longest_mm: float, second_mm: float, third_mm: float | None) -> float:
    """Ellipsoid volume pi/6 x L x W x H in cm3 (H = W when only two diameters are known).

    Source: standard ellipsoid formula used for intralesional dosing by lesion volume (research note
    ``toxicity-and-procedures.md`` §6.3); PV-10 doses are per cm3 of lesion volume (Thompson 2008).
    """
    height = second_mm if third_mm is None else third_mm
    return math.pi / 6 * longest_mm * second_mm * height / 1000.0


def table_volume(rule: DiameterTable, longest_mm: float) -> LesionVolume:
    """Volume by longest diameter, e.g. IMLYGIC US prescribing information Table 2 (rows in mm)."""
    for row in rule.rows:
        if row.matches(longest_mm):
            cml = to_cml(row.max_volume_ml)
            return LesionVolume(cml, f"longest diameter {_num(longest_mm)} mm: {row.label()} -> up to {fmt_ml(cml)} mL")
    raise AssertionError("the schema guarantees the table covers every diameter")  # pragma: no cover


def fraction_volume(
    rule: FractionOfVolume, longest_mm: float, second_mm: float | None, third_mm: float | None
) -> LesionVolume:
    """Volume = mL per cm3 x ellipsoid volume, clipped to the rule's per-lesion minimum and maximum."""
    if second_mm is None:
        return LesionVolume(
            None,
            "lesion volume not evaluable: this protocol doses by lesion volume and needs "
            "perpendicular_diameter_mm (ellipsoid pi/6 x L x W x H)",
        )
    cm3 = ellipsoid_cm3(longest_mm, second_mm, third_mm)
    cml = to_cml(rule.ml_per_cm3 * cm3)
    axes = f"{_num(longest_mm)} x {_num(second_mm)} x {_num(third_mm if third_mm is not None else second_mm)} mm"
    text = f"ellipsoid {axes} = {cm3:.2f} cm3 x {_num(rule.ml_per_cm3)} mL/cm3 = {fmt_ml(cml)} mL"
    low = to_cml(rule.min_volume_ml)
    if cml < low:
        cml, text = low, f"{text}; raised to the protocol minimum {fmt_ml(low)} mL"
    if rule.max_volume_ml_per_lesion is not None and cml > to_cml(rule.max_volume_ml_per_lesion):
        cml = to_cml(rule.max_volume_ml_per_lesion)
        text = f"{text}; capped at the per-lesion maximum {fmt_ml(cml)} mL"
    return LesionVolume(cml, text)


def fixed_volume(rule: FixedPerLesion) -> LesionVolume:
    """The same volume (and dose) into every lesion."""
    dose = f" ({_num(rule.dose_mg)} mg)" if rule.dose_mg is not None else ""
    return LesionVolume(to_cml(rule.volume_ml), f"fixed {fmt_ml(to_cml(rule.volume_ml))} mL{dose} per lesion")
