"""Plausibility of a patient's dated records: what is refused, and what is only questioned until confirmed.

Pure: "today" is an argument (the core never reads the clock). Each check returns :class:`Finding` values naming
the rule (a stable id, also the word a client sends in ``confirm`` to accept a questioned value), the field and
the numbers. A finding with ``confirmable=False`` is refused outright; one with ``confirmable=True`` is accepted
only when the caller lists its rule in ``confirm``.

Rules and their sources:

- ``future_date``: a scan, procedure or toxicity onset cannot be dated after today (a record describes what
  happened; ICH E6(R3) §4.2 / ALCOA+ "contemporaneous" source data).
- ``after_death`` / ``after_withdrawal``: no scan, procedure or toxicity after the patient's death or withdrawal
  of consent (ICH E6(R3): no trial data are collected from a withdrawn participant; nothing happens after death).
- ``replaces_baseline``: a scan dated before the recorded baseline would silently become the new baseline
  (RECIST 1.1, Eisenhauer et al., Eur J Cancer 2009;45:228-47, §4.1: the baseline is the assessment before
  treatment, the reference of every later response). It is accepted only as an explicit choice with a reason.
- ``diameter_max``: a diameter above :data:`MAX_DIAMETER_MM` (400 mm) is refused: larger than the adult trunk's
  width, so a typing error (a missing decimal point or a value in micrometres), not a lesion.
- ``diameter_change``: a target whose diameter more than doubles (x :data:`GROWTH_RATIO`) or loses more than
  80 % (x :data:`SHRINK_RATIO`) between consecutive scans fewer than :data:`CHANGE_WINDOW_DAYS` days apart, by
  at least :data:`CHANGE_MIN_MM`, is questioned. The response specification sets no such limit; the choice:
  a diameter doubling is an eight-fold volume (three volume doublings) within four weeks, far faster than solid
  tumours grow, and both bounds lie far beyond the response thresholds (RECIST 1.1 §4.3.1: +20 % and 5 mm for
  progression, -30 % for partial response), so a real response is never questioned at its threshold; changes
  under 5 mm (RECIST's absolute increment) are within measurement noise. Ablation or a true complete response
  can exceed the shrink bound: that is what the confirmation is for.
- ``toxicity_before_infusion``: CRS and ICANS follow immune effector cell therapy (ASTCT consensus, Lee et al.,
  Biol Blood Marrow Transplant 2019;25:625-38: "after any immune therapy that results in the activation or
  engagement of endogenous or infused T cells"): an onset before the patient's first CAR-T infusion is refused
  when the patient has infusions.
- ``complication_before_procedure``: a CIRSE complication is a complication of a procedure (Filippiadis et al.,
  Cardiovasc Intervent Radiol 2017;40:1141-6): dated before the patient's first procedure it is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: A diameter above this is refused (mm).
MAX_DIAMETER_MM = 400.0
#: Consecutive scans closer than this (days) have their target diameter changes checked.
CHANGE_WINDOW_DAYS = 28
#: A diameter more than this many times the previous one is questioned.
GROWTH_RATIO = 2.0
#: A diameter under this fraction of the previous one (a loss of more than 80 %) is questioned.
SHRINK_RATIO = 0.2
#: Changes smaller than this (mm) are never questioned: RECIST 1.1's absolute increment, measurement noise.
CHANGE_MIN_MM = 5.0

#: Rules a caller may accept with ``confirm`` (the others are refused outright).
CONFIRMABLE = ("replaces_baseline", "diameter_change")

#: The kinds of toxicity that follow a CAR-T infusion, and the procedure kind that is the infusion.
INFUSION_TOXICITIES = ("crs", "icans")
INFUSION = "infusion"


@dataclass(frozen=True, slots=True)
class Finding:
    """One implausible value: the rule that questions it, the field, and why (with the numbers)."""

    rule: str
    field: str
    message: str
    confirmable: bool = False


@dataclass(frozen=True, slots=True)
class PatientDates:
    """The dates that bound a patient's records: today, and death / withdrawal when known."""

    today: dt.date
    death: dt.date | None = None
    withdrawal: dt.date | None = None


def date_findings(date: dt.date, field: str, bounds: PatientDates) -> list[Finding]:
    """``future_date``, ``after_death``, ``after_withdrawal`` for a record dated ``date`` (see module docstring)."""
    out: list[Finding] = []
    if date > bounds.today:
        out.append(Finding("future_date", field, f"{date} is after today ({bounds.today}): rule future_date"))
    if bounds.death is not None and date > bounds.death:
        out.append(
            Finding("after_death", field, f"{date} is after the patient's death ({bounds.death}): rule after_death")
        )
    if bounds.withdrawal is not None and date > bounds.withdrawal:
        out.append(
            Finding(
                "after_withdrawal",
                field,
                f"{date} is after the patient's withdrawal ({bounds.withdrawal}): rule after_withdrawal",
            )
        )
    return out


def baseline_findings(date: dt.date, baseline: dt.date | None, field: str) -> list[Finding]:
    """``replaces_baseline``: a new scan dated before the recorded baseline (``baseline``; None: no scan yet)."""
    if baseline is None or date >= baseline:
        return []
    return [
        Finding(
            "replaces_baseline",
            field,
            f"{date} is before the baseline scan ({baseline}): it would replace the baseline (RECIST 1.1 §4.1); "
            "confirm 'replaces_baseline' and give a reason: rule replaces_baseline",
            confirmable=True,
        )
    ]


def diameter_findings(diameters: Mapping[str, float], field: str) -> list[Finding]:
    """``diameter_max`` for each numeric diameter of ``diameters`` (``field.key``: the field of each)."""
    return [
        Finding(
            "diameter_max",
            f"{field}.{key}" if field else key,
            f"{value:g} mm is larger than {MAX_DIAMETER_MM:g} mm, not a plausible lesion: rule diameter_max",
        )
        for key, value in diameters.items()
        if value > MAX_DIAMETER_MM
    ]


@dataclass(frozen=True, slots=True)
class Scan:
    """A scan's date and its targets' numeric diameters (mm; a target not measured is absent)."""

    date: dt.date
    diameters_mm: Mapping[str, float]


def change_findings(scans: Sequence[Scan], new: Scan, field: str) -> list[Finding]:
    """``diameter_change`` for ``new`` against the scans just before and just after it in ``scans`` (the other
    recorded scans; a change is checked on both sides so that an inserted scan is not exempt)."""
    before = [s for s in scans if s.date < new.date]
    after = [s for s in scans if s.date > new.date]
    pairs: list[tuple[Scan, Scan]] = []
    if before:
        pairs.append((max(before, key=lambda s: s.date), new))
    if after:
        pairs.append((new, min(after, key=lambda s: s.date)))
    out: list[Finding] = []
    for earlier, later in pairs:
        days = (later.date - earlier.date).days
        if days >= CHANGE_WINDOW_DAYS:
            continue
        for key in sorted(set(earlier.diameters_mm) & set(later.diameters_mm)):
            old, now = earlier.diameters_mm[key], later.diameters_mm[key]
            if old <= 0 or abs(now - old) < CHANGE_MIN_MM:
                continue
            if now > old * GROWTH_RATIO or now < old * SHRINK_RATIO:
                out.append(
                    Finding(
                        "diameter_change",
                        f"{field}.{key}" if field else key,
                        f"{key}: {old:g} mm on {earlier.date} -> {now:g} mm on {later.date} ({days} days apart) "
                        f"changes by more than x{GROWTH_RATIO:g} or -{(1 - SHRINK_RATIO):.0%} within "
                        f"{CHANGE_WINDOW_DAYS} days; confirm 'diameter_change' if it is right: rule diameter_change",
                        confirmable=True,
                    )
                )
    return out


def toxicity_findings(
    kind: str, date: dt.date, field: str, infusions: Iterable[dt.date], procedures: Iterable[dt.date]
) -> list[Finding]:
    """``toxicity_before_infusion`` (CRS, ICANS) and ``complication_before_procedure`` (CIRSE) for a toxicity
    event of ``kind`` on ``date``, given the patient's infusion dates and all procedure dates."""
    if kind in INFUSION_TOXICITIES:
        first = min(infusions, default=None)
        if first is not None and date < first:
            return [
                Finding(
                    "toxicity_before_infusion",
                    field,
                    f"{kind.upper()} onset {date} is before the first CAR-T infusion ({first}) "
                    "(ASTCT consensus, Lee et al. 2019): rule toxicity_before_infusion",
                )
            ]
    if kind == "cirse":
        first = min(procedures, default=None)
        if first is not None and date < first:
            return [
                Finding(
                    "complication_before_procedure",
                    field,
                    f"a CIRSE complication on {date} is before the first procedure ({first}) "
                    "(Filippiadis et al. 2017): rule complication_before_procedure",
                )
            ]
    return []


def unconfirmed(findings: Iterable[Finding], confirm: Iterable[str]) -> list[Finding]:
    """The findings that stand: every refusal, and each questioned value whose rule is not in ``confirm``."""
    accepted = set(confirm)
    return [f for f in findings if not (f.confirmable and f.rule in accepted)]
