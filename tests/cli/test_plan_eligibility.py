"""``ioguide plan eligibility`` through the CLI: example input, unknown program, bad patient values."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ioguide.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "planning" / "plan-eligibility.json"
runner = CliRunner()


def test_example_is_not_eligible_because_of_the_washout() -> None:
    result = runner.invoke(app, ["plan", "eligibility", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["eligible"] == "no"
    status = {c["id"]: c["status"] for c in out["criteria"]}
    assert status["systemic_washout"] == "not_met" and status["neutrophils"] == "unknown"


def test_unknown_program_lists_known_and_bad_ecog_exit_2() -> None:
    payload = {"program": "nope", "patient": {"ecog": 1}}
    result = runner.invoke(app, ["plan", "eligibility", "-", "--format", "json"], input=json.dumps(payload))
    assert result.exit_code == 2
    assert "intratumoral_example" in json.loads(result.stdout)["errors"][0]["message"]
    payload = {"program": "intratumoral_example", "patient": {"ecog": 7, "weight": 3}}
    result = runner.invoke(app, ["plan", "eligibility", "-", "--format", "json"], input=json.dumps(payload))
    assert result.exit_code == 2
    assert {e["field"] for e in json.loads(result.stdout)["errors"]} == {"patient.ecog", "patient.weight"}
