"""``ioguide assess`` as a user runs it (spec/response.md, spec/README.md "Conventions"), and the spec's worked
input/output pairs (tests/data/spec_examples/assess-*.json) as conformance tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from spec_examples import SPEC_EXAMPLES, without_reasons
from typer.testing import CliRunner

from ioguide.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


ASSESS_PAIRS = sorted(SPEC_EXAMPLES.glob("assess-*.json"))
ASSESS_PAIRS = [p for p in ASSESS_PAIRS if not p.name.endswith(".out.json")]


@pytest.mark.parametrize("case", ASSESS_PAIRS, ids=lambda p: p.stem)
def test_spec_examples_match_to_the_letter(case: Path) -> None:
    result = runner.invoke(app, ["assess", str(case), "--format", "json"])
    assert result.exit_code == 0, result.output
    expected = json.loads(case.with_name(case.stem + ".out.json").read_text())
    assert without_reasons(json.loads(result.stdout)) == without_reasons(expected)


def test_there_are_spec_examples_to_check() -> None:
    assert {p.stem for p in ASSESS_PAIRS} >= {"assess-recist", "assess-itrecist"}


def test_text_format_prints_the_table_and_the_reasons() -> None:
    result = runner.invoke(
        app, ["assess", str(ROOT / "examples/response/recist-melanoma-tvec.json"), "--format", "text"]
    )
    assert result.exit_code == 0
    assert "best overall response: PR (confirmed) 2026-03-09" in result.stdout
    assert "2026-03-09     56     43.0   -32.8%    -32.8%  PR" in result.stdout
    assert "RECIST 1.1 §4.3.1: sum 43.0 mm <= 0.7 x baseline 64.0 mm: PR" in result.stdout


def test_criteria_option_overrides_the_file() -> None:
    path = str(ROOT / "examples/response/irecist-pseudoprogression.json")
    as_recist = json.loads(runner.invoke(app, ["assess", path, "--criteria", "recist1.1", "--format", "json"]).stdout)
    assert as_recist["criteria"] == "recist1.1"
    assert as_recist["best_overall_response"]["response"] == "PD"
    bad = runner.invoke(app, ["assess", path, "--criteria", "who"])
    assert bad.exit_code == 2
    assert "criteria: 'who' is not one of" in bad.stderr


def test_bad_input_exits_2_with_one_line_per_problem_and_json_errors() -> None:
    case = json.loads((ROOT / "examples/response/recist-melanoma-tvec.json").read_text())
    case["timepoints"][2]["diameters_mm"]["T3"] = -4
    case["timepoints"][3]["diameters_mm"]["T9"] = 1
    result = runner.invoke(app, ["assess", "-", "--format", "json"], input=json.dumps(case))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "timepoints[2].diameters_mm.T3: -4 is below 0 (a diameter is >= 0 mm)",
        "timepoints[3].diameters_mm.T9: 'T9' was never declared in lesions",
    ]
    assert json.loads(result.stdout)["errors"][0] == {
        "field": "timepoints[2].diameters_mm.T3",
        "message": "-4 is below 0 (a diameter is >= 0 mm)",
    }


def test_a_missing_file_or_broken_json_is_the_inputs_fault() -> None:
    missing = runner.invoke(app, ["assess", "/nonexistent/case.json"])
    assert missing.exit_code == 2
    assert "file not found" in missing.stderr
    broken = runner.invoke(app, ["assess", "-"], input="{not json")
    assert broken.exit_code == 2
    assert "not valid JSON (line 1, column 2" in broken.stderr


def test_the_installed_command_reads_standard_input() -> None:
    exe = Path(sys.executable).with_name("ioguide")
    case = (ROOT / "examples/response/mrecist-hcc-tace.json").read_text()
    done = subprocess.run([str(exe), "assess", "-"], input=case, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)  # JSON is the default when standard output is not a terminal
    assert [tp["response"] for tp in out["timepoints"][1:]] == ["PR", "PR", "PD"]


def test_demo_assesses_every_example() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0
    assert result.stdout.count("best overall response:") == len(list((ROOT / "examples/response").glob("*.json")))
