"""Today's injection plan: which lesions get how much, in what order, under the visit maximum (``plan
injection``).

Rules: the agent protocol's priority and volume rule (T-VEC: IMLYGIC US prescribing information, section 2.1
Tables 1 and 2), the visit maximum, and the plan's cap policy (``spec/planning.md``: ``truncate`` or
``skip``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from ioguide.errors import InputError, Problem
from ioguide.planning.protocol import (
    AgentProtocol,
    CapPolicy,
    DiameterTable,
    FixedPerLesion,
    Priority,
    Visit,
    _num,
)
from ioguide.planning.volumes import LesionVolume, fixed_volume, fmt_ml, fraction_volume, ml, table_volume
from ioguide.validation import STRICT_INPUT


class LesionIn(BaseModel):
    """One lesion considered for injection today."""

    model_config = STRICT_INPUT
    id: str = Field(min_length=1)
    longest_diameter_mm: float
    perpendicular_diameter_mm: float | None = None
    third_diameter_mm: float | None = None
    new: bool = False
    injectable: bool = True


class InjectionRequest(BaseModel):
    """Input of ``ioguide plan injection`` (``spec/planning.md``)."""

    model_config = STRICT_INPUT
    agent: str
    visit: Visit
    cap_policy: CapPolicy | None = None
    lesions: list[LesionIn] = Field(min_length=1)


def check_lesions(lesions: list[LesionIn]) -> None:
    """Reject diameters <= 0 mm and duplicate lesion ids, naming each field (``spec/planning.md``)."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, lesion in enumerate(lesions):
        for name in ("longest_diameter_mm", "perpendicular_diameter_mm", "third_diameter_mm"):
            value = getattr(lesion, name)
            if value is not None and value <= 0:
                problems.append(Problem(f"lesions[{i}].{name}", f"{_num(value)} is not above 0 (a diameter is > 0 mm)"))
        if lesion.id in seen:
            problems.append(
                Problem(
                    f"lesions[{i}].id",
                    f"{lesion.id!r} repeats lesions[{seen[lesion.id]}].id (lesion ids are unique)",
                )
            )
        seen.setdefault(lesion.id, i)
    if problems:
        raise InputError(problems)


@dataclass(frozen=True, slots=True)
class Injection:
    lesion: str
    volume_cml: int
    partial: bool
    order: int
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "lesion": self.lesion,
            "volume_ml": ml(self.volume_cml),
            "partial": self.partial,
            "order": self.order,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class NotInjected:
    lesion: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"lesion": self.lesion, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class InjectionPlan:
    agent: str
    visit: Visit
    cap_policy: CapPolicy
    concentration_unit: str
    concentration: float
    max_volume_cml: int
    injections: tuple[Injection, ...]
    not_injected: tuple[NotInjected, ...]
    reasons: tuple[str, ...] = field(default=())

    @property
    def total_volume_cml(self) -> int:
        return sum(i.volume_cml for i in self.injections)

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "visit": self.visit.value,
            "cap_policy": self.cap_policy.value,
            f"concentration_{self.concentration_unit}": float(self.concentration),
            "total_volume_ml": ml(self.total_volume_cml),
            "max_volume_ml": ml(self.max_volume_cml),
            "injections": [i.as_dict() for i in self.injections],
            "not_injected": [n.as_dict() for n in self.not_injected],
            "reasons": list(self.reasons),
        }


def priority_order(lesions: list[LesionIn], priority: Priority) -> list[LesionIn]:
    """Lesions in injection order; ties keep input order (Python's sort is stable).

    IMLYGIC US prescribing information Table 1: initial visit "inject largest lesion(s) first"; later visits
    "first inject any new lesions", then the rest by size. Among new lesions, largest first
    (``spec/planning.md``).
    """
    if priority is Priority.new_first_then_largest:
        return sorted(lesions, key=lambda les: (not les.new, -les.longest_diameter_mm))
    return sorted(lesions, key=lambda les: -les.longest_diameter_mm)


def lesion_volume(agent: AgentProtocol, lesion: LesionIn) -> LesionVolume:
    """The volume the agent's rule allows for this lesion."""
    rule = agent.volume_rule
    if isinstance(rule, DiameterTable):
        return table_volume(rule, lesion.longest_diameter_mm)
    if isinstance(rule, FixedPerLesion):
        return fixed_volume(rule)
    return fraction_volume(rule, lesion.longest_diameter_mm, lesion.perpendicular_diameter_mm, lesion.third_diameter_mm)


def plan_injection(agent: AgentProtocol, request: InjectionRequest) -> InjectionPlan:
    """Fill lesions in priority order up to the visit maximum, applying the cap policy (``spec/planning.md``).

    ``truncate``: the first lesion that does not fit gets what remains if that is at least the protocol's
    minimum
    useful volume (T-VEC 0.1 mL) and is ``partial``; every later lesion is not injected ("visit maximum
    reached").
    ``skip``: a lesion that does not fit is not injected and the planner tries the next ones, full volume or
    none.
    """
    check_lesions(request.lesions)
    limits = agent.visit
    policy = request.cap_policy or limits.default_cap_policy
    priority = limits.priority_first if request.visit is Visit.first else limits.priority_subsequent
    cap = round(limits.max_volume_ml * 100)
    minimum = round(limits.min_useful_volume_ml * 100)
    remaining, closed = cap, False
    injections: list[Injection] = []
    skipped: list[NotInjected] = []
    for lesion in priority_order(request.lesions, priority):
        why: list[str] = []
        if priority is Priority.new_first_then_largest and lesion.new:
            why.append("new lesion: injected first")
        if not lesion.injectable:
            skipped.append(NotInjected(lesion.id, ("marked not injectable (injectable: false)",)))
            continue
        allowed = lesion_volume(agent, lesion)
        if allowed.cml is None:
            skipped.append(NotInjected(lesion.id, (allowed.reason,)))
            continue
        if closed or remaining == 0:
            skipped.append(NotInjected(lesion.id, (f"visit maximum of {fmt_ml(cap)} mL reached",)))
            continue
        if limits.max_lesions is not None and len(injections) >= limits.max_lesions:
            skipped.append(
                NotInjected(lesion.id, (f"protocol maximum of {limits.max_lesions} lesion(s) per visit reached",))
            )
            continue
        why.append(allowed.reason)
        if allowed.cml <= remaining:
            remaining -= allowed.cml
            injections.append(Injection(lesion.id, allowed.cml, False, len(injections) + 1, tuple(why)))
        elif policy is CapPolicy.truncate and remaining >= minimum:
            why.append(f"visit maximum of {fmt_ml(cap)} mL: receives the remaining {fmt_ml(remaining)} mL (partial)")
            injections.append(Injection(lesion.id, remaining, True, len(injections) + 1, tuple(why)))
            remaining, closed = 0, True
        elif policy is CapPolicy.truncate:
            why.append(
                f"the remaining {fmt_ml(remaining)} mL is below the protocol's minimum useful volume "
                f"{fmt_ml(minimum)} mL; visit maximum of {fmt_ml(cap)} mL reached"
            )
            skipped.append(NotInjected(lesion.id, tuple(why)))
            closed = True
        else:
            why.append(f"does not fit in the remaining {fmt_ml(remaining)} mL (cap policy skip: full volume or none)")
            skipped.append(NotInjected(lesion.id, tuple(why)))
    conc = agent.concentration
    cap_text = f"at most {fmt_ml(cap)} mL per visit"
    if limits.max_lesions is not None:
        cap_text += f" and {limits.max_lesions} lesion(s)"
    reasons = [
        f"{agent.short_source}: {request.visit.value} visit {_power(conc.at(request.visit))} {conc.label}, {cap_text}",
        f"cap policy: {policy.value}" + ("" if request.cap_policy else " (the protocol's default)"),
    ]
    if limits.max_volume_source:
        reasons.append(f"visit maximum: {limits.max_volume_source}")
    return InjectionPlan(
        agent=agent.id,
        visit=request.visit,
        cap_policy=policy,
        concentration_unit=conc.unit,
        concentration=conc.at(request.visit),
        max_volume_cml=cap,
        injections=tuple(injections),
        not_injected=tuple(skipped),
        reasons=tuple(reasons),
    )


def _power(value: float) -> str:
    """1e8 -> '10^8'; other values as written."""
    exponent = len(str(int(value))) - 1 if value >= 10 and value == int(value) else -1
    if exponent > 0 and value == 10**exponent:
        return f"10^{exponent}"
    return _num(value)
