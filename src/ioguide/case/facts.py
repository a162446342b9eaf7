"""Facts about a patient's case, each defined once and read by the criteria's callers, the planner, the exports
(SDTM, FHIR) and the pages, so that they cannot disagree.

- Injected on a date: :meth:`ioguide.criteria.values.Lesion.injected_at` (itRECIST, Goldmacher et al., J Clin
  Oncol 2020;38:2667-76: ``injected: true`` means injected from baseline, ``injected_from`` from that date;
  non-injected lesions may become injected). The functions here look a lesion up by id and ask it.
- The baseline: the first timepoint (RECIST 1.1, Eisenhauer et al. 2009, §4.1: the baseline assessment precedes
  treatment; the case's dates increase strictly).
- A target's latest size up to a date: the latest scan on or before it that evaluated the lesion (a scan that
  did not evaluate it says nothing about its size; ``spec/response.md``: ``not_evaluated``).
- Treated locally by a date: an ablation or embolization recorded for the lesion on or before it (RECIST 1.1,
  Eisenhauer et al., Eur J Cancer 2009;45:228-47, §3.1, special considerations on measurability: a lesion
  previously treated locally is usually not measurable unless it has progressed since, and the protocol says
  how such lesions are handled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ioguide.criteria.values import UM_PER_MM, Case, Lesion


def baseline_date(case: Case) -> dt.date:
    """The date of the baseline timepoint (the first; a parsed case always has one)."""
    return case.timepoints[0].date


def lesions(case: Case) -> tuple[Lesion, ...]:
    """Every lesion declared at baseline: targets, then non-targets, each in declaration order."""
    return case.targets + case.non_targets


def lesion(case: Case, lesion_id: str) -> Lesion:
    """The declared lesion ``lesion_id`` (a ``KeyError`` for an id the case does not declare: a caller's bug,
    since a parsed case's every reference is to a declared lesion)."""
    for found in lesions(case):
        if found.id == lesion_id:
            return found
    raise KeyError(lesion_id)


def injected_at(case: Case, lesion_id: str, on: dt.date) -> bool:
    """Whether lesion ``lesion_id`` is injected on ``on`` (the lesion's own rule, see the module docstring)."""
    return lesion(case, lesion_id).injected_at(on)


def injected_lesions(case: Case, on: dt.date) -> tuple[Lesion, ...]:
    """The lesions injected on ``on``, in :func:`lesions` order."""
    return tuple(found for found in lesions(case) if found.injected_at(on))


def any_injected(case: Case) -> bool:
    """Whether any lesion is injected by the latest timepoint (the patient has injected disease)."""
    return bool(injected_lesions(case, case.timepoints[-1].date))


@dataclass(frozen=True, slots=True)
class LatestSize:
    """A target's size on the latest scan up to a date that evaluated it: ``diameter_mm`` (None when recorded
    as too small to measure) and that scan's date."""

    date: dt.date
    diameter_mm: float | None

    @property
    def too_small(self) -> bool:
        return self.diameter_mm is None


def latest_size(case: Case, lesion_id: str, on: dt.date) -> LatestSize | None:
    """The target's size on the latest scan on or before ``on`` that evaluated it; None when none did (or the
    lesion is a non-target, which has no diameter)."""
    positions = {target.id: k for k, target in enumerate(case.targets)}
    if lesion_id not in positions:
        return None
    k = positions[lesion_id]
    for timepoint in reversed(case.timepoints):
        if timepoint.date > on:
            continue
        value = timepoint.diameters_um[k]
        if value is None:
            continue
        if lesion_id in timepoint.too_small:
            return LatestSize(timepoint.date, None)
        return LatestSize(timepoint.date, value / UM_PER_MM)
    return None


#: The procedures that treat a lesion locally (RECIST 1.1 §3.1: "loco-regional therapy"); an injection does not
#: count: itRECIST keeps injected lesions measured (Goldmacher et al., J Clin Oncol 2020;38:2667-76).
LOCAL_THERAPIES: tuple[str, ...] = ("ablation", "embolization")

#: The rule a flag of local treatment applies, as the pages and reports say it.
LOCAL_TREATMENT_RULE = (
    "RECIST 1.1 (Eisenhauer et al. 2009) §3.1, special considerations on measurability: a lesion previously "
    "treated locally is usually not measurable unless it has progressed since; the protocol says how it is handled"
)


@dataclass(frozen=True, slots=True)
class LocalTreatment:
    """An ablation or embolization of lesion ``lesion_id`` on ``date``."""

    lesion_id: str
    kind: str
    date: dt.date

    @property
    def reason(self) -> str:
        """Why the lesion is flagged: the fact, then the rule (:data:`LOCAL_TREATMENT_RULE`)."""
        return f"{self.lesion_id} treated locally ({self.kind}) on {self.date.isoformat()}: {LOCAL_TREATMENT_RULE}"


def local_treatments(procedures: Iterable[Mapping[str, Any]]) -> tuple[LocalTreatment, ...]:
    """Each lesion's ablations and embolizations from recorded procedures (``kind``, ``date`` as an ISO date or a
    date, ``lesions`` as ``{"lesion_id": ...}``), in date order; other kinds are not local treatments."""
    found = [
        LocalTreatment(
            str(item["lesion_id"]),
            str(proc["kind"]),
            proc["date"] if isinstance(proc["date"], dt.date) else dt.date.fromisoformat(str(proc["date"])),
        )
        for proc in procedures
        if proc.get("kind") in LOCAL_THERAPIES
        for item in proc.get("lesions") or ()
    ]
    return tuple(sorted(found, key=lambda t: (t.date, t.lesion_id)))


def treated_locally_by(treatments: Iterable[LocalTreatment], lesion_id: str, on: dt.date) -> LocalTreatment | None:
    """The first local treatment of ``lesion_id`` on or before ``on`` (None: not treated locally by then)."""
    earlier = [t for t in treatments if t.lesion_id == lesion_id and t.date <= on]
    return min(earlier, key=lambda t: t.date) if earlier else None
