"""``ioguide grade crs|icans|ctcae|cirse|timeline`` through the CLI: the spec's conformance pair
(spec/examples/grade-crs.json -> grade-crs.out.json), exit codes and the error lines (JSON path + rule)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from spec_examples import SPEC_EXAMPLES, without_reasons
from typer.testing import CliRunner

from ioguide.cli.main import app

LOCAL_EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "toxicity"
runner = CliRunner()


def _example(name: str) -> Path:
    return SPEC_EXAMPLES / name


def _grade(command: str, data: dict[str, Any], *extra: str) -> Any:
    return runner.invoke(app, ["grade", command, "-", "--format", "json", *extra], input=json.dumps(data))


def test_conformance_grade_crs() -> None:
    """spec/examples/grade-crs.json -> grade-crs.out.json, everything but the wording of reasons."""
    result = runner.invoke(app, ["grade", "crs", str(_example("grade-crs.json")), "--format", "json"])
    assert result.exit_code == 0, result.output
    expected = json.loads(_example("grade-crs.out.json").read_text(encoding="utf-8"))
    got = json.loads(result.stdout)
    assert without_reasons(got) == without_reasons(expected)
    assert all(isinstance(r, str) and "ASTCT" in r for r in got["reasons"])


@pytest.mark.parametrize(
    ("command", "data", "grade"),
    [
        (
            "icans",
            {
                "age_years": 54,
                "ice_score": 6,
                "consciousness": "awakens_to_voice",
                "seizure": "none",
                "motor_weakness": False,
                "cerebral_edema": "none",
            },
            2,
        ),
        (
            "ctcae",
            {"term": "alanine_aminotransferase_increased", "value": 120, "uln": 40, "baseline_abnormal": False},
            1,
        ),
        (
            "cirse",
            {
                "resolved_in_session": False,
                "unplanned_stay_h": 20,
                "additional_therapy": False,
                "sequelae": "none",
                "death": False,
            },
            2,
        ),
    ],
)
def test_spec_examples_of_each_scale(command: str, data: dict[str, Any], grade: int) -> None:
    # the input examples printed in spec/toxicity.md
    result = _grade(command, data)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["grade"] == grade
    assert {"scale", "drivers", "reasons"} <= set(out)


@pytest.mark.parametrize(
    ("command", "data", "line"),
    [
        (
            "crs",
            {"temp_c": 38.5, "hypotension": "none", "oxygen": "low_flow", "oxygen_flow_l_min": 10},
            "oxygen_flow_l_min: 10 L/min contradicts oxygen low_flow",
        ),
        (
            "icans",
            {
                "age_years": 54,
                "ice_score": 11,
                "consciousness": "awake",
                "seizure": "none",
                "motor_weakness": False,
                "cerebral_edema": "none",
            },
            "ice_score: 11 is outside 0-10",
        ),
        ("ctcae", {"term": "platelets", "value": 20}, "term: unknown CTCAE term 'platelets'; known terms:"),
        ("cirse", {"unplanned_stay_h": -2}, "unplanned_stay_h: -2 is outside"),
    ],
)
def test_bad_input_exits_2_with_path_and_rule(command: str, data: dict[str, Any], line: str) -> None:
    result = _grade(command, data)
    assert result.exit_code == 2
    assert line in result.stderr
    errors = json.loads(result.stdout)["errors"]
    assert errors[0]["field"] == line.split(":")[0]


def test_missing_file_is_the_inputs_fault() -> None:
    result = runner.invoke(app, ["grade", "crs", "/nonexistent/crs.json", "--format", "json"])
    assert result.exit_code == 2


def test_ctcae_list_names_terms_inputs_and_findings() -> None:
    result = runner.invoke(app, ["grade", "ctcae", "--list", "--format", "json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)["versions"]
    assert listing["5.0"]["creatinine_increased"]["inputs"] == ["value", "uln", "baseline"]
    assert "severe_oxygen_indicated" in listing["5.0"]["pneumonitis"]["findings"]
    assert listing["6.0"]["platelet_count_decreased"]["name"] == "Thrombocytopenia"


def test_text_format_shows_grade_drivers_and_reasons() -> None:
    result = _grade("crs", {"temp_c": 39.5, "hypotension": "one_vasopressor", "oxygen": "low_flow"})
    text = runner.invoke(
        app,
        ["grade", "crs", "-", "--format", "text"],
        input=json.dumps({"temp_c": 39.5, "hypotension": "one_vasopressor", "oxygen": "low_flow"}),
    )
    assert json.loads(result.stdout)["grade"] == 3
    assert text.stdout.startswith("ASTCT 2019: grade 3\nset by: hypotension\n- ")


def test_timeline_example_course() -> None:
    path = LOCAL_EXAMPLES / "car-t-14-day.json"
    result = runner.invoke(app, ["grade", "timeline", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["summary"]["crs"]["max_grade"] == 2
    assert out["summary"]["icans"]["resolution_day"] == 9
    text = runner.invoke(app, ["grade", "timeline", str(path), "--format", "text"])
    assert "ALERT day 1: fever_after_day0" in text.stdout
