"""``ioguide plan liver / renal / ablation`` through the CLI: the shipped examples and exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioguide.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "planning"
runner = CliRunner()


@pytest.mark.parametrize(
    ("command", "check"),
    [
        ("liver", lambda o: (o["child_pugh"]["class"], o["albi"]["grade"], o["bclc"]["stage"]) == ("A", 2, "C")),
        ("renal", lambda o: o["score"] == "10ah"),
        ("ablation", lambda o: o["local_tumour_progression_date"] == "2026-05-18" and o["margin_adequate"] is False),
    ],
)
def test_examples(command: str, check: object) -> None:
    result = runner.invoke(app, ["plan", command, str(EXAMPLES / f"plan-{command}.json"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert callable(check) and check(json.loads(result.stdout))
    text = runner.invoke(app, ["plan", command, str(EXAMPLES / f"plan-{command}.json"), "--format", "text"])
    assert text.exit_code == 0 and "why:" in text.stdout


def test_liver_out_of_range_and_unknown_enum_exit_2() -> None:
    payload = {
        "labs": {"bilirubin_umol_l": 17, "albumin_g_l": 4, "inr": 1, "ascites": "lots", "encephalopathy": "none"}
    }
    result = runner.invoke(app, ["plan", "liver", "-", "--format", "json"], input=json.dumps(payload))
    assert result.exit_code == 2
    assert {e["field"] for e in json.loads(result.stdout)["errors"]} == {"labs.ascites"}
    payload["labs"]["ascites"] = "none"
    result = runner.invoke(app, ["plan", "liver", "-", "--format", "json"], input=json.dumps(payload))
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["field"] == "labs.albumin_g_l"
