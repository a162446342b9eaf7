"""RECIST diameters per lesion: ``ioguide measure``'s geometry vs pyradiomics' shape class (what a user would
otherwise run to get ``Maximum2DDiameterSlice``; it gives the value only, no short axis, no end points, no slice).

    python benchmarks/measure.py [--repeat 5]

One 40 mm sphere in the 512x512x100 synthetic CT of the research note (Appendix B). Goal (issue 8): <= 20 ms per
lesion for the diameters. Prints best-of-N wall time per call (ioguide: the whole ``measure`` computation, i.e.
diameters + voxel and mesh volume + maximum 3D diameter; and the diameters alone), the ratio, and both long axes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import SimpleITK as sitk
from imaging_synthetic import ORIGIN, SPACING, synthetic_ct, unshadow_radiomics

from ioguide.imaging.grid import Grid
from ioguide.imaging.measure import bounding_box, measure_binary

unshadow_radiomics()


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import radiomics
    from radiomics import shape

    radiomics.setVerbosity(40)
    _, labels = synthetic_ct([(300, 330, 50)])
    mask = labels == 1
    grid = Grid((512, 512, 100), SPACING, ORIGIN, (1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0))
    box = bounding_box(mask)
    cropped = np.ascontiguousarray(mask[box])
    crop_grid = Grid((cropped.shape[2], cropped.shape[1], cropped.shape[0]), SPACING, ORIGIN, grid.direction)

    def pyrad(m: np.ndarray) -> float:
        img = sitk.GetImageFromArray(m.astype(np.float32))
        msk = sitk.GetImageFromArray(m.astype(np.uint8))
        img.SetSpacing(SPACING)
        msk.SetSpacing(SPACING)
        return float(shape.RadiomicsShape(img, msk).getMaximum2DDiameterSliceFeatureValue())

    from ioguide.imaging.geometry import recist_diameters

    t_diam, _ = best(lambda: recist_diameters(np.ascontiguousarray(mask[bounding_box(mask)]), SPACING), args.repeat)
    rows = []
    t_full, ours_full = best(lambda: measure_binary(mask, grid, 1), args.repeat)
    t_crop, ours_crop = best(lambda: measure_binary(cropped, crop_grid, 1), args.repeat)
    t_py_full, py_full = best(lambda: pyrad(mask), args.repeat)
    t_py_crop, py_crop = best(lambda: pyrad(cropped), args.repeat)
    rows.append(("full 512x512x100 mask", t_full, t_py_full, ours_full.long_axis_mm, py_full))
    rows.append(("mask cropped to the lesion", t_crop, t_py_crop, ours_crop.long_axis_mm, py_crop))
    print(
        f"{'case':<30} {'ioguide ms':>11} {'pyradiomics ms':>15} {'ratio':>6} {'long axis mm':>13} {'pyradiomics mm':>15}"
    )
    for name, ours, theirs, la, pla in rows:
        print(f"{name:<30} {ours * 1e3:>11.1f} {theirs * 1e3:>15.1f} {theirs / ours:>5.1f}x {la:>13.2f} {pla:>15.2f}")
    print(
        f"RECIST diameters alone (bounding box + long/short axis, no mesh): {t_diam * 1e3:.1f} ms per lesion "
        "(goal <= 20 ms)"
    )
    m = ours_full
    print(
        f"lesion: long {m.long_axis_mm:.2f} mm, short {m.short_axis_mm:.2f} mm on slice {m.slice_index}, "
        f"volume {m.volume_mm3:.0f} mm3 (mesh {m.mesh_volume_mm3:.0f}), max 3D diameter {m.max_3d_diameter_mm:.2f} mm"
    )
    # ioguide also computes the mesh volume and 3D diameter in that time; pyradiomics' shape class computes its
    # whole shape set (the only way to get Maximum2DDiameterSlice)


if __name__ == "__main__":
    main()
