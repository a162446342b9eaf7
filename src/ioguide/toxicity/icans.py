"""ASTCT 2019 consensus grading of immune effector cell-associated neurotoxicity syndrome (ICANS).

Sources: Lee et al., Biol Blood Marrow Transplant 2019;25:625-38 — the ICE table (orientation 4, naming 3,
following commands 1, writing 1, attention 1), the "ASTCT ICANS Consensus Grading for Adults" table and the ICANS
table for children (under 12 years, or older with developmental delay: the Cornell Assessment of Pediatric
Delirium, CAPD, replaces ICE). Tables are cited by title because reproductions number them differently.
The grade is the most severe of the five domains; tremor, myoclonus and intracranial haemorrhage are not ICANS
(grade them with CTCAE).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from ioguide.toxicity.checks import Checks, parse_checked
from ioguide.toxicity.values import result_dict
from ioguide.validation import STRICT_INPUT

SCALE = "ASTCT 2019"
#: Lee 2019: ICE is for adults and children aged 12 years and older; below 12 years the paediatric table's CAPD
#: applies. Exactly 12.0 years uses ICE.
CHILD_BELOW_YEARS = 12

Consciousness = Literal["awake", "awakens_spontaneously", "awakens_to_voice", "awakens_to_touch", "unarousable"]
Seizure = Literal["none", "resolved", "prolonged"]
Edema = Literal["none", "focal", "diffuse"]

#: Lee 2019 ICE table: points per ICE item (maximum).
ICE_ITEM_MAX: dict[str, int] = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}
#: Lee 2019 adult (and paediatric) ICANS table, depressed level of consciousness not attributable to another cause:
#: awakens spontaneously 1, awakens to voice 2, only to tactile stimulus 3, unarousable / vigorous or repetitive
#: stimuli / stupor or coma 4; an alert patient (``awake``) adds nothing. Each level grades by itself, whatever the
#: ICE score (``spec/toxicity.md``, ICANS).
CONSCIOUSNESS_GRADE: dict[str, int] = {
    "awake": 0,
    "awakens_spontaneously": 1,
    "awakens_to_voice": 2,
    "awakens_to_touch": 3,
    "unarousable": 4,
}
#: Lee 2019 adult ICANS table, seizure: rapidly resolving clinical or EEG seizure 3; prolonged (> 5 min) or repetitive 4.
SEIZURE_GRADE: dict[str, int] = {"none": 0, "resolved": 3, "prolonged": 4}
#: Lee 2019 adult ICANS table, raised ICP / cerebral oedema: focal/local oedema 3; diffuse oedema, posturing, CN VI palsy,
#: papilloedema or Cushing's triad 4.
EDEMA_GRADE: dict[str, int] = {"none": 0, "focal": 3, "diffuse": 4}


class IceItems(BaseModel):
    """The ten points of the ICE score (Lee 2019 ICE table), item by item."""

    model_config = STRICT_INPUT

    orientation: int
    naming: int
    commands: int
    writing: int
    attention: int

    def total(self) -> int:
        return self.orientation + self.naming + self.commands + self.writing + self.attention


class IcansInput(BaseModel):
    """One neurological assessment (``spec/toxicity.md``, ICANS)."""

    model_config = STRICT_INPUT

    age_years: float
    developmental_delay: bool = False
    ice_score: int | None = None
    ice_items: IceItems | None = None
    capd_score: int | None = None
    consciousness: Consciousness
    seizure: Seizure
    motor_weakness: bool
    cerebral_edema: Edema

    @property
    def uses_capd(self) -> bool:
        """Lee 2019 paediatric ICANS table: CAPD replaces ICE under 12 years and for older patients with developmental delay."""
        return self.age_years < CHILD_BELOW_YEARS or self.developmental_delay


@dataclass(frozen=True, slots=True)
class IcansGrade:
    """ASTCT ICANS grade (0 = none), the screening score used (ICE or CAPD) and the domains that set the grade."""

    grade: int
    assessment: str
    score: int | None
    drivers: tuple[str, ...]
    reasons: tuple[str, ...]
    scale: str = SCALE

    def as_dict(self) -> dict[str, Any]:
        extra = {"assessment": self.assessment, f"{self.assessment}_score": self.score}
        return result_dict(self.grade, self.scale, extra, self.drivers, self.reasons)


def check_icans(icans: IcansInput, checks: Checks) -> None:
    """Rules on the shape of an ICANS input: ranges, ICE for adults, CAPD for children, null only if unarousable."""
    checks.within("age_years", icans.age_years, 0, 120, "age in years")
    given = icans.model_fields_set
    if icans.ice_items is not None:
        for item, top in ICE_ITEM_MAX.items():
            checks.within(f"ice_items.{item}", getattr(icans.ice_items, item), 0, top, "ICE points, Lee 2019 ICE table")
    checks.within("ice_score", icans.ice_score, 0, 10, "the ICE score is 0-10, Lee 2019 ICE table")
    checks.within("capd_score", icans.capd_score, 0, 32, "CAPD: 8 items scored 0-4, Traube 2014")
    if icans.uses_capd:
        why = (
            "under 12 years" if icans.age_years < CHILD_BELOW_YEARS else "with baseline developmental delay"
        ) + " the ICE score does not apply: give capd_score (ASTCT 2019, Lee et al., paediatric ICANS table)"
        for field in ("ice_score", "ice_items"):
            if field in given:
                checks.fail(field, f"not used: {why}")
        if "capd_score" not in given:
            checks.fail("capd_score", f"required: {why}; null if the child is unarousable")
        elif icans.capd_score is None and icans.consciousness != "unarousable":
            checks.fail("capd_score", "null (unable to perform CAPD) is only valid for an unarousable patient")
        return
    if "capd_score" in given:
        checks.fail(
            "capd_score",
            "CAPD is for children under 12 or developmental delay (Lee 2019 paediatric ICANS table): use ICE",
        )
    if "ice_score" in given and "ice_items" in given:
        checks.fail("ice_items", "give ice_score or ice_items, not both")
    elif "ice_score" not in given and "ice_items" not in given:
        checks.fail("ice_score", "required (or ice_items); null if the patient is unarousable")
    elif icans.ice_score is None and icans.ice_items is None and icans.consciousness != "unarousable":
        checks.fail("ice_score", "null (unable to perform ICE) is only valid for an unarousable patient")


def parse_icans(data: Any, prefix: tuple[str | int, ...] = ()) -> IcansInput:
    """Validate an ICANS input document; raise ``InputError`` naming every bad field."""
    return parse_checked(IcansInput, check_icans, data, prefix)


def ice_domain_grade(ice_score: int | None) -> int:
    """Lee 2019 adult ICANS table, ICE row: 10 -> 0, 7-9 -> 1, 3-6 -> 2, 0-2 -> 3; unable to perform (None, unarousable) -> 4.

    An awake patient with global aphasia who scores 0 is grade 3 (adult table footnote)."""
    if ice_score is None:
        return 4
    if ice_score == 10:
        return 0
    if ice_score >= 7:
        return 1
    return 2 if ice_score >= 3 else 3


def capd_domain_grade(capd_score: int | None) -> int:
    """Lee 2019 paediatric ICANS table, CAPD row: 0 -> 0, 1-8 -> 1 (grades 1 and 2 share the band; consciousness separates them),
    >= 9 -> 3, unable to perform (None, unarousable) -> 4."""
    if capd_score is None:
        return 4
    if capd_score == 0:
        return 0
    return 1 if capd_score <= 8 else 3


def grade_icans(icans: IcansInput) -> IcansGrade:
    """Grade ICANS by ASTCT 2019 (Lee et al. 2019, ICE, adult and paediatric ICANS tables): the most severe of the ICE (or CAPD),
    consciousness, seizure, motor and raised ICP/oedema domains sets the grade."""
    if icans.developmental_delay:
        why = f"baseline developmental delay at {icans.age_years:g} years: CAPD replaces ICE"
    elif icans.uses_capd:
        why = f"age {icans.age_years:g} years is under 12: CAPD replaces ICE"
    else:
        why = f"age {icans.age_years:g} years is 12 or over: ICE applies"
    switch = f"Lee 2019 (ICE for patients aged >= 12 years, CAPD for children < 12 years): {why}"
    if icans.uses_capd:
        assessment, score = "capd", icans.capd_score
        screen_field, screen_grade = "capd_score", capd_domain_grade(score)
        screen_rule = "paediatric table, CAPD (0 -> 0, 1-8 -> 1, >= 9 -> 3, unable -> 4)"
    else:
        assessment = "ice"
        score = icans.ice_items.total() if icans.ice_items is not None else icans.ice_score
        screen_field = "ice_items" if icans.ice_items is not None else "ice_score"
        screen_grade = ice_domain_grade(score)
        screen_rule = "adult table, ICE (10 -> 0, 7-9 -> 1, 3-6 -> 2, 0-2 -> 3, unable -> 4)"
    domains = {
        screen_field: screen_grade,
        "consciousness": CONSCIOUSNESS_GRADE[icans.consciousness],
        "seizure": SEIZURE_GRADE[icans.seizure],
        "motor_weakness": 4 if icans.motor_weakness else 0,
        "cerebral_edema": EDEMA_GRADE[icans.cerebral_edema],
    }
    grade = max(domains.values())
    drivers = tuple(name for name, g in domains.items() if g == grade) if grade else ()
    shown = "unable to perform" if score is None else str(score)
    parts = [
        f"{assessment.upper()} {shown} -> {screen_grade} ({screen_rule})",
        f"consciousness {icans.consciousness} -> {domains['consciousness']}",
        f"seizure {icans.seizure} -> {domains['seizure']}",
        f"motor weakness {'yes' if icans.motor_weakness else 'no'} -> {domains['motor_weakness']}",
        f"cerebral oedema {icans.cerebral_edema} -> {domains['cerebral_edema']}",
    ]
    reasons = [f"ASTCT 2019 (Lee et al.): {'; '.join(parts)}; the most severe domain sets grade {grade}", switch]
    if assessment == "capd" and grade in (1, 2) and screen_grade == 1:
        reasons.append(
            "Lee 2019 paediatric ICANS table: CAPD 1-8 is shared by grades 1 and 2; level of consciousness separates them"
        )
    return IcansGrade(grade=grade, assessment=assessment, score=score, drivers=drivers, reasons=tuple(reasons))
