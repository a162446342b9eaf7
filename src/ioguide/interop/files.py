"""Write SDTM datasets as CSV and SAS XPORT version 5 (``pyreadstat.write_xport``), all or nothing.

Every limit is checked before any file is opened (``sdtm.study_datasets``), and files are written into a fresh
temporary folder that replaces nothing until all of them are complete, so a bad value never leaves a cut or half
written export behind.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyreadstat

from ioguide.interop.sdtm import Dataset


def frame(dataset: Dataset) -> pd.DataFrame:
    """The dataset as a DataFrame: character columns as ``object`` (None for missing), numbers as float64."""
    columns: dict[str, pd.Series] = {}
    for var in dataset.domain.variables:
        values = dataset.column(var.name)
        if var.kind == "Num":
            columns[var.name] = pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
        else:
            columns[var.name] = pd.Series(["" if v is None else str(v) for v in values], dtype="object")
    return pd.DataFrame(columns, columns=list(dataset.domain.names()))


def _write_csv(dataset: Dataset, path: Path) -> None:
    with path.open("w", newline="", encoding="ascii") as handle:
        writer = csv.writer(handle)
        writer.writerow(dataset.domain.names())
        for row in dataset.rows:
            writer.writerow(["" if v is None else (format(v, "g") if isinstance(v, float) else v) for v in row])


def _write_xpt(dataset: Dataset, path: Path) -> None:
    domain = dataset.domain
    pyreadstat.write_xport(
        frame(dataset),
        str(path),
        file_format_version=5,
        table_name=domain.name,
        file_label=domain.label,
        column_labels=[v.label for v in domain.variables],
    )


def write_datasets(
    datasets: Mapping[str, Dataset], out_dir: Path, formats: tuple[str, ...] = ("csv", "xpt")
) -> list[Path]:
    """Write each dataset as ``<name lower>.csv`` / ``.xpt`` into ``out_dir`` (created); return the paths.

    Empty datasets (no rows) are not written. Files are first written to a temporary folder beside ``out_dir``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=".ioguide-sdtm-") as tmp:
        staging = Path(tmp)
        for name, dataset in datasets.items():
            if not dataset.rows:
                continue
            if "csv" in formats:
                _write_csv(dataset, staging / f"{name.lower()}.csv")
            if "xpt" in formats:
                _write_xpt(dataset, staging / f"{name.lower()}.xpt")
        for path in sorted(staging.iterdir()):
            target = out_dir / path.name
            shutil.move(str(path), target)
            written.append(target)
    return written
