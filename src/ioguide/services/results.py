"""Stored derived results: each patient's response under every criteria and the grades of their toxicity events,
kept with the case version and the rule-set version that produced them (ARCHITECTURE.md, "Derived results are
stored"; issue 16 part 3).

A write that changes a case calls :func:`refresh_case` (a toxicity write :func:`refresh_toxicity`) inside its own
transaction, so the stored results never lag the records they come from. Lists, plots and exports read them
instead of re-assessing. When the rules change, :data:`RULESET` changes with them and ``ioguide reassess``
(:mod:`ioguide.services.reassess`) recomputes every result whose rule set or case version is not the current one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from ioguide.errors import InputError
from ioguide.plots.cohort_data import plain_code
from ioguide.records.db import Database, read_session
from ioguide.records.models import DerivedResult, Patient, ToxicityEvent, utcnow
from ioguide.services import engine
from ioguide.services.casedoc import read_case
from ioguide.services.context import Actor, require

#: Every response criteria of ``spec/response.md``; a result is stored under each (or why it does not apply).
CRITERIA: tuple[str, ...] = ("recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma")
#: The criteria used when a case names none (the engine's validation default, :data:`engine.VALIDATION_CRITERIA`).
DEFAULT_CRITERIA = engine.VALIDATION_CRITERIA
#: The ``criteria`` key of the one toxicity row per patient.
TOXICITY = ""
#: What the rule set is made of: the core's rule modules and the rule data they read.
_RULE_SOURCES: tuple[tuple[str, ...], ...] = (("criteria",), ("toxicity",), ("data", "ctcae"), ("data", "toxicity"))


@cache
def ruleset_version() -> str:
    """``sha256:`` and the first 16 hex digits of the SHA-256 of the rule modules' source and rule data
    (``criteria/*.py``, ``toxicity/*.py``, ``data/ctcae``, ``data/toxicity``, in name order).

    Computed, not typed, so that no rule change can be shipped with the old version by forgetting to bump it;
    the price is that an edit to a docstring also marks results stale (``reassess`` then reports no change)."""
    digest = hashlib.sha256()
    root = resources.files("ioguide")
    for parts in _RULE_SOURCES:
        folder = root.joinpath(*parts)
        for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
            if item.is_file() and (parts[0] == "data" or item.name.endswith(".py")):
                digest.update("/".join((*parts, item.name)).encode())
                digest.update(item.read_bytes())
    return f"sha256:{digest.hexdigest()[:16]}"


@dataclass(frozen=True, slots=True)
class Derived:
    """One derived result before it is stored (see :class:`~ioguide.records.models.DerivedResult`)."""

    kind: str
    criteria: str
    result: dict[str, Any] | None
    problems: tuple[str, ...] = ()
    current_response: str | None = None
    response_date: dt.date | None = None
    best_response: str | None = None
    last_scan: dt.date | None = None


def current_row(result: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The latest follow-up timepoint that has a response (the "current response" of the cohort)."""
    rows = [row for row in result["timepoints"][1:] if row.get("response")]
    return rows[-1] if rows else None


def assess_under(case: Mapping[str, Any], criteria: str) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """The case's assessment under ``criteria``, or why it has none: no timepoint yet, no pleural site for the
    mesothelioma criteria, or the engine's problems (a case need not fit every criteria)."""
    if criteria == "mesothelioma" and not any(lesion.get("pleural") for lesion in case["lesions"]):
        return None, ("no pleural measurement site: the mesothelioma criteria do not apply",)
    if not case["timepoints"]:
        return None, ("no imaging timepoint recorded yet",)
    try:
        return engine.assess(dict(case), criteria), ()
    except InputError as err:
        return None, tuple(str(p) for p in err.problems)


_PLOT_KEYS = ("date", "day", "response", "change_from_baseline_pct")


def plot_summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The assessment cut to what :mod:`ioguide.plots.cohort_data` reads (same shape, fewer keys): baseline date,
    best overall response, and per timepoint (overall and each itRECIST subset) date, day, response, % change."""

    def rows(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [{key: item.get(key) for key in _PLOT_KEYS} for item in items]

    subsets = {
        name: None
        if block is None
        else {"lesions": list(block.get("lesions") or []), "timepoints": rows(block["timepoints"])}
        for name, block in (result.get("subsets") or {}).items()
    }
    return {
        "baseline": {"date": result["baseline"]["date"]},
        "best_overall_response": {"response": result["best_overall_response"]["response"]},
        "timepoints": rows(result["timepoints"]),
        "subsets": subsets or None,
    }


def derive_response(case: Mapping[str, Any], criteria: str) -> Derived:
    result, problems = assess_under(case, criteria)
    last = case["timepoints"][-1]["date"] if case["timepoints"] else None
    last_scan = dt.date.fromisoformat(last) if last else None
    if result is None:
        return Derived("response", criteria, None, problems, last_scan=last_scan)
    current = current_row(result)
    return Derived(
        "response",
        criteria,
        result,
        current_response=plain_code(current["response"]) if current else None,
        response_date=dt.date.fromisoformat(current["date"]) if current else None,
        best_response=result["best_overall_response"]["response"],
        last_scan=last_scan,
    )


def derive_responses(case: Mapping[str, Any]) -> list[Derived]:
    """The case under every criteria of :data:`CRITERIA`."""
    return [derive_response(case, criteria) for criteria in CRITERIA]


def derive_toxicity(events: Iterable[Mapping[str, Any]]) -> Derived:
    """Every toxicity event re-graded from its stored input by the current rules, and the highest grade per kind.

    ``events`` are ``{"id", "kind", "date", "input", "grade"}`` (``grade``: what was stored when recorded); an
    event whose input the current rules reject keeps no grade, and the problem is said."""
    graded: list[dict[str, Any]] = []
    problems: list[str] = []
    highest: dict[str, int] = {}
    for event in events:
        try:
            grade = engine.grade_toxicity(event["kind"], event["input"]).get("grade")
        except InputError as err:
            problems += [f"toxicity event {event['id']}: {p}" for p in err.problems]
            grade = None
        graded.append(
            {"id": event["id"], "kind": event["kind"], "date": str(event["date"]), "grade": grade,
             "recorded_grade": event["grade"]}
        )  # fmt: skip
        if grade is not None:
            highest[event["kind"]] = max(grade, highest.get(event["kind"], grade))
    return Derived("toxicity", TOXICITY, {"events": graded, "highest_grade": highest}, tuple(problems))


_TABLE = cast(Table, DerivedResult.__table__)


def store(session: Session, patient_id: int, case_version: int, derived: Sequence[Derived], ruleset: str) -> None:
    """Replace the patient's stored results of the kinds in ``derived`` (one delete, one multi-row insert; plain
    table statements, no ORM bookkeeping: this runs inside every write)."""
    kinds = sorted({d.kind for d in derived})
    session.execute(delete(_TABLE).where(_TABLE.c.patient_id == patient_id, _TABLE.c.kind.in_(kinds)))
    now = utcnow().isoformat()
    session.execute(
        insert(_TABLE),
        [
            {
                "patient_id": patient_id,
                "kind": d.kind,
                "criteria": d.criteria,
                "case_version": case_version,
                "ruleset": ruleset,
                "result": d.result,
                "summary": None if d.result is None or d.kind != "response" else plot_summary(d.result),
                "problems": list(d.problems) or None,
                "current_response": d.current_response,
                "response_date": d.response_date,
                "best_response": d.best_response,
                "last_scan": d.last_scan,
                "computed_at": now,
            }
            for d in derived
        ],
    )


def refresh_case(session: Session, patient_id: int) -> None:
    """Store the responses of the patient's case as the current transaction sees it (call after the flush)."""
    found = read_case(session, patient_id)
    if found is None:
        return
    case, version = found
    store(session, patient_id, version, derive_responses(case), ruleset_version())


def toxicity_events(session: Session, patient_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The toxicity events of the patients (one query), in date order, as :func:`derive_toxicity` reads them."""
    out: dict[int, list[dict[str, Any]]] = {pid: [] for pid in patient_ids}
    rows = session.execute(
        select(
            ToxicityEvent.patient_id, ToxicityEvent.id, ToxicityEvent.kind, ToxicityEvent.date, ToxicityEvent.input,
            ToxicityEvent.grade,
        )
        .where(ToxicityEvent.patient_id.in_(patient_ids))
        .order_by(ToxicityEvent.patient_id, ToxicityEvent.date, ToxicityEvent.id)
    )  # fmt: skip
    for row in rows:
        out[row.patient_id].append(
            {"id": row.id, "kind": row.kind, "date": row.date, "input": row.input, "grade": row.grade}
        )
    return out


def refresh_toxicity(session: Session, patient_id: int, added: Mapping[str, Any] | None = None) -> None:
    """Store the patient's toxicity grades as the current transaction sees them (call after the flush).

    ``added``: the event just recorded (``{"id", "kind", "date", "grade"}``, graded by the current rules); when the
    stored row is of the current rule set it is extended by that one event (one read, one update) instead of
    re-grading every event of the patient."""
    ruleset = ruleset_version()
    if added is not None:
        row = session.execute(
            select(_TABLE.c.id, _TABLE.c.result, _TABLE.c.ruleset).where(
                _TABLE.c.patient_id == patient_id, _TABLE.c.kind == "toxicity"
            )
        ).one_or_none()
        if row is not None and row.ruleset == ruleset and row.result is not None:
            events = [*row.result["events"], {**added, "recorded_grade": added["grade"]}]
            highest = dict(row.result["highest_grade"])
            if added["grade"] is not None:
                highest[added["kind"]] = max(added["grade"], highest.get(added["kind"], added["grade"]))
            session.execute(
                update(_TABLE)
                .where(_TABLE.c.id == row.id)
                .values(result={"events": events, "highest_grade": highest}, computed_at=utcnow().isoformat())
            )
            return
    version = session.scalar(select(Patient.version).where(Patient.id == patient_id))
    if version is None:
        return
    derived = derive_toxicity(toxicity_events(session, [patient_id])[patient_id])
    store(session, patient_id, version, [derived], ruleset)


def refresh_all(session: Session, patient_id: int) -> None:
    """Store every result of the patient (a new patient's: no timepoint yet, no toxicity event)."""
    refresh_case(session, patient_id)
    refresh_toxicity(session, patient_id)


def stored_responses(session: Session, patient_id: int) -> dict[str, tuple[dict[str, Any] | None, tuple[str, ...]]]:
    """Every fresh stored response of the patient (current case version and rule set): criteria -> (result or
    None, problems). A criteria whose row is missing or stale is absent: the caller assesses it."""
    version = session.scalar(select(Patient.version).where(Patient.id == patient_id))
    out: dict[str, tuple[dict[str, Any] | None, tuple[str, ...]]] = {}
    for row in session.execute(
        select(_TABLE.c.criteria, _TABLE.c.result, _TABLE.c.problems, _TABLE.c.case_version, _TABLE.c.ruleset).where(
            _TABLE.c.patient_id == patient_id, _TABLE.c.kind == "response"
        )
    ):
        if row.ruleset == ruleset_version() and row.case_version == version:
            out[row.criteria] = (row.result, tuple(row.problems or ()))
    return out


def patient_responses(
    db: Database, actor: Actor, patient_id: int
) -> dict[str, tuple[dict[str, Any] | None, tuple[str, ...]]]:
    """:func:`stored_responses` as a read verb (the patient page's)."""
    require(actor, "viewer")
    with read_session(db) as session:
        return stored_responses(session, patient_id)


def stored_response(session: Session, patient_id: int, criteria: str) -> dict[str, Any] | None:
    """The stored assessment under ``criteria`` when it is fresh (current case version and rule set), else None."""
    row = session.execute(
        select(DerivedResult.result, DerivedResult.problems, DerivedResult.case_version, DerivedResult.ruleset).where(
            DerivedResult.patient_id == patient_id,
            DerivedResult.kind == "response",
            DerivedResult.criteria == criteria,
        )
    ).one_or_none()
    if row is None or row.ruleset != ruleset_version() or row.result is None:
        return None
    version = session.scalar(select(Patient.version).where(Patient.id == patient_id))
    if version != row.case_version:
        return None
    result: dict[str, Any] = row.result
    return result
