"""SDTM CSV cells that a spreadsheet would run as formulas (OWASP "CSV Injection": a cell starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) are written with a leading single quote; XPORT keeps the value."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest

from ioguide.interop.files import csv_text, write_datasets
from ioguide.interop.inputs import parse_study_export
from ioguide.interop.sdtm import study_datasets


@pytest.mark.parametrize("agent", ['=HYPERLINK("X")', "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"])
def test_a_formula_like_text_cell_is_quoted_in_csv_and_kept_in_xport(
    demo_input: dict[str, Any], tmp_path: Path, agent: str
) -> None:
    data = copy.deepcopy(demo_input)
    for procedure in data["patients"][0]["procedures"]:
        if procedure["kind"] == "injection":
            procedure["agent"] = agent
    datasets = study_datasets(parse_study_export(data))
    assert agent in datasets["EC"].column("ECTRT")
    write_datasets(datasets, tmp_path)
    csv_cells = pd.read_csv(tmp_path / "ec.csv", dtype=str, keep_default_na=False)["ECTRT"].tolist()
    assert "'" + agent in csv_cells and agent not in csv_cells
    xpt, _ = pyreadstat.read_xport(str(tmp_path / "ec.xpt"))
    assert agent.strip() in [str(v).strip() for v in xpt["ECTRT"]]  # XPORT: the value as it is


def test_only_text_starting_like_a_formula_is_prefixed() -> None:
    assert csv_text("A-1 @ 2 = 3") == "A-1 @ 2 = 3"
    assert csv_text("-1") == "'-1" and csv_text("") == ""


def test_numeric_cells_are_numbers_not_quoted(demo_input: dict[str, Any], tmp_path: Path) -> None:
    datasets = study_datasets(parse_study_export(demo_input))
    write_datasets(datasets, tmp_path, formats=("csv",))
    seq = pd.read_csv(tmp_path / "tr.csv", dtype=str, keep_default_na=False)["TRSEQ"].tolist()
    assert seq[:2] == ["1", "2"]  # Num variables are written as numbers, never prefixed
