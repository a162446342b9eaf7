"""Use case "list the cohort": filter, sort, count and page patients in the database, with their stored response
(issue 16 part 4). Used by ``GET /api/v1/patients`` and the cohort page and its plots; nothing is capped: a page
says the total that matched, and :func:`plot_inputs` reads every matching patient, in batches.

Filters: program, the criteria whose stored response is read (default: each patient's own, RECIST 1.1 when the
case names none), the current response (plain code, ``none`` for patients without one), injected lesions or
not, and a case-insensitive search in the study pseudonym.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, select, true
from sqlalchemy.orm import Session, aliased

from ioguide.errors import InputError, Problem
from ioguide.plots.cohort_data import Subset, change_series, swimmer_lane
from ioguide.records.db import Database, read_session
from ioguide.records.models import (
    AuditEntry,
    DerivedResult,
    Lesion,
    Patient,
    Procedure,
    ProcedureLesion,
    Program,
    Timepoint,
)
from ioguide.services import results
from ioguide.services.context import Actor, require

Sort = Literal["study_id", "-study_id", "id", "-id", "response", "last_scan", "-last_scan"]
SORTS: tuple[str, ...] = ("study_id", "-study_id", "id", "-id", "response", "last_scan", "-last_scan")
#: Current-response codes one may filter on (plain codes: iCR counts as CR, ...), and ``none``: no response yet.
RESPONSES: tuple[str, ...] = ("CR", "PR", "SD", "NON_CR_NON_PD", "PD", "iUPD", "iCPD", "NE", "none")
#: The cohort page's response filter: every stored plain code (iCR, iPR, iSD are filtered as CR, PR, SD and
#: labelled so, see ``labels.filter_label``), so every response the criteria can produce is reachable.
RESPONSE_FILTERS: tuple[str, ...] = tuple(code for code in RESPONSES if code != "none")
#: Largest page one request may ask for; ``total`` always says how many matched, so nothing is dropped unseen.
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class PatientQuery:
    program: str | None = None
    criteria: str | None = None
    response: str | None = None
    injected: bool | None = None
    search: str | None = None
    sort: Sort = "study_id"
    limit: int = 50
    offset: int = 0

    def check(self) -> PatientQuery:
        """This query, or an :class:`InputError` naming each bad field."""
        problems = []
        if self.criteria is not None and self.criteria not in results.CRITERIA:
            problems.append(("criteria", f"{self.criteria!r} is not one of {', '.join(results.CRITERIA)}"))
        if self.response is not None and self.response not in RESPONSES:
            problems.append(("response", f"{self.response!r} is not one of {', '.join(RESPONSES)}"))
        if self.sort not in SORTS:
            problems.append(("sort", f"{self.sort!r} is not one of {', '.join(SORTS)}"))
        if not 1 <= self.limit <= MAX_PAGE:
            problems.append(("limit", f"{self.limit} is not between 1 and {MAX_PAGE} (page with offset)"))
        if self.offset < 0:
            problems.append(("offset", f"{self.offset} is negative"))
        if problems:
            raise InputError([Problem(field, message) for field, message in problems])
        return self


def _criteria_column(query: PatientQuery) -> ColumnElement[str]:
    if query.criteria is not None:
        return literal(query.criteria)
    return func.coalesce(Patient.criteria, results.DEFAULT_CRITERIA)


def _injected() -> ColumnElement[bool]:
    """The SQL form of the case's one rule, :func:`ioguide.case.facts.any_injected`: some lesion is injected by
    the latest scan (from baseline, or from its ``injected_from`` on). A test holds the two in agreement."""
    latest = select(func.max(Timepoint.date)).where(Timepoint.patient_id == Patient.id).scalar_subquery()
    injected_by_latest = Lesion.injected.is_(True) | and_(
        Lesion.injected_from.is_not(None), Lesion.injected_from <= latest
    )
    return exists(select(Lesion.id).where(Lesion.patient_id == Patient.id, injected_by_latest))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: PatientQuery, *columns: Any) -> Select[Any]:
    stmt = (
        select(*columns)
        .select_from(Patient)
        .join(Program, Program.id == Patient.program_id)
        .outerjoin(
            DerivedResult,
            and_(
                DerivedResult.patient_id == Patient.id,
                DerivedResult.kind == "response",
                DerivedResult.criteria == _criteria_column(query),
            ),
        )
    )
    conditions: list[ColumnElement[bool]] = []
    if query.program is not None:
        conditions.append(Program.name == query.program)
    if query.response == "none":
        conditions.append(DerivedResult.current_response.is_(None))
    elif query.response is not None:
        conditions.append(DerivedResult.current_response == query.response)
    if query.injected is True:
        conditions.append(_injected())
    elif query.injected is False:
        conditions.append(~_injected())
    if query.search:
        conditions.append(Patient.study_id.ilike(f"%{_escape_like(query.search)}%", escape="\\"))
    return stmt.where(and_(true(), *conditions))


def _ordered(stmt: Select[Any], sort: str) -> Select[Any]:
    column: Any = {
        "study_id": Patient.study_id,
        "id": Patient.id,
        "response": DerivedResult.current_response,
        "last_scan": DerivedResult.last_scan,
    }[sort.lstrip("-")]
    key = column.desc() if sort.startswith("-") else column.asc()
    nulls = column.is_(None)  # patients without the value come last either way, on every database
    return stmt.order_by(nulls, key, Patient.id)


def _columns(with_result: bool) -> list[Any]:
    columns: list[Any] = [
        Patient.id, Patient.study_id, Program.name.label("program"), Patient.birth_year, Patient.sex,
        Patient.version, Patient.criteria.label("own_criteria"), DerivedResult.criteria.label("criteria"),
        DerivedResult.current_response, DerivedResult.response_date, DerivedResult.best_response,
        DerivedResult.last_scan, DerivedResult.problems, DerivedResult.case_version, DerivedResult.ruleset,
        _injected().label("injected"),
    ]  # fmt: skip
    if with_result:
        columns.append(DerivedResult.result)
    return columns


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def row_dict(row: Any, ruleset: str, with_result: bool = False) -> dict[str, Any]:
    """A patient (``spec/api.md`` fields) with ``injected`` and its stored ``response`` (None when none is stored:
    a patient stored before results were, until ``ioguide reassess`` runs)."""
    out: dict[str, Any] = {
        "id": row.id,
        "study_id": row.study_id,
        "program": row.program,
        "birth_year": row.birth_year,
        "sex": row.sex,
        "version": row.version,
        "injected": bool(row.injected),
        "response": None,
    }
    if row.criteria is not None:
        out["response"] = {
            "criteria": row.criteria,
            "current": row.current_response,
            "current_date": _date(row.response_date),
            "best": row.best_response,
            "last_scan": _date(row.last_scan),
            "problems": list(row.problems or ()),
            "stale": row.ruleset != ruleset or row.case_version != row.version,
        }
        if with_result:
            out["response"]["result"] = row.result
    return out


def query_patients(db: Database, actor: Actor, query: PatientQuery, with_result: bool = False) -> dict[str, Any]:
    """One page of the matching patients, the total that matched, and the page's limit and offset."""
    require(actor, "viewer")
    query.check()
    ruleset = results.ruleset_version()
    with read_session(db) as session:
        total = session.scalar(_filtered(query, func.count(Patient.id))) or 0
        stmt = _ordered(_filtered(query, *_columns(with_result)), query.sort).limit(query.limit).offset(query.offset)
        items = [row_dict(row, ruleset, with_result) for row in session.execute(stmt)]
    return {"items": items, "total": total, "limit": query.limit, "offset": query.offset}


def plot_inputs(db: Database, actor: Actor, query: PatientQuery, subset: Subset, kind: str) -> list[Any]:
    """The waterfall or spider series, or the swimmer lanes, of every matching patient (no page, no cap), from the
    stored results: ``subset`` ``overall`` reads the query's criteria, the injected and non-injected subsets the
    itRECIST result (Goldmacher et al., J Clin Oncol 2020;38:2667-76). Read in one transaction: the ids first,
    then one query per table per batch of :data:`MAX_PAGE` patients."""
    require(actor, "viewer")
    query.check()
    split = aliased(DerivedResult)
    out: list[Any] = []
    with read_session(db) as session:
        order = _ordered(_filtered(query, Patient.id, Patient.study_id), query.sort)
        listed = session.execute(order).all()
        for start in range(0, len(listed), MAX_PAGE):
            part = listed[start : start + MAX_PAGE]
            ids = [row.id for row in part]
            wanted = query.criteria if subset == "overall" else "itrecist"
            stored: dict[int, Any] = {}
            if subset == "overall" and query.criteria is None:
                criteria_of = func.coalesce(Patient.criteria, results.DEFAULT_CRITERIA)
                stmt = select(split.patient_id, split.summary).join(Patient, Patient.id == split.patient_id)
                stmt = stmt.where(split.criteria == criteria_of)
            else:
                stmt = select(split.patient_id, split.summary).where(split.criteria == wanted)
            for found in session.execute(stmt.where(split.patient_id.in_(ids), split.kind == "response")):
                stored[found.patient_id] = found.summary
            procedures, toxicity = swimmer_events(session, ids) if kind == "swimmer" else ({}, {})
            for row in part:
                result = stored.get(row.id)
                if result is None:
                    continue
                item: Any
                if kind == "swimmer":
                    item = swimmer_lane(row.study_id, result, subset, procedures[row.id], toxicity[row.id])
                else:
                    item = change_series(row.study_id, result, subset)
                if item is not None:
                    out.append(item)
    return out


def program_names(db: Database, actor: Actor) -> list[str]:
    require(actor, "viewer")
    with read_session(db) as session:
        return list(session.scalars(select(Program.name).order_by(Program.name)))


def data_version(db: Database, actor: Actor) -> int:
    """A number that every write changes: the newest audit row's id (every write appends one, in its own
    transaction; ``ioguide reassess`` appends one per batch)."""
    require(actor, "viewer")
    with read_session(db) as session:
        return int(session.scalar(select(func.max(AuditEntry.id))) or 0)


def swimmer_events(
    session: Session, patient_ids: list[int]
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """The injections (with lesion labels) and stored toxicity grades of the patients, in three queries, shaped as
    :func:`ioguide.plots.cohort_data.swimmer_lane` reads them."""
    procedures: dict[int, list[dict[str, Any]]] = {pid: [] for pid in patient_ids}
    by_id: dict[int, dict[str, Any]] = {}
    for proc in session.execute(
        select(Procedure.id, Procedure.patient_id, Procedure.kind, Procedure.date)
        .where(Procedure.patient_id.in_(patient_ids))
        .order_by(Procedure.patient_id, Procedure.date, Procedure.id)
    ):
        item = {"kind": proc.kind, "date": proc.date.isoformat(), "lesions": []}
        by_id[proc.id] = item
        procedures[proc.patient_id].append(item)
    for link in session.execute(
        select(ProcedureLesion.procedure_id, Lesion.label)
        .join(Lesion, Lesion.id == ProcedureLesion.lesion_id)
        .where(Lesion.patient_id.in_(patient_ids))
        .order_by(ProcedureLesion.procedure_id, ProcedureLesion.position)
    ):
        by_id[link.procedure_id]["lesions"].append({"lesion_id": link.label})
    toxicity: dict[int, list[dict[str, Any]]] = {pid: [] for pid in patient_ids}
    for row in session.execute(
        select(DerivedResult.patient_id, DerivedResult.result).where(
            DerivedResult.patient_id.in_(patient_ids),
            DerivedResult.kind == "toxicity",
        )
    ):
        toxicity[row.patient_id] = [
            {"date": e["date"], "grade": e["grade"]} for e in (row.result or {}).get("events", [])
        ]
    return procedures, toxicity
