"""Visits and study days of the SDTM export: VISITNUM / VISIT from the program's imaging schedule, --DY from
RFSTDTC.

- --DY (SDTMIG 3.4 §4.4.4): ``date - RFSTDTC + 1`` on or after the reference start date, ``date - RFSTDTC``
  before it (there is no day 0). RFSTDTC is the subject's first study treatment (``sdtm_dm_ex``); without one,
  --DY is null (no reference date, no guess).
- VISIT / VISITNUM: the first scan of the case is ``BASELINE`` (VISITNUM 1). Follow-up scans are matched to the
  imaging schedule of the program (the agent protocol's ``schedule.imaging``: every ``every_days`` from day 1,
  within ``window_days``; ``planning/schedule.py`` plans the same visits): the k-th scheduled assessment is
  ``WEEK n`` (n = k x every_days / 7, as in the pharmaverse oncology data) with VISITNUM k + 1. A scan outside
  every window, or a second scan in the same window, is unscheduled: VISITNUM is the last visit's number plus
  0.1 per unscheduled scan since it and VISIT ``UNSCHEDULED <VISITNUM>`` (SDTMIG 3.4 §4.4.5: unplanned visits
  take a decimal VISITNUM). Without a schedule every follow-up scan is unscheduled, said so in its VISIT.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ImagingSchedule:
    """Response imaging every ``every_days`` from day 1 (the first treatment), within +/- ``window_days``."""

    every_days: int
    window_days: int
    source: str


@dataclass(frozen=True, slots=True)
class Visit:
    number: float
    name: str


def study_day(date: dt.date, reference: dt.date | None) -> int | None:
    """SDTM --DY of ``date`` against RFSTDTC (SDTMIG 3.4 §4.4.4: no day 0)."""
    if reference is None:
        return None
    days = (date - reference).days
    return days + 1 if days >= 0 else days


def _label(k: int, every_days: int) -> str:
    days = k * every_days
    return f"WEEK {days // 7}" if days % 7 == 0 else f"DAY {days + 1}"


def assign_visits(
    scans: list[dt.date], start: dt.date | None, schedule: ImagingSchedule | None
) -> dict[dt.date, Visit]:
    """VISITNUM / VISIT of each scan date (in date order, the first one the baseline)."""
    ordered = sorted(scans)
    planned: list[int | None] = [0] if ordered else []
    used: set[int] = set()
    for date in ordered[1:]:
        k = None
        if schedule is not None and start is not None:
            nearest = round((date - start).days / schedule.every_days)
            nominal = start + dt.timedelta(days=nearest * schedule.every_days)
            if nearest >= 1 and abs((date - nominal).days) <= schedule.window_days and nearest not in used:
                k = nearest
                used.add(k)
        planned.append(k)
    out: dict[dt.date, Visit] = {}
    last, run = 1.0, 0
    for i, (date, k) in enumerate(zip(ordered, planned, strict=True)):
        if i == 0:
            out[date] = Visit(1.0, "BASELINE")
        elif k is not None and schedule is not None:
            last, run = float(k + 1), 0
            out[date] = Visit(last, _label(k, schedule.every_days))
        else:
            run += 1
            # more than 9 unscheduled scans before the next visit: hundredths, so VISITNUM never reaches it
            length = next((j for j in range(i, len(planned)) if planned[j] is not None), len(planned)) - i + run - 1
            step, digits = (0.1, 1) if length <= 9 else (0.01, 2)
            number = round(last + step * run, digits)
            out[date] = Visit(number, f"UNSCHEDULED {number:.{digits}f}")
    return out
