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
    """spec/examples/grade-crs.json -> grade-crs.out.json, everything but the wording of reasons.

    The spec's prose adds ``warnings`` (a list, empty unless something needs a look) beside ``reasons``; an example
    output written before that has no such key, and then the list must be empty."""
    result = runner.invoke(app, ["grade", "crs", str(_example("grade-crs.json")), "--format", "json"])
    assert result.exit_code == 0, result.output
    expected = json.loads(_example("grade-crs.out.json").read_text(encoding="utf-8"))
    got = json.loads(result.stdout)
    assert got["warnings"] == expected.get("warnings", [])
    expected["warnings"] = got["warnings"]
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
        (
            "ctcae",
            {"term": "platelets", "value": 20},
            "term: unknown CTCAE v5.0 term 'platelets'; did you mean: Platelet count decreased",
        ),
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
    out = json.loads(result.stdout)
    listing = out["versions"]
    assert listing["5.0"]["creatinine_increased"]["inputs"] == ["value", "unit", "uln", "baseline"]
    assert listing["5.0"]["creatinine_increased"]["units"] == ["mg/dL", "umol/L"]
    assert "severe_oxygen_indicated" in listing["5.0"]["pneumonitis"]["findings"]
    assert listing["6.0"]["platelet_count_decreased"]["name"] == "Thrombocytopenia"
    # the whole NCI CTCAE v5.0 table: 837 terms with MedDRA code, organ class and grade wording
    assert len(out["terms"]) == 837
    rash = next(t for t in out["terms"] if t["meddra_code"] == 10037868)
    assert (rash["name"], rash["soc"], sorted(rash["grades"])) == (
        "Rash maculo-papular",
        "Skin and subcutaneous tissue disorders",
        ["1", "2", "3"],
    )
    assert rash["computed_by_ioguide"] is False
    assert next(t for t in out["terms"] if t["key"] == "hyponatremia")["computed_by_ioguide"] is True


@pytest.mark.parametrize(
    ("search", "names"),
    [
        ("rash", {"Papulopustular rash", "Rash pustular", "Rash acneiform", "Rash maculo-papular"}),
        ("10064658", {"Osteonecrosis of jaw"}),
        ("PNEUMOTHORAX", {"Pneumothorax"}),
    ],
)
def test_ctcae_list_search_by_name_code_any_case(search: str, names: set[str]) -> None:
    result = runner.invoke(app, ["grade", "ctcae", "--list", "--search", search, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {t["name"] for t in json.loads(result.stdout)["terms"]} == names
    text = runner.invoke(app, ["grade", "ctcae", "--list", "--search", search, "--format", "text"])
    assert f"{len(names)} of 837 terms matching" in text.stdout
    assert all(name in text.stdout for name in names)


def test_ctcae_search_without_list_is_a_usage_error() -> None:
    assert runner.invoke(app, ["grade", "ctcae", "--search", "rash"]).exit_code == 2


def test_ctcae_chosen_grade_through_the_cli_carries_nci_wording() -> None:
    result = _grade("ctcae", {"term": "Pneumothorax", "grade": 2})
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["grade"], out["term"], out["meddra_code"]) == (2, "pneumothorax", 10035759)
    assert out["grade_text"].startswith("Symptomatic; intervention indicated")


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


@pytest.mark.parametrize(
    ("name", "command"),
    [
        # spec/toxicity.md CRS: afebrile on a vasopressor and high-flow oxygen -> grade 0 with a warning
        ("grade-crs-afebrile", "crs"),
        # NCI CTCAE v5.0 Pneumothorax grade 2 "Symptomatic; intervention indicated", chosen by the clinician
        ("grade-ctcae-chosen", "ctcae"),
        # NCI CTCAE v5.0 Hyponatremia "125-129 mmol/L": grade 2 if asymptomatic, 3 if symptomatic -> not guessed
        ("grade-ctcae-si", "ctcae"),
    ],
)
def test_documented_examples_give_their_recorded_output(name: str, command: str) -> None:
    result = runner.invoke(app, ["grade", command, str(LOCAL_EXAMPLES / f"{name}.json"), "--format", "json"])
    assert result.exit_code == 0, result.output
    expected = json.loads((LOCAL_EXAMPLES / f"{name}.out.json").read_text(encoding="utf-8"))
    assert without_reasons(json.loads(result.stdout)) == without_reasons(expected)
