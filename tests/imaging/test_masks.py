"""Masks from NIfTI, RTSTRUCT and SEG land on the image grid; mismatching grids are rejected, never resampled.

Checked on the IBSI digital phantom (spec/imaging.md: mesh volume 556 +/- 4 mm^3, voxel volume 592 +/- 4 mm^3,
maximum 3D diameter 13.1 +/- 0.1 mm; IBSI reference manual table for the digital phantom) and on the IBSI CT
phantom, whose RTSTRUCT "GTV-1" rasterises to the same 125 256 voxels as its NIfTI mask.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from imaging.support import CT_DIR, DIGITAL_IMAGE, DIGITAL_MASK, IBSI, write_nifti
from ioguide.errors import InputError
from ioguide.imaging.dicom_export import LesionRef, write_seg
from ioguide.imaging.grid import Grid, grid_mismatches
from ioguide.imaging.measure import measure_labels
from ioguide.imaging.volumes import load_image, load_mask

needs_ibsi = pytest.mark.skipif(not IBSI.is_dir(), reason="IBSI reference data (../shared/ibsi) not present")


@needs_ibsi
def test_digital_phantom_volumes_and_diameter() -> None:
    image = load_image(DIGITAL_IMAGE)
    (m,) = measure_labels(load_mask(DIGITAL_MASK, image), image.grid)
    assert m.voxels == 74
    assert abs(m.volume_mm3 - 592) <= 4
    assert abs(m.mesh_volume_mm3 - 556) <= 4
    assert abs(round(m.max_3d_diameter_mm, 1) - 13.1) <= 0.1
    out = m.as_dict()
    assert out["volume_ml"] == 0.592 and out["mesh_volume_ml"] == 0.556 and out["max_3d_diameter_mm"] == 13.1


@needs_ibsi
@pytest.mark.skipif(not CT_DIR.is_dir(), reason="IBSI CT phantom not present")
def test_rtstruct_rasterises_like_the_nifti_mask() -> None:
    series = load_image(CT_DIR / "dicom/image")
    from_rt = load_mask(CT_DIR / "dicom/mask/DCM_RS_00060.dcm", series, roi="GTV-1")
    nifti = load_image(CT_DIR / "nifti/image/phantom.nii.gz")
    from_nifti = load_mask(CT_DIR / "nifti/mask/mask.nii.gz", nifti)
    assert grid_mismatches(series.grid, nifti.grid) == []
    assert int(from_rt.sum()) == 125256
    assert np.array_equal(from_rt, from_nifti)
    with pytest.raises(InputError, match="ROI 'GTV-2' is not in"):
        load_mask(CT_DIR / "dicom/mask/DCM_RS_00060.dcm", series, roi="GTV-2")


def test_seg_round_trip_on_the_dicom_grid(ct_study: dict[str, Path], tmp_path: Path) -> None:
    image = load_image(ct_study["series"])
    labels = load_mask(ct_study["mask"], image)
    seg = write_seg(image.datasets, labels, [LesionRef(1, "T1"), LesionRef(2, "N1")])
    seg.save_as(str(tmp_path / "seg.dcm"))
    back = load_mask(tmp_path / "seg.dcm", image)
    assert np.array_equal(back, labels)


def test_single_segment_seg_round_trip(ct_study: dict[str, Path], tmp_path: Path) -> None:
    """With one segment, highdicom puts the segment identification in the shared functional groups."""
    image = load_image(ct_study["series"])
    labels = load_mask(ct_study["mask"], image)
    write_seg(image.datasets, labels, [LesionRef(2, "N1")]).save_as(str(tmp_path / "seg.dcm"))
    back = load_mask(tmp_path / "seg.dcm", image)
    assert np.array_equal(back == 1, labels == 2)  # segment 1 holds label 2


def test_seg_on_another_grid_is_rejected(ct_study: dict[str, Path], tmp_path: Path) -> None:
    image = load_image(ct_study["series"])
    labels = load_mask(ct_study["mask"], image)
    write_seg(image.datasets, labels, [LesionRef(1, "T1")]).save_as(str(tmp_path / "seg.dcm"))
    shifted = type(image)(
        image.array, Grid(image.grid.size, image.grid.spacing_mm, (-24.0, -30.0, 10.0), image.grid.direction), "x"
    )
    with pytest.raises(InputError, match="SEG grid does not match the image grid"):
        load_mask(tmp_path / "seg.dcm", shifted)


@pytest.mark.parametrize(
    ("spacing", "origin", "what"),
    [
        ((0.8, 0.8, 2.5), (-25.0, -30.0, 10.002), "origin"),  # just above 1e-3 mm
        ((0.8, 0.8, 2.502), (-25.0, -30.0, 10.0), "spacing"),
    ],
)
def test_nifti_mask_on_another_grid_is_rejected_with_both_geometries(
    ct_study: dict[str, Path],
    tmp_path: Path,
    spacing: tuple[float, float, float],
    origin: tuple[float, float, float],
    what: str,
) -> None:
    image = load_image(ct_study["image"])
    mask = write_nifti(tmp_path / "m.nii.gz", np.ones((12, 64, 64), dtype=np.uint8), spacing, origin)
    with pytest.raises(InputError) as err:
        load_mask(mask, image)
    message = str(err.value)
    assert what in message and "image: size 64x64x12" in message and "mask: size 64x64x12" in message


def test_origin_within_tolerance_is_accepted(ct_study: dict[str, Path], tmp_path: Path) -> None:
    image = load_image(ct_study["image"])
    mask = write_nifti(
        tmp_path / "m.nii.gz", np.ones((12, 64, 64), dtype=np.uint8), (0.8, 0.8, 2.5), (-25.0, -30.0, 10.0005)
    )
    assert load_mask(mask, image).sum() == 12 * 64 * 64


def test_dicom_series_and_nifti_give_the_same_measurement(ct_study: dict[str, Path]) -> None:
    series = load_image(ct_study["series"])
    nifti = load_image(ct_study["image"])
    assert grid_mismatches(series.grid, nifti.grid) == []
    assert np.array_equal(series.array, nifti.array)
    a = [m.as_dict() for m in measure_labels(load_mask(ct_study["mask"], series), series.grid)]
    b = [m.as_dict() for m in measure_labels(load_mask(ct_study["mask"], nifti), nifti.grid)]
    assert a == b


def test_mask_with_another_direction_is_rejected(ct_study: dict[str, Path], tmp_path: Path) -> None:
    import SimpleITK as sitk

    image = load_image(ct_study["image"])
    mask = sitk.GetImageFromArray(np.ones((12, 64, 64), dtype=np.uint8))
    mask.SetSpacing((0.8, 0.8, 2.5))
    mask.SetOrigin((-25.0, -30.0, 10.0))
    mask.SetDirection((0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -1.0))  # rows and columns swapped, flipped slices
    sitk.WriteImage(mask, str(tmp_path / "m.nii.gz"))
    with pytest.raises(InputError, match=r"\(direction differ"):
        load_mask(tmp_path / "m.nii.gz", image)
