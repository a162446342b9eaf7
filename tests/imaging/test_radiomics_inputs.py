"""Radiomics input checks that need no reference data: parameter files and lesions pyradiomics cannot describe."""

from __future__ import annotations

import numpy as np
import pytest

from ioguide.errors import InputError
from ioguide.imaging.grid import Grid
from ioguide.imaging.ibsi import passes_ibsi, round_significant
from ioguide.imaging.radiomics import extract, parse_params

GRID = Grid((10, 10, 5), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0))


def test_single_voxel_lesion_is_the_inputs_fault() -> None:
    image = np.random.default_rng(0).normal(0, 10, (5, 10, 10))
    labels = np.zeros((5, 10, 10), dtype=np.int32)
    labels[2, 5, 5] = 1
    with pytest.raises(InputError, match="mask: pyradiomics cannot describe this lesion: mask only contains 1"):
        extract(image, labels, GRID, 1, parse_params(None))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"setting": {"binWidth": 0}}, "setting.binWidth"),
        ({"setting": {"interpolator": "sitkCubic"}}, "setting.interpolator"),
        ({"featureClass": ["shape", "wavelet"]}, "featureClass[1]"),
        ({"imageType": {"Wavelet": {}}}, "imageType"),
    ],
)
def test_bad_parameters_name_their_path(data: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        parse_params(data)
    assert err.value.problems[0].field == field


def test_ibsi_rounding_rule_boundaries() -> None:
    """IBSI: round to 3 significant digits, then |x - ref| <= tol (MIRP test/ibsi_1_test.py)."""
    assert round_significant(0.50349) == 0.503 and round_significant(-0.35549) == -0.355
    assert passes_ibsi(0.50349, 0.503, 0.0)  # rounds onto the reference
    assert not passes_ibsi(0.50351, 0.503, 0.0)  # rounds to 0.504
    assert passes_ibsi(560.0, 556.0, 4.0) and not passes_ibsi(561.0, 556.0, 4.0)  # at / just above tolerance
