"""Eligibility for a program: its inclusion and exclusion criteria are data (``data/programs/*.yaml``).

Each criterion is ``met``, ``not_met`` or ``unknown`` (value missing: said, never guessed). For an exclusion,
``met`` means the exclusion applies. The patient is ``eligible: yes`` only if every inclusion is met and no
exclusion is met; ``no`` if any inclusion is not met or any exclusion is met; otherwise ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ioguide.planning.protocol import _num
from ioguide.validation import STRICT_INPUT

Status = Literal["met", "not_met", "unknown"]


class PatientFacts(BaseModel):
    """What the criteria may ask about; every value is optional (missing -> ``unknown``)."""

    model_config = STRICT_INPUT
    assessment_date: date | None = None
    ecog: int | None = Field(default=None, ge=0, le=5)
    measurable_lesions: int | None = Field(default=None, ge=0)
    injectable_lesions: int | None = Field(default=None, ge=0)
    non_injected_measurable_lesions: int | None = Field(default=None, ge=0)
    platelets_10e9_l: float | None = Field(default=None, gt=0)
    neutrophils_10e9_l: float | None = Field(default=None, ge=0)
    hemoglobin_g_dl: float | None = Field(default=None, gt=0)
    inr: float | None = Field(default=None, gt=0)
    creatinine_clearance_ml_min: float | None = Field(default=None, ge=0)
    bilirubin_x_uln: float | None = Field(default=None, ge=0)
    alt_x_uln: float | None = Field(default=None, ge=0)
    last_systemic_therapy_date: date | Literal["never"] | None = None
    last_radiotherapy_date: date | Literal["never"] | None = None
    immunocompromised: bool | None = None
    pregnant: bool | None = None
    active_autoimmune_disease: bool | None = None
    anticoagulation_cannot_be_held: bool | None = None


FactName = Literal[
    "ecog", "measurable_lesions", "injectable_lesions", "non_injected_measurable_lesions", "platelets_10e9_l",
    "neutrophils_10e9_l", "hemoglobin_g_dl", "inr", "creatinine_clearance_ml_min", "bilirubin_x_uln", "alt_x_uln",
    "last_systemic_therapy_date", "last_radiotherapy_date", "immunocompromised", "pregnant",
    "active_autoimmune_disease", "anticoagulation_cannot_be_held",
]  # fmt: skip


class Criterion(BaseModel):
    """One criterion: exactly one test among ``min``, ``max``, ``equals`` and ``washout_days``."""

    model_config = STRICT_INPUT
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["inclusion", "exclusion"]
    text: str
    field: FactName
    min: float | None = None
    max: float | None = None
    equals: bool | None = None
    washout_days: int | None = Field(default=None, ge=0)
    source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _one_test(self) -> Criterion:
        tests = [t for t in ("min", "max", "equals", "washout_days") if getattr(self, t) is not None]
        if len(tests) != 1:
            raise ValueError(f"a criterion needs exactly one of min, max, equals, washout_days (got {tests or 'none'})")
        is_date = self.field.endswith("_date")
        if is_date != (self.washout_days is not None):
            raise ValueError("washout_days goes with a *_date field, and only there")
        return self


class Program(BaseModel):
    """Schema of ``data/programs/<id>.yaml``."""

    model_config = STRICT_INPUT
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    source: str = Field(min_length=10)
    criteria: list[Criterion] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Program:
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError("criterion ids must be unique")
        return self


class EligibilityRequest(BaseModel):
    model_config = STRICT_INPUT
    program: str
    patient: PatientFacts


@dataclass(frozen=True, slots=True)
class CriterionResult:
    id: str
    kind: str
    text: str
    status: Status
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text, "status": self.status, "reasons": [self.reason]}


def evaluate_criterion(c: Criterion, patient: PatientFacts) -> CriterionResult:
    """One criterion against the patient's facts; a missing value gives ``unknown`` with the reason."""
    value = getattr(patient, c.field)
    cite = f"({c.source})"
    if value is None:
        return CriterionResult(c.id, c.kind, c.text, "unknown", f"{c.field} not given: cannot evaluate {cite}")
    if c.washout_days is not None:
        return _washout(c, value, patient.assessment_date)
    if c.equals is not None:
        ok = bool(value) is c.equals
        word = "true" if value else "false"
        return CriterionResult(c.id, c.kind, c.text, "met" if ok else "not_met", f"{c.field} is {word} {cite}")
    if c.min is not None:
        ok, rule = value >= c.min, f">= {_num(c.min)}"
    else:
        assert c.max is not None
        ok, rule = value <= c.max, f"<= {_num(c.max)}"
    verdict = "meets" if ok else "does not meet"
    reason = f"{c.field} {_num(value)} {verdict} {rule} {cite}"
    return CriterionResult(c.id, c.kind, c.text, "met" if ok else "not_met", reason)


def _washout(c: Criterion, value: date | str, today: date | None) -> CriterionResult:
    assert c.washout_days is not None
    if value == "never":
        return CriterionResult(c.id, c.kind, c.text, "met", f"{c.field}: never given ({c.source})")
    if today is None:
        return CriterionResult(
            c.id, c.kind, c.text, "unknown", f"assessment_date not given: cannot count the {c.washout_days}-day washout"
        )
    assert isinstance(value, date)
    days = (today - value).days
    ok = days >= c.washout_days
    reason = (
        f"{days} days from {value.isoformat()} to {today.isoformat()}; washout >= {c.washout_days} days ({c.source})"
    )
    return CriterionResult(c.id, c.kind, c.text, "met" if ok else "not_met", reason)


def assess_eligibility(program: Program, patient: PatientFacts) -> dict[str, Any]:
    """Every criterion of ``program`` and the overall answer (``yes`` / ``no`` / ``unknown``)."""
    results = [evaluate_criterion(c, patient) for c in program.criteria]
    blocking = [
        r
        for r in results
        if (r.kind == "inclusion" and r.status == "not_met") or (r.kind == "exclusion" and r.status == "met")
    ]
    unknown = [r for r in results if r.status == "unknown"]
    if blocking:
        eligible, why = "no", "not eligible: " + ", ".join(r.id for r in blocking)
    elif unknown:
        eligible, why = "unknown", "cannot decide until known: " + ", ".join(r.id for r in unknown)
    else:
        eligible, why = "yes", "every inclusion met and no exclusion applies"
    return {
        "program": program.id,
        "eligible": eligible,
        "criteria": [r.as_dict() for r in results],
        "reasons": [why, f"criteria from {program.name} ({program.source})"],
    }
