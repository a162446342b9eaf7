"""Benchmark: assess a synthetic cohort (10,000 patients x 8 timepoints, 8 lesions each) under all five criteria.

Reports patients per second per criterion and the ratio of assessment time to the time ``json.loads`` takes to
parse the same cohort (the cost a user pays anyway to read the data). Run:

    .venv/bin/python benchmarks/assess_cohort.py [--patients 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from typing import Any

from ioguide.criteria.assess import assess_case, assess_json
from ioguide.criteria.case_input import parse_case

CRITERIA = ["recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma"]
ORGANS = ["liver", "lung", "adrenal", "kidney", "lymph node"]


def patient(rng: random.Random) -> dict[str, Any]:
    """5 targets (one node) and 3 non-targets, 8 timepoints 6 weeks apart, with a trend per patient."""
    lesions: list[dict[str, Any]] = []
    for i, organ in enumerate(ORGANS):
        lesions.append(
            {"id": f"T{i}", "role": "target", "organ": organ, "nodal": organ == "lymph node", "injected": i < 2}
        )
    lesions += [{"id": f"N{i}", "role": "non_target", "organ": f"site {i}", "injected": i == 0} for i in range(3)]
    sizes = {f"T{i}": rng.uniform(16, 60) for i in range(5)}
    trend = rng.uniform(-0.15, 0.12)
    start = dt.date(2026, 1, 5)
    timepoints = []
    for k in range(8):
        diameters = {
            key: round(max(0.0, v * (1 + trend) ** k + rng.gauss(0, 1.5)), 1) if k else round(v, 1)
            for key, v in sizes.items()
        }
        statuses = {
            f"N{i}": "present" if k == 0 else rng.choice(["present", "present", "absent", "increased"])
            for i in range(3)
        }
        tp: dict[str, Any] = {
            "date": (start + dt.timedelta(days=42 * k)).isoformat(),
            "diameters_mm": diameters,
            "non_target": statuses,
        }
        if k >= 3 and rng.random() < 0.08:
            tp["new_lesions"] = [{"id": "X1", "organ": "lung", "diameter_mm": round(rng.uniform(5, 20), 1)}]
        timepoints.append(tp)
    return {"criteria": "recist1.1", "lesions": lesions, "timepoints": timepoints}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(20261129)
    text = json.dumps([patient(rng) for _ in range(args.patients)])
    t0 = time.perf_counter()
    cohort = json.loads(text)
    parse_s = time.perf_counter() - t0
    print(f"cohort: {args.patients} patients, {len(text) / 1e6:.1f} MB JSON; json.loads {parse_s:.3f} s")
    print(
        f"{'criteria':<13} {'assess s':>9} {'patients/s':>11} {'ratio to parse':>15} {'validate s':>11} {'rules s':>8}"
    )
    for criteria in CRITERIA:
        t0 = time.perf_counter()
        for case in cohort:
            assess_json(case, criteria)
        total = time.perf_counter() - t0
        t0 = time.perf_counter()
        parsed = [parse_case(case, criteria) for case in cohort]
        validate = time.perf_counter() - t0
        t0 = time.perf_counter()
        for case in parsed:
            assess_case(case)
        rules = time.perf_counter() - t0
        print(
            f"{criteria:<13} {total:>9.2f} {args.patients / total:>11.0f} {total / parse_s:>15.1f} {validate:>11.2f} {rules:>8.2f}"
        )


if __name__ == "__main__":
    main()
