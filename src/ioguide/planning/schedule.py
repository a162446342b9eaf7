"""Dated visits for a course: injections, response imaging, biopsies and labs, each with its window and
reason.

The intervals come from the agent protocol's ``schedule`` (T-VEC: IMLYGIC US prescribing information Table 1,
second treatment 3 weeks after the initial, then every 2 weeks); windows and the imaging/biopsy/lab rules are
the
protocol file's, each with its own source. Day 1 is the first injection; windows are around nominal dates and
never
shift later visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from ioguide.errors import InputError
from ioguide.planning.protocol import AgentProtocol, Schedule
from ioguide.validation import STRICT_INPUT

Kind = Literal["labs", "biopsy", "imaging", "injection"]
_KIND_ORDER = {"labs": 0, "imaging": 1, "biopsy": 2, "injection": 3}


class ScheduleRequest(BaseModel):
    """Input of ``ioguide plan schedule``: the agent, the date of the first injection and the number of
    injections."""

    model_config = STRICT_INPUT
    agent: str
    start_date: date
    cycles: int = Field(ge=1, le=200)


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    kind: Kind
    label: str
    nominal: date
    earliest: date
    latest: date
    start: date
    reason: str
    visit: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "date": self.nominal.isoformat(),
            "study_day": (self.nominal - self.start).days + 1,
            "kind": self.kind,
            "label": self.label,
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
        }
        if self.visit is not None:
            out["visit"] = self.visit
        out["reasons"] = [self.reason]
        return out


def injection_dates(rules: Schedule, start: date, count: int) -> list[date]:
    """Nominal injection dates: day 1, day 1 + first interval, then every ``then_every_days``.

    T-VEC (IMLYGIC USPI Table 1): D1, D22, D36, D50, ...
    """
    inj = rules.injections
    dates = [start]
    if count > 1:
        dates.append(start + timedelta(days=inj.first_interval_days))
    while len(dates) < count:
        dates.append(dates[-1] + timedelta(days=inj.then_every_days))
    return dates


def plan_schedule(agent: AgentProtocol, request: ScheduleRequest) -> dict[str, Any]:
    """All visits of a course of ``request.cycles`` injections, in date order, each with window and reason."""
    if agent.schedule is None:
        raise InputError.one(
            "agent", f"{agent.id!r} has no schedule in its protocol file (data/agents/{agent.id}.yaml)"
        )
    rules, start = agent.schedule, request.start_date
    days = timedelta
    dates = injection_dates(rules, start, request.cycles)
    win = rules.injections.window_days
    visits: list[PlannedVisit] = []
    for n, when in enumerate(dates, start=1):
        if n == 1:
            why = f"injection 1 defines day 1 ({rules.source})"
            early, late = when, when
        else:
            gap = rules.injections.first_interval_days if n == 2 else rules.injections.then_every_days
            why = f"injection {n}: {gap} days after injection {n - 1} ({rules.source})"
            if win:
                why += f"; window +/- {win} days ({rules.injections.window_source or 'protocol'})"
            early, late = when - days(win), when + days(win)
        kind = "first" if n == 1 else "subsequent"
        visits.append(PlannedVisit("injection", f"injection {n}", when, early, late, start, why, kind))
    if rules.labs is not None and rules.labs.before_each_injection:
        lw = rules.labs.window_days
        for n, when in enumerate(dates, start=1):
            why = f"blood count and coagulation within {lw} days before injection {n} ({rules.labs.source})"
            visits.append(PlannedVisit("labs", f"labs before injection {n}", when, when - days(lw), when, start, why))
    for biopsy in rules.biopsies:
        if biopsy.before_first_days is not None:
            why = f"{biopsy.name}: within {biopsy.before_first_days} days before injection 1 ({biopsy.source})"
            early = start - days(biopsy.before_first_days)
            visits.append(PlannedVisit("biopsy", biopsy.name, start, early, start, start, why))
        elif biopsy.at_injection is not None and biopsy.at_injection <= len(dates):
            when = dates[biopsy.at_injection - 1]
            why = f"{biopsy.name}: at injection {biopsy.at_injection}, through the same access ({biopsy.source})"
            visits.append(PlannedVisit("biopsy", biopsy.name, when, when - days(win), when + days(win), start, why))
    if rules.imaging is not None:
        img = rules.imaging
        why = "baseline imaging within 28 days before injection 1 (RECIST 1.1, Eisenhauer et al. 2009: <= 4 weeks)"
        visits.append(PlannedVisit("imaging", "baseline imaging", start, start - days(28), start, start, why))
        n, when = 1, start + days(img.every_days)
        while True:  # every interval, up to the first assessment on or after the last injection
            why = f"response assessment {n}: every {img.every_days} days from day 1 ({img.source})"
            early, late = when - days(img.window_days), when + days(img.window_days)
            visits.append(PlannedVisit("imaging", f"response imaging {n}", when, early, late, start, why))
            if when >= dates[-1]:
                break
            n, when = n + 1, when + days(img.every_days)
    visits.sort(key=lambda v: (v.nominal, _KIND_ORDER[v.kind]))
    return {
        "agent": agent.id,
        "start_date": start.isoformat(),
        "cycles": request.cycles,
        "visits": [v.as_dict() for v in visits],
        "reasons": [
            f"{agent.short_source}: {rules.source}",
            f"{len(dates)} injections from {dates[0].isoformat()} to {dates[-1].isoformat()}",
        ],
    }
