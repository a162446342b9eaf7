"""The injection plan use case (services/plans.py): injected lesions at their latest measurement, through the
planner of ``ioguide plan injection`` (T-VEC: IMLYGIC US prescribing information, section 2.1 Tables 1 and 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ioguide.case.document import case_of
from ioguide.criteria.values import Case
from ioguide.errors import InputError
from ioguide.services import plans

TVEC = "talimogene_laherparepvec"


def case(*timepoints: tuple[str, dict[str, Any]]) -> Case:
    """Two injected skin lesions (which lesions enter a plan is tested in tests/planning/test_from_case.py)."""
    lesions = [{"id": i, "role": "target", "organ": "skin", "injected": True} for i in ("I1", "I2")]
    return case_of({"lesions": lesions, "timepoints": [{"date": d, "diameters_mm": s} for d, s in timepoints]})


def test_the_tvec_plan_follows_the_label_tables() -> None:
    """Label Table 2: > 25 to 50 mm up to 2.0 mL, > 15 to 25 mm up to 1.0 mL; Table 1: 10^6 PFU/mL at the first
    visit, at most 4.0 mL per visit."""
    out = plans.make_plan(case(("2026-01-05", {"I1": 32, "I2": 24})), TVEC, "first", None, dt.date(2026, 1, 5))
    assert [(i["lesion"], i["volume_ml"]) for i in out["plan"]["injections"]] == [("I1", 2.0), ("I2", 1.0)]
    assert out["concentration"] == "10^6 PFU/mL"
    document = plans.procedure_document(out["plan"], dt.date(2026, 1, 5))
    assert document["lesions"] == [{"lesion_id": "I1", "volume_ml": 2.0}, {"lesion_id": "I2", "volume_ml": 1.0}]
    assert document["notes"] == "as planned in ioguide: first visit, 10^6 PFU/mL, cap policy truncate"


def test_nothing_to_plan_and_an_unknown_agent_are_said() -> None:
    gone = case(("2026-01-05", {"I1": 32, "I2": 24}), ("2026-02-02", {"I1": 0, "I2": "too_small"}))
    with pytest.raises(InputError, match="no injected lesion with a measured diameter"):
        plans.make_plan(gone, TVEC, "first", None, dt.date(2026, 2, 9))
    with pytest.raises(InputError, match="agent"):
        plans.make_plan(case(("2026-01-05", {"I1": 32, "I2": 24})), "no_such_agent", "first", None, dt.date(2026, 1, 5))


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
