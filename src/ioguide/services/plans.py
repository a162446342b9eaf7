"""Use case: today's injection plan for a stored patient, and recording it as done.

The lesions to plan come from the patient's typed case (``ioguide.planning.from_case``: the lesions injected on
the visit date, by the case's one rule, at their latest measured diameter), through the same planner as
``ioguide plan injection`` (``spec/planning.md``). Recording the plan stores an injection procedure through the
procedure service (same role check, validation and audit row as ``POST .../procedures``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from ioguide.case.document import case_of
from ioguide.criteria.values import Case
from ioguide.errors import InputError
from ioguide.planning.catalog import get_agent, load_agents
from ioguide.planning.from_case import candidates, default_visit
from ioguide.planning.injection import InjectionRequest, plan_injection
from ioguide.records.db import Database
from ioguide.services import cases, patients, procedures
from ioguide.services.context import Actor, require
from ioguide.validation import parse_model

VISITS = ("first", "subsequent")


def agents() -> dict[str, str]:
    """The agent protocols the planner knows: id -> display name."""
    return {key: protocol.name for key, protocol in sorted(load_agents().items())}


def make_plan(case: Case, agent: str, visit: str, cap_policy: str | None, on: dt.date) -> dict[str, Any]:
    """The plan (``plan injection`` output) plus the lesions considered and left out; raises ``InputError``."""
    planned, left_out = candidates(case, on)
    if not planned:
        raise InputError.one("lesions", "no injected lesion with a measured diameter: nothing to plan")
    request: dict[str, Any] = {
        "agent": agent,
        "visit": visit,
        "lesions": [{"id": p["id"], "longest_diameter_mm": p["longest_diameter_mm"]} for p in planned],
    }
    if cap_policy:
        request["cap_policy"] = cap_policy
    parsed = parse_model(InjectionRequest, request)
    protocol = get_agent(parsed.agent, load_agents())
    plan = plan_injection(protocol, parsed).as_dict()
    return {
        "plan": plan,
        "considered": planned,
        "left_out": left_out,
        "agent_name": protocol.name,
        "concentration": concentration_text(plan),
    }


def concentration_text(plan: dict[str, Any]) -> str:
    """``concentration_pfu_per_ml: 1e8`` -> ``10^8 PFU/mL``; ``concentration_mg_per_ml: 10`` -> ``10 mg/mL``."""
    for key, value in plan.items():
        if key.startswith("concentration_"):
            unit = key.removeprefix("concentration_").replace("_per_", "/").replace("pfu", "PFU").replace("ml", "mL")
            exponent = math.log10(value) if value > 0 else 0.5
            number = f"10^{round(exponent)}" if value >= 1000 and exponent.is_integer() else f"{value:g}"
            return f"{number} {unit}"
    return ""


def procedure_document(plan: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """The injection procedure (``POST .../procedures``) that records the plan as done."""
    concentration = concentration_text(plan)
    return {
        "kind": "injection",
        "date": on.isoformat(),
        "agent": plan["agent"],
        "lesions": [{"lesion_id": i["lesion"], "volume_ml": i["volume_ml"]} for i in plan["injections"]],
        "notes": f"as planned in ioguide: {plan['visit']} visit, {concentration}, cap policy {plan['cap_policy']}",
    }


@dataclass(frozen=True)
class PatientPlan:
    """A patient's plan for one visit: the choices (given, or the defaults) and the plan or why there is none."""

    patient: dict[str, Any]
    agents: dict[str, str]
    agent: str
    visit: str
    cap_policy: str
    on: dt.date
    previous: list[dict[str, Any]]
    result: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)
    lesions: list[dict[str, Any]] = field(default_factory=list)
    done: list[dict[str, Any]] = field(default_factory=list)

    def as_context(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "agents": self.agents,
            "agent": self.agent,
            "visit": self.visit,
            "cap_policy": self.cap_policy,
            "on": self.on.isoformat(),
            "previous": self.previous,
            "problems": self.problems,
            "result": self.result,
            "done": self.done,
        }


def plan_for_patient(
    db: Database,
    actor: Actor,
    patient_id: int,
    agent: str | None,
    visit: str | None,
    cap_policy: str | None,
    on: dt.date,
) -> PatientPlan:
    """The plan for ``patient_id`` on ``on``: ``agent`` defaults to the last one injected (else the first
    known), ``visit`` to ``subsequent`` once that agent was injected (else ``first``)."""
    patient = patients.get_patient(db, actor, patient_id)
    document, _ = cases.get_case(db, actor, patient_id)
    procs = procedures.list_procedures(db, actor, patient_id)
    known = agents()
    used = [str(p["agent"]) for p in procs if p["kind"] == "injection" and p.get("agent") in known]
    chosen = agent if agent is not None and agent in known else (used[-1] if used else next(iter(known)))
    chosen_visit = visit if visit in VISITS else default_visit(procs, chosen)
    result: dict[str, Any] | None = None
    problems: list[str] = []
    try:
        if not document["timepoints"]:
            raise InputError.one("timepoints", "no imaging timepoint recorded yet: nothing to plan")
        result = make_plan(case_of(document), chosen, chosen_visit, cap_policy or None, on)
    except InputError as err:
        problems = [str(p) for p in err.problems]
    return PatientPlan(
        patient=patient,
        agents=known,
        agent=chosen,
        visit=chosen_visit,
        cap_policy=cap_policy or "",
        on=on,
        previous=[p for p in procs if p["kind"] == "injection"][-3:],
        result=result,
        problems=problems,
        lesions=list(document["lesions"]),
        done=[p for p in procs if p["kind"] == "injection" and p["date"] == on.isoformat() and p["agent"] == chosen],
    )


def record_plan(db: Database, actor: Actor, patient_id: int, planned: PatientPlan) -> dict[str, Any]:
    """Store the plan as an injection procedure (``InputError`` when there is no plan, or the store refuses it)."""
    if planned.result is None:
        raise InputError.one("lesions", "; ".join(planned.problems) or "no plan to record")
    document = procedure_document(planned.result["plan"], planned.on)
    data = parse_model(procedures.ProcedureIn, document)
    return procedures.record_procedure(db, actor, patient_id, data)


#: The fields of the "record as done" form that the last injection of the same agent pre-fills.
TECHNIQUE = ("needle_gauge", "needle_length_mm", "guidance", "approach")


def given_form(planned: PatientPlan, procs: list[dict[str, Any]]) -> dict[str, str]:
    """The "record as done" form pre-filled from the plan: the date, each planned lesion ticked with its planned
    volume, the plan's note; needle, guidance and approach as the last injection of this agent recorded them
    (the plan does not choose them), else the needle gauge when the agent's protocol names one gauge, else empty
    ("not recorded"): nothing is guessed, and every value stays editable."""
    if planned.result is None:
        return {}
    plan = planned.result["plan"]
    values = {"date": planned.on.isoformat(), "notes": procedure_document(plan, planned.on)["notes"]}
    for item in plan["injections"]:
        values[f"lesion_{item['lesion']}"] = "on"
        values[f"volume_{item['lesion']}"] = f"{item['volume_ml']:g}"
    earlier = [p for p in procs if p["kind"] == "injection" and p.get("agent") == planned.agent]
    if earlier:
        values.update({name: str(earlier[-1][name]) for name in TECHNIQUE if earlier[-1].get(name) is not None})
    gauge = get_agent(planned.agent, load_agents()).needle_gauge
    if "needle_gauge" not in values and gauge is not None and gauge.finest == gauge.coarsest:
        values["needle_gauge"] = str(gauge.coarsest)
    return values


def gauge_range(agent: str) -> str:
    """The agent protocol's needle gauges as a hint (``22-26 G``), or ``""``."""
    gauge = get_agent(agent, load_agents()).needle_gauge
    if gauge is None:
        return ""
    return f"{gauge.coarsest} G" if gauge.coarsest == gauge.finest else f"{gauge.coarsest}-{gauge.finest} G"


def given_notes(plan: dict[str, Any], data: procedures.ProcedureIn) -> str | None:
    """The note stored with what was given: the typed note, plus each lesion whose given volume is not the
    planned one (or that was planned and not given, or given and not planned), so the record says so."""
    planned = {i["lesion"]: i["volume_ml"] for i in plan["injections"]}
    given = {item.lesion_id: item.volume_ml for item in data.lesions}
    changes = [
        f"{lesion} {'not given' if lesion not in given else _ml(given[lesion])} (planned {_ml(planned.get(lesion))})"
        for lesion in [*planned, *(g for g in given if g not in planned)]
        if given.get(lesion, -1.0) != planned.get(lesion, -1.0)
    ]
    differs = f"given differs from the plan: {', '.join(changes)}" if changes else ""
    note = "; ".join(text for text in (data.notes or "", differs) if text)
    return note[:2000] or None


def _ml(volume: float | None) -> str:
    return "none" if volume is None else f"{volume:g} mL"


def record_given(
    db: Database,
    actor: Actor,
    patient_id: int,
    planned: PatientPlan,
    document: dict[str, Any],
    idempotency_key: str | None,
) -> dict[str, Any]:
    """Store what was given (``document``: the procedure object of the form's values, not the plan's) as the
    plan's injection procedure; the same ``idempotency_key`` sent twice stores once
    (``procedures.record_procedure_once``). The role is checked first; ``InputError`` when there is no plan, the
    values are invalid, or the given agent is not the plan's."""
    require(actor, "coordinator")
    data = parse_model(procedures.ProcedureIn, document)
    if planned.result is None:
        raise InputError.one("lesions", "; ".join(planned.problems) or "no plan to record")
    if data.kind != "injection" or data.agent != planned.agent:
        raise InputError.one("agent", f"the plan is for {planned.agent!r}: record another agent as a new procedure")
    given = data.model_copy(update={"notes": given_notes(planned.result["plan"], data)})
    return procedures.record_procedure(db, actor, patient_id, given, idempotency_key)
