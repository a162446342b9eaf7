"""The synthetic CT of the imaging research note (Appendix B): 512x512x100, 0.78125 x 0.78125 x 2.5 mm, body and
lung ellipses, Gaussian noise (seed 42), and spherical lesions; shared by ``measure.py`` and ``radiomics.py``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SPACING = (0.78125, 0.78125, 2.5)
ORIGIN = (-200.0, -200.0, -125.0)
SHAPE = (100, 512, 512)


def synthetic_ct(
    centres_ijk: list[tuple[int, int, int]], radius_mm: float = 20.0, seed: int = 42
) -> tuple[np.ndarray, np.ndarray]:
    """HU image (int16, ``[k, j, i]``) and label map (label n = n-th sphere, darker core and brighter rim)."""
    rng = np.random.default_rng(seed)
    nz, ny, nx = SHAPE
    y, x = np.mgrid[0:ny, 0:nx]
    plane = np.full((ny, nx), -1000.0, np.float32)
    plane[((x - 256) / 220) ** 2 + ((y - 256) / 160) ** 2 <= 1] = 40.0
    lungs = (((x - 170) / 70) ** 2 + ((y - 240) / 100) ** 2 <= 1) | (
        ((x - 342) / 70) ** 2 + ((y - 240) / 100) ** 2 <= 1
    )
    plane[lungs] = -850.0
    img = np.repeat(plane[None], nz, axis=0)
    labels = np.zeros(SHAPE, dtype=np.uint8)
    r_vox = [int(np.ceil(radius_mm / s)) + 1 for s in SPACING]
    for n, (ci, cj, ck) in enumerate(centres_ijk, start=1):
        box = tuple(slice(max(c - r, 0), c + r + 1) for c, r in zip((ck, cj, ci), r_vox[::-1], strict=True))
        kk, jj, ii = np.mgrid[box]
        r2 = ((ii - ci) * SPACING[0]) ** 2 + ((jj - cj) * SPACING[1]) ** 2 + ((kk - ck) * SPACING[2]) ** 2
        les = r2 <= radius_mm**2
        rr = np.sqrt(r2[les]) / radius_mm
        sub = img[box]
        sub[les] = 90.0 - 60.0 * (rr < 0.4) + 30.0 * (rr > 0.8)
        labels[box][les] = n
    img += rng.normal(0, 15, img.shape).astype(np.float32)
    return np.clip(np.round(img), -1024, 3071).astype(np.int16), labels


def unshadow_radiomics() -> None:
    """Drop this folder from ``sys.path``: ``benchmarks/radiomics.py`` would otherwise hide the ``radiomics``
    package (pyradiomics) from the benchmark scripts."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
