"""Compressed transfer syntaxes decode to the same voxels as the uncompressed file (pydicom's bundled MR_small
variants): RLE (pylibjpeg-rle / pydicom), JPEG-LS lossless (python-gdcm or pyjpegls), JPEG 2000 lossless
(pylibjpeg-openjpeg)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from ioguide.imaging.volumes import load_image


def _one_slice_series(name: str, folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(str(get_testdata_file(name)), folder / "slice.dcm")
    return folder


@pytest.mark.parametrize("name", ["MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm"])
def test_compressed_series_equals_uncompressed(name: str, tmp_path: Path) -> None:
    plain = load_image(_one_slice_series("MR_small.dcm", tmp_path / "plain"))
    packed = load_image(_one_slice_series(name, tmp_path / "packed"))
    assert packed.grid == plain.grid
    assert np.array_equal(packed.array, plain.array)
    assert plain.array.shape == (1, 64, 64)
