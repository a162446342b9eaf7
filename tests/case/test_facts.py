"""The facts about a case, defined once (``ioguide.case.facts``): injected on a date (itRECIST, Goldmacher et al.,
J Clin Oncol 2020;38:2667-76: ``injected: true`` from baseline, ``injected_from`` from that date), the baseline
(RECIST 1.1, Eisenhauer 2009 §4.1: the first assessment) and a target's latest evaluated size."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ioguide.case import facts
from ioguide.case.document import case_of
from ioguide.errors import InputError


def document(**extra: Any) -> dict[str, Any]:
    return {
        "criteria": "itrecist",
        "lesions": [
            {"id": "I1", "role": "target", "organ": "skin", "injected": True},
            {"id": "D1", "role": "target", "organ": "lung", "injected_from": "2026-03-01"},
            {"id": "N1", "role": "non_target", "organ": "liver"},
        ],
        "timepoints": [
            {"date": "2026-01-05", "diameters_mm": {"I1": 30, "D1": 20}},
            {"date": "2026-02-02", "diameters_mm": {"I1": "too_small", "D1": 18.5}},
            {"date": "2026-03-30", "diameters_mm": {"I1": "not_evaluated", "D1": 12}},
        ],
        **extra,
    }


def test_injected_from_baseline_or_from_a_date_and_never_before_it() -> None:
    case = case_of(document())
    assert facts.baseline_date(case) == dt.date(2026, 1, 5)
    assert facts.injected_at(case, "I1", dt.date(2026, 1, 5))
    assert not facts.injected_at(case, "D1", dt.date(2026, 2, 28))  # the day before injected_from
    assert facts.injected_at(case, "D1", dt.date(2026, 3, 1))
    assert not facts.injected_at(case, "N1", dt.date(2026, 3, 30))
    assert [le.id for le in facts.injected_lesions(case, dt.date(2026, 2, 2))] == ["I1"]
    assert facts.any_injected(case)


def test_injected_true_and_injected_from_together_are_refused_with_the_field() -> None:
    doc = document()
    doc["lesions"][1]["injected"] = True
    with pytest.raises(InputError) as caught:
        case_of(doc)
    assert [p.field for p in caught.value.problems] == ["lesions[1].injected_from"]


def test_latest_size_skips_unevaluated_scans_and_says_too_small() -> None:
    case = case_of(document())
    latest = facts.latest_size(case, "I1", dt.date(2026, 4, 1))
    assert latest is not None and latest.too_small and latest.date == dt.date(2026, 2, 2)
    assert facts.latest_size(case, "D1", dt.date(2026, 3, 29)) == facts.LatestSize(dt.date(2026, 2, 2), 18.5)
    assert facts.latest_size(case, "D1", dt.date(2026, 1, 1)) is None  # before any scan
    assert facts.latest_size(case, "N1", dt.date(2026, 4, 1)) is None  # a non-target has no diameter


def test_a_document_without_criteria_is_read_under_recist_and_a_bad_one_names_its_field() -> None:
    doc = document()
    del doc["criteria"]
    assert case_of(doc).criteria == "recist1.1"
    assert case_of(doc, "itrecist").criteria == "itrecist"
    doc["timepoints"][0]["diameters_mm"]["D1"] = 5
    with pytest.raises(InputError) as caught:
        case_of(doc)
    assert caught.value.problems[0].field == "timepoints[0].diameters_mm.D1"


def test_a_lesion_is_treated_locally_from_its_ablation_or_embolization_date_and_injections_do_not_count() -> None:
    """RECIST 1.1 (Eisenhauer et al. 2009) §3.1: a lesion previously treated locally is usually not measurable
    unless it progressed; an injection is not such a treatment (itRECIST keeps injected lesions measured)."""
    procedures = [
        {"kind": "injection", "date": "2026-01-10", "lesions": [{"lesion_id": "T1", "volume_ml": 2}]},
        {"kind": "embolization", "date": "2026-03-01", "lesions": [{"lesion_id": "T2", "volume_ml": None}]},
        {"kind": "ablation", "date": "2026-02-01", "lesions": [{"lesion_id": "T2", "volume_ml": None}]},
        {"kind": "biopsy", "date": "2026-01-20", "lesions": [{"lesion_id": "N1", "volume_ml": None}]},
    ]
    treatments = facts.local_treatments(procedures)
    assert [(t.lesion_id, t.kind) for t in treatments] == [("T2", "ablation"), ("T2", "embolization")]
    assert facts.treated_locally_by(treatments, "T2", dt.date(2026, 1, 31)) is None  # the day before
    first = facts.treated_locally_by(treatments, "T2", dt.date(2026, 2, 1))
    assert first is not None and (first.kind, first.date) == ("ablation", dt.date(2026, 2, 1))
    later = facts.treated_locally_by(treatments, "T2", dt.date(2026, 6, 1))
    assert later == first  # the first local treatment, not the latest
    assert facts.treated_locally_by(treatments, "T1", dt.date(2026, 6, 1)) is None  # injected, not ablated
    assert facts.treated_locally_by(treatments, "N1", dt.date(2026, 6, 1)) is None  # a biopsy treats nothing
    assert "§3.1" in first.reason and "2026-02-01" in first.reason and "ablation" in first.reason
