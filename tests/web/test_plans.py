"""The injection plan page's inputs (web/plans.py): injected lesions at their latest measurement, through the
planner of ``ioguide plan injection`` (T-VEC: IMLYGIC US prescribing information, section 2.1 Tables 1 and 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.web import plans

TVEC = "talimogene_laherparepvec"


def case(*timepoints: dict[str, Any]) -> dict[str, Any]:
    return {
        "lesions": [
            {"id": "I1", "role": "target", "organ": "skin", "injected": True},
            {"id": "I2", "role": "target", "organ": "skin", "injected": True},
            {"id": "D1", "role": "target", "organ": "lung"},
            {"id": "L1", "role": "target", "organ": "node", "injected_from": "2026-03-01"},
            {"id": "N1", "role": "non_target", "organ": "skin", "injected": True},
        ],
        "timepoints": list(timepoints),
    }


def tp(date: str, **sizes: Any) -> dict[str, Any]:
    return {"date": date, "diameters_mm": sizes}


def test_a_lesion_gone_on_the_latest_scan_is_not_planned_from_an_older_size() -> None:
    planned, left_out = plans.candidates(
        case(tp("2026-01-05", I1=32, I2=24), tp("2026-03-02", I1=20, I2=0)), dt.date(2026, 3, 9)
    )
    assert [(p["id"], p["longest_diameter_mm"], p["on"]) for p in planned] == [("I1", 20, "2026-03-02")]
    assert {"lesion": "I2", "reason": "0 mm on 2026-03-02: gone on the latest scan"} in left_out
    assert {"lesion": "N1", "reason": "no measured diameter on any scan: measure it first"} in left_out


def test_not_evaluated_falls_back_to_the_last_evaluated_scan_and_too_small_is_left_out() -> None:
    planned, left_out = plans.candidates(
        case(tp("2026-01-05", I1=32, I2=24), tp("2026-03-02", I1="not_evaluated", I2="too_small")), dt.date(2026, 3, 9)
    )
    assert [(p["id"], p["on"]) for p in planned] == [("I1", "2026-01-05")]
    assert {"lesion": "I2", "reason": "too small to measure on 2026-03-02: measure it first"} in left_out


def test_only_scans_up_to_the_visit_date_count() -> None:
    doc = case(tp("2026-01-05", I1=32, I2=24), tp("2026-03-02", I1=20, I2=0))
    planned, _ = plans.candidates(doc, dt.date(2026, 2, 1))
    assert [(p["id"], p["longest_diameter_mm"]) for p in planned] == [("I1", 32), ("I2", 24)]


def test_injected_from_counts_from_its_date() -> None:
    doc = case(tp("2026-01-05", I1=32, I2=24, L1=40))
    assert "L1" not in [p["id"] for p in plans.candidates(doc, dt.date(2026, 2, 28))[0]]
    assert "L1" in [p["id"] for p in plans.candidates(doc, dt.date(2026, 3, 1))[0]]


def test_the_tvec_plan_follows_the_label_tables() -> None:
    """Label Table 2: > 25 to 50 mm up to 2.0 mL, > 15 to 25 mm up to 1.0 mL; Table 1: 10^6 PFU/mL at the first
    visit, at most 4.0 mL per visit."""
    out = plans.make_plan(case(tp("2026-01-05", I1=32, I2=24)), TVEC, "first", None, dt.date(2026, 1, 5))
    assert [(i["lesion"], i["volume_ml"]) for i in out["plan"]["injections"]] == [("I1", 2.0), ("I2", 1.0)]
    assert out["concentration"] == "10^6 PFU/mL"
    document = plans.procedure_document(out["plan"], dt.date(2026, 1, 5))
    assert document["lesions"] == [{"lesion_id": "I1", "volume_ml": 2.0}, {"lesion_id": "I2", "volume_ml": 1.0}]
    assert document["notes"] == "as planned in ioguide: first visit, 10^6 PFU/mL, cap policy truncate"


def test_nothing_to_plan_and_an_unknown_agent_are_said() -> None:
    with pytest.raises(InputError, match="no injected lesion with a measured diameter"):
        plans.make_plan(case(), TVEC, "first", None, dt.date(2026, 1, 5))
    with pytest.raises(InputError, match="agent"):
        plans.make_plan(case(tp("2026-01-05", I1=32)), "no_such_agent", "first", None, dt.date(2026, 1, 5))


def test_the_visit_is_first_until_that_agent_was_given() -> None:
    given = [{"kind": "injection", "agent": TVEC}, {"kind": "biopsy"}]
    assert plans.default_visit([], TVEC) == "first"
    assert plans.default_visit(given, TVEC) == "subsequent"
    assert plans.default_visit(given, "pv10_rose_bengal") == "first"


@pytest.mark.parametrize(
    ("plan", "text"),
    [
        ({"concentration_pfu_per_ml": 1e8}, "10^8 PFU/mL"),
        ({"concentration_pfu_per_ml": 5e7}, "5e+07 PFU/mL"),
        ({"concentration_mg_per_ml": 100.0}, "100 mg/mL"),
        ({}, ""),
    ],
)
def test_concentration_text(plan: dict[str, Any], text: str) -> None:
    assert plans.concentration_text(plan) == text
