"""CIRSE classification of complications of interventional radiology procedures.

Sources: Filippiadis DK, Binkert C, Pellerin O, et al. CIRSE quality assurance document and standards for
classification of complications: the CIRSE classification system. Cardiovasc Intervent Radiol 2017;40:1141-6
(grades 1-6, table "CIRSE classification system"); and Filippiadis D, Pereira PL, Hausegger KA, Ryan AG, Binkert CA.
The modified CIRSE classification system. Cardiovasc Intervent Radiol 2026;49:2-6 (grades 1 and 3 split by their
impact on the patient: 1a/1b by success or failure of the procedure, 3a/3b by length of hospital stay).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from ioguide.toxicity.checks import Checks, parse_checked
from ioguide.toxicity.values import result_dict
from ioguide.validation import STRICT_INPUT

SCALES = {"cirse_2017": "CIRSE 2017", "modified_cirse": "modified CIRSE 2026"}
GRADE_2_MAX_STAY_H = 48.0


class CirseInput(BaseModel):
    """``spec/toxicity.md``, CIRSE: what the complication did to the patient (all fields optional)."""

    model_config = STRICT_INPUT

    resolved_in_session: bool = False
    unplanned_stay_h: float = 0.0
    additional_therapy: bool = False
    sequelae: Literal["none", "mild_permanent", "severe_permanent"] = "none"
    death: bool = False
    classification: Literal["cirse_2017", "modified_cirse"] = "cirse_2017"
    procedure_failed: bool = False


@dataclass(frozen=True, slots=True)
class CirseGrade:
    """CIRSE grade 0-6 (0 = no complication) and, for the modified classification, the sub-grade if decidable."""

    grade: int
    scale: str
    subgrade: str | None
    drivers: tuple[str, ...]
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        extra = {"subgrade": self.subgrade} if self.scale == SCALES["modified_cirse"] else {}
        return result_dict(self.grade, self.scale, extra, self.drivers, self.reasons)


def parse_cirse(data: Any, prefix: tuple[str | int, ...] = ()) -> CirseInput:
    """Validate a CIRSE input; ``procedure_failed`` belongs to the modified classification only."""
    return parse_checked(CirseInput, check_cirse, data, prefix)


def check_cirse(cirse: CirseInput, checks: Checks) -> None:
    """Plausible stay; 1a/1b (``procedure_failed``) exists only in the modified classification, for grade 1."""
    checks.within("unplanned_stay_h", cirse.unplanned_stay_h, 0.0, 24.0 * 365, "hours beyond the planned stay")
    if cirse.procedure_failed and cirse.classification != "modified_cirse":
        checks.fail("procedure_failed", "used only by the modified CIRSE classification (grade 1a/1b, 2026)")
    if cirse.procedure_failed and not cirse.resolved_in_session:
        checks.fail("procedure_failed", "grade 1b needs a complication solved in the session (resolved_in_session)")


def grade_cirse(cirse: CirseInput) -> CirseGrade:
    """CIRSE 2017 grade (Filippiadis 2017, classification table), worst outcome first: 6 death; 5 permanent severe
    sequela (ongoing help in daily life); 4 permanent mild sequela (resumes work and independent living); 3 extra
    post-procedure therapy or an unplanned stay > 48 h; 2 unplanned observation or stay > 0 and <= 48 h without extra
    therapy; 1 solved in the same session; 0 no complication. ``spec/toxicity.md`` fixes exactly 48 h as grade 2."""
    stay = cirse.unplanned_stay_h
    drivers: tuple[str, ...]
    if cirse.death:
        grade, drivers, why = 6, ("death",), "death"
    elif cirse.sequelae == "severe_permanent":
        grade, drivers, why = 5, ("sequelae",), "permanent severe sequela (ongoing assistance in daily life)"
    elif cirse.sequelae == "mild_permanent":
        grade, drivers, why = 4, ("sequelae",), "permanent mild sequela (resumes work and independent living)"
    elif cirse.additional_therapy or stay > GRADE_2_MAX_STAY_H:
        drivers = tuple(
            f for f, on in (("additional_therapy", cirse.additional_therapy), ("unplanned_stay_h", stay > 48)) if on
        )
        grade, why = 3, f"additional post-procedure therapy or unplanned stay > 48 h (stay {stay:g} h), no sequela"
    elif stay > 0:
        grade, drivers, why = 2, ("unplanned_stay_h",), f"unplanned stay {stay:g} h (> 0 and <= 48 h), no therapy"
        if stay == GRADE_2_MAX_STAY_H:
            why += (
                "; exactly 48 h is neither '< 48 h' (grade 2) nor '> 48 h' (grade 3) in the CIRSE table: "
                "spec/toxicity.md counts it as grade 2"
            )
    elif cirse.resolved_in_session:
        grade, drivers, why = 1, ("resolved_in_session",), "solved in the same session, no extra therapy or stay"
    else:
        grade, drivers, why = 0, (), "no complication recorded"
    scale = SCALES[cirse.classification]
    reasons = [f"CIRSE 2017 (Filippiadis et al. 2017): {why} -> grade {grade}"]
    subgrade = None
    if cirse.classification == "modified_cirse":
        if grade == 1:
            subgrade = "1b" if cirse.procedure_failed else "1a"
            outcome = "the procedure failed" if cirse.procedure_failed else "the procedure succeeded"
            reasons.append(f"modified CIRSE 2026: grade 1 solved in the same procedure and {outcome} -> {subgrade}")
            drivers += ("procedure_failed",) if cirse.procedure_failed else ()
        elif grade == 3:
            reasons.append(
                "modified CIRSE 2026 splits grade 3 into 3a/3b by length of hospital stay; the sub-grade "
                "thresholds were not verified against the full text, so no sub-grade is assigned"
            )
    return CirseGrade(grade, scale, subgrade, drivers, tuple(reasons))
