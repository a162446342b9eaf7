"""Liver function and HCC stage: Child-Pugh score and class, ALBI score and grade, BCLC 2022 stage with the
treatment the guideline recommends for that stage (``ioguide plan liver``).

Rule tables are in ``data/planning/liver.yaml``. Clinician judgements stay inputs: ascites and encephalopathy
grades, ECOG, and BCLC's "preserved liver function", which Child-Pugh and ALBI inform but do not decide (Reig
et al.,
J Hepatol 2022: decompensation means non-preserved function irrespective of the Child-Pugh score).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ioguide.errors import InputError, Problem
from ioguide.planning.bands import Band, check_partition
from ioguide.planning.protocol import _num
from ioguide.validation import STRICT_INPUT

Stage = Literal["0", "A", "B", "C", "D"]


# ---- rule file schema ----
class _Rules(BaseModel):
    model_config = STRICT_INPUT


class PointsBand(Band):
    points: int = Field(ge=1, le=3)


class ClassBand(Band):
    class_: Literal["A", "B", "C"] = Field(alias="class")


class GradeBand(Band):
    grade: int = Field(ge=1, le=3)


class ChildPughRules(_Rules):
    source: str
    bilirubin_mg_dl: list[PointsBand]
    bilirubin_umol_l: list[PointsBand]
    albumin_g_l: list[PointsBand]
    inr: list[PointsBand]
    ascites: dict[Literal["none", "mild", "moderate_severe"], int]
    encephalopathy: dict[Literal["none", "grade_1_2", "grade_3_4"], int]
    classes: list[ClassBand]

    @model_validator(mode="after")
    def _partitions(self) -> ChildPughRules:
        for name in ("bilirubin_mg_dl", "bilirubin_umol_l", "albumin_g_l", "inr"):
            check_partition(list(getattr(self, name)), name)
        for score in range(5, 16):
            if sum(c.matches(score) for c in self.classes) != 1:
                raise ValueError(f"classes: score {score} must fall in exactly one class")
        return self


class AlbiRules(_Rules):
    source: str
    log10_bilirubin_coefficient: float
    albumin_coefficient: float
    grades: list[GradeBand]

    @model_validator(mode="after")
    def _partitions(self) -> AlbiRules:
        check_partition(list(self.grades), "grades")
        return self


class BclcRules(_Rules):
    source: str
    treatments: dict[Stage, list[str]]
    b_groups: dict[
        Literal["within_extended_transplant_criteria", "well_defined_selective_access", "diffuse_infiltrative"], int
    ]


class LiverRules(_Rules):
    """Schema of ``data/planning/liver.yaml``."""

    child_pugh: ChildPughRules
    albi: AlbiRules
    bclc: BclcRules


# ---- input ----
class LabsIn(BaseModel):
    model_config = STRICT_INPUT
    bilirubin_umol_l: float | None = None
    bilirubin_mg_dl: float | None = None
    albumin_g_l: float
    inr: float
    ascites: Literal["none", "mild", "moderate_severe"]
    encephalopathy: Literal["none", "grade_1_2", "grade_3_4"]


class TumourIn(BaseModel):
    model_config = STRICT_INPUT
    nodule_diameters_mm: list[float] = Field(min_length=1)
    macrovascular_invasion: bool
    extrahepatic_spread: bool
    b_group: (
        Literal["within_extended_transplant_criteria", "well_defined_selective_access", "diffuse_infiltrative"] | None
    ) = None


class LiverRequest(BaseModel):
    """Input of ``ioguide plan liver``: labs always; tumour, ECOG and liver function for the BCLC stage."""

    model_config = STRICT_INPUT
    labs: LabsIn
    tumour: TumourIn | None = None
    ecog: int | None = Field(default=None, ge=0, le=4)
    liver_function: Literal["preserved", "non_preserved"] | None = None
    transplant_candidate: bool | None = None


_RANGES = {  # plausible human values; outside them the input is almost surely a unit error
    "bilirubin_umol_l": (1.0, 1000.0, "umol/L (1 mg/dL = 17.1 umol/L)"),
    "bilirubin_mg_dl": (0.05, 60.0, "mg/dL"),
    "albumin_g_l": (10.0, 70.0, "g/L (g/dL x 10)"),
    "inr": (0.5, 15.0, "INR"),
}


def check_labs(labs: LabsIn) -> None:
    """Exactly one bilirubin unit; each value within a plausible range (Child-Pugh input out of range ->
    error)."""
    problems: list[Problem] = []
    if (labs.bilirubin_umol_l is None) == (labs.bilirubin_mg_dl is None):
        problems.append(Problem("labs.bilirubin_umol_l", "give exactly one of bilirubin_umol_l or bilirubin_mg_dl"))
    for name, (low, high, unit) in _RANGES.items():
        value = getattr(labs, name)
        if value is not None and not low <= value <= high:
            problems.append(Problem(f"labs.{name}", f"{_num(value)} is outside {_num(low)}-{_num(high)} {unit}"))
    if problems:
        raise InputError(problems)


def _points(bands: list[PointsBand], value: float, what: str, unit: str) -> tuple[int, str]:
    band = next(b for b in bands if b.matches(value))
    value_text = f"{_num(value)} {unit}".strip()
    return band.points, f"{what} {value_text} ({band.label()}): {band.points}"


def child_pugh(rules: ChildPughRules, labs: LabsIn) -> dict[str, Any]:
    """Child-Pugh score (5-15) and class A/B/C (Pugh et al., Br J Surg 1973): five items of 1-3 points."""
    if labs.bilirubin_umol_l is not None:
        bili = _points(rules.bilirubin_umol_l, labs.bilirubin_umol_l, "bilirubin", "umol/L")
    else:
        assert labs.bilirubin_mg_dl is not None
        bili = _points(rules.bilirubin_mg_dl, labs.bilirubin_mg_dl, "bilirubin", "mg/dL")
    items = {
        "bilirubin": bili,
        "albumin": _points(rules.albumin_g_l, labs.albumin_g_l, "albumin", "g/L"),
        "inr": _points(rules.inr, labs.inr, "INR", ""),
        "ascites": (rules.ascites[labs.ascites], f"ascites {labs.ascites}: {rules.ascites[labs.ascites]}"),
        "encephalopathy": (
            rules.encephalopathy[labs.encephalopathy],
            f"encephalopathy {labs.encephalopathy}: {rules.encephalopathy[labs.encephalopathy]}",
        ),
    }
    score = sum(p for p, _ in items.values())
    cls = next(c for c in rules.classes if c.matches(score)).class_
    reasons = [r for _, r in items.values()]
    reasons.append(f"score {score} -> class {cls} ({rules.source}: A 5-6, B 7-9, C 10-15)")
    return {"score": score, "class": cls, "points": {k: p for k, (p, _) in items.items()}, "reasons": reasons}


def albi(rules: AlbiRules, labs: LabsIn) -> dict[str, Any]:
    """ALBI = 0.66 x log10(bilirubin umol/L) - 0.085 x albumin g/L; grade 1 <= -2.60 < 2 <= -1.39 < 3 (Johnson
    2015)."""
    if labs.bilirubin_umol_l is not None:
        bili, note = labs.bilirubin_umol_l, ""
    else:
        assert labs.bilirubin_mg_dl is not None
        bili = labs.bilirubin_mg_dl * 17.1
        note = f" ({_num(labs.bilirubin_mg_dl)} mg/dL x 17.1 = {bili:.1f} umol/L)"
    score = rules.log10_bilirubin_coefficient * math.log10(bili) + rules.albumin_coefficient * labs.albumin_g_l
    band = next(g for g in rules.grades if g.matches(score))
    reasons = [
        f"{rules.source}: 0.66 x log10({bili:.1f}){note} - 0.085 x {_num(labs.albumin_g_l)} = {score:.3f}",
        f"{score:.3f} ({band.label()}) -> grade {band.grade}",
    ]
    return {"score": round(score, 3), "grade": band.grade, "reasons": reasons}


def bclc_stage(rules: BclcRules, request: LiverRequest) -> dict[str, Any]:
    """BCLC 2022 stage and the treatment recommended for it (Reig et al., J Hepatol 2022, Fig. 1).

    D: non-preserved liver function or ECOG > 2; C: macrovascular invasion, extrahepatic spread or ECOG 1-2;
    0: single nodule <= 20 mm, ECOG 0; A: single nodule, or 2-3 nodules each <= 30 mm, ECOG 0; B: the rest.
    """
    missing = [n for n in ("tumour", "ecog", "liver_function") if getattr(request, n) is None]
    if missing:
        return {"stage": None, "recommended_treatment": [], "reasons": [f"not evaluable: needs {', '.join(missing)}"]}
    tumour, ecog = request.tumour, request.ecog
    assert tumour is not None and ecog is not None
    sizes = tumour.nodule_diameters_mm
    n, largest = len(sizes), max(sizes)
    reasons = [
        f"{n} nodule(s), largest {_num(largest)} mm; ECOG {ecog}; liver function {request.liver_function} (clinician)"
    ]
    stage: Stage
    if request.liver_function == "non_preserved" or ecog > 2:
        stage, why = "D", "non-preserved (end-stage) liver function or ECOG > 2"
    elif tumour.macrovascular_invasion or tumour.extrahepatic_spread or ecog >= 1:
        stage, why = "C", "macrovascular invasion, extrahepatic spread or cancer-related ECOG 1-2"
    elif n == 1 and largest <= 20:
        stage, why = "0", "single nodule <= 20 mm, preserved liver function, ECOG 0"
    elif n == 1 or (n <= 3 and largest <= 30):
        stage, why = "A", "single nodule, or 2-3 nodules each <= 30 mm, preserved liver function, ECOG 0"
    else:
        stage, why = "B", "multinodular beyond A, no vascular invasion or spread, preserved function, ECOG 0"
    reasons.append(f"BCLC {stage}: {why} ({rules.source})")
    treatments = list(rules.treatments[stage])
    if stage == "B" and tumour.b_group is not None:
        treatments = [treatments[rules.b_groups[tumour.b_group]]]
        reasons.append(f"BCLC-B group {tumour.b_group} (clinician)")
    if stage == "D" and request.transplant_candidate:
        reasons.append("transplant candidate: evaluate liver transplantation if the tumour is within criteria")
    reasons.append("the final decision is the tumour board's; treatment stage migration is a recorded decision")
    return {"stage": stage, "recommended_treatment": treatments, "reasons": reasons}


def assess_liver(rules: LiverRules, request: LiverRequest) -> dict[str, Any]:
    """Child-Pugh, ALBI and (when the inputs are there) the BCLC 2022 stage, side by side."""
    check_labs(request.labs)
    cp = child_pugh(rules.child_pugh, request.labs)
    out = {"child_pugh": cp, "albi": albi(rules.albi, request.labs), "bclc": bclc_stage(rules.bclc, request)}
    if request.liver_function is not None:
        hint = {"A": "preserved", "C": "non_preserved"}.get(cp["class"], "a clinician's call")
        out["bclc"]["reasons"].insert(
            1, f"computed beside the clinician's liver function: Child-Pugh {cp['class']} suggests {hint}"
        )
    return out
