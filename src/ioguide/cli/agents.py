"""``ioguide agents``: list the agent protocols ioguide knows (shipped files plus ``--agents-dir``)."""

from __future__ import annotations

from typing import Any

import typer

from ioguide.cli.io import FORMAT_OPTION, OutputFormat, run_produced
from ioguide.planning.catalog import load_agents
from ioguide.planning.protocol import AgentProtocol, DiameterTable, FixedPerLesion


def describe(agent: AgentProtocol) -> dict[str, Any]:
    """One agent as the listing shows it: id, name, rule kind, visit limits, concentration, source."""
    rule = agent.volume_rule
    rule_text = {DiameterTable: "volume by longest diameter", FixedPerLesion: "fixed volume per lesion"}.get(
        type(rule), "fraction of lesion volume"
    )
    return {
        "id": agent.id,
        "name": agent.name,
        "status": agent.status,
        "route": agent.route,
        "volume_rule": rule.kind,
        "volume_rule_text": rule_text,
        "max_volume_ml_per_visit": agent.visit.max_volume_ml,
        "max_lesions_per_visit": agent.visit.max_lesions,
        "default_cap_policy": agent.visit.default_cap_policy.value,
        f"concentration_{agent.concentration.unit}": {
            "first": agent.concentration.first,
            "subsequent": agent.concentration.subsequent,
        },
        "lesion_sites": [s.value for s in agent.lesion_sites] if agent.lesion_sites else None,
        "has_schedule": agent.schedule is not None,
        "source": agent.source,
    }


def agents(
    fmt: OutputFormat | None = FORMAT_OPTION,
    agents_dir: list[str] | None = typer.Option(None, "--agents-dir", help="A folder of extra agent protocol files."),
) -> None:
    """List the agent protocols ioguide knows, with their source."""

    def produce() -> dict[str, Any]:
        found = load_agents(agents_dir or ())
        return {"agents": [describe(a) for _, a in sorted(found.items())]}

    run_produced(fmt, produce, render_agents)


def render_agents(result: dict[str, Any]) -> str:
    """One block per agent: id, volume rule, visit cap, and its source."""
    lines = []
    for item in result["agents"]:
        lines.append(f"{item['id']:<28} {item['volume_rule_text']:<28} max {item['max_volume_ml_per_visit']} mL/visit")
        lines.append(f"{'':<28} {item['source']}")
    return "\n".join(lines)
