"""ASTCT 2019 consensus grading of cytokine release syndrome (Lee et al., Biol Blood Marrow Transplant
2019;25:625-38, the "ASTCT CRS Consensus Grading" table and its footnotes).

The grade is set by fever (>= 38.0 °C) with the more severe of hypotension and hypoxia; once a patient with CRS has
had antipyretic or anti-cytokine therapy, fever is no longer required (the "masked fever" rule). Organ toxicities
are graded with CTCAE and do not enter the CRS grade.

Hypotension or hypoxia without fever, when ``fever_masked`` is not given, is not CRS by the table (grade 0), but it
is never passed over in silence: the result carries a warning naming what to check (``spec/toxicity.md``, CRS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from ioguide.toxicity.checks import Checks, parse_checked
from ioguide.toxicity.values import result_dict
from ioguide.validation import STRICT_INPUT

SCALE = "ASTCT 2019"
FEVER_C = 38.0
LOW_FLOW_MAX_L_MIN = 6.0
TEMP_RANGE_C = (30.0, 45.0)

Hypotension = Literal["none", "no_vasopressor", "one_vasopressor", "multiple_vasopressors"]
Oxygen = Literal["none", "low_flow", "high_flow", "positive_pressure"]

#: Lee 2019 CRS table, hypotension row: none -> (grade 1 with fever), not requiring vasopressors -> 2, a vasopressor
#: with or without vasopressin -> 3, multiple vasopressors excluding vasopressin -> 4.
HYPOTENSION_GRADE: dict[str, int] = {
    "none": 0,
    "no_vasopressor": 2,
    "one_vasopressor": 3,
    "multiple_vasopressors": 4,
}
#: Lee 2019 CRS table, hypoxia row: low-flow nasal cannula (<= 6 L/min) or blow-by -> 2; high-flow nasal cannula
#: (> 6 L/min), facemask, non-rebreather or Venturi mask -> 3; positive pressure (CPAP, BiPAP, ventilation) -> 4.
OXYGEN_GRADE: dict[str, int] = {"none": 0, "low_flow": 2, "high_flow": 3, "positive_pressure": 4}


class CrsInput(BaseModel):
    """One grading period: the highest temperature, the worst hypotension support and oxygen support."""

    model_config = STRICT_INPUT

    temp_c: float | None = None
    fever_masked: bool = False
    hypotension: Hypotension
    oxygen: Oxygen
    oxygen_flow_l_min: float | None = None


@dataclass(frozen=True, slots=True)
class CrsGrade:
    """ASTCT CRS grade (0 = no CRS) with the inputs that set it and the rule text used."""

    grade: int
    fever: bool
    drivers: tuple[str, ...]
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    scale: str = SCALE

    def as_dict(self) -> dict[str, Any]:
        result = result_dict(self.grade, self.scale, {"fever": self.fever}, self.drivers, self.reasons)
        result["warnings"] = list(self.warnings)
        return result


def check_crs(crs: CrsInput, checks: Checks) -> None:
    """Cross-field rules of ``spec/toxicity.md`` (CRS): temperature needed unless masked, plausible values, and no
    low-flow oxygen above 6 L/min (Lee 2019 CRS table footnote: low-flow nasal cannula is <= 6 L/min)."""
    if crs.temp_c is None and not crs.fever_masked:
        checks.fail("temp_c", "required unless fever_masked is true (ASTCT 2019: CRS needs fever >= 38.0 °C)")
    checks.within("temp_c", crs.temp_c, *TEMP_RANGE_C, "a measured body temperature in °C")
    flow = crs.oxygen_flow_l_min
    if flow is not None:
        checks.within("oxygen_flow_l_min", flow, 0.0, 80.0, "an oxygen flow in L/min")
        if crs.oxygen == "low_flow" and flow > LOW_FLOW_MAX_L_MIN:
            checks.fail(
                "oxygen_flow_l_min",
                f"{flow:g} L/min contradicts oxygen low_flow (ASTCT 2019 CRS table: low-flow nasal cannula is "
                f"<= 6 L/min; above 6 L/min is high_flow)",
            )
        if crs.oxygen == "none" and flow > 0:
            checks.fail("oxygen_flow_l_min", f"{flow:g} L/min contradicts oxygen none")


def parse_crs(data: Any, prefix: tuple[str | int, ...] = ()) -> CrsInput:
    """Validate a CRS input document (``spec/toxicity.md``, CRS); raise ``InputError`` naming every bad field."""
    return parse_checked(CrsInput, check_crs, data, prefix)


def afebrile_warnings(crs: CrsInput, temp: str) -> tuple[str, ...]:
    """The warning for hypotension or hypoxia without fever and without ``fever_masked`` (``spec/toxicity.md``, CRS).

    Lee 2019 (CRS table, fever footnote): fever may be masked by antipyretic or anti-cytokine therapy (tocilizumab,
    corticosteroids), after which it is no longer required; the table itself cannot know that, so the clinician is
    asked. Empty when neither hypotension nor hypoxia is present."""
    findings = [
        f"{label} {value}"
        for label, value, none in (("hypotension", crs.hypotension, "none"), ("oxygen", crs.oxygen, "none"))
        if value != none
    ]
    if not findings:
        return ()
    would_be = max(HYPOTENSION_GRADE[crs.hypotension], OXYGEN_GRADE[crs.oxygen])
    return (
        f"{' and '.join(findings)} without fever (temperature {temp}) and fever_masked not given: graded 0 by the "
        f"ASTCT 2019 CRS table, which needs fever. Check whether antipyretics, tocilizumab or corticosteroids have "
        f"masked the fever (if so, set fever_masked: true; the grade would be {would_be}), and look for another "
        f"cause of the hypotension or hypoxia (sepsis, bleeding, cardiac or pulmonary causes).",
    )


def grade_crs(crs: CrsInput) -> CrsGrade:
    """Grade CRS by ASTCT 2019 (Lee et al. 2019, CRS consensus grading table).

    Fever is temperature >= 38.0 °C. Without fever and without ``fever_masked`` the CRS criteria are not met
    (grade 0); hypotension or hypoxia on such a day adds a warning (:func:`afebrile_warnings`). Otherwise the
    grade is the more severe of hypotension and hypoxia (footnote: "CRS grade is determined
    by the more severe event"), and 1 when neither is present (fever only, or masked fever with nothing else).
    """
    fever = crs.temp_c is not None and crs.temp_c >= FEVER_C
    temp = "not recorded" if crs.temp_c is None else f"{crs.temp_c:g} °C"
    if not fever and not crs.fever_masked:
        return CrsGrade(
            grade=0,
            fever=False,
            drivers=(),
            reasons=(
                f"ASTCT 2019 CRS table: temperature {temp} is below the 38.0 °C fever threshold and fever is not "
                f"masked by antipyretic or anti-cytokine therapy: CRS criteria not met, grade 0",
            ),
            warnings=afebrile_warnings(crs, temp),
        )
    hypo = HYPOTENSION_GRADE[crs.hypotension]
    oxy = OXYGEN_GRADE[crs.oxygen]
    grade = max(1, hypo, oxy)
    basis = (
        f"fever {temp} >= 38.0 °C"
        if fever
        else f"fever masked by antipyretic or anti-cytokine therapy (temperature {temp}): fever no longer required"
    )
    if grade == 1:
        drivers: tuple[str, ...] = ("temp_c",) if fever else ("fever_masked",)
        reason = f"ASTCT 2019 CRS table: {basis}, no hypotension, no hypoxia -> grade 1"
    else:
        drivers = tuple(name for name, g in (("hypotension", hypo), ("oxygen", oxy)) if g == grade)
        flow = "" if crs.oxygen_flow_l_min is None else f" at {crs.oxygen_flow_l_min:g} L/min"
        reason = (
            f"ASTCT 2019 CRS table: {basis}; hypotension {crs.hypotension} -> {max(hypo, 1)}, "
            f"oxygen {crs.oxygen}{flow} -> {max(oxy, 1)}; the more severe sets grade {grade}"
        )
    return CrsGrade(grade=grade, fever=fever, drivers=drivers, reasons=(reason,))
