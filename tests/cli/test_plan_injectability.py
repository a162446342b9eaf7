"""``ioguide plan injectability`` through the CLI: the worked input of spec/planning.md and rejected input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ioguide.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "planning" / "plan-injectability.json"
runner = CliRunner()


def test_spec_input_gives_caution_under_ultrasound() -> None:
    result = runner.invoke(app, ["plan", "injectability", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["injectable"], out["guidance"]) == ("caution", "ultrasound")
    assert set(out) == {
        "lesion",
        "site",
        "injectable",
        "guidance",
        "procedure_bleeding_risk",
        "approach_notes",
        "reasons",
    }


def test_unknown_site_and_unknown_field_exit_2() -> None:
    payload = {"lesion": {"id": "L", "site": "brain", "longest_diameter_mm": 10, "colour": "x"}}
    result = runner.invoke(app, ["plan", "injectability", "-", "--format", "json"], input=json.dumps(payload))
    assert result.exit_code == 2
    fields = {e["field"] for e in json.loads(result.stdout)["errors"]}
    assert fields == {"lesion.site", "lesion.colour"}
    assert "lesion.site: 'brain' is not one of" in result.stderr


def test_text_format_names_the_answer() -> None:
    result = runner.invoke(app, ["plan", "injectability", str(EXAMPLE), "--format", "text"])
    assert result.exit_code == 0
    assert "injectable CAUTION" in result.stdout
