"""``ioguide demo``: ioguide's main job on the bundled example program (README quick start)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ioguide.cli.assess import render_assessment
from ioguide.criteria.assess import assess_json

#: The example cases that ship with the source tree (examples/response), one per criterion.
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "response"


def demo(
    examples: Path = typer.Option(EXAMPLES, "--examples", help="Folder of case JSON files to assess."),
) -> None:
    """Assess every example case and print its response table with the reasons."""
    cases = sorted(examples.glob("*.json"))
    if not cases:
        typer.echo(f"no example cases found in {examples}", err=True)
        raise typer.Exit(2)
    for path in cases:
        typer.echo(f"=== {path.name}")
        typer.echo(render_assessment(assess_json(json.loads(path.read_text(encoding="utf-8")))))
        typer.echo("")
