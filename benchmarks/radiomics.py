"""``ioguide radiomics`` vs pyradiomics' default extraction, and the batch on 1 and 2 worker processes.

    python benchmarks/radiomics.py [--repeat 3] [--cases 10] [--lesions-per-case 20]

1. One 40 mm lesion in the 512x512x100 synthetic CT (research note Appendix B): ioguide (crop to the lesion,
   ``additionalInfo`` off, IBSI renaming) vs ``RadiomicsFeatureExtractor()`` with its defaults on the full volume,
   same 107 features, same run. Goal (issue 8): >= 10x faster with identical values (checked: every pyradiomics
   value equals ioguide's before the IBSI corrections).
2. Batch: ``cases x lesions-per-case`` lesions (default 10 x 20 = 200, 10 mm spheres) through
   ``ioguide.imaging.batch.run_batch`` with 1 and 2 local worker processes. Goal: >= 1.8x with 2 workers.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from imaging_synthetic import ORIGIN, SHAPE, SPACING, synthetic_ct, unshadow_radiomics

from ioguide.imaging.batch import parse_manifest, run_batch
from ioguide.imaging.grid import Grid
from ioguide.imaging.radiomics import parse_params, pyradiomics_features

unshadow_radiomics()


def _sitk(arr: np.ndarray) -> sitk.Image:
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing(SPACING)
    img.SetOrigin(ORIGIN)
    return img


def single(repeat: int) -> None:
    import radiomics
    from radiomics import featureextractor

    radiomics.setVerbosity(logging.ERROR)
    hu, labels = synthetic_ct([(300, 330, 50)])
    grid = Grid((SHAPE[2], SHAPE[1], SHAPE[0]), SPACING, ORIGIN, (1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0))
    # pyradiomics' own bins, to compare like with like (ioguide's default IBSI bins start at the ROI minimum)
    params = parse_params({"setting": {"ibsiDiscretisation": False}})
    img, msk = _sitk(hu), _sitk(labels)
    ours_t, theirs_t = [], []
    ours: dict[str, float] = {}
    theirs: dict[str, float] = {}
    for _ in range(repeat):
        t = time.perf_counter()
        ours, _n = pyradiomics_features(hu, labels == 1, grid, params)
        ours_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        out = featureextractor.RadiomicsFeatureExtractor().execute(img, msk, label=1)
        theirs_t.append(time.perf_counter() - t)
        theirs = {k: float(v) for k, v in out.items() if not k.startswith("diagnostics_")}
    same = sorted(theirs) == sorted(ours)
    worst = max(abs(ours[k] - theirs[k]) / max(abs(theirs[k]), 1e-12) for k in theirs)
    print(f"{'one 40 mm lesion, 512x512x100':<34} {'ioguide s':>10} {'pyradiomics s':>14} {'ratio':>7}")
    print(
        f"{'107 default features':<34} {min(ours_t):>10.3f} {min(theirs_t):>14.3f} {min(theirs_t) / min(ours_t):>6.1f}x"
    )
    print(f"same feature names: {same}; largest relative difference: {worst:.1e}")


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes (user + system)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def batch(cases: int, per_case: int) -> None:
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        rows = ["case_id,image,mask"]
        for c in range(cases):
            centres = [
                (int(rng.integers(120, 390)), int(rng.integers(150, 360)), int(rng.integers(10, 90)))
                for _ in range(per_case)
            ]
            hu, labels = synthetic_ct(centres, radius_mm=10.0, seed=c)
            sitk.WriteImage(_sitk(hu), str(base / f"ct{c}.nii"))
            sitk.WriteImage(_sitk(labels), str(base / f"mask{c}.nii"))
            rows.append(f"c{c},ct{c}.nii,mask{c}.nii")
        found = parse_manifest("\n".join(rows), base)
        print(f"\n{'batch':<34} {'lesions':>8} {'seconds':>8} {'CPU s':>7} {'lesions/s':>10} {'speed-up':>9}")
        print(f"(load average before the batch: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        first = 0.0
        # the same per-process threading in both runs: SimpleITK single-threaded (as in the worker processes)
        sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
        for jobs in (1, 2):
            t, cpu = time.perf_counter(), _cpu_seconds()
            result = run_batch(found, None, jobs=jobs)
            took, cpu = time.perf_counter() - t, _cpu_seconds() - cpu
            lesions = sum(1 for rows_ in result for r in rows_ if not r["error"])
            first = first or took
            print(
                f"{f'{jobs} worker process(es)':<34} {lesions:>8} {took:>8.1f} {cpu:>7.1f} {lesions / took:>10.1f}"
                f" {first / took:>8.2f}x"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--lesions-per-case", type=int, default=20)
    args = parser.parse_args()
    single(args.repeat)
    batch(args.cases, args.lesions_per_case)


if __name__ == "__main__":
    main()
