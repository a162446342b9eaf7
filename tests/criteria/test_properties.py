"""Properties that must hold for every case (Hypothesis): growth never improves a timepoint response; the order in
which lesions are declared never matters; every output validates against the published JSON Schema
(docs/schema/assess-output.schema.json)."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioguide.criteria.assess import assess_json

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/schema/assess-output.schema.json").read_text())
RANK = {"CR": 0, "PR": 1, "SD": 2, "NON_CR_NON_PD": 2, "NE": 3, "PD": 4}
ORGANS = ["liver", "lung", "bone", "skin", "adrenal", "kidney"]


@st.composite
def cases(draw: st.DrawFn, criteria: str = "recist1.1") -> dict[str, Any]:
    n_targets = draw(st.integers(1, 5))
    lesions: list[dict[str, Any]] = []
    baseline: dict[str, Any] = {}
    nodes = 0
    for i in range(n_targets):
        nodal = nodes < 2 and draw(st.booleans())
        nodes += nodal
        lesion = {"id": f"T{i}", "role": "target", "organ": "lymph node" if nodal else ORGANS[i], "nodal": nodal}
        if criteria == "itrecist":
            lesion["injected"] = draw(st.booleans())
        lesions.append(lesion)
        baseline[f"T{i}"] = draw(st.integers(15 if nodal else 10, 60))
    n_nt = draw(st.integers(0, 2))
    lesions += [{"id": f"N{i}", "role": "non_target", "organ": ORGANS[i]} for i in range(n_nt)]
    tps: list[dict[str, Any]] = [
        {"date": "2026-01-05", "diameters_mm": baseline, "non_target": {f"N{i}": "present" for i in range(n_nt)}}
    ]
    day = 0
    for _ in range(draw(st.integers(1, 5))):
        day += draw(st.integers(14, 70))
        diameters = {
            k: draw(st.one_of(st.just("too_small"), st.integers(0, 80).map(lambda x: x / 2))) for k in baseline
        }
        statuses = {
            f"N{i}": draw(st.sampled_from(["present", "absent", "increased", "unequivocal_progression"]))
            for i in range(n_nt)
        }
        tp: dict[str, Any] = {"date": _date(day), "diameters_mm": diameters, "non_target": statuses}
        if draw(st.integers(0, 4)) == 0:
            tp["new_lesions"] = [
                {"id": "X1", "organ": "lung", "diameter_mm": draw(st.integers(3, 20)), "equivocal": draw(st.booleans())}
            ]
        tps.append(tp)
    return {"criteria": criteria, "lesions": lesions, "timepoints": tps}


def _date(day: int) -> str:
    import datetime as dt

    return (dt.date(2026, 1, 5) + dt.timedelta(days=day)).isoformat()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), data=st.data(), criteria=st.sampled_from(["recist1.1", "mrecist"]))
def test_a_larger_follow_up_diameter_never_improves_that_timepoint(
    case: dict[str, Any], data: st.DataObject, criteria: str
) -> None:
    case["criteria"] = criteria
    k = data.draw(st.integers(1, len(case["timepoints"]) - 1))
    lesion = data.draw(st.sampled_from(sorted(case["timepoints"][k]["diameters_mm"])))
    grow = data.draw(st.integers(1, 40)) / 2
    bigger = copy.deepcopy(case)
    old = bigger["timepoints"][k]["diameters_mm"][lesion]
    bigger["timepoints"][k]["diameters_mm"][lesion] = (5 if old == "too_small" else old) + grow
    before = assess_json(case)["timepoints"][k]
    after = assess_json(bigger)["timepoints"][k]
    assert RANK[after["response"]] >= RANK[before["response"]], (before["reasons"], after["reasons"])
    assert RANK[after["target_response"]] >= RANK[before["target_response"]]


@settings(max_examples=100, deadline=None)
@given(
    case=cases(),
    seed=st.integers(0, 2**32 - 1),
    criteria=st.sampled_from(["recist1.1", "irecist", "itrecist", "mrecist"]),
)
def test_the_order_of_lesions_does_not_matter(case: dict[str, Any], seed: int, criteria: str) -> None:
    case["criteria"] = criteria
    shuffled = copy.deepcopy(case)
    random.Random(seed).shuffle(shuffled["lesions"])

    def essentials(out: dict[str, Any]) -> Any:
        rows = [{k: v for k, v in tp.items() if k != "reasons"} for tp in out["timepoints"]]
        best = out["best_overall_response"]
        return rows, best["response"], best["date"], best["confirmed"], out["baseline"]["sum_mm"]

    assert essentials(assess_json(case)) == essentials(assess_json(shuffled))


@settings(max_examples=100, deadline=None)
@given(data=st.data(), criteria=st.sampled_from(["recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma"]))
def test_every_output_validates_against_the_published_schema(data: st.DataObject, criteria: str) -> None:
    case = data.draw(cases("itrecist" if criteria == "itrecist" else "recist1.1"))
    case["criteria"] = criteria
    jsonschema.validate(assess_json(case), SCHEMA)
