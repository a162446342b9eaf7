"""Write SDTM and ADaM datasets as CSV and SAS XPORT version 5 (``pyreadstat.write_xport``) with their
Define-XML 2.1, all or nothing; or the same files as one zip.

The package: SDTM files and their ``define.xml`` at the top, ADaM files and theirs in ``adam/``. Every limit is
checked before any file is opened (``sdtm.study_datasets``, ``adam.adam_datasets``), and files are written into a
fresh temporary folder that replaces nothing until all of them are complete, so a bad value never leaves a cut or
half written export behind.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyreadstat

from ioguide.interop.adam import adam_datasets
from ioguide.interop.adam_adrs import AdrsOptions
from ioguide.interop.define import ADAM, define_xml, validate_define
from ioguide.interop.inputs import StudyExport
from ioguide.interop.sdtm import SdtmOptions, study_datasets
from ioguide.interop.sdtm_rows import Dataset


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


#: First characters that make a spreadsheet read a text cell as a formula (OWASP "CSV Injection": ``=``, ``+``,
#: ``-``, ``@``, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A text cell as written to CSV: prefixed with a single quote when it starts like a formula, so that a
    spreadsheet shows it as text instead of evaluating it (XPORT keeps the value as it is)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _write_csv(dataset: Dataset, path: Path) -> None:
    kinds = [v.kind for v in dataset.domain.variables]
    with path.open("w", newline="", encoding="ascii") as handle:
        writer = csv.writer(handle)
        writer.writerow(dataset.domain.names())
        for row in dataset.rows:
            writer.writerow(
                [
                    "" if v is None else format(v, "g") if kind == "Num" else csv_text(str(v))
                    for v, kind in zip(row, kinds, strict=True)
                ]
            )


def _write_xpt(dataset: Dataset, path: Path) -> None:
    domain = dataset.domain
    pyreadstat.write_xport(
        frame(dataset),
        str(path),
        file_format_version=5,
        table_name=domain.name,
        file_label=domain.label,
        column_labels=[v.label for v in domain.variables],
        variable_format={v.name: v.format.rstrip(".") for v in domain.variables if v.format} or None,
    )


def write_datasets(
    datasets: Mapping[str, Dataset],
    out_dir: Path,
    formats: tuple[str, ...] = ("csv", "xpt"),
    define: str | None = None,
    adam: tuple[Mapping[str, Dataset], str] | None = None,
) -> list[Path]:
    """Write each dataset as ``<name lower>.csv`` / ``.xpt`` into ``out_dir`` (created), and ``define.xml`` when
    given (checked against the Define-XML 2.1 XSD first), and ``adam`` (datasets, define) in ``adam/``; return the
    paths written.

    Empty datasets (no rows) are not written. Files are staged in a temporary folder beside ``out_dir`` and moved
    in only when all of them are complete.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=".ioguide-sdtm-") as tmp:
        staging = Path(tmp)
        _stage(datasets, staging, formats, define)
        if adam is not None:
            (staging / "adam").mkdir()
            _stage(adam[0], staging / "adam", formats, adam[1])
        for path in sorted(staging.rglob("*")):
            if path.is_dir():
                continue
            target = out_dir / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), target)
            written.append(target)
    return written


def _stage(datasets: Mapping[str, Dataset], folder: Path, formats: tuple[str, ...], define: str | None) -> None:
    for name, dataset in datasets.items():
        if not dataset.rows:
            continue
        if "csv" in formats:
            _write_csv(dataset, folder / f"{name.lower()}.csv")
        if "xpt" in formats:
            _write_xpt(dataset, folder / f"{name.lower()}.xpt")
    if define is not None:
        (folder / "define.xml").write_text(define, encoding="utf-8")
        validate_define(folder / "define.xml")


def write_study(
    study: StudyExport,
    out_dir: Path,
    options: SdtmOptions | None = None,
    adam_options: AdrsOptions | None = None,
) -> tuple[dict[str, Dataset], list[Path]]:
    """The study's SDTM and ADaM datasets, CSV + XPT + define.xml in ``out_dir`` (ADaM in ``adam/``): nothing is
    written on bad input. Returns the datasets of both (SDTM and ADaM names do not clash) and the paths."""
    return write_sdtm_adam(study_datasets(study, options), out_dir, study.study, adam_options)


def write_sdtm_adam(
    datasets: Mapping[str, Dataset], out_dir: Path, study: str, adam_options: AdrsOptions | None = None
) -> tuple[dict[str, Dataset], list[Path]]:
    """Write a study's SDTM ``datasets`` and the ADaM datasets derived from them, each with its Define-XML, in
    ``out_dir`` (ADaM in ``adam/``), all or nothing; return both sets of datasets and the paths. The one writer
    of :func:`write_study` and of the batched program export (``services.jobs.export_sdtm``)."""
    adam = adam_datasets(dict(datasets), adam_options)
    paths = write_datasets(
        datasets,
        out_dir,
        define=define_xml(datasets, study),
        adam=(adam, define_xml(adam, study, standard=ADAM)),
    )
    return dict(datasets) | adam, paths


def study_archive(
    study: StudyExport, options: SdtmOptions | None = None, adam_options: AdrsOptions | None = None
) -> bytes:
    """The same files as :func:`write_study`, as one zip (for ``GET /api/v1/export/sdtm``)."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        root = Path(tmp) / "sdtm"
        for path in write_study(study, root, options, adam_options)[1]:
            archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()
