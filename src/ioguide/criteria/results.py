"""Result values of an assessment: one :class:`TimepointResult` per timepoint and the best overall response."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class TimepointResult:
    """The response at one timepoint with the sums it used (micrometres; None where undefined)."""

    date: dt.date
    day: int
    sum_um: int | None
    nadir_um: int | None
    baseline_um: int | None
    target_response: str | None
    non_target_response: str | None
    new_lesions: bool
    response: str | None
    progression_date: dt.date | None
    reasons: tuple[str, ...]
    recist_response: str | None = None
    progressed_categories: tuple[str, ...] = ()
    new_target_sum_um: int | None = None


def with_note(row: TimepointResult, note: str) -> TimepointResult:
    """``row`` with ``note`` put before its reasons (the criterion-wide statement a reader needs first)."""
    return replace(row, reasons=(note, *row.reasons))


@dataclass(frozen=True, slots=True)
class BestResponse:
    """Best overall response (RECIST 1.1 §4.4.3, Table 3; iRECIST iBOR) with the timepoint that set it."""

    response: str
    date: dt.date | None
    confirmed: bool | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SubsetResult:
    """itRECIST: the injected or non-injected lesions assessed on their own (Goldmacher 2020)."""

    lesions: tuple[str, ...]
    baseline_um: int | None
    membership_changed_at: dt.date | None
    timepoints: tuple[TimepointResult, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    """A whole assessment, ready to be rendered as ``spec/response.md``'s output."""

    criteria: str
    baseline_date: dt.date
    baseline_um: int | None
    targets: tuple[str, ...]
    non_targets: tuple[str, ...]
    timepoints: tuple[TimepointResult, ...]
    best: BestResponse
    subsets: dict[str, SubsetResult | None] | None = field(default=None)
