"""What the pages show, assembled from the services (never from SQL or a rule of their own).

Each function takes the database and the signed-in actor, calls the same service verbs as the API routes, and
returns plain dicts for the templates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ioguide import labels
from ioguide.case import facts
from ioguide.plots.cohort_data import PROGRESSION
from ioguide.records.db import Database
from ioguide.services import audit, cases, cohort_query, patients, plans, procedures, results, toxicity
from ioguide.services.context import Actor, may

#: Every criterion a page offers, in the label table's order (``ioguide.labels.CRITERIA`` names them).
CRITERIA: tuple[str, ...] = tuple(labels.CRITERIA)


def permissions(actor: Actor) -> dict[str, bool]:
    """What the signed-in role may do on the pages (spec/api.md, "Users and roles"); the services check again."""
    return {
        "record": may(actor.role, "coordinator"),
        "edit_case": may(actor.role, "radiologist"),
        "admin": may(actor.role, "admin"),
    }


@dataclass(frozen=True)
class Assessed:
    """One criterion's output for a case, or the problems that stop it (a case may not fit every criterion)."""

    criteria: str
    result: dict[str, Any] | None
    problems: tuple[str, ...] = ()

    @property
    def current(self) -> dict[str, Any] | None:
        """The latest follow-up timepoint that has a response."""
        return None if self.result is None else dict(results.current_row(self.result) or {}) or None


def assess(case: dict[str, Any], criteria: str) -> Assessed:
    result, problems = results.assess_under(case, criteria)
    return Assessed(criteria, result, problems)


def _cell(case: Mapping[str, Any], lesion: Mapping[str, Any], timepoint: Mapping[str, Any]) -> str:
    if lesion["role"] == "target":
        value = timepoint.get("diameters_mm", {}).get(lesion["id"])
        if value is None or value == "not_evaluated":
            return "NE"
        if value == "too_small":
            return "too small"
        return f"{value:g}"
    status = timepoint.get("non_target", {}).get(lesion["id"])
    return {None: "NE", "not_evaluated": "NE", "unequivocal_progression": "unequivocal PD"}.get(status, str(status))


def _new_cell(seen: Mapping[str, Any] | None, first: str, date: str) -> str:
    """A new lesion at one scan: its diameter or "not measurable" where listed (spec/response.md: a new lesion is
    listed each time it is seen), "not yet seen" before its first sighting, "not listed" after it."""
    if seen is None:
        return "not yet seen" if date < first else "not listed"
    text = "not measurable" if seen.get("diameter_mm") is None else f"{seen['diameter_mm']:g}"
    flags = [name for name in ("equivocal", "increased") if seen.get(name)]
    return text + (f" ({', '.join(flags)})" if flags else "")


def lesion_table(case: Mapping[str, Any], procs: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Rows = declared lesions (targets first), columns = timepoints; new lesions listed apart by first sighting.
    A lesion ablated or embolized is flagged from that date (:func:`ioguide.case.facts.treated_locally_by`)."""
    timepoints = case["timepoints"]
    treatments = facts.local_treatments(procs)
    lesions = sorted(case["lesions"], key=lambda lesion: lesion["role"] != "target")
    rows = []
    for lesion in lesions:
        treated = [facts.treated_locally_by(treatments, lesion["id"], _date(tp["date"])) for tp in timepoints]
        rows.append(
            {
                "lesion": lesion,
                "injected": lesion.get("injected", False),
                "treated": facts.treated_locally_by(treatments, lesion["id"], dt.date.max),
                "cells": [_cell(case, lesion, tp) for tp in timepoints],
                "treated_at": [t is not None for t in treated],
            }
        )
    new: dict[str, dict[str, Any]] = {}
    for tp in timepoints:
        for item in tp.get("new_lesions", []):
            entry = new.setdefault(item["id"], {"id": item["id"], "organ": item["organ"], "first": tp["date"]})
            entry.setdefault("seen", {})[tp["date"]] = item
    new_rows = [
        {**entry, "cells": [_new_cell(entry["seen"].get(tp["date"]), entry["first"], tp["date"]) for tp in timepoints]}
        for entry in new.values()
    ]
    return {"dates": [tp["date"] for tp in timepoints], "rows": rows, "new": new_rows}


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def locally_treated(case: Mapping[str, Any], procs: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """For each timepoint date, why each declared lesion treated locally by then is flagged (the fact and the
    rule, :attr:`ioguide.case.facts.LocalTreatment.reason`); dates with none are left out."""
    treatments = facts.local_treatments(procs)
    out: dict[str, list[str]] = {}
    for tp in case["timepoints"]:
        for lesion in case["lesions"]:
            found = facts.treated_locally_by(treatments, lesion["id"], _date(tp["date"]))
            if found is not None:
                out.setdefault(str(tp["date"]), []).append(found.reason)
    return out


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def audit_changes(before: Any, after: Any, limit: int = 12) -> list[dict[str, Any]]:
    """The fields an audit row changed: path, old value, new value (at most ``limit``, then a count)."""
    old, new = _flatten(before or {}), _flatten(after or {})
    changed = [
        {"field": key, "before": old.get(key), "after": new.get(key)}
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key) and key not in ("version", "patient_version")
    ]
    if len(changed) > limit:
        rest = len(changed) - limit
        changed = [*changed[:limit], {"field": f"... and {rest} more field(s)", "before": None, "after": None}]
    return changed


def toxicity_timeline(
    events: list[dict[str, Any]], procs: list[dict[str, Any]], baseline: str | None
) -> list[dict[str, Any]]:
    """One row per day with an event: CRS, ICANS, CTCAE terms and procedure complications (CIRSE), by grade."""
    days: dict[str, dict[str, Any]] = {}
    start = dt.date.fromisoformat(baseline) if baseline else None
    for event in events:
        row = days.setdefault(event["date"], {"date": event["date"], "items": []})
        name = event["result"].get("name") if event["kind"] == "ctcae" else None
        row["items"].append(
            {
                "kind": event["kind"],
                "label": labels.label(event["kind"]) + (f": {name}" if name else ""),
                "grade": event["grade"],
                "grade_range": event["result"].get("grade_range"),
                "reasons": event["result"].get("reasons", []),
                "text": event["result"].get("grade_text"),
                "event_id": event["id"],
            }
        )
    for proc in procs:
        if proc.get("complication_grade") is not None:
            row = days.setdefault(proc["date"], {"date": proc["date"], "items": []})
            row["items"].append(
                {
                    "kind": "cirse",
                    "label": f"CIRSE: complication of {proc['kind']}",
                    "grade": proc["complication_grade"],
                    "grade_range": None,
                    "reasons": [proc["notes"]] if proc.get("notes") else [],
                }
            )
    out = sorted(days.values(), key=lambda r: r["date"])
    infusions = sorted(dt.date.fromisoformat(p["date"]) for p in procs if p["kind"] == "infusion")
    for row in out:
        when = dt.date.fromisoformat(row["date"])
        row["day"] = None if start is None else (when - start).days
        before = [d for d in infusions if d <= when]
        row["after_infusion"] = (when - before[-1]).days if before else None
    return out


def patient_page(db: Database, actor: Actor, patient_id: int) -> dict[str, Any]:
    """Everything the patient page shows."""
    patient = patients.get_patient(db, actor, patient_id)
    case, version = cases.get_case(db, actor, patient_id)
    own = case.get("criteria") or "recist1.1"
    stored = results.patient_responses(db, actor, patient_id)
    assessed = [Assessed(c, *stored[c]) if c in stored else assess(case, c) for c in CRITERIA]
    assessed.sort(key=lambda a: a.criteria != own)
    procs = procedures.list_procedures(db, actor, patient_id)
    events = toxicity.list_toxicity(db, actor, patient_id)
    trail = audit.list_audit(db, actor, patient_id, 1000, 0)["items"]
    baseline = case["timepoints"][0]["date"] if case["timepoints"] else None
    return {
        "patient": patient,
        "case": case,
        "case_version": version,
        "own_criteria": own,
        "assessed": [a for a in assessed if a.result is not None or a.criteria == own],
        "not_applicable": [a for a in assessed if a.result is None and a.criteria != own],
        "table": lesion_table(case, procs),
        "treated": locally_treated(case, procs),
        "local_rule": facts.LOCAL_TREATMENT_RULE,
        "procedures": procs,
        "toxicity": toxicity_timeline(events, procs, baseline),
        "agent_names": plans.agents(),
        "audit": [{**row, "changes": audit_changes(row.get("before"), row.get("after"))} for row in reversed(trail)],
    }


#: Patients per cohort page (the page says how many matched and links to the others).
COHORT_PAGE = 50


def cohort(
    db: Database,
    actor: Actor,
    criteria: str,
    program: str | None = None,
    response: str | None = None,
    injected: str | None = None,
    search: str | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """One page of the cohort's patients with their stored current and best response under ``criteria``,
    filtered, counted and paged in the database (:mod:`ioguide.services.cohort_query`)."""
    query = cohort_query_for(criteria, program, response, injected, search, page)
    listed = cohort_query.query_patients(db, actor, query, with_result=True)
    rows = [_cohort_row(item, criteria) for item in listed["items"]]
    pages = max(1, -(-listed["total"] // COHORT_PAGE))
    return {
        "rows": rows,
        "programs": cohort_query.program_names(db, actor),
        "total": listed["total"],
        "first": listed["offset"] + 1 if rows else 0,
        "last": listed["offset"] + len(rows),
        "page": page,
        "pages": pages,
    }


def _cohort_row(item: Mapping[str, Any], criteria: str) -> dict[str, Any]:
    """One cohort row: the patient with its stored current and best response under ``criteria``."""
    stored = item["response"]
    if stored is None:
        chosen = Assessed(criteria, None, ("no stored result yet: run `ioguide reassess`",))
    else:
        chosen = Assessed(criteria, stored["result"], tuple(stored["problems"]))
    current = chosen.current
    return {
        "patient": item,
        "assessed": chosen,
        "stale": bool(stored and stored["stale"]),
        "current": current,
        "current_code": stored["current"] if stored else None,
        "progressing": bool(current and current["response"] in PROGRESSION),
        "injected": item["injected"],
        "last_scan": stored["last_scan"] if stored else None,
    }


#: The cohort CSV's columns (``cohort_csv``), codes as stored with their on-screen labels beside them.
COHORT_CSV_COLUMNS = (
    "study_id", "program", "criteria", "current_response", "current_response_label", "current_response_date",
    "change_from_baseline_pct", "best_overall_response", "best_overall_response_label", "confirmed",
    "injected_lesions", "last_scan", "stale", "not_evaluable_because",
)  # fmt: skip


def cohort_csv(
    db: Database, actor: Actor, criteria: str, program: str | None, response: str | None, injected: str | None,
    search: str | None,
) -> str:  # fmt: skip
    """Every patient matching the cohort page's filters (all pages, in the page's order) as CSV, one row each;
    text cells that a spreadsheet would read as a formula are quoted (``interop.files.csv_text``)."""
    import csv
    import io

    from ioguide.interop.files import csv_text

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COHORT_CSV_COLUMNS)
    query = replace(cohort_query_for(criteria, program, response, injected, search), limit=cohort_query.MAX_PAGE)
    while True:
        listed = cohort_query.query_patients(db, actor, query, with_result=True)
        for item in listed["items"]:
            row = _cohort_row(item, criteria)
            current = row["current"] or {}
            result = row["assessed"].result or {}
            best = result.get("best_overall_response") or {}
            change = current.get("change_from_baseline_pct")
            confirmed = best.get("confirmed")
            writer.writerow([
                csv_text(item["study_id"]), csv_text(item["program"]), criteria, current.get("response") or "",
                labels.label(current.get("response")) if current else "", current.get("date") or "",
                "" if change is None else f"{change:g}", best.get("response") or "",
                labels.label(best.get("response")) if best else "", "" if confirmed is None else str(confirmed).lower(),
                "yes" if row["injected"] else "no", row["last_scan"] or "", "yes" if row["stale"] else "no",
                csv_text("; ".join(row["assessed"].problems)),
            ])  # fmt: skip
        if not listed["items"] or query.offset + len(listed["items"]) >= listed["total"]:
            return out.getvalue()
        query = replace(query, offset=query.offset + len(listed["items"]))


def cohort_query_for(
    criteria: str,
    program: str | None,
    response: str | None,
    injected: str | None,
    search: str | None = None,
    page: int = 1,
) -> cohort_query.PatientQuery:
    """The page's filters as a query of the cohort service (``injected`` ``yes`` / ``no``; pages from 1)."""
    return cohort_query.PatientQuery(
        program=program,
        criteria=criteria,
        response=response,
        injected=None if not injected else injected == "yes",
        search=search,
        limit=COHORT_PAGE,
        offset=(page - 1) * COHORT_PAGE,
    )
