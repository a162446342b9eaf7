"""The write path's plausibility checks (the rules are the core's, :mod:`ioguide.case.plausibility`) and the one
rule on reasons: a correction says why.

Each verb calls these inside its write transaction, before anything is written, so a refusal (422, naming the
field and the rule) leaves the store unchanged. "Today" is read here, in the shell, and handed to the core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ioguide.case.plausibility import (
    CONFIRMABLE,
    Finding,
    PatientDates,
    Scan,
    baseline_findings,
    change_findings,
    date_findings,
    diameter_findings,
    unconfirmed,
)
from ioguide.errors import InputError, Problem
from ioguide.records.models import Patient
from ioguide.services.context import Actor
from ioguide.services.reasons import require_stated_reason

#: The field a missing reason is reported on: the API's ``X-Reason`` header (the pages map it to their
#: "Reason for the change" input).
#: The body key listing the questioned rules the sender accepts (``"confirm": ["diameter_change"]``).
CONFIRM_KEY = "confirm"


def today() -> dt.date:
    """The server's date (the one place the write path reads the clock)."""
    return dt.date.today()


def split_confirm(raw: Any, prefix: str = "") -> tuple[Any, tuple[str, ...]]:
    """The document without its ``confirm`` list, and the list (rule ids; each must be a confirmable rule)."""
    if not isinstance(raw, Mapping) or CONFIRM_KEY not in raw:
        return raw, ()
    rest = {k: v for k, v in raw.items() if k != CONFIRM_KEY}
    value = raw[CONFIRM_KEY]
    field = f"{prefix}{CONFIRM_KEY}"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError.one(field, f"a list of rule ids to confirm (any of {', '.join(CONFIRMABLE)})")
    unknown = [v for v in value if v not in CONFIRMABLE]
    if unknown:
        raise InputError.one(field, f"{', '.join(map(repr, unknown))}: only {', '.join(CONFIRMABLE)} can be confirmed")
    return rest, tuple(value)


def bounds(patient: Patient) -> PatientDates:
    return PatientDates(today=today(), death=patient.death_date, withdrawal=patient.withdrawal_date)


def refuse(findings: Iterable[Finding], confirm: Iterable[str] = ()) -> None:
    """Raise the findings that stand (refusals, and questioned values not confirmed) as one ``InputError``."""
    standing = unconfirmed(findings, confirm)
    if standing:
        raise InputError([Problem(f.field, f.message) for f in standing])


def _numbers(diameters: Mapping[str, Any]) -> dict[str, float]:
    return {
        key: float(value)
        for key, value in diameters.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def scan_of(timepoint: Mapping[str, Any]) -> Scan:
    """A case document's timepoint as the core's :class:`Scan` (numeric target diameters only)."""
    return Scan(dt.date.fromisoformat(str(timepoint["date"])), _numbers(timepoint.get("diameters_mm", {})))


def timepoint_findings(
    patient: Patient, stored: Sequence[Mapping[str, Any]], new: Mapping[str, Any], prefix: str = ""
) -> list[Finding]:
    """Every finding on one new or replaced timepoint ``new`` against the other ``stored`` timepoints."""
    scan = scan_of(new)
    others = [scan_of(tp) for tp in stored if str(tp["date"]) != scan.date.isoformat()]
    baseline = min((s.date for s in others), default=None)
    news = {
        f"new_lesions[{i}].diameter_mm": float(n["diameter_mm"])
        for i, n in enumerate(new.get("new_lesions", []))
        if isinstance(n.get("diameter_mm"), int | float) and not isinstance(n.get("diameter_mm"), bool)
    }
    field = f"{prefix}." if prefix else ""
    return [
        *date_findings(scan.date, f"{field}date", bounds(patient)),
        *baseline_findings(scan.date, baseline, f"{field}date"),
        *diameter_findings(scan.diameters_mm, f"{field}diameters_mm"),
        *diameter_findings(news, prefix),
        *change_findings(others, scan, f"{field}diameters_mm"),
    ]


def check_timepoint(
    actor: Actor,
    patient: Patient,
    stored: Sequence[Mapping[str, Any]],
    new: Mapping[str, Any],
    confirm: Sequence[str],
    prefix: str = "",
) -> None:
    """Refuse an implausible timepoint; a confirmed replacement of the baseline also needs a reason."""
    findings = timepoint_findings(patient, stored, new, prefix)
    refuse(findings, confirm)
    if any(f.rule == "replaces_baseline" for f in findings):
        require_stated_reason(actor, "a scan that replaces the baseline")


def check_case(
    actor: Actor, patient: Patient, stored: Sequence[Mapping[str, Any]], timepoints: Sequence[Mapping[str, Any]],
    confirm: Sequence[str],
) -> None:  # fmt: skip
    """Refuse an implausible whole case (``PUT .../case``): each timepoint's dates and diameters, changes between
    its consecutive timepoints, and a first scan earlier than the stored baseline."""
    findings: list[Finding] = []
    ordered = sorted(timepoints, key=lambda tp: str(tp["date"]))
    position = {id(tp): i for i, tp in enumerate(timepoints)}
    for k, tp in enumerate(ordered):
        prefix = f"timepoints[{position[id(tp)]}]"
        scan = scan_of(tp)
        findings += date_findings(scan.date, f"{prefix}.date", bounds(patient))
        findings += diameter_findings(scan.diameters_mm, f"{prefix}.diameters_mm")
        if k > 0:
            findings += change_findings([scan_of(ordered[k - 1])], scan, f"{prefix}.diameters_mm")
    if ordered and stored:
        first = scan_of(ordered[0]).date
        findings += baseline_findings(first, scan_of(stored[0]).date, f"timepoints[{position[id(ordered[0])]}].date")
    refuse(findings, confirm)
    if any(f.rule == "replaces_baseline" for f in findings):
        require_stated_reason(actor, "a case whose first scan replaces the baseline")
