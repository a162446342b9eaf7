"""The voxel grid of an image (size, spacing, origin, direction) and its checks; pure, no I/O.

Index order is ``(i, j, k)`` (columns, rows, slices) as in DICOM and SimpleITK; patient coordinates are DICOM LPS
in mm (DICOM PS3.3 §C.7.6.2.1.1, Image Position/Orientation (Patient)): ``x = origin + D @ (spacing * ijk)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ioguide.errors import InputError

#: Largest difference in mm (spacing, origin, or the displacement a direction difference causes across the image)
#: that still counts as "the same grid" (spec/imaging.md: "beyond 1e-3 mm" is a mismatch).
GRID_TOLERANCE_MM = 1e-3


@dataclass(frozen=True, slots=True)
class Grid:
    """Geometry of a 3D image: ``size`` and ``spacing_mm`` in ``(i, j, k)`` order, ``origin_mm`` the LPS position
    of voxel (0, 0, 0), ``direction`` the 3x3 matrix (row-major) whose columns are the i, j, k axis directions."""

    size: tuple[int, int, int]
    spacing_mm: tuple[float, float, float]
    origin_mm: tuple[float, float, float]
    direction: tuple[float, float, float, float, float, float, float, float, float]

    def matrix(self) -> np.ndarray:
        out: np.ndarray = np.asarray(self.direction, dtype=np.float64).reshape(3, 3)
        return out

    def to_patient_mm(self, ijk: tuple[float, float, float]) -> tuple[float, float, float]:
        """LPS position (mm) of a (fractional) voxel index."""
        p = np.asarray(self.origin_mm) + self.matrix() @ (np.asarray(self.spacing_mm) * np.asarray(ijk))
        return (float(p[0]), float(p[1]), float(p[2]))

    def to_index(self, lps_mm: np.ndarray) -> np.ndarray:
        """Fractional voxel indices ``(n, 3)`` of LPS points ``(n, 3)``."""
        rel = np.asarray(lps_mm, dtype=np.float64) - np.asarray(self.origin_mm)
        out: np.ndarray = (np.linalg.solve(self.matrix(), rel.T).T) / np.asarray(self.spacing_mm)
        return out

    def describe(self) -> str:
        sp = ", ".join(f"{v:g}" for v in self.spacing_mm)
        org = ", ".join(f"{v:.3f}" for v in self.origin_mm)
        dirs = ", ".join(f"{v:.4f}" for v in self.direction)
        return f"size {self.size[0]}x{self.size[1]}x{self.size[2]}, spacing ({sp}) mm, origin ({org}) mm, direction ({dirs})"


def grid_mismatches(image: Grid, mask: Grid, tolerance_mm: float = GRID_TOLERANCE_MM) -> list[str]:
    """What differs between two grids (empty when they match): size exactly; spacing and origin within
    ``tolerance_mm``; direction such that no corner of the image moves by more than ``tolerance_mm``."""
    out = []
    if image.size != mask.size:
        out.append("size")
    if np.max(np.abs(np.subtract(image.spacing_mm, mask.spacing_mm))) > tolerance_mm:
        out.append("spacing")
    if np.max(np.abs(np.subtract(image.origin_mm, mask.origin_mm))) > tolerance_mm:
        out.append("origin")
    extent = np.asarray(image.spacing_mm) * np.asarray(image.size)
    moved = np.abs((image.matrix() - mask.matrix()) * extent[None, :]).sum(axis=1)
    if np.max(moved) > tolerance_mm:
        out.append("direction")
    return out


def require_same_grid(image: Grid, mask: Grid, field: str = "mask") -> None:
    """Reject a mask whose grid differs from the image's (never resampled silently; spec/imaging.md)."""
    diff = grid_mismatches(image, mask)
    if diff:
        raise InputError.one(
            field,
            f"mask grid does not match the image grid ({', '.join(diff)} differ by more than {GRID_TOLERANCE_MM} mm);"
            f" image: {image.describe()}; mask: {mask.describe()}",
        )
