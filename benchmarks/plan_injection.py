"""How fast ioguide plans an injection visit, against what a user would otherwise write: a bare T-VEC planner.

Run: ``python benchmarks/plan_injection.py``. One row per visit size (number of lesions): ioguide's time per plan
(input validation, protocol rules from the YAML file, exact 0.01 mL arithmetic, reasons for every lesion), the bare
planner's time (the float loop of research/toxicity-and-procedures.md §6.2: no validation, no reasons) and the ratio.
Then the cost of loading and validating every shipped protocol file once, and of one full CLI call.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
import timeit
from pathlib import Path
from typing import Any

from ioguide.planning import catalog
from ioguide.planning.catalog import load_agents
from ioguide.planning.injection import InjectionRequest, plan_injection

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "planning" / "plan-injection.json"


def bare_plan(lesions: list[dict[str, Any]], first: bool, cap_ml: float = 4.0) -> list[tuple[str, float]]:
    """The hand-written T-VEC planner a user would write (truncate policy), floats and no reasons."""

    def vol(d_cm: float) -> float:
        return 4.0 if d_cm > 5 else 2.0 if d_cm > 2.5 else 1.0 if d_cm > 1.5 else 0.5 if d_cm > 0.5 else 0.1

    if first:
        order = sorted(lesions, key=lambda x: -x["longest_diameter_mm"])
    else:
        order = sorted(lesions, key=lambda x: (not x.get("new", False), -x["longest_diameter_mm"]))
    remaining, plan = cap_ml, []
    for les in order:
        v = vol(les["longest_diameter_mm"] / 10)
        if v <= remaining + 1e-9:
            plan.append((les["id"], v))
            remaining -= v
        elif remaining >= 0.1:
            plan.append((les["id"], remaining))
            remaining = 0
        if remaining <= 1e-9:
            break
    return plan


def lesions(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {"id": f"L{i}", "longest_diameter_mm": round(rng.uniform(3, 70), 1), "new": rng.random() < 0.2}
        for i in range(n)
    ]


def per_call_us(fn: Any, repeat: int = 5) -> float:
    number = 200
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    tvec = load_agents()["talimogene_laherparepvec"]
    print(f"{'lesions':>7}  {'ioguide us/plan':>15}  {'bare us/plan':>12}  {'ratio':>6}")
    for n in (3, 10, 50, 200):
        data = {"agent": tvec.id, "visit": "subsequent", "lesions": lesions(n)}
        ours = per_call_us(lambda d=data: plan_injection(tvec, InjectionRequest.model_validate(d)).as_dict())
        bare = per_call_us(lambda d=data: bare_plan(d["lesions"], first=False))
        print(f"{n:>7}  {ours:>15.1f}  {bare:>12.1f}  {ours / bare:>5.0f}x")
    catalog._cached.cache_clear()
    start = time.perf_counter()
    load_agents()
    print(f"load + validate all shipped agent files once: {(time.perf_counter() - start) * 1e3:.1f} ms")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import ioguide.cli.plan"], check=True)
    print(f"process start + import of the planning CLI alone: {(time.perf_counter() - start) * 1e3:.0f} ms")
    start = time.perf_counter()
    cli = Path(sys.executable).parent / "ioguide"
    subprocess.run([str(cli), "plan", "injection", str(EXAMPLE)], check=True, capture_output=True)
    print(
        f"one full CLI call (every sub-command imported, then the plan): {(time.perf_counter() - start) * 1e3:.0f} ms"
    )


if __name__ == "__main__":
    main()
