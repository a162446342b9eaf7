"""Plot inputs from ``ioguide assess`` outputs (``spec/response.md``): per-patient % change series and swimmer lanes.

Pure functions on the JSON-shaped assessment, so the web page, a script and the tests build identical figures.
``subset`` is ``overall`` (the top-level timepoints) or an itRECIST subset, ``injected`` / ``non_injected``
(``subsets.<name>.timepoints``; Goldmacher et al., J Clin Oncol 2020;38:2667-76).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ioguide import labels

Subset = Literal["overall", "injected", "non_injected"]
SUBSETS: tuple[Subset, ...] = ("overall", "injected", "non_injected")
SUBSET_TITLES: dict[str, str] = labels.SUBSETS
#: iRECIST codes drawn in the colour of their RECIST 1.1 counterpart; iUPD / iCPD keep their own.
_PLAIN = {"iCR": "CR", "iPR": "PR", "iSD": "SD", "NON_iCR_NON_iUPD": "NON_CR_NON_PD"}
PROGRESSION = frozenset({"PD", "iUPD", "iCPD"})
RESPONSE = frozenset({"CR", "PR", "iCR", "iPR"})
#: Toxicity marked on the swimmer lane: grade 3 or more (CTCAE v5.0 "severe or medically significant"; the same
#: cut-off for ASTCT CRS/ICANS and CIRSE grades, which the swimmer shows on one scale).
SEVERE_GRADE = 3


@dataclass(frozen=True, slots=True)
class ChangeSeries:
    """One patient's % change of the target sum from baseline at each follow-up (None: not evaluable)."""

    label: str
    days: tuple[int, ...]
    change_pct: tuple[float | None, ...]
    best_response: str | None
    confirmed: bool = False

    @property
    def best_change_pct(self) -> float | None:
        """The best (lowest) % change over the follow-ups with a measured sum (the waterfall bar)."""
        values = [v for v in self.change_pct if v is not None]
        return min(values) if values else None


@dataclass(frozen=True, slots=True)
class Lane:
    """One swimmer lane: days from baseline to the last follow-up, and dated events (days)."""

    label: str
    end_day: int
    injections: tuple[int, ...]
    responses: tuple[int, ...]
    progressions: tuple[int, ...]
    toxicities: tuple[tuple[int, int], ...]  # (day, grade) of grade >= 3 events
    ongoing_response: bool
    infusions: tuple[int, ...] = ()  # CAR-T / cell infusions, any route
    ablations: tuple[int, ...] = ()  # ablations and embolizations


def plain_code(code: str | None) -> str | None:
    return None if code is None else _PLAIN.get(code, code)


def _subset_rows(assessment: Mapping[str, Any], subset: Subset) -> list[dict[str, Any]] | None:
    if subset == "overall":
        return list(assessment["timepoints"])
    block = (assessment.get("subsets") or {}).get(subset)
    if block is None or not block.get("lesions"):
        return None
    return list(block["timepoints"])


def change_series(label: str, assessment: Mapping[str, Any], subset: Subset) -> ChangeSeries | None:
    """The % change series of ``subset``; None when the patient has no lesion in it (or no follow-up)."""
    rows = _subset_rows(assessment, subset)
    if rows is None or len(rows) < 2:
        return None
    follow = rows[1:]
    responses = [r["response"] for r in follow if r.get("response")]
    overall = subset == "overall"
    best = assessment["best_overall_response"]["response"] if overall else _best_plain(responses)
    confirmed = overall and bool(assessment["best_overall_response"].get("confirmed"))
    return ChangeSeries(
        label=label,
        days=tuple(int(r["day"]) for r in follow),
        change_pct=tuple(r.get("change_from_baseline_pct") for r in follow),
        best_response=best,
        confirmed=confirmed,
    )


def _best_plain(responses: Iterable[str]) -> str | None:
    """The best code seen in a subset (no confirmation: the subsets report timepoint responses only)."""
    order = ["CR", "PR", "SD", "NON_CR_NON_PD", "PD", "NE"]
    seen = [plain_code(r) for r in responses]
    ranked = [order.index(r) for r in seen if r in order]
    return order[min(ranked)] if ranked else None


def _day(baseline: dt.date, value: str) -> int:
    return (dt.date.fromisoformat(value) - baseline).days


def swimmer_lane(
    label: str,
    assessment: Mapping[str, Any],
    subset: Subset,
    procedures: Iterable[Mapping[str, Any]],
    toxicity: Iterable[Mapping[str, Any]],
) -> Lane | None:
    """The patient's lane: time on study from baseline, injections (of lesions in ``subset``), CAR-T infusions,
    ablations and embolizations, first response, progression dates and CRS / ICANS / CTCAE / CIRSE events of grade
    3 or more (CTCAE v5.0: grade 3 "severe or medically significant")."""
    rows = _subset_rows(assessment, subset)
    if rows is None or not rows:
        return None
    baseline = dt.date.fromisoformat(assessment["baseline"]["date"])
    lesions: set[str] | None = None
    if subset != "overall":
        lesions = set(assessment["subsets"][subset]["lesions"])
    procedures = list(procedures)

    def days_of(*kinds: str) -> list[int]:
        return sorted(
            {
                _day(baseline, p["date"])
                for p in procedures
                if p.get("kind") in kinds
                and (lesions is None or any(item["lesion_id"] in lesions for item in p.get("lesions", [])))
            }
        )

    injections = days_of("injection")
    ablations = days_of("ablation", "embolization")
    infusions = sorted({_day(baseline, p["date"]) for p in procedures if p.get("kind") == "infusion"})
    responses: list[int] = []
    progressions: list[int] = []
    for row in rows[1:]:
        code = row.get("response")
        if code in RESPONSE and not responses:
            responses.append(int(row["day"]))
        if code in PROGRESSION:
            progressions.append(int(row["day"]))
    toxic = tuple(
        (_day(baseline, t["date"]), int(t["grade"]))
        for t in toxicity
        if t.get("grade") is not None and t["grade"] >= SEVERE_GRADE
    )
    last_day = max([int(rows[-1]["day"]), *injections, *infusions, *ablations, *(d for d, _ in toxic)])
    ongoing = bool(responses) and plain_code(rows[-1].get("response")) in ("CR", "PR")
    return Lane(
        label=label,
        end_day=last_day,
        injections=tuple(injections),
        responses=tuple(responses),
        progressions=tuple(progressions[:1] if subset != "overall" else progressions),
        toxicities=toxic,
        ongoing_response=ongoing,
        infusions=tuple(infusions),
        ablations=tuple(ablations),
    )
