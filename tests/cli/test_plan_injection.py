"""``ioguide plan injection`` and ``ioguide agents`` through the CLI: the spec's conformance pair, exit codes,
and
the error lines (JSON path + rule) for bad input and bad protocol files (spec/README.md, "Errors")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spec_examples import SPEC_EXAMPLES, without_reasons
from typer.testing import CliRunner

from ioguide.cli.main import app

runner = CliRunner()


def _example(name: str) -> Path:
    return SPEC_EXAMPLES / name


def test_conformance_plan_injection() -> None:
    """spec/examples/plan-injection.json -> plan-injection.out.json, everything but the wording of reasons."""
    result = runner.invoke(app, ["plan", "injection", str(_example("plan-injection.json")), "--format", "json"])
    assert result.exit_code == 0, result.output
    expected = json.loads(_example("plan-injection.out.json").read_text())
    got = json.loads(result.stdout)
    assert without_reasons(got) == without_reasons(expected)
    assert all(isinstance(r, str) and r for r in got["reasons"])


def _invoke_json(payload: dict[str, Any], *extra: str) -> Any:
    return runner.invoke(app, ["plan", "injection", "-", "--format", "json", *extra], input=json.dumps(payload))


def test_unknown_agent_lists_known_agents() -> None:
    result = _invoke_json({"agent": "tvec", "visit": "first", "lesions": [{"id": "L1", "longest_diameter_mm": 10}]})
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert body["errors"][0]["field"] == "agent"
    assert "talimogene_laherparepvec" in body["errors"][0]["message"]
    assert result.stderr.startswith("agent: unknown agent 'tvec'")


def test_bad_input_all_problems_with_paths() -> None:
    payload = {
        "agent": "talimogene_laherparepvec",
        "visit": "third",
        "lesions": [{"id": "L1", "longest_diameter_mm": 10, "colour": "red"}],
    }
    result = _invoke_json(payload)
    assert result.exit_code == 2
    fields = {e["field"] for e in json.loads(result.stdout)["errors"]}
    assert fields == {"visit", "lesions[0].colour"}


def test_zero_diameter_and_duplicate_ids_exit_2() -> None:
    payload = {
        "agent": "talimogene_laherparepvec",
        "visit": "first",
        "lesions": [{"id": "L1", "longest_diameter_mm": 0}, {"id": "L1", "longest_diameter_mm": 5}],
    }
    result = _invoke_json(payload)
    assert result.exit_code == 2
    assert {e["field"] for e in json.loads(result.stdout)["errors"]} == {
        "lesions[0].longest_diameter_mm",
        "lesions[1].id",
    }


def test_broken_protocol_file_names_file_key_and_rule(tmp_path: Path) -> None:
    (tmp_path / "my_agent.yaml").write_text(
        "id: my_agent\nname: x\nshort_source: x\nsource: a program protocol v1\nstatus: program\n"
        "route: intratumoral\nvolume_rule: {kind: fixed_per_lesion, volume_ml: -1}\n"
        "visit: {max_volume_ml: 2}\nconcentration: {unit: mg_per_ml, label: mg/mL, first: 1, subsequent: 1}\n"
    )
    result = runner.invoke(app, ["agents", "--format", "json", "--agents-dir", str(tmp_path)])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["errors"][0]
    assert error["field"] == f"{tmp_path.name}/my_agent.yaml:volume_rule.fixed_per_lesion.volume_ml"
    assert "greater than 0" in error["message"]


def test_program_agent_from_folder_is_usable(tmp_path: Path) -> None:
    (tmp_path / "my_agent.yaml").write_text(
        "id: my_agent\nname: x\nshort_source: program X protocol v1\n"
        "source: a program protocol v1\nstatus: program\n"
        "route: intratumoral\nvolume_rule: {kind: fixed_per_lesion, volume_ml: 0.5}\n"
        "visit: {max_volume_ml: 1}\nconcentration: {unit: mg_per_ml, label: mg/mL, first: 1, subsequent: 2}\n"
    )
    payload = {
        "agent": "my_agent",
        "visit": "subsequent",
        "lesions": [{"id": x, "longest_diameter_mm": 10} for x in ("a", "b", "c")],
    }
    result = _invoke_json(payload, "--agents-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [i["volume_ml"] for i in out["injections"]] == [0.5, 0.5]
    assert out["concentration_mg_per_ml"] == 2.0


def test_agents_lists_shipped_protocols_with_sources() -> None:
    result = runner.invoke(app, ["agents", "--format", "json"])
    assert result.exit_code == 0
    listing = {a["id"]: a for a in json.loads(result.stdout)["agents"]}
    assert {"talimogene_laherparepvec", "pv10_rose_bengal", "tilsotolimod"} <= set(listing)
    assert listing["talimogene_laherparepvec"]["max_volume_ml_per_visit"] == 4.0
    assert all("source" in a and len(a["source"]) > 20 for a in listing.values())
