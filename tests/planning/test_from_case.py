"""Which injected lesions enter today's plan and at which size (``ioguide.planning.from_case``): the latest scan up
to the visit decides (T-VEC: IMLYGIC US prescribing information, section 2.1 Table 2 sizes each injection by the
lesion's longest diameter); lesions gone, too small or never measured are left out with the reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ioguide.case.document import case_of
from ioguide.criteria.values import Case
from ioguide.errors import InputError
from ioguide.planning import from_case as plans

#: Baseline sizes of the targets a test does not care about (every target is measured at baseline).
OTHERS = {"D1": 15, "L1": 40}


def case(*timepoints: dict[str, Any]) -> Case:
    first, *rest = timepoints
    baseline = {**first, "diameters_mm": {**OTHERS, **first["diameters_mm"]}}
    return case_of(document([baseline, *rest]))


def document(timepoints: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "lesions": [
            {"id": "I1", "role": "target", "organ": "skin", "injected": True},
            {"id": "I2", "role": "target", "organ": "skin", "injected": True},
            {"id": "D1", "role": "target", "organ": "lung"},
            {"id": "L1", "role": "target", "organ": "node", "injected_from": "2026-03-01"},
            {"id": "N1", "role": "non_target", "organ": "skin", "injected": True},
        ],
        "timepoints": timepoints,
    }


def tp(date: str, **sizes: Any) -> dict[str, Any]:
    return {"date": date, "diameters_mm": sizes}


def test_a_lesion_gone_on_the_latest_scan_is_not_planned_from_an_older_size() -> None:
    planned, left_out = plans.candidates(
        case(tp("2026-01-05", I1=32, I2=24), tp("2026-03-02", I1=20, I2=0)), dt.date(2026, 3, 9)
    )
    assert [(p["id"], p["longest_diameter_mm"], p["on"]) for p in planned] == [
        ("I1", 20, "2026-03-02"),
        ("L1", 40, "2026-01-05"),  # injected from 2026-03-01; the 2026-03-02 scan did not evaluate it
    ]
    assert {"lesion": "I2", "reason": "0 mm on 2026-03-02: gone on the latest scan"} in left_out
    assert {"lesion": "N1", "reason": "no measured diameter on any scan: measure it first"} in left_out


def test_not_evaluated_falls_back_to_the_last_evaluated_scan_and_too_small_is_left_out() -> None:
    planned, left_out = plans.candidates(
        case(tp("2026-01-05", I1=32, I2=24), tp("2026-03-02", I1="not_evaluated", I2="too_small")), dt.date(2026, 3, 9)
    )
    assert [(p["id"], p["on"]) for p in planned] == [("I1", "2026-01-05"), ("L1", "2026-01-05")]
    assert {"lesion": "I2", "reason": "too small to measure on 2026-03-02: measure it first"} in left_out


def test_only_scans_up_to_the_visit_date_count() -> None:
    doc = case(tp("2026-01-05", I1=32, I2=24), tp("2026-03-02", I1=20, I2=0))
    planned, _ = plans.candidates(doc, dt.date(2026, 2, 1))
    assert [(p["id"], p["longest_diameter_mm"]) for p in planned] == [("I1", 32), ("I2", 24)]


def test_injected_from_counts_from_its_date() -> None:
    doc = case(tp("2026-01-05", I1=32, I2=24, L1=40))
    left_out = plans.candidates(doc, dt.date(2026, 2, 28))[1]
    assert "L1" not in [item["lesion"] for item in left_out]  # not injected yet: not even considered
    assert "L1" not in [p["id"] for p in plans.candidates(doc, dt.date(2026, 2, 28))[0]]
    assert "L1" in [p["id"] for p in plans.candidates(doc, dt.date(2026, 3, 1))[0]]


def test_the_visit_is_first_until_the_agent_was_injected() -> None:
    done = [{"kind": "injection", "agent": "talimogene_laherparepvec"}, {"kind": "biopsy"}]
    assert plans.default_visit([], "talimogene_laherparepvec") == "first"
    assert plans.default_visit(done, "talimogene_laherparepvec") == "subsequent"
    assert plans.default_visit(done, "pv_10") == "first"


def test_injected_true_with_a_later_injected_from_is_refused_not_planned() -> None:
    """The contradiction the planner once resolved as "injected" and the response as "non-injected"
    (itRECIST, Goldmacher 2020: a lesion is injected from baseline or from a date, not both)."""
    doc = document([tp("2026-01-05", I1=32, I2=24, D1=15, L1=40)])
    doc["lesions"][3]["injected"] = True
    with pytest.raises(InputError) as caught:
        case_of(doc)
    assert [p.field for p in caught.value.problems] == ["lesions[3].injected_from"]
    assert "both given" in caught.value.problems[0].message
