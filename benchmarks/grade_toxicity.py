"""How fast ioguide grades toxicity, against what a user would otherwise write: a hand-coded if-chain.

Run: ``python benchmarks/grade_toxicity.py``. Prints one row per case: ioguide's time per call (validation, the
rule, reasons), the bare if-chain's time per call (no validation, no reasons) and their ratio; then the timeline
for the 14-day example course. The bare chain is the lower bound a calculator app pays.
"""

from __future__ import annotations

import json
import timeit
from pathlib import Path
from typing import Any

from ioguide.toxicity.crs import grade_crs, parse_crs
from ioguide.toxicity.ctcae import grade_ctcae, parse_ctcae
from ioguide.toxicity.icans import grade_icans, parse_icans
from ioguide.toxicity.timeline import build_timeline, parse_course

COURSE = Path(__file__).resolve().parents[1] / "examples" / "toxicity" / "car-t-14-day.json"


def bare_crs(d: dict[str, Any]) -> int:
    if d["temp_c"] < 38.0:
        return 0
    hypo = {"none": 1, "no_vasopressor": 2, "one_vasopressor": 3, "multiple_vasopressors": 4}[d["hypotension"]]
    oxy = {"none": 1, "low_flow": 2, "high_flow": 3, "positive_pressure": 4}[d["oxygen"]]
    return max(hypo, oxy)


def bare_alt(d: dict[str, Any]) -> int:
    r = d["value"] / d["uln"]
    return 4 if r > 20 else 3 if r > 5 else 2 if r > 3 else 1 if r > 1 else 0


def bare_icans(d: dict[str, Any]) -> int:
    ice = d["ice_score"]
    g = 0 if ice == 10 else 1 if ice >= 7 else 2 if ice >= 3 else 3
    return max(g, {"awake": 0, "awakens_to_voice": 2, "awakens_to_touch": 3, "unarousable": 4}[d["consciousness"]])


def per_call_us(fn: Any, arg: Any, number: int) -> float:
    return min(timeit.repeat(lambda: fn(arg), number=number, repeat=5)) / number * 1e6


def main() -> None:
    crs = {"temp_c": 39.5, "hypotension": "one_vasopressor", "oxygen": "low_flow"}
    alt = {"term": "alanine_aminotransferase_increased", "value": 210, "uln": 40}
    icans = {"age_years": 54, "ice_score": 6, "consciousness": "awakens_to_voice", "seizure": "none",
             "motor_weakness": False, "cerebral_edema": "none"}  # fmt: skip
    cases = [
        ("grade crs", lambda d: grade_crs(parse_crs(d)).grade, bare_crs, crs),
        ("grade ctcae (ALT)", lambda d: grade_ctcae(parse_ctcae(d)).grade, bare_alt, alt),
        ("grade icans", lambda d: grade_icans(parse_icans(d)).grade, bare_icans, icans),
    ]
    print(f"{'case':<24}{'ioguide us/call':>16}{'if-chain us/call':>18}{'ratio':>8}")
    for name, ours, bare, data in cases:
        assert ours(data) == bare(data), name
        a, b = per_call_us(ours, data, 2000), per_call_us(bare, data, 20000)
        print(f"{name:<24}{a:>16.1f}{b:>18.2f}{a / b:>8.0f}x")
    course = json.loads(COURSE.read_text(encoding="utf-8"))
    ms = per_call_us(lambda d: build_timeline(parse_course(d)), course, 50) / 1000
    n_obs = len(course["observations"])
    print(f"timeline, 14-day course ({n_obs} observations): {ms:.1f} ms per course, {1000 / ms:.0f} courses/s")


if __name__ == "__main__":
    main()
