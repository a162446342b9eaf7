"""``ioguide plan schedule`` through the CLI: example input and rejected input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ioguide.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "planning" / "plan-schedule.json"
runner = CliRunner()


def test_example_schedule() -> None:
    result = runner.invoke(app, ["plan", "schedule", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    injections = [v for v in json.loads(result.stdout)["visits"] if v["kind"] == "injection"]
    assert [v["date"] for v in injections][:3] == ["2026-03-02", "2026-03-23", "2026-04-06"]


def test_bad_date_and_cycles_exit_2() -> None:
    payload = {"agent": "talimogene_laherparepvec", "start_date": "02/03/2026", "cycles": 0}
    result = runner.invoke(app, ["plan", "schedule", "-", "--format", "json"], input=json.dumps(payload))
    assert result.exit_code == 2
    assert {e["field"] for e in json.loads(result.stdout)["errors"]} == {"start_date", "cycles"}
