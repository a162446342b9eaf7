"""Builders for response-criteria tests: write a case as lesions + (date, diameters, non-targets, new lesions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ioguide.criteria.assess import assess_json

Timepoint = tuple[Any, ...]


def build_case(
    lesions: list[dict[str, Any]],
    timepoints: list[Timepoint],
    criteria: str = "recist1.1",
    **settings: Any,
) -> dict[str, Any]:
    """Timepoints are (day, diameters, non_target?, new_lesions?, reason?) with days counted from 2026-01-05."""
    start = dt.date(2026, 1, 5)
    tps = []
    for tp in timepoints:
        day, diameters, *rest = tp
        entry: dict[str, Any] = {"date": (start + dt.timedelta(days=day)).isoformat(), "diameters_mm": diameters}
        if len(rest) > 0 and rest[0] is not None:
            entry["non_target"] = rest[0]
        if len(rest) > 1 and rest[1]:
            entry["new_lesions"] = rest[1]
        if len(rest) > 2 and rest[2]:
            entry["reason"] = rest[2]
        tps.append(entry)
    case: dict[str, Any] = {"criteria": criteria, "lesions": lesions, "timepoints": tps}
    if settings:
        case["settings"] = settings
    return case


def responses(result: dict[str, Any], key: str = "response") -> list[Any]:
    """The follow-up timepoints' values of ``key`` (baseline left out)."""
    return [tp[key] for tp in result["timepoints"][1:]]


TWO_TARGETS = [
    {"id": "T1", "role": "target", "organ": "liver"},
    {"id": "T2", "role": "target", "organ": "lung"},
]


def run_case(
    lesions: list[dict[str, Any]], timepoints: list[Timepoint], criteria: str = "recist1.1", **settings: Any
) -> dict[str, Any]:
    """Assess a case written with :func:`build_case`."""
    return assess_json(build_case(lesions, timepoints, criteria, **settings))
