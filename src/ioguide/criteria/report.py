"""Render an :class:`Assessment` as ``spec/response.md``'s output object (plain JSON values, spec rounding)."""

from __future__ import annotations

from typing import Any

from ioguide.criteria.arithmetic import mm, pct_change
from ioguide.criteria.case_input import settings_as_dict
from ioguide.criteria.results import Assessment, SubsetResult, TimepointResult
from ioguide.criteria.values import Case


def _measures(tp: TimepointResult, first: bool) -> dict[str, Any]:
    return {
        "date": tp.date.isoformat(),
        "day": tp.day,
        "sum_mm": mm(tp.sum_um),
        "nadir_mm": None if first else mm(tp.nadir_um),
        "change_from_baseline_pct": None if first else pct_change(tp.sum_um, tp.baseline_um),
        "change_from_nadir_pct": None if first else pct_change(tp.sum_um, tp.nadir_um),
        "target_response": tp.target_response,
        "non_target_response": tp.non_target_response,
    }


def timepoint_to_dict(tp: TimepointResult, first: bool, immune: bool) -> dict[str, Any]:
    out = _measures(tp, first)
    out["new_lesions"] = tp.new_lesions
    out["response"] = tp.response
    out["progression_date"] = tp.progression_date.isoformat() if tp.progression_date else None
    if immune:
        out["recist_response"] = tp.recist_response
        out["progressed_categories"] = list(tp.progressed_categories)
        out["new_target_sum_mm"] = mm(tp.new_target_sum_um)
    out["reasons"] = list(tp.reasons)
    return out


def subset_to_dict(sub: SubsetResult | None) -> dict[str, Any] | None:
    if sub is None:
        return None
    rows = []
    for k, tp in enumerate(sub.timepoints):
        row = _measures(tp, k == 0)
        row["response"] = tp.response
        row["reasons"] = list(tp.reasons)
        rows.append(row)
    return {
        "lesions": list(sub.lesions),
        "baseline_sum_mm": mm(sub.baseline_um),
        "membership_changed_at": sub.membership_changed_at.isoformat() if sub.membership_changed_at else None,
        "timepoints": rows,
    }


def assessment_to_dict(result: Assessment, case: Case) -> dict[str, Any]:
    immune = case.criteria == "irecist" or (case.criteria == "itrecist" and case.settings.confirm_progression)
    out: dict[str, Any] = {
        "criteria": result.criteria,
        "settings": dict(settings_as_dict(case)),
        "baseline": {
            "date": result.baseline_date.isoformat(),
            "sum_mm": mm(result.baseline_um),
            "targets": list(result.targets),
            "non_targets": list(result.non_targets),
        },
        "timepoints": [timepoint_to_dict(tp, k == 0, immune) for k, tp in enumerate(result.timepoints)],
        "best_overall_response": {
            "response": result.best.response,
            "date": result.best.date.isoformat() if result.best.date else None,
            "confirmed": result.best.confirmed,
            "reasons": list(result.best.reasons),
        },
    }
    if result.subsets is not None:
        out["subsets"] = {name: subset_to_dict(sub) for name, sub in result.subsets.items()}
    return out
