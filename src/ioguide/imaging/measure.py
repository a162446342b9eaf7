"""``ioguide measure``: per-label RECIST diameters, volumes and maximum 3D diameter of a label map (pure).

Composes :mod:`ioguide.imaging.geometry` on the bounding box of each label and turns voxel indices into patient
coordinates with the image :class:`~ioguide.imaging.grid.Grid`. Output fields and rounding follow
``spec/imaging.md`` ("measure").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ioguide.errors import InputError
from ioguide.imaging import geometry
from ioguide.imaging.grid import Grid

Point = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class LesionMeasurement:
    """One label's measurements; lengths in mm, volumes in mm^3 (converted to mL on output)."""

    label: int
    voxels: int
    volume_mm3: float
    mesh_volume_mm3: float
    long_axis_mm: float
    short_axis_mm: float
    slice_index: int
    long_axis_endpoints_patient_mm: tuple[Point, Point]
    short_axis_endpoints_patient_mm: tuple[Point, Point]
    max_3d_diameter_mm: float
    spacing_mm: tuple[float, float, float]

    def reasons(self) -> list[str]:
        sx, sy, sz = self.spacing_mm
        return [
            f"long axis {self.long_axis_mm:.1f} mm: longest in-plane diameter over all slices, found on slice "
            f"{self.slice_index} (RECIST 1.1, Eisenhauer 2009 §3.1; outline through voxel-edge midpoints as "
            "pyradiomics Maximum2DDiameterSlice)",
            f"short axis {self.short_axis_mm:.1f} mm: longest chord inside the lesion perpendicular to the long axis "
            "on the same slice (RECIST 1.1 §3.1, lymph-node short axis)",
            f"volume {self.volume_mm3:.1f} mm^3 = {self.voxels} voxels x {sx:g} x {sy:g} x {sz:g} mm "
            "(IBSI morph_vol_approx, YEKZ)",
            f"mesh volume {self.mesh_volume_mm3:.1f} mm^3 enclosed by the marching-cubes surface (IBSI morph_volume, RNU0)",
            f"maximum 3D diameter {self.max_3d_diameter_mm:.1f} mm between two surface-mesh vertices "
            "(IBSI morph_diam, L0JK)",
        ]

    def as_dict(self) -> dict[str, Any]:
        """The spec's JSON object: lengths to 0.1 mm, volumes in mL to 0.001 mL (1 mm^3, as in the spec's example),
        end points to 0.001 mm (the spec does not round them; this only removes floating-point noise)."""
        return {
            "label": self.label,
            "voxels": self.voxels,
            "volume_ml": round(self.volume_mm3 / 1000.0, 3),
            "mesh_volume_ml": round(self.mesh_volume_mm3 / 1000.0, 3),
            "long_axis_mm": round(self.long_axis_mm, 1),
            "short_axis_mm": round(self.short_axis_mm, 1),
            "slice_index": self.slice_index,
            "long_axis_endpoints_patient_mm": _points(self.long_axis_endpoints_patient_mm),
            "short_axis_endpoints_patient_mm": _points(self.short_axis_endpoints_patient_mm),
            "max_3d_diameter_mm": round(self.max_3d_diameter_mm, 1),
            "reasons": self.reasons(),
        }


def _points(points: tuple[Point, Point]) -> list[list[float]]:
    return [[round(v, 3) + 0.0 for v in p] for p in points]


def bounding_box(mask_kji: NDArray[np.bool_]) -> tuple[slice, slice, slice]:
    """Smallest box (``[k, j, i]`` slices) holding every foreground voxel; the mask must not be empty.

    The slice range is found first so that the row and column search only touch the lesion's slices."""
    ks = np.flatnonzero(mask_kji.any(axis=(1, 2)))
    sub = mask_kji[ks[0] : ks[-1] + 1]
    js = np.flatnonzero(sub.any(axis=(0, 2)))
    is_ = np.flatnonzero(sub.any(axis=(0, 1)))
    return slice(int(ks[0]), int(ks[-1]) + 1), slice(int(js[0]), int(js[-1]) + 1), slice(int(is_[0]), int(is_[-1]) + 1)


def _offset(ijk: tuple[float, float, float], box: tuple[slice, slice, slice]) -> tuple[float, float, float]:
    return (ijk[0] + (box[2].start or 0), ijk[1] + (box[1].start or 0), ijk[2] + (box[0].start or 0))


def measure_binary(mask_kji: NDArray[np.bool_], grid: Grid, label: int) -> LesionMeasurement:
    """Measure one lesion given as a boolean mask on ``grid`` (cropped to its bounding box first)."""
    voxels = int(np.count_nonzero(mask_kji))
    if voxels == 0:
        raise InputError.one("label", f"label {label} has no voxels in the mask (nothing to measure)")
    box = bounding_box(mask_kji)
    crop = np.ascontiguousarray(mask_kji[box])
    spacing = grid.spacing_mm
    verts, faces = geometry.surface_mesh(crop, spacing)
    diam_3d, _a, _b = geometry.max_3d_diameter(verts)
    found = geometry.recist_diameters(crop, spacing)
    assert found is not None  # a non-empty mask has at least one non-empty slice
    slice_index = found.slice_index + (box[0].start or 0)

    def ends(line: geometry.AxisLine) -> tuple[Point, Point]:
        return (
            grid.to_patient_mm(_offset(line.start_ijk, box)),
            grid.to_patient_mm(_offset(line.end_ijk, box)),
        )

    return LesionMeasurement(
        label=label,
        voxels=voxels,
        volume_mm3=geometry.voxel_volume_mm3(crop, spacing),
        mesh_volume_mm3=geometry.mesh_volume_mm3(verts, faces),
        long_axis_mm=found.long_axis.length_mm,
        short_axis_mm=found.short_axis.length_mm,
        slice_index=slice_index,
        long_axis_endpoints_patient_mm=ends(found.long_axis),
        short_axis_endpoints_patient_mm=ends(found.short_axis),
        max_3d_diameter_mm=diam_3d,
        spacing_mm=spacing,
    )


def labels_in(labels_kji: NDArray[Any]) -> list[int]:
    """The non-zero labels present in a label map (non-negative whole numbers), ascending; one pass over the
    volume (``scipy.ndimage.find_objects``) instead of sorting it."""
    from scipy.ndimage import find_objects

    return [n for n, box in enumerate(find_objects(labels_kji), start=1) if box is not None]


def select_labels(labels_kji: NDArray[Any], label: int | None) -> list[int]:
    """The labels to measure: ``label`` if given (it must be present), else every non-zero label."""
    present = labels_in(labels_kji)
    if not present:
        raise InputError.one("mask", "the mask is empty (no voxel has a non-zero label)")
    if label is not None and label not in present:
        raise InputError.one("--label", f"label {label} is not in the mask (labels present: {present})")
    return [label] if label is not None else present


def measure_labels(labels_kji: NDArray[Any], grid: Grid, label: int | None = None) -> list[LesionMeasurement]:
    """Measure every label of a label map (or only ``label``)."""
    return [measure_binary(labels_kji == lab, grid, lab) for lab in select_labels(labels_kji, label)]
