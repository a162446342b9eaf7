"""The arguments and option readers the imaging commands share (``measure``, ``radiomics``, ``export seg|sr``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import yaml

from ioguide.errors import InputError

IMAGE = typer.Argument(None, help="A DICOM series folder or a NIfTI file.")
MASK = typer.Argument(None, help="A NIfTI label map, a DICOM SEG, or a DICOM RTSTRUCT (with --roi).")
LABEL = typer.Option(None, "--label", help="Only this label (default: every non-zero label).")
ROI = typer.Option(None, "--roi", help="RTSTRUCT ROI name (needed when the RTSTRUCT holds several).")


def _require(value: Path | None, name: str) -> Path:
    if value is None:
        raise InputError.one(name, "required argument is missing")
    return value


def _read_params(path: Path | None) -> Any:
    if path is None:
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError.one("--params", f"file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise InputError.one("--params", f"not valid YAML ({exc})") from None
