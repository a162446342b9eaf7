"""The worked example in examples/imaging (IBSI digital phantom) gives the recorded output, reasons aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imaging.support import DIGITAL_IMAGE, DIGITAL_MASK, IBSI, ROOT
from ioguide.cli.main import app

EXAMPLE = ROOT / "examples" / "imaging" / "measure-digital-phantom.out.json"


@pytest.mark.skipif(not IBSI.is_dir(), reason="IBSI reference data (../shared/ibsi) not present")
def test_measure_digital_phantom_example() -> None:
    run = CliRunner().invoke(
        app, ["measure", str(DIGITAL_IMAGE), str(DIGITAL_MASK), "--label", "1", "--format", "json"]
    )
    assert run.exit_code == 0
    got, want = json.loads(run.stdout), json.loads(Path(EXAMPLE).read_text(encoding="utf-8"))
    assert {k: v for k, v in got.items() if k != "reasons"} == {k: v for k, v in want.items() if k != "reasons"}
    assert len(got["reasons"]) == len(want["reasons"])
