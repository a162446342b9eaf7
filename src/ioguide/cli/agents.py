"""``ioguide agents``: list the agent protocols ioguide knows (shipped files plus ``--agents-dir``)."""

from __future__ import annotations

from typing import Any

import typer

from ioguide.cli.io import FORMAT_OPTION, OutputFormat, dumps, resolve_format
from ioguide.errors import InputError
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
    out_format = resolve_format(fmt)
    try:
        found = load_agents(agents_dir or ())
    except InputError as err:
        for problem in err.problems:
            typer.echo(str(problem), err=True)
        if out_format is OutputFormat.json:
            typer.echo(dumps(err.as_dict()))
        raise typer.Exit(2) from None
    listing = [describe(a) for _, a in sorted(found.items())]
    if out_format is OutputFormat.json:
        typer.echo(dumps({"agents": listing}))
        return
    for item in listing:
        typer.echo(f"{item['id']:<28} {item['volume_rule_text']:<28} max {item['max_volume_ml_per_visit']} mL/visit")
        typer.echo(f"{'':<28} {item['source']}")
