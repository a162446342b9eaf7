"""RECIST long/short axis, maximum 3D diameter and volumes on synthetic shapes with known answers.

Sources: RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228, §3.1, Appendix I) for what is measured; the
outline convention (vertices halfway between inside and outside voxel centres) is pyradiomics' (shape.py) and the
IBSI's (reference manual arXiv:1612.07003 §3.1), checked against pyradiomics' Maximum2DDiameterSlice /
Maximum3DDiameter.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import SimpleITK as sitk

from imaging.support import ellipse_slice, sphere
from ioguide.imaging import geometry
from ioguide.imaging.grid import Grid
from ioguide.imaging.measure import measure_binary

IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


def _grid(shape_kji: tuple[int, int, int], spacing: tuple[float, float, float]) -> Grid:
    return Grid((shape_kji[2], shape_kji[1], shape_kji[0]), spacing, (0.0, 0.0, 0.0), IDENTITY)


def _pyradiomics_shape(mask_kji: np.ndarray, spacing: tuple[float, float, float]) -> dict[str, float]:
    from radiomics import shape

    img = sitk.GetImageFromArray(mask_kji.astype(np.float32))
    msk = sitk.GetImageFromArray(mask_kji.astype(np.uint8))
    for im in (img, msk):
        im.SetSpacing(spacing)
    feats = shape.RadiomicsShape(img, msk)
    return {
        "slice": float(feats.getMaximum2DDiameterSliceFeatureValue()),
        "3d": float(feats.getMaximum3DDiameterFeatureValue()),
        "mesh": float(feats.getMeshVolumeFeatureValue()),
    }


def _direction(line: tuple[tuple[float, float, float], tuple[float, float, float]]) -> np.ndarray:
    d = np.subtract(line[1], line[0])
    return d / np.linalg.norm(d)


# --- exact answers on continuous polygons (no rasterisation) -------------------------------------------------


def test_perpendicular_chord_of_a_square_is_its_side() -> None:
    square = [np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], dtype=float)]
    length, a, b = geometry._longest_perpendicular_chord(square, np.array([0.0, 0.0]), np.array([1.0, 0.0]))
    assert length == pytest.approx(10.0, abs=1e-12)
    assert abs(a[0] - b[0]) < 1e-12  # perpendicular to the x axis


def test_perpendicular_chord_of_a_right_triangle_is_the_leg() -> None:
    tri = [np.array([[0, 0], [10, 0], [0, 5], [0, 0]], dtype=float)]
    length, _, _ = geometry._longest_perpendicular_chord(tri, np.array([0.0, 0.0]), np.array([1.0, 0.0]))
    assert length == pytest.approx(5.0, abs=1e-12)


def test_perpendicular_chord_never_bridges_a_gap() -> None:
    # two 2 x 3 mm blocks 6 mm apart on one line: a horizontal line crosses both, but only the pieces inside
    # count (2 mm each), never the 10 mm from the first block's left edge to the second block's right edge
    left = np.array([[0, 0], [2, 0], [2, 3], [0, 3], [0, 0]], dtype=float)
    right = left + np.array([8.0, 0.0])
    length, a, b = geometry._longest_perpendicular_chord([left, right], np.array([0.0, 0.0]), np.array([0.0, 1.0]))
    assert length == pytest.approx(2.0, abs=1e-12)
    assert abs(a[0] - b[0]) == pytest.approx(2.0)


# --- rasterised shapes ---------------------------------------------------------------------------------------


def test_two_voxel_lesion_is_two_by_one_voxels() -> None:
    mask = np.zeros((1, 5, 6), dtype=bool)
    mask[0, 2, 2:4] = True
    found = geometry.recist_diameters(mask, (0.7, 0.9, 5.0))
    assert found is not None
    assert found.long_axis.length_mm == pytest.approx(2 * 0.7)
    assert found.short_axis.length_mm == pytest.approx(0.9)


def test_single_row_lesion_long_axis_is_its_length() -> None:
    mask = np.zeros((1, 5, 30), dtype=bool)
    mask[0, 2, 3:23] = True
    found = geometry.recist_diameters(mask, (1.0, 1.0, 1.0))
    assert found is not None
    assert found.long_axis.length_mm == pytest.approx(20.0)
    assert found.short_axis.length_mm == pytest.approx(1.0)


@pytest.mark.parametrize("angle", [0.0, 17.0, 30.0, 45.0, 60.0, 90.0, 135.0])
def test_ellipse_at_angle_within_one_pixel_of_the_analytic_axes(angle: float) -> None:
    """Ellipse 60 x 30 mm, 0.5 mm pixels: long axis 60 mm, short axis 30 mm (RECIST on an ideal ellipse)."""
    sl = ellipse_slice((141, 141), (0.5, 0.5), 30.0, 15.0, angle)
    found = geometry.slice_diameters(sl, (0.5, 0.5), 0)
    assert found is not None
    assert abs(found.long_axis.length_mm - 60.0) <= 0.5
    assert abs(found.short_axis.length_mm - 30.0) <= 0.5
    long_dir = _direction((found.long_axis.start_ijk, found.long_axis.end_ijk))
    short_dir = _direction((found.short_axis.start_ijk, found.short_axis.end_ijk))
    assert abs(float(long_dir @ short_dir)) < 1e-9  # perpendicular (isotropic pixels: index space = mm)
    expected = np.rad2deg(np.arctan2(long_dir[1], long_dir[0])) % 180
    # the farthest pair of a pixelated ellipse may sit a few degrees off its major axis (the length changes by
    # ~0.1 mm there, below the pixel size)
    assert min(abs(expected - angle % 180), 180 - abs(expected - angle % 180)) < 6.0


def test_axis_aligned_rectangle_matches_closed_form() -> None:
    """40 x 10 mm block at 1 mm: outline through edge midpoints cuts the corners, so the long axis joins
    (-0.5, 0) and (39.5, 9): sqrt(40^2 + 9^2) = 41.0 mm; the continuous rectangle gives 41.23 / 10.31 mm."""
    mask = np.zeros((1, 20, 50), dtype=bool)
    mask[0, 5:15, 5:45] = True
    found = geometry.recist_diameters(mask, (1.0, 1.0, 1.0))
    assert found is not None
    assert found.long_axis.length_mm == pytest.approx(math.hypot(40, 9))
    assert abs(found.short_axis.length_mm - 10 * math.hypot(40, 10) / 40) <= 1.0


def test_rotated_rectangle_within_one_pixel() -> None:
    """A 40 x 10 mm rectangle rotated 30 degrees: long axis = diagonal 41.23 mm; the perpendicular chord through
    a corner is h * D / w = 10.31 mm (closed form for w > h)."""
    n = 161
    j, i = np.mgrid[0:n, 0:n]
    x, y = (i - 80) * 0.5, (j - 80) * 0.5
    t = np.deg2rad(30)
    u, v = x * np.cos(t) + y * np.sin(t), -x * np.sin(t) + y * np.cos(t)
    rect = (np.abs(u) <= 20) & (np.abs(v) <= 5)
    found = geometry.slice_diameters(rect, (0.5, 0.5), 0)
    assert found is not None
    assert abs(found.long_axis.length_mm - math.hypot(40, 10)) <= 0.5 * math.sqrt(2)
    assert abs(found.short_axis.length_mm - 10 * math.hypot(40, 10) / 40) <= 0.5 * math.sqrt(2)


def test_l_shape_short_axis_stays_inside() -> None:
    """An L of two 30 x 6 mm arms: every point of the short axis lies in the lesion (no bridging of the notch)."""
    sl = np.zeros((40, 40), dtype=bool)
    sl[2:32, 2:8] = True
    sl[26:32, 2:32] = True
    found = geometry.slice_diameters(sl, (1.0, 1.0), 0)
    assert found is not None
    assert found.long_axis.length_mm == pytest.approx(math.hypot(30, 29), abs=1e-9)
    start, end = np.array(found.short_axis.start_ijk[:2]), np.array(found.short_axis.end_ijk[:2])
    for t in np.linspace(0.02, 0.98, 60):
        p = start + t * (end - start)
        jj, ii = int(np.floor(p[1] + 0.5)), int(np.floor(p[0] + 0.5))
        near = sl[max(jj - 1, 0) : jj + 2, max(ii - 1, 0) : ii + 2]
        assert near.any(), f"short axis leaves the L at {p}"
    assert found.short_axis.length_mm < 30 * math.sqrt(2) / 2


def test_anisotropic_pixels_ellipse_in_mm() -> None:
    """Same 60 x 30 mm ellipse on 0.6 x 1.2 mm pixels (anisotropic): diameters in mm within one pixel."""
    sl = ellipse_slice((71, 141), (0.6, 1.2), 30.0, 15.0, 30.0)
    found = geometry.slice_diameters(sl, (0.6, 1.2), 0)
    assert found is not None
    assert abs(found.long_axis.length_mm - 60.0) <= 1.2
    assert abs(found.short_axis.length_mm - 30.0) <= 1.2


@pytest.mark.parametrize(
    "spacing",
    [(1.0, 1.0, 1.0), (0.78125, 0.78125, 2.5), (0.6, 0.9, 3.0)],
)
def test_long_axis_and_3d_diameter_agree_with_pyradiomics(spacing: tuple[float, float, float]) -> None:
    """pyradiomics Maximum2DDiameterSlice / Maximum3DDiameter / MeshVolume on the same mask: equal to 1e-6."""
    mask = sphere((15, 41, 41), spacing, 11.0)
    mask[:, :, :18] &= sphere((15, 41, 41), spacing, 8.0)[:, :, :18]  # break the symmetry
    grid = _grid(mask.shape, spacing)
    ours = measure_binary(mask, grid, 1)
    theirs = _pyradiomics_shape(mask, spacing)
    assert ours.long_axis_mm == pytest.approx(theirs["slice"], abs=1e-6)
    assert ours.max_3d_diameter_mm == pytest.approx(theirs["3d"], abs=1e-6)
    assert ours.mesh_volume_mm3 == pytest.approx(theirs["mesh"], rel=1e-3)


def test_sphere_volumes_close_to_analytic() -> None:
    """r = 10 mm sphere at 0.5 mm: voxel and mesh volume within 1 % of 4/3 pi r^3 = 4188.8 mm^3."""
    spacing = (0.5, 0.5, 0.5)
    mask = sphere((45, 45, 45), spacing, 10.0)
    found = measure_binary(mask, _grid(mask.shape, spacing), 1)
    ideal = 4 / 3 * math.pi * 1000
    assert found.volume_mm3 == pytest.approx(ideal, rel=0.01)
    assert found.mesh_volume_mm3 == pytest.approx(ideal, rel=0.01)
    assert found.max_3d_diameter_mm == pytest.approx(20.0, abs=0.5)


def test_endpoints_are_in_patient_coordinates() -> None:
    """Origin and a flipped direction move the end points as DICOM PS3.3 C.7.6.2.1.1 says; lengths stay."""
    mask = np.zeros((3, 10, 12), dtype=bool)
    mask[1, 4, 2:9] = True  # 7 voxels along i on slice 1
    flipped = Grid((12, 10, 3), (0.5, 0.5, 2.0), (100.0, 50.0, -20.0), (-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0))
    found = measure_binary(mask, flipped, 1)
    assert found.long_axis_mm == pytest.approx(3.5)
    assert found.slice_index == 1
    (x0, y0, z0), (x1, y1, z1) = found.long_axis_endpoints_patient_mm
    assert sorted([x0, x1]) == pytest.approx([100 - 8.5 * 0.5, 100 - 1.5 * 0.5])
    assert y0 == y1 == pytest.approx(50 - 4 * 0.5)
    assert z0 == z1 == pytest.approx(-20 + 2.0)


def test_largest_slice_wins_ties_broken_by_short_axis() -> None:
    mask = np.zeros((3, 20, 20), dtype=bool)
    mask[0, 5, 2:12] = True  # 10 x 1
    mask[1, 5:8, 2:12] = True  # 10 x 3 (equal long axis? no: the cut corners make it longer)
    mask[2, 5:7, 2:12] = True
    found = geometry.recist_diameters(mask, (1.0, 1.0, 1.0))
    assert found is not None
    assert found.slice_index == 1
