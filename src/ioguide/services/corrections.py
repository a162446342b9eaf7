"""Re-date or delete a recorded scan (timepoint) or procedure, with a reason kept in the audit trail.

A correction of source data is attributable and documented (21 CFR 11.10(e); ICH E6(R3) §4.2, ALCOA+): each verb
needs a reason, names the version read (``If-Match``; a stale one gets 412 and changes nothing), writes the audit
row with the values before (and after) in the same transaction, and stores the derived results again when the
case changed. Refused, with the reason said:

- deleting the baseline scan while follow-ups exist: every follow-up response is measured against it (RECIST 1.1,
  Eisenhauer et al. 2009, §4.1: the baseline sum is the reference); correct its date or values instead;
- re-dating a scan past its neighbours: the order of scans is the order of the assessment (baseline first, then
  each follow-up against the nadir before it), so a re-dated scan keeps its place;
- a date in the future, after death or withdrawal (``ioguide.case.plausibility``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ioguide.case.plausibility import date_findings
from ioguide.errors import InputError
from ioguide.records.db import Database, write_transaction
from ioguide.records.models import Procedure, Timepoint
from ioguide.services import results
from ioguide.services.casedoc import read_case, timepoint_doc
from ioguide.services.cases import validate_case_within
from ioguide.services.common import check_version, load_patient, record
from ioguide.services.context import Actor, require
from ioguide.services.errors import ConflictError, NotFoundError
from ioguide.services.plausible import bounds, refuse
from ioguide.services.procedures import procedure_dict
from ioguide.services.reasons import require_stated_reason


def _timepoint(timepoints: list[Timepoint], patient_id: int, date: dt.date) -> tuple[int, Timepoint]:
    for index, tp in enumerate(timepoints):
        if tp.date == date:
            return index, tp
    raise NotFoundError(f"patient {patient_id} has no timepoint on {date}", "date")


def redate_timepoint(
    db: Database, actor: Actor, patient_id: int, date: dt.date, new_date: dt.date, expected_version: int
) -> dict[str, Any]:
    """Move a scan to ``new_date`` (between the scans before and after it); the case is validated again."""
    require(actor, "radiologist")
    require_stated_reason(actor, "re-dating a scan")
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        timepoints = list(patient.timepoints)
        index, timepoint = _timepoint(timepoints, patient_id, date)
        check_version(timepoint.version, expected_version, f"timepoint {date}")
        if new_date == date:
            raise InputError.one("new_date", f"the scan is dated {date} already: nothing to change")
        earlier = timepoints[index - 1].date if index > 0 else None
        later = timepoints[index + 1].date if index + 1 < len(timepoints) else None
        if (earlier is not None and new_date <= earlier) or (later is not None and new_date >= later):
            around = " and ".join(f"{what} {d}" for what, d in (("after", earlier), ("before", later)) if d)
            raise InputError.one(
                "new_date",
                f"{new_date} would move the scan past another one: a re-dated scan keeps its place ({around}); "
                "the order of scans is the order of the assessment (baseline, then each follow-up)",
            )
        refuse(date_findings(new_date, "new_date", bounds(patient)))
        found = read_case(session, patient.id)
        assert found is not None
        case = found[0]
        case["timepoints"][index]["date"] = new_date.isoformat()
        validate_case_within(case, f"timepoints[{index}]")
        before = timepoint_doc(timepoint)
        timepoint.date = new_date
        timepoint.version += 1
        patient.version += 1
        session.flush()
        after = timepoint_doc(timepoint)
        record(session, actor, "timepoint.redate", "timepoint", timepoint.id, patient.id, before, after)
        results.refresh_case(session, patient.id)
        return {**after, "version": timepoint.version, "patient_version": patient.version}


def delete_timepoint(
    db: Database, actor: Actor, patient_id: int, date: dt.date, expected_version: int
) -> dict[str, Any]:
    """Delete a scan (its values are kept in the audit row); the baseline only when it is the only scan."""
    require(actor, "radiologist")
    require_stated_reason(actor, "deleting a scan")
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        timepoints = list(patient.timepoints)
        index, timepoint = _timepoint(timepoints, patient_id, date)
        check_version(timepoint.version, expected_version, f"timepoint {date}")
        if index == 0 and len(timepoints) > 1:
            raise ConflictError(
                f"{date} is the baseline scan and {len(timepoints) - 1} follow-up scan(s) are measured against it "
                "(RECIST 1.1 §4.1: the baseline sum is the reference): correct its date or values instead, or "
                "delete the follow-ups first",
                "date",
            )
        found = read_case(session, patient.id)
        assert found is not None
        case = found[0]
        del case["timepoints"][index]
        validate_case_within(case, "timepoints")
        before = timepoint_doc(timepoint)
        timepoint_id = timepoint.id
        patient.timepoints.remove(timepoint)
        patient.version += 1
        session.flush()
        record(session, actor, "timepoint.delete", "timepoint", timepoint_id, patient.id, before, None)
        results.refresh_case(session, patient.id)
        return {"deleted": date.isoformat(), "patient_version": patient.version}


def _procedure(session: Session, patient_id: int, procedure_id: int) -> Procedure:
    procedure = session.get(Procedure, procedure_id)
    if procedure is None or procedure.patient_id != patient_id:
        raise NotFoundError(f"patient {patient_id} has no procedure {procedure_id}", "procedure_id")
    return procedure


def redate_procedure(
    db: Database, actor: Actor, patient_id: int, procedure_id: int, new_date: dt.date, expected_version: int
) -> dict[str, Any]:
    """Move a procedure to ``new_date`` (plausible dates only)."""
    require(actor, "coordinator")
    require_stated_reason(actor, "re-dating a procedure")
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        procedure = _procedure(session, patient_id, procedure_id)
        check_version(procedure.version, expected_version, f"procedure {procedure_id}")
        if new_date == procedure.date:
            raise InputError.one("new_date", f"the procedure is dated {new_date} already: nothing to change")
        refuse(date_findings(new_date, "new_date", bounds(patient)))
        before = procedure_dict(procedure)
        procedure.date = new_date
        procedure.details = {**procedure.details, "date": new_date.isoformat()}
        procedure.version += 1
        session.flush()
        after = procedure_dict(procedure)
        record(session, actor, "procedure.redate", "procedure", procedure.id, patient.id, before, after)
        return after


def delete_procedure(
    db: Database, actor: Actor, patient_id: int, procedure_id: int, expected_version: int
) -> dict[str, Any]:
    """Delete a procedure (its record is kept in the audit row)."""
    require(actor, "coordinator")
    require_stated_reason(actor, "deleting a procedure")
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        procedure = _procedure(session, patient_id, procedure_id)
        check_version(procedure.version, expected_version, f"procedure {procedure_id}")
        before = procedure_dict(procedure)
        session.delete(procedure)
        session.flush()
        record(session, actor, "procedure.delete", "procedure", procedure_id, patient.id, before, None)
        return {"deleted": procedure_id}
