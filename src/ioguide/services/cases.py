"""Verbs on a patient's case: replace it whole, add a lesion, add or replace a timepoint, read it, assess it.

Every write validates the resulting case with the response engine (the CLI's rules and messages), so the store
never holds a case that ``ioguide assess`` would reject, and bumps the patient's ``version`` so that a client
holding an older copy of the case gets 412 instead of overwriting a change it has not seen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ioguide.errors import InputError, Problem
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import Lesion, Patient, ProcedureLesion, Timepoint
from ioguide.services import engine, results
from ioguide.services.access_log import log_read
from ioguide.services.casedoc import (
    CaseDoc,
    LesionDoc,
    TimepointDoc,
    apply_lesion,
    fill_timepoint,
    lesion_doc,
    read_case,
    rebase,
    timepoint_doc,
)
from ioguide.services.common import check_version, load_patient, record
from ioguide.services.context import Actor, require
from ioguide.services.errors import ConflictError, NotFoundError
from ioguide.services.plausible import check_case, check_timepoint, split_confirm
from ioguide.services.reasons import require_reason
from ioguide.validation import parse_model


def _case(session: Session, patient_id: int) -> tuple[dict[str, Any], int]:
    found = read_case(session, patient_id)
    if found is None:
        raise NotFoundError(f"no patient with id {patient_id}", "id")
    return found


def get_case(db: Database, actor: Actor, patient_id: int) -> tuple[dict[str, Any], int]:
    """The stored case in the ``ioguide assess`` input format, and the patient's version."""
    require(actor, "viewer")
    with read_session(db) as session:
        found = _case(session, patient_id)
    log_read(db, actor, patient_id, "case.read")
    return found


def assess_patient(db: Database, actor: Actor, patient_id: int, criteria: str | None) -> dict[str, Any]:
    """The ``ioguide assess`` output for the stored case (``spec/response.md``): the stored result when it is
    fresh (:mod:`ioguide.services.results`), else assessed now (a case stored before results were, or rules
    changed and ``ioguide reassess`` has not run yet)."""
    require(actor, "viewer")
    with read_session(db) as session:
        case, _ = _case(session, patient_id)
        chosen = criteria or case.get("criteria")
        stored = None if chosen is None else results.stored_response(session, patient_id, chosen)
    return stored if stored is not None else engine.assess(case, criteria)


def validate_case_within(case: dict[str, Any], prefix: str | None) -> None:
    try:
        engine.validate_case(case)
    except InputError as err:
        raise (rebase(err, prefix) if prefix else err) from None


def _unique_problems(doc: CaseDoc) -> list[Problem]:
    problems: list[Problem] = []
    labels: set[str] = set()
    for i, lesion in enumerate(doc.lesions):
        if lesion.id in labels:
            problems.append(Problem(f"lesions[{i}].id", f"{lesion.id!r} is declared twice (ids are unique)"))
        labels.add(lesion.id)
    dates: set[dt.date] = set()
    for i, tp in enumerate(doc.timepoints):
        if tp.date in dates:
            problems.append(Problem(f"timepoints[{i}].date", f"{tp.date} is listed twice"))
        dates.add(tp.date)
    return problems


def _replace_timepoint_content(session: Session, timepoint: Timepoint, doc: TimepointDoc, path: str) -> None:
    lesions = {lesion.label: lesion for lesion in timepoint.patient.lesions}
    timepoint.measurements.clear()
    timepoint.new_lesions.clear()
    session.flush()  # delete the old rows first: the new ones reuse their unique keys
    fill_timepoint(timepoint, doc, lesions, path)


def put_case(db: Database, actor: Actor, patient_id: int, raw: Any, expected_version: int) -> dict[str, Any]:
    """Replace the patient's lesions and timepoints (and criteria, settings) by a case document; a replacement
    of recorded lesions or scans is a correction (a reason is needed), and implausible values are refused unless
    the document's ``confirm`` list accepts them (``services/plausible.py``)."""
    require(actor, "radiologist")
    raw, confirm = split_confirm(raw)
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        check_version(patient.version, expected_version, f"patient {patient_id}")
        engine.validate_case(raw)
        doc = parse_model(CaseDoc, raw)
        problems = _unique_problems(doc)
        if problems:
            raise InputError(problems)
        before, _ = _case(session, patient.id)
        check_case(actor, patient, before["timepoints"], raw.get("timepoints", []), confirm)
        existing = {lesion.label: lesion for lesion in patient.lesions}
        removed = [lesion.id for label, lesion in existing.items() if label not in {d.id for d in doc.lesions}]
        if removed and session.scalar(select(ProcedureLesion.id).where(ProcedureLesion.lesion_id.in_(removed))):
            raise ConflictError("the case drops a lesion that a recorded procedure treated", "lesions")
        lesions: list[Lesion] = []
        for position, lesion_in in enumerate(doc.lesions):
            lesion = existing.get(lesion_in.id) or Lesion(version=0)
            if lesion.version == 0 or lesion_doc(lesion) != lesion_in.model_dump(mode="json", exclude_none=True):
                lesion.version += 1
            apply_lesion(lesion, lesion_in)
            lesion.position = position
            lesions.append(lesion)
        for tp in patient.timepoints:
            tp.measurements.clear()
            tp.new_lesions.clear()
        session.flush()
        by_date = {tp.date: tp for tp in patient.timepoints}
        patient.lesions = lesions
        session.flush()
        timepoints: list[Timepoint] = []
        for i, tp_in in enumerate(sorted(doc.timepoints, key=lambda t: t.date)):
            timepoint = by_date.get(tp_in.date)
            if timepoint is None:
                timepoint = Timepoint(patient=patient, date=tp_in.date, version=1)
            else:
                timepoint.version += 1
            fill_timepoint(timepoint, tp_in, {lesion.label: lesion for lesion in lesions}, f"timepoints[{i}]")
            timepoints.append(timepoint)
        patient.timepoints = timepoints
        patient.criteria = doc.criteria
        patient.settings = doc.settings
        patient.treatment_start = doc.treatment_start
        patient.version += 1
        session.flush()
        after, _ = _case(session, patient.id)
        require_reason(actor, before, after)
        record(session, actor, "case.replace", "patient", patient.id, patient.id, before, after)
        results.refresh_case(session, patient.id)
        return {"case": after, "version": patient.version}


def add_lesion(db: Database, actor: Actor, patient_id: int, raw: Any) -> dict[str, Any]:
    """Declare one more lesion (``spec/response.md`` lesion object); a duplicate id is a conflict (409)."""
    require(actor, "radiologist")
    doc = parse_model(LesionDoc, raw)
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        if any(lesion.label == doc.id for lesion in patient.lesions):
            raise ConflictError(f"patient {patient_id} has a lesion {doc.id!r} already", "id")
        case, _ = _case(session, patient.id)
        if case["timepoints"]:
            case["lesions"].append(raw)
            validate_case_within(case, f"lesions[{len(case['lesions']) - 1}]")
        lesion = Lesion(position=len(patient.lesions), version=1)
        apply_lesion(lesion, doc)
        patient.lesions.append(lesion)
        patient.version += 1
        session.flush()
        after = lesion_doc(lesion)
        record(session, actor, "lesion.create", "lesion", lesion.id, patient.id, None, after)
        results.refresh_case(session, patient.id)
        return {**after, "version": lesion.version, "patient_version": patient.version}


def _find_timepoint(patient: Patient, date: dt.date) -> Timepoint:
    for tp in patient.timepoints:
        if tp.date == date:
            return tp
    raise NotFoundError(f"patient {patient.id} has no timepoint on {date}", "date")


def _timepoint_out(timepoint: Timepoint, patient: Patient) -> dict[str, Any]:
    return {**timepoint_doc(timepoint), "version": timepoint.version, "patient_version": patient.version}


def get_timepoint(db: Database, actor: Actor, patient_id: int, date: dt.date) -> dict[str, Any]:
    require(actor, "viewer")
    with read_session(db) as session:
        patient = load_patient(session, patient_id)
        return _timepoint_out(_find_timepoint(patient, date), patient)


def case_with_timepoint(
    session: Session, patient: Patient, raw: Any, date: dt.date, replace: bool
) -> tuple[dict[str, Any], int]:
    """The stored case with ``raw`` put in its date order; returns the case and the timepoint's index."""
    case, _ = _case(session, patient.id)
    dates = [dt.date.fromisoformat(tp["date"]) for tp in case["timepoints"]]
    index = sum(1 for d in dates if d < date)
    if replace:
        case["timepoints"][index] = raw
    else:
        case["timepoints"].insert(index, raw)
    return case, index


def _raw_date(raw: Any) -> dt.date:
    """The timepoint's date, read before anything else so the whole case can be validated with it in place."""
    try:
        return dt.date.fromisoformat(raw["date"])
    except (TypeError, KeyError, ValueError):
        return parse_model(TimepointDoc, raw).date  # raises the date's (and any other) problem


def add_timepoint(db: Database, actor: Actor, patient_id: int, raw: Any) -> dict[str, Any]:
    """Record one imaging timepoint; a second one on the same date is a conflict (409); implausible values are
    refused unless ``confirm`` accepts them (``services/plausible.py``)."""
    require(actor, "radiologist")
    raw, confirm = split_confirm(raw)
    date = _raw_date(raw)
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        if any(tp.date == date for tp in patient.timepoints):
            raise ConflictError(f"patient {patient_id} has a timepoint on {date} already", "date")
        case, index = case_with_timepoint(session, patient, raw, date, replace=False)
        validate_case_within(case, f"timepoints[{index}]")
        doc = parse_model(TimepointDoc, raw)
        check_timepoint(actor, patient, case["timepoints"], raw, confirm)
        lesions = {lesion.label: lesion for lesion in patient.lesions}
        timepoint = Timepoint(patient=patient, date=doc.date, reason=doc.reason, version=1)
        session.add(timepoint)
        fill_timepoint(timepoint, doc, lesions)
        patient.version += 1
        session.flush()
        after = timepoint_doc(timepoint)
        record(session, actor, "timepoint.create", "timepoint", timepoint.id, patient.id, None, after)
        results.refresh_case(session, patient.id)
        return _timepoint_out(timepoint, patient)


def replace_timepoint(
    db: Database, actor: Actor, patient_id: int, date: dt.date, raw: Any, expected_version: int
) -> dict[str, Any]:
    """Replace one timepoint (``If-Match`` names its version; a stale one gets 412 and changes nothing); a
    correction needs a reason, and implausible values are refused unless ``confirm`` accepts them."""
    require(actor, "radiologist")
    raw, confirm = split_confirm(raw)
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        timepoint = _find_timepoint(patient, date)
        check_version(timepoint.version, expected_version, f"timepoint {date}")
        if _raw_date(raw) != date:
            raise InputError.one("date", f"{raw['date']} differs from the date in the path ({date})")
        case, index = case_with_timepoint(session, patient, raw, date, replace=True)
        validate_case_within(case, f"timepoints[{index}]")
        doc = parse_model(TimepointDoc, raw)
        check_timepoint(actor, patient, case["timepoints"], raw, confirm)
        before = timepoint_doc(timepoint)
        _replace_timepoint_content(session, timepoint, doc, "")
        timepoint.version += 1
        patient.version += 1
        session.flush()
        after = timepoint_doc(timepoint)
        require_reason(actor, before, after)
        record(session, actor, "timepoint.replace", "timepoint", timepoint.id, patient.id, before, after)
        results.refresh_case(session, patient.id)
        return _timepoint_out(timepoint, patient)
