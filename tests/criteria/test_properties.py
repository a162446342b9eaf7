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


I_RANK = {"iCR": 0, "iPR": 1, "iSD": 2, "NON_iCR_NON_iUPD": 2, "NE": 3, "iUPD": 4, "iCPD": 5}


@st.composite
def cases_through_cr(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A case whose first follow-up is an overall CR (non-nodal targets 0, nodes < 10 mm, non-targets absent), then
    random timepoints; returns it with the index of the timepoint right after the CR."""
    case = draw(cases())
    targets = [le for le in case["lesions"] if le["role"] == "target"]
    non_targets = [le["id"] for le in case["lesions"] if le["role"] == "non_target"]
    cr = {
        "date": _date(56),
        "diameters_mm": {t["id"]: (draw(st.integers(0, 19)) / 2 if t["nodal"] else 0) for t in targets},
        "non_target": dict.fromkeys(non_targets, "absent"),
    }
    later = []
    for k, tp in enumerate(case["timepoints"][1:]):
        moved = copy.deepcopy(tp)
        moved["date"] = _date(56 + 28 * (k + 1))
        later.append(moved)
    case["timepoints"] = [case["timepoints"][0], cr, *later]  # cases() draws at least one follow-up
    return case, 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(through=cases_through_cr(), data=st.data(), criteria=st.sampled_from(["recist1.1", "mrecist", "irecist"]))
def test_a_lesion_reappearing_after_cr_never_improves_the_response(
    through: tuple[dict[str, Any], int], data: st.DataObject, criteria: str
) -> None:
    # spec/response.md, target rule 3 and the non-target rule (RECIST working group FAQ "Does a new lesion always
    # result in PD?"): once CR, any reappearing lesion is progression. Making one lesion reappear at the timepoint
    # after the CR makes it PD (iUPD) and never improves that timepoint's response or the best overall response.
    case, k = through
    case["criteria"] = criteria
    assert assess_json(case)["timepoints"][1]["response"] in ("CR", "iCR")
    tp = case["timepoints"][k]
    lesion = data.draw(st.sampled_from(case["lesions"]))
    back = copy.deepcopy(case)
    if lesion["role"] == "non_target":
        if tp["non_target"].get(lesion["id"]) == "unequivocal_progression":
            return  # already progression; "present" would be a different (milder) reading, not a reappearance
        back["timepoints"][k]["non_target"][lesion["id"]] = "present"
    else:
        old = tp["diameters_mm"].get(lesion["id"])
        old_mm = 5 if old == "too_small" else (old if isinstance(old, (int, float)) else 0)
        floor = 10 if lesion["nodal"] else 0.5
        back["timepoints"][k]["diameters_mm"][lesion["id"]] = max(old_mm, floor + data.draw(st.integers(0, 20)) / 2)
    rank = I_RANK if criteria == "irecist" else RANK
    before, after = assess_json(case), assess_json(back)
    assert after["timepoints"][k]["response"] in ("PD", "iUPD", "iCPD"), after["timepoints"][k]["reasons"]
    assert rank[after["timepoints"][k]["response"]] >= rank[before["timepoints"][k]["response"]]
    best_rank = {**rank, "iUPD": 4, "iCPD": 4}  # a best response of progression, confirmed or not
    assert (
        best_rank[after["best_overall_response"]["response"]] >= best_rank[before["best_overall_response"]["response"]]
    )
