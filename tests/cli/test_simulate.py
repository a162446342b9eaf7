"""``ioguide simulate exposure|cart|cohort`` through the CLI: the spec's conformance pair
(spec/examples/simulate-exposure.json -> simulate-exposure.out.json), exit codes, error lines, tables, plots."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from spec_examples import SPEC_EXAMPLES, without_reasons
from typer.testing import CliRunner

from ioguide.cli.main import app

LOCAL_EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "simulation"
runner = CliRunner()
#: Root-finding for Tmax converges to within a few ulps; every other number matches bit for bit.
ROOT_RTOL = 1e-12


def _assert_same(got: Any, expected: Any, path: str = "$") -> None:
    """Same keys in the same order, same strings and lists; floats equal, or within ROOT_RTOL."""
    if isinstance(expected, dict):
        assert list(got) == list(expected), path
        for key in expected:
            _assert_same(got[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), path
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            _assert_same(g, e, f"{path}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert math.isclose(got, expected, rel_tol=ROOT_RTOL, abs_tol=0.0), (path, got, expected)
    else:
        assert got == expected, path


def _simulate(command: str, data: Any, *extra: str) -> Any:
    return runner.invoke(app, ["simulate", command, "-", "--format", "json", *extra], input=json.dumps(data))


def test_conformance_simulate_exposure() -> None:
    """spec/examples/simulate-exposure.json -> simulate-exposure.out.json, everything but the wording of reasons."""
    result = runner.invoke(
        app, ["simulate", "exposure", str(SPEC_EXAMPLES / "simulate-exposure.json"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    expected = json.loads((SPEC_EXAMPLES / "simulate-exposure.out.json").read_text(encoding="utf-8"))
    got = json.loads(result.stdout)
    _assert_same(without_reasons(got), without_reasons(expected))
    tmax = got["regimens"][0]["tmax_plasma_days"]
    cmax = got["regimens"][0]["cmax_plasma_mg_l"]
    got["regimens"][0]["tmax_plasma_days"] = expected["regimens"][0]["tmax_plasma_days"]
    got["regimens"][0]["cmax_plasma_mg_l"] = expected["regimens"][0]["cmax_plasma_mg_l"]
    assert without_reasons(got) == without_reasons(expected)  # bit for bit apart from the root
    assert math.isclose(tmax, 2.5059655807930334, rel_tol=ROOT_RTOL) and math.isclose(
        cmax, 1.3324361782228429, rel_tol=1e-15
    )
    assert any("Feng" in r for r in got["reasons"])


def test_example_files_in_the_repository_run() -> None:
    for path in sorted(LOCAL_EXAMPLES.glob("*.json")):
        command = path.name.split("-")[0]
        result = runner.invoke(app, ["simulate", command, str(path), "--format", "json"])
        assert result.exit_code == 0, (path, result.output)


@pytest.mark.parametrize(
    ("mutate", "line"),
    [
        (
            lambda d: d["tumour"].update(volume_l=-0.05),
            "tumour.volume_l: -0.05: must be > 0 (a volume in litres is positive)",
        ),
        (lambda d: d["tumour"].update(retention_half_life_days=0), "tumour.retention_half_life_days: 0: must be > 0"),
        (lambda d: d["tumour"].update(retention_half_life_days=-1), "tumour.retention_half_life_days: -1: must be > 0"),
        (
            lambda d: d.update(drug="ipilimumabb"),
            "drug: unknown drug 'ipilimumabb'; known drugs: ipilimumab, nivolumab",
        ),
        (lambda d: d["regimens"][0].update(route="subcutaneous"), "regimens[0].route: 'subcutaneous' is not one of"),
        (lambda d: d.update(colour="red"), "colour: unknown field"),
        (lambda d: d["regimens"][1]["doses"][0].update(amount_mg=0), "regimens[1].doses[0].amount_mg: 0: must be > 0"),
        (lambda d: d.update(times_days=[1, -7]), "times_days[1]: -7: must be >= 0"),
        (lambda d: d.update(horizon_days=0), "horizon_days: 0: must be > 0"),
        (lambda d: d["drug_parameters"].update(v2_l=-3), "drug_parameters.v2_l: -3: must be > 0"),
        (
            lambda d: d.update(model="tumour_depot_one_compartment"),
            "tumour.kp: 0.1: must be 0 for tumour_depot_one_compartment",
        ),
        (lambda d: d.pop("drug"), "drug_parameters.q_l_day: required by tumour_two_compartment"),
    ],
)
def test_bad_exposure_input_exits_2_with_path_and_rule(mutate: Any, line: str) -> None:
    data = json.loads((SPEC_EXAMPLES / "simulate-exposure.json").read_text(encoding="utf-8"))
    data["drug_parameters"] = {}
    mutate(data)
    result = _simulate("exposure", data)
    assert result.exit_code == 2
    assert any(err_line.startswith(line) for err_line in result.stderr.splitlines()), result.stderr
    assert json.loads(result.stdout)["errors"]


def test_missing_file_is_the_inputs_fault() -> None:
    result = runner.invoke(app, ["simulate", "exposure", "/nonexistent.json", "--format", "json"])
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_cart_stein_and_two_site() -> None:
    stein = _simulate("cart", {"model": "stein2019", "times_days": [1, 28], "horizon_days": 28})
    assert stein.exit_code == 0, stein.output
    out = json.loads(stein.stdout)
    assert out["level"] == pytest.approx([14.972096372981708, 1373.5587757511003], rel=1e-12)
    assert out["auc_0_horizon"] == pytest.approx(171774.28517972582, rel=1e-12)
    two = _simulate(
        "cart",
        {"model": "two_site", "route": "intra_arterial", "dose_cells": 1e8, "times_days": [28], "horizon_days": 28},
    )
    assert two.exit_code == 0, two.output
    body = json.loads(two.stdout)
    assert body["regional_cells"] == pytest.approx([1.9889787037e09], rel=1e-9)
    assert {a["parameter"] for a in body["assumptions"]} >= {"k_rb_per_day", "k_br_per_day"}


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ({"model": "stein2020", "times_days": [1], "horizon_days": 2}, "model: 'stein2020' is not one of"),
        ({"times_days": [1], "horizon_days": 2}, "model: required field is missing"),
        (
            {"model": "stein2019", "parameters": {"foldx": 1}, "times_days": [1], "horizon_days": 2},
            "parameters.foldx: 1: must be > 1",
        ),
        (
            {"model": "stein2019", "parameters": {"fb": 1.5}, "times_days": [1], "horizon_days": 2},
            "parameters.fb: 1.5: must be between 0 and 1",
        ),
        (
            {"model": "two_site", "route": "oral", "dose_cells": 1, "times_days": [1], "horizon_days": 2},
            "route: 'oral' is not one of",
        ),
        (
            {"model": "two_site", "route": "intravenous", "dose_cells": -5, "times_days": [1], "horizon_days": 2},
            "dose_cells: -5",
        ),
    ],
)
def test_bad_cart_input_exits_2(data: dict[str, Any], line: str) -> None:
    result = _simulate("cart", data)
    assert result.exit_code == 2
    assert any(err_line.startswith(line) for err_line in result.stderr.splitlines()), result.stderr


def _cohort_input(tmp_path: Path, out_name: str) -> dict[str, Any]:
    exposure = json.loads((SPEC_EXAMPLES / "simulate-exposure.json").read_text(encoding="utf-8"))
    return {
        "simulation": {"kind": "exposure", "input": exposure},
        "n": 500,
        "seed": 1,
        "variability": {"cl_l_day": {"omega2": 0.125}, "v1_l": {"omega2": 0.0223}},
        "correlations": [{"between": ["cl_l_day", "v1_l"], "omega": 0.0254}],
        "percentiles": [5, 50, 95],
        "per_patient_out": str(tmp_path / out_name),
        "chunk_size": 200,
    }


def test_cohort_writes_csv_and_parquet_and_dask_matches_local(tmp_path: Path) -> None:
    local = _simulate("cohort", _cohort_input(tmp_path, "local.csv"))
    assert local.exit_code == 0, local.output
    assert "chunk 3/3" in local.stderr
    with (tmp_path / "local.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 500
    assert float(rows[0]["IT 10 mg.auc_plasma_inf_mg_day_l"]) == pytest.approx(
        10 / float(rows[0]["cl_l_day"]), rel=1e-9
    )
    on_dask = _simulate("cohort", _cohort_input(tmp_path, "dask.parquet"), "--scheduler", "threads")
    assert on_dask.exit_code == 0, on_dask.output
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "dask.parquet").num_rows == 500
    a, b = json.loads(local.stdout), json.loads(on_dask.stdout)
    a.pop("per_patient_out"), b.pop("per_patient_out")
    assert a == b


def test_cohort_with_an_unreachable_cluster_exits_1(tmp_path: Path) -> None:
    data = _cohort_input(tmp_path, "x.csv")
    data["n"] = 5
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = _simulate("cohort", data, "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1
    assert "--scheduler tcp://127.0.0.1:9" in result.stderr


def test_text_format_and_plots(tmp_path: Path) -> None:
    source = str(SPEC_EXAMPLES / "simulate-exposure.json")
    text = runner.invoke(app, ["simulate", "exposure", source, "--format", "text", "--plot", str(tmp_path / "e.png")])
    assert text.exit_code == 0, text.output
    assert "tumour AUC ratio IT/IV per mg: 104.874" in text.stdout
    assert (tmp_path / "e.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    cohort = _cohort_input(tmp_path, "c.csv")
    result = _simulate("cohort", cohort, "--plot", str(tmp_path / "c.svg"))
    assert result.exit_code == 0, result.output
    assert "<svg" in (tmp_path / "c.svg").read_text(encoding="utf-8")
    bad = runner.invoke(app, ["simulate", "exposure", source, "--plot", str(tmp_path / "e.gif")])
    assert bad.exit_code == 2
