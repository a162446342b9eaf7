"""Reading images and masks onto one voxel grid (the imaging shell: file I/O lives here).

- Images: a NIfTI (or any SimpleITK-readable) file, or a folder holding one DICOM series (read with pydicom; the
  compressed transfer syntaxes are decoded by pydicom's plugins: pylibjpeg-openjpeg for JPEG 2000/HTJ2K,
  python-gdcm for JPEG lossless/JPEG-LS/baseline, pylibjpeg-rle for RLE, all permissively licensed).
- Masks: a NIfTI label map, a DICOM SEG (segment numbers become labels) or a DICOM RTSTRUCT (one ROI, rasterised
  onto the image grid). A mask on another grid is rejected with both geometries (spec/imaging.md), never resampled.

Every failure caused by the input raises :class:`~ioguide.errors.InputError` naming the argument and the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import SimpleITK as _sitk
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from skimage import draw as _draw

from ioguide.errors import InputError
from ioguide.imaging.grid import GRID_TOLERANCE_MM, Grid, require_same_grid

#: SimpleITK and scikit-image ship without type hints; used through ``Any``.
sitk: Any = _sitk
draw: Any = _draw

_NIFTI_SUFFIXES = (".nii", ".nii.gz", ".nrrd", ".mha", ".mhd")
#: Largest spread of slice gaps (mm) accepted in a DICOM series before it is called unevenly spaced.
SLICE_GAP_TOLERANCE_MM = 0.01
#: Largest distance (mm) of an RTSTRUCT contour plane from the nearest image slice centre.
CONTOUR_PLANE_TOLERANCE_MM = 0.01


@dataclass(frozen=True)
class Volume:
    """A 3D image: voxels as ``[k, j, i]`` array, its grid, and (for DICOM input) the source datasets by slice."""

    array: NDArray[Any]
    grid: Grid
    source: str
    datasets: tuple[Dataset, ...] = field(default=(), repr=False)


def _is_volume_file(path: Path) -> bool:
    return path.name.lower().endswith(_NIFTI_SUFFIXES)


def grid_of_sitk(img: Any) -> Grid:
    size = img.GetSize()
    sp = img.GetSpacing()
    org = img.GetOrigin()
    d = img.GetDirection()
    if len(size) != 3:
        raise InputError.one("image", f"expected a 3D image, got {len(size)}D")
    return Grid(
        (int(size[0]), int(size[1]), int(size[2])),
        (float(sp[0]), float(sp[1]), float(sp[2])),
        (float(org[0]), float(org[1]), float(org[2])),
        tuple(float(v) for v in d),  # type: ignore[arg-type]
    )


def read_sitk(path: Path, field_name: str) -> Volume:
    try:
        img = sitk.ReadImage(str(path))
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unreadable"
        raise InputError.one(field_name, f"cannot read {path}: {first}") from None
    if img.GetDimension() != 3 or img.GetNumberOfComponentsPerPixel() != 1:
        raise InputError.one(field_name, f"{path}: expected a 3D single-channel image")
    return Volume(sitk.GetArrayFromImage(img), grid_of_sitk(img), str(path))


def read_dicom(path: Path, field_name: str) -> Dataset:
    """One DICOM file; a corrupt or non-DICOM file is the input's fault."""
    try:
        return pydicom.dcmread(str(path))
    except (InvalidDicomError, OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise InputError.one(field_name, f"{path} is not a readable DICOM file ({exc})") from None


def _series_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputError.one("image", f"{folder} holds no files")
    return files


def _float_list(ds: Dataset, keyword: str, path: Path) -> list[float]:
    value = ds.get(keyword)
    if value is None:
        raise InputError.one("image", f"{path}: {keyword} is missing (needed for the image geometry)")
    return [float(v) for v in value]


def read_dicom_series(folder: Path) -> Volume:
    """One DICOM image series from a folder: slices sorted along the slice normal, rescaled to real values.

    Geometry per DICOM PS3.3 §C.7.6.2.1.1: Image Orientation (Patient) gives the row (i) and column (j) directions,
    their cross product the slice normal; Pixel Spacing is (row spacing = j, column spacing = i); the slice spacing
    is the distance between consecutive Image Position (Patient) values along the normal (not Slice Thickness).
    Unevenly spaced or tilted series are rejected rather than resampled.
    """
    slices: list[tuple[Dataset, Path]] = []
    for p in _series_files(folder):
        ds = read_dicom(p, "image")
        if "PixelData" not in ds or ds.get("Modality") in ("SEG", "RTSTRUCT", "SR"):
            continue
        slices.append((ds, p))
    if not slices:
        raise InputError.one("image", f"{folder} holds no DICOM image with pixel data")
    series = {str(ds.get("SeriesInstanceUID", "")) for ds, _ in slices}
    if len(series) > 1:
        raise InputError.one("image", f"{folder} holds {len(series)} series ({sorted(series)}); give one series folder")
    first, first_path = slices[0]
    iop = np.asarray(_float_list(first, "ImageOrientationPatient", first_path))
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    positions = []
    for ds, p in slices:
        if not np.allclose(_float_list(ds, "ImageOrientationPatient", p), iop, atol=1e-4):
            raise InputError.one("image", f"{p}: orientation differs from the rest of the series")
        positions.append(float(np.dot(_float_list(ds, "ImagePositionPatient", p), normal)))
    order = np.argsort(positions)
    slices = [slices[i] for i in order]
    pos_sorted = np.asarray(positions)[order]
    gaps = np.diff(pos_sorted)
    if len(gaps) and (np.min(gaps) <= 0 or np.ptp(gaps) > SLICE_GAP_TOLERANCE_MM):
        raise InputError.one(
            "image", f"{folder}: slices are not evenly spaced (gaps {np.min(gaps):.3f}-{np.max(gaps):.3f} mm)"
        )
    first = slices[0][0]
    ipp0 = np.asarray(_float_list(first, "ImagePositionPatient", slices[0][1]))
    if len(slices) > 1:
        step = np.asarray(_float_list(slices[1][0], "ImagePositionPatient", slices[1][1])) - ipp0
        if np.linalg.norm(np.cross(step / np.linalg.norm(step), normal)) > 1e-4:
            raise InputError.one("image", f"{folder}: gantry tilt / sheared series is not supported")
    ps = _float_list(first, "PixelSpacing", slices[0][1])
    dz = float(np.mean(gaps)) if len(gaps) else float(first.get("SliceThickness", 1.0) or 1.0)
    planes = []
    for ds, p in slices:
        try:
            arr = ds.pixel_array.astype(np.float64)
        except Exception as exc:  # decoder errors come in many types; all mean the pixel data cannot be read
            raise InputError.one("image", f"{p}: pixel data cannot be decoded ({exc})") from None
        if arr.shape != (int(first.Rows), int(first.Columns)):
            raise InputError.one("image", f"{p}: {arr.shape} pixels differ from the series' first slice")
        planes.append(arr * float(ds.get("RescaleSlope", 1) or 1) + float(ds.get("RescaleIntercept", 0) or 0))
    direction = np.column_stack([row_dir, col_dir, normal]).reshape(-1)
    grid = Grid(
        (int(first.Columns), int(first.Rows), len(slices)),
        (ps[1], ps[0], dz),
        (float(ipp0[0]), float(ipp0[1]), float(ipp0[2])),
        tuple(float(v) for v in direction),  # type: ignore[arg-type]
    )
    return Volume(np.stack(planes), grid, str(folder), tuple(ds for ds, _ in slices))


def load_image(path: Path) -> Volume:
    """An image from a NIfTI-like file or a DICOM series folder."""
    if not path.exists():
        raise InputError.one("image", f"file not found: {path}")
    if path.is_dir():
        return read_dicom_series(path)
    if _is_volume_file(path):
        return read_sitk(path, "image")
    raise InputError.one("image", f"{path}: give a DICOM series folder or a NIfTI file")


def load_mask(path: Path, image: Volume, roi: str | None = None) -> NDArray[np.int32]:
    """A label map on ``image``'s grid from a NIfTI label map, a DICOM SEG or a DICOM RTSTRUCT."""
    if not path.exists():
        raise InputError.one("mask", f"file not found: {path}")
    if path.is_dir():
        files = [p for p in path.iterdir() if p.is_file()]
        if len(files) != 1:
            raise InputError.one("mask", f"{path}: a mask folder must hold exactly one DICOM SEG or RTSTRUCT file")
        path = files[0]
    if _is_volume_file(path):
        vol = read_sitk(path, "mask")
        require_same_grid(image.grid, vol.grid)
        arr = vol.array
        if not np.issubdtype(arr.dtype, np.integer) and not np.all(np.equal(np.mod(arr, 1), 0)):
            raise InputError.one("mask", f"{path}: a label map holds whole numbers only")
        if arr.size and arr.min() < 0:
            raise InputError.one("mask", f"{path}: a label map holds no negative labels (found {int(arr.min())})")
        return arr.astype(np.int32, copy=False)
    ds = read_dicom(path, "mask")
    modality = ds.get("Modality")
    if modality == "SEG":
        return seg_to_labels(ds, image.grid, str(path))
    if modality == "RTSTRUCT":
        return rtstruct_to_labels(ds, image.grid, roi, str(path))
    raise InputError.one("mask", f"{path}: DICOM modality {modality!r} is not a SEG or RTSTRUCT")


def _frame_grid(ds: Dataset, ipp: list[float], n: int) -> Grid:
    shared = ds.SharedFunctionalGroupsSequence[0]
    iop = [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient]
    ps = [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing]
    normal = np.cross(iop[:3], iop[3:])
    thick = float(shared.PixelMeasuresSequence[0].get("SpacingBetweenSlices", 0) or 0)
    direction = tuple(float(v) for v in np.column_stack([iop[:3], iop[3:], normal]).reshape(-1))
    return Grid((int(ds.Columns), int(ds.Rows), n), (ps[1], ps[0], thick), tuple(ipp), direction)  # type: ignore[arg-type]


def seg_to_labels(ds: Dataset, grid: Grid, source: str) -> NDArray[np.int32]:
    """Place each frame of a DICOM SEG (PS3.3 §A.51) on the image slice at its Image Position (Patient).

    In-plane size, pixel spacing and orientation must equal the image's; every frame must lie on an image slice
    (within 1e-3 mm). Segment numbers become labels; fractional segments count where value >= half the maximum.
    """
    try:
        frames = ds.pixel_array
        per_frame = ds.PerFrameFunctionalGroupsSequence
        first_ipp = [float(v) for v in per_frame[0].PlanePositionSequence[0].ImagePositionPatient]
    except (AttributeError, IndexError, KeyError, ValueError) as exc:
        raise InputError.one("mask", f"{source}: not a usable DICOM SEG ({exc})") from None
    if frames.ndim == 2:
        frames = frames[None]
    seg_grid = _frame_grid(ds, first_ipp, grid.size[2])
    in_plane = Grid(
        (grid.size[0], grid.size[1], grid.size[2]),
        (grid.spacing_mm[0], grid.spacing_mm[1], seg_grid.spacing_mm[2] or grid.spacing_mm[2]),
        seg_grid.origin_mm,
        grid.direction,
    )
    probe = Grid(
        seg_grid.size, (*seg_grid.spacing_mm[:2], in_plane.spacing_mm[2]), seg_grid.origin_mm, seg_grid.direction
    )
    mismatch = [
        name
        for name, bad in (
            ("size", probe.size[:2] != grid.size[:2]),
            ("spacing", np.max(np.abs(np.subtract(probe.spacing_mm[:2], grid.spacing_mm[:2]))) > GRID_TOLERANCE_MM),
            ("direction", np.max(np.abs(np.subtract(probe.direction, grid.direction))) > 1e-4),
        )
        if bad
    ]
    threshold = 0.5 * float(ds.get("MaximumFractionalValue", 1)) if ds.get("SegmentationType") == "FRACTIONAL" else 0.5
    labels = np.zeros((grid.size[2], grid.size[1], grid.size[0]), dtype=np.int32)
    for f, item in enumerate(per_frame):
        ipp = np.asarray([float(v) for v in item.PlanePositionSequence[0].ImagePositionPatient])
        ijk = grid.to_index(ipp[None, :])[0]
        k = round(float(ijk[2]))
        off = np.abs(ijk - np.array([0.0, 0.0, k])) * np.asarray(grid.spacing_mm)
        if mismatch or np.max(off) > GRID_TOLERANCE_MM or not 0 <= k < grid.size[2]:
            why = ", ".join(mismatch) or f"frame {f + 1} at {ipp.round(3).tolist()} lies on no image slice"
            raise InputError.one(
                "mask",
                f"SEG grid does not match the image grid ({why}); image: {grid.describe()}; SEG: {probe.describe()}",
            )
        ident = item if "SegmentIdentificationSequence" in item else ds.SharedFunctionalGroupsSequence[0]
        segment = int(ident.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        labels[k][frames[f] >= threshold] = segment
    return labels


def _roi_number(ds: Dataset, roi: str | None, source: str) -> tuple[int, str]:
    names = {int(r.ROINumber): str(r.ROIName) for r in ds.get("StructureSetROISequence", [])}
    if roi is None:
        if len(names) != 1:
            raise InputError.one("--roi", f"{source} holds ROIs {sorted(names.values())}: name one with --roi")
        number = next(iter(names))
        return number, names[number]
    for number, name in names.items():
        if name == roi:
            return number, name
    raise InputError.one("--roi", f"ROI {roi!r} is not in {source} (ROIs: {sorted(names.values())})")


def rtstruct_to_labels(ds: Dataset, grid: Grid, roi: str | None, source: str) -> NDArray[np.int32]:
    """Rasterise one RTSTRUCT ROI (PS3.3 §C.8.8.6, CLOSED_PLANAR contours) onto the image grid, label 1.

    A voxel is inside when its centre is inside the polygon (scikit-image ``polygon2mask``); several contours on one
    slice combine by exclusive or, so a contour inside another is a hole. Each contour must lie on an image slice
    (within 0.01 mm).
    """
    number, name = _roi_number(ds, roi, source)
    labels = np.zeros((grid.size[2], grid.size[1], grid.size[0]), dtype=np.int32)
    contours = [
        c
        for rc in ds.get("ROIContourSequence", [])
        if int(rc.ReferencedROINumber) == number
        for c in rc.get("ContourSequence", [])
    ]
    if not contours:
        raise InputError.one("--roi", f"ROI {name!r} in {source} has no contours")
    for n, contour in enumerate(contours):
        pts = np.asarray([float(v) for v in contour.ContourData]).reshape(-1, 3)
        ijk = grid.to_index(pts)
        k = round(float(np.mean(ijk[:, 2])))
        if np.max(np.abs(ijk[:, 2] - k)) * grid.spacing_mm[2] > CONTOUR_PLANE_TOLERANCE_MM or not 0 <= k < grid.size[2]:
            raise InputError.one(
                "mask", f"{source}: contour {n + 1} of ROI {name!r} lies on no image slice; image: {grid.describe()}"
            )
        filled = draw.polygon2mask((grid.size[1], grid.size[0]), ijk[:, [1, 0]])
        labels[k] ^= filled.astype(np.int32)
    return labels
