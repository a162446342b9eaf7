"""Can this lesion be injected today, under which image guidance, and what to watch (``plan injectability``).

Rules and thresholds live in ``data/planning/injectability.yaml`` with their sources: lesion assessment and
image
guidance from Tselikas et al., Clin Cancer Res 2021 (HIT-IT); bleeding-risk thresholds from the SIR 2019
peri-procedural consensus (Patel et al., J Vasc Interv Radiol 2019, Part II). Every threshold used is named in
the
reasons; a value not given is reported as not evaluated, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ioguide.errors import InputError, Problem
from ioguide.planning.protocol import AgentProtocol, Site, _num
from ioguide.validation import STRICT_INPUT

Guidance = Literal["palpation", "ultrasound", "ct", "cbct", "ct_fluoroscopy"]
Seen = Literal["visual", "palpation", "ultrasound", "ct", "cbct", "mri", "pet"]


class Level(StrEnum):
    """Overall answer; the worst of the rules that fired."""

    yes = "yes"
    caution = "caution"
    no = "no"


_RANK = {Level.yes: 0, Level.caution: 1, Level.no: 2}
_SEEN_TO_GUIDANCE: dict[str, set[str]] = {
    "palpation": {"visual", "palpation"},
    "ultrasound": {"ultrasound"},
    "ct": {"ct", "cbct"},
    "cbct": {"ct", "cbct"},
    "ct_fluoroscopy": {"ct", "cbct"},
}


# ---- the rule file's schema ----
class _Rules(BaseModel):
    model_config = STRICT_INPUT


class Threshold(_Rules):
    value: float
    source: str
    status: Literal["source", "program"]
    rule: str | None = None


class BleedingClass(_Rules):
    min_platelets_10e9_l: Threshold
    inr_no_concern_up_to: Threshold
    inr_max: Threshold
    anticoagulation: str


class SiteRule(_Rules):
    bleeding_risk: Literal["low", "high", "by_depth"]
    guidance: list[Guidance] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)


class InjectabilityRules(_Rules):
    """Schema of ``data/planning/injectability.yaml``; every threshold's ``source`` is a key of
    ``sources``."""

    sources: dict[str, str]
    size: dict[Literal["deep_min_mm", "large_mm"], Threshold]
    depth: dict[Literal["long_path_mm", "superficial_max_mm"], Threshold]
    proximity: dict[Literal["major_vessel_caution_below_mm", "critical_structure_caution_below_mm"], Threshold]
    bleeding: dict[Literal["low", "high"], BleedingClass]
    sites: dict[Site, SiteRule]

    @model_validator(mode="after")
    def _complete(self) -> InjectabilityRules:
        missing = [s.value for s in Site if s not in self.sites]
        if missing:
            raise ValueError(f"every site needs a rule; missing: {', '.join(missing)}")
        groups = [*self.size.values(), *self.depth.values(), *self.proximity.values()]
        for b in self.bleeding.values():
            groups += [b.min_platelets_10e9_l, b.inr_no_concern_up_to, b.inr_max]
        unknown = sorted({t.source for t in groups} - set(self.sources))
        if unknown:
            raise ValueError(f"thresholds cite unknown sources: {', '.join(unknown)}")
        return self

    def cite(self, t: Threshold) -> str:
        who = {"tselikas2021": "Tselikas 2021", "sir2019": "SIR 2019"}.get(t.source, t.source)
        return who if t.status == "source" else f"{who}, program threshold"


# ---- input ----
class LesionFacts(BaseModel):
    model_config = STRICT_INPUT
    id: str = Field(min_length=1)
    site: Site
    longest_diameter_mm: float
    depth_mm: float | None = None
    visible_on: list[Seen] = Field(default_factory=list)
    distance_to_major_vessel_mm: float | None = None
    distance_to_critical_structure_mm: float | None = None


class PatientFacts(BaseModel):
    model_config = STRICT_INPUT
    platelets_10e9_l: float | None = None
    inr: float | None = None
    anticoagulated: bool | None = None


class InjectabilityRequest(BaseModel):
    """Input of ``ioguide plan injectability`` (``spec/planning.md``); ``agent`` and the risk override are
    optional."""

    model_config = STRICT_INPUT
    lesion: LesionFacts
    patient: PatientFacts = Field(default_factory=PatientFacts)
    agent: str | None = None
    procedure_bleeding_risk: Literal["low", "high"] | None = None


def check_request(request: InjectabilityRequest) -> None:
    """Diameters must be > 0 mm, depths and distances >= 0, labs > 0 (each problem names its JSON path)."""
    problems: list[Problem] = []
    lesion, patient = request.lesion, request.patient
    if lesion.longest_diameter_mm <= 0:
        problems.append(Problem("lesion.longest_diameter_mm", "must be above 0 (a diameter is > 0 mm)"))
    for name in ("depth_mm", "distance_to_major_vessel_mm", "distance_to_critical_structure_mm"):
        value = getattr(lesion, name)
        if value is not None and value < 0:
            problems.append(Problem(f"lesion.{name}", f"{_num(value)} is below 0 (a distance is >= 0 mm)"))
    for name in ("platelets_10e9_l", "inr"):
        value = getattr(patient, name)
        if value is not None and value <= 0:
            problems.append(Problem(f"patient.{name}", f"{_num(value)} is not a possible value (must be > 0)"))
    if problems:
        raise InputError(problems)


# ---- result ----
@dataclass(frozen=True, slots=True)
class Injectability:
    lesion: str
    site: Site
    injectable: Level
    guidance: str | None
    procedure_bleeding_risk: str
    approach_notes: tuple[str, ...]
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "lesion": self.lesion,
            "site": self.site.value,
            "injectable": self.injectable.value,
            "guidance": self.guidance,
            "procedure_bleeding_risk": self.procedure_bleeding_risk,
            "approach_notes": list(self.approach_notes),
            "reasons": list(self.reasons),
        }


class _Verdict:
    """Collects (level, reason) pairs; the answer is the worst level."""

    def __init__(self) -> None:
        self.level = Level.yes
        self.reasons: list[str] = []

    def add(self, level: Level, reason: str) -> None:
        if _RANK[level] > _RANK[self.level]:
            self.level = level
        prefix = {Level.yes: "", Level.caution: "caution: ", Level.no: "no: "}[level]
        self.reasons.append(prefix + reason)


def choose_guidance(rule: SiteRule, visible_on: list[str]) -> str | None:
    """First modality in the site's preference list on which the lesion is visible (Tselikas 2021,
    guidance)."""
    seen = set(visible_on)
    for modality in rule.guidance:
        if _SEEN_TO_GUIDANCE[modality] & seen:
            return modality
    return None


def bleeding_class(rules: InjectabilityRules, request: InjectabilityRequest) -> tuple[str, str]:
    """SIR 2019 procedure class (low/high) for this site and depth, with the reason."""
    if request.procedure_bleeding_risk is not None:
        return request.procedure_bleeding_risk, "procedure bleeding risk given by the operator"
    site_rule = rules.sites[request.lesion.site]
    site = request.lesion.site.value
    if site_rule.bleeding_risk != "by_depth":
        return (
            site_rule.bleeding_risk,
            f"SIR 2019: {site} injection counted as a {site_rule.bleeding_risk}-risk procedure",
        )
    limit = rules.depth["superficial_max_mm"]
    depth = request.lesion.depth_mm
    if depth is None:
        return "high", f"SIR 2019: {site} depth not given, counted as deep (high-risk class) until known"
    cls = "low" if depth <= limit.value else "high"
    kind = "superficial" if cls == "low" else "deep"
    return cls, (
        f"SIR 2019: {site} at {_num(depth)} mm depth is {kind} (superficial <= {_num(limit.value)} mm, "
        f"{rules.cite(limit)}): {cls}-risk procedure"
    )


def _check_labs(rules: InjectabilityRules, risk: str, patient: PatientFacts, v: _Verdict) -> None:
    """Platelets and INR against the SIR 2019 thresholds of the procedure's bleeding-risk class."""
    b = rules.bleeding["low" if risk == "low" else "high"]
    if patient.platelets_10e9_l is None:
        level = Level.caution if risk == "high" else Level.yes
        v.add(
            level,
            f"platelets not given: not evaluated (SIR 2019 asks for them before {risk}-risk procedures)"
            if risk == "high"
            else "platelets not given (SIR 2019: not routinely needed for low-risk procedures)",
        )
    else:
        low = b.min_platelets_10e9_l.value
        if patient.platelets_10e9_l < low:
            v.add(
                Level.no,
                f"platelets {_num(patient.platelets_10e9_l)} x10^9/L below {_num(low)} ({risk}-risk "
                f"threshold, SIR 2019): consider transfusion and re-check before the procedure",
            )
        else:
            v.add(
                Level.yes,
                f"platelets {_num(patient.platelets_10e9_l)} x10^9/L >= {_num(low)} ({risk}-risk, SIR 2019)",
            )
    if patient.inr is None:
        level = Level.caution if risk == "high" else Level.yes
        v.add(level, f"INR not given: not evaluated ({risk}-risk procedure, SIR 2019)")
        return
    ok, top = b.inr_no_concern_up_to.value, b.inr_max.value
    if patient.inr <= ok:
        v.add(Level.yes, f"INR {_num(patient.inr)} <= {_num(ok)} ({risk}-risk, SIR 2019)")
    elif patient.inr <= top:
        v.add(
            Level.caution,
            f"INR {_num(patient.inr)} within the SIR 2019 {risk}-risk correction range "
            f"{_num(ok)}-{_num(top)}: operator's decision",
        )
    else:
        v.add(
            Level.no,
            f"INR {_num(patient.inr)} above {_num(top)} ({risk}-risk threshold, SIR 2019): correct first",
        )


def _check_anticoagulation(rules: InjectabilityRules, risk: str, patient: PatientFacts, v: _Verdict) -> None:
    b = rules.bleeding["low" if risk == "low" else "high"]
    if patient.anticoagulated is None:
        level = Level.caution if risk == "high" else Level.yes
        v.add(level, "anticoagulation status not given: not evaluated")
    elif not patient.anticoagulated:
        v.add(Level.yes, "not anticoagulated")
    else:
        v.add(Level.caution if risk == "high" else Level.yes, f"anticoagulated: {b.anticoagulation}")


def _check_lesion(rules: InjectabilityRules, lesion: LesionFacts, superficial: bool, v: _Verdict) -> None:
    """Size, depth and proximity rules (Tselikas 2021 lesion assessment; thresholds in the rule file)."""
    small, large = rules.size["deep_min_mm"], rules.size["large_mm"]
    d = lesion.longest_diameter_mm
    if not superficial and d < small.value:
        v.add(
            Level.caution,
            f"longest diameter {_num(d)} mm < {_num(small.value)} mm: {small.rule} ({rules.cite(small)})",
        )
    elif d > large.value:
        v.add(
            Level.caution,
            f"longest diameter {_num(d)} mm > {_num(large.value)} mm: {large.rule} ({rules.cite(large)})",
        )
    else:
        v.add(Level.yes, f"longest diameter {_num(d)} mm: size suitable")
    path = rules.depth["long_path_mm"]
    if lesion.depth_mm is None:
        v.add(Level.yes, "depth not given: needle path length not evaluated")
    elif lesion.depth_mm > path.value:
        v.add(
            Level.caution,
            f"depth {_num(lesion.depth_mm)} mm > {_num(path.value)} mm: {path.rule} ({rules.cite(path)})",
        )
    else:
        v.add(Level.yes, f"depth {_num(lesion.depth_mm)} mm <= {_num(path.value)} mm: usual needle length")
    for key, name, field in (
        ("major_vessel_caution_below_mm", "major vessel", lesion.distance_to_major_vessel_mm),
        (
            "critical_structure_caution_below_mm",
            "critical structure",
            lesion.distance_to_critical_structure_mm,
        ),
    ):
        t = rules.proximity[key]  # type: ignore[index]
        if field is None:
            v.add(Level.yes, f"distance to {name} not given: not evaluated")
        elif field < t.value:
            v.add(
                Level.caution,
                f"{_num(field)} mm from a {name} (< {_num(t.value)} mm): {t.rule} ({rules.cite(t)})",
            )
        else:
            v.add(Level.yes, f"{_num(field)} mm from a {name} (>= {_num(t.value)} mm)")


def assess_injectability(
    rules: InjectabilityRules, request: InjectabilityRequest, agent: AgentProtocol | None = None
) -> Injectability:
    """Injectability (yes/caution/no), guidance and reasons for one lesion.

    Sources: Tselikas et al., Clin Cancer Res 2021 (lesion assessment, image guidance); SIR 2019 consensus,
    Patel et al., J Vasc Interv Radiol 2019 (platelet/INR thresholds by procedure bleeding-risk class); the
    agent's
    label for allowed lesion sites (e.g. IMLYGIC: cutaneous, subcutaneous and nodal lesions).
    """
    check_request(request)
    lesion = request.lesion
    site_rule = rules.sites[lesion.site]
    v = _Verdict()
    if agent is not None and agent.lesion_sites and lesion.site not in agent.lesion_sites:
        allowed = ", ".join(s.value for s in agent.lesion_sites)
        v.add(Level.no, f"{agent.short_source}: for {allowed} lesions only, not {lesion.site.value}")
    guidance = choose_guidance(site_rule, list(lesion.visible_on))
    seen = ", ".join(lesion.visible_on) or "nothing"
    if guidance is None:
        v.add(
            Level.no,
            f"visible on {seen}: none of the {lesion.site.value} guidance options "
            f"({', '.join(site_rule.guidance)}) can see it"
            " (Tselikas 2021: the lesion must be seen to be injected)",
        )
    else:
        v.add(
            Level.yes,
            f"guidance {guidance}: first {lesion.site.value} option visible (seen on {seen}; Tselikas 2021)",
        )
    risk, risk_reason = bleeding_class(rules, request)
    v.add(Level.yes, risk_reason)
    _check_lesion(rules, lesion, superficial=risk == "low", v=v)
    _check_labs(rules, risk, request.patient, v)
    _check_anticoagulation(rules, risk, request.patient, v)
    notes = list(site_rule.notes)
    if agent is not None:
        if agent.needle_gauge is not None:
            g = agent.needle_gauge
            notes.append(f"{agent.short_source}: {g.coarsest}-{g.finest} G needle")
        notes.extend(agent.technique_notes)
    return Injectability(
        lesion=lesion.id,
        site=lesion.site,
        injectable=v.level,
        guidance=guidance,
        procedure_bleeding_risk=risk,
        approach_notes=tuple(notes),
        reasons=tuple(v.reasons),
    )
