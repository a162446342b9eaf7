"""Fixtures: the dicom3tools validator (installed by scripts/dicom3tools when missing) and a synthetic CT study."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from imaging.support import ROOT, lesion_ct, write_ct_series, write_nifti


@pytest.fixture(scope="session")
def dciodvfy() -> str:
    """Path of dciodvfy; the project script installs Debian's dicom3tools on a fresh machine (CI)."""
    done = subprocess.run([str(ROOT / "scripts" / "dicom3tools")], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"scripts/dicom3tools could not provide dciodvfy: {done.stderr}")
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def ct_study(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 64x64x12 CT series (0.8 x 0.8 x 2.5 mm) with a two-label NIfTI mask on the same grid."""
    base = tmp_path_factory.mktemp("ct")
    hu, labels = lesion_ct()
    spacing, origin = (0.8, 0.8, 2.5), (-25.0, -30.0, 10.0)
    series = write_ct_series(base / "series", hu, spacing, origin)
    mask = write_nifti(base / "mask.nii.gz", labels.astype("uint8"), spacing, origin)
    image = write_nifti(base / "ct.nii.gz", hu, spacing, origin)
    return {"series": series, "mask": mask, "image": image, "base": base}
