"""The injection plan page's computation: the lesions to plan (``ioguide.planning.from_case``: injected lesions at
their latest measured diameter) through the same planner as ``ioguide plan injection`` (``spec/planning.md``), and
the procedure that records it as done.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from ioguide.errors import InputError
from ioguide.planning.catalog import get_agent, load_agents
from ioguide.planning.from_case import candidates
from ioguide.planning.injection import InjectionRequest, plan_injection
from ioguide.validation import parse_model


def agents() -> dict[str, str]:
    """The agent protocols the planner knows: id -> display name."""
    return {key: protocol.name for key, protocol in sorted(load_agents().items())}


def make_plan(case: dict[str, Any], agent: str, visit: str, cap_policy: str | None, on: dt.date) -> dict[str, Any]:
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
