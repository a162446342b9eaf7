"""What the pages show, assembled from the services (never from SQL or a rule of their own).

Each function takes the database and the signed-in actor, calls the same service verbs as the API routes, and
returns plain dicts for the templates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ioguide.plots.cohort_data import PROGRESSION, Subset, change_series, plain_code, swimmer_lane
from ioguide.records.db import Database
from ioguide.services import audit, cases, patients, procedures, results, toxicity
from ioguide.services.context import Actor, may
from ioguide.web import plans

CRITERIA: tuple[str, ...] = ("recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma")
CRITERIA_NAMES: dict[str, str] = {
    "recist1.1": "RECIST 1.1",
    "irecist": "iRECIST",
    "itrecist": "itRECIST",
    "mrecist": "mRECIST",
    "mesothelioma": "mRECIST 1.1 mesothelioma",
}
RESPONSE_FILTERS: tuple[str, ...] = ("CR", "PR", "SD", "NON_CR_NON_PD", "PD", "iUPD", "iCPD", "NE")
TOXICITY_NAMES = {"crs": "CRS (ASTCT)", "icans": "ICANS (ASTCT)", "ctcae": "CTCAE", "cirse": "CIRSE"}


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


def lesion_table(case: Mapping[str, Any]) -> dict[str, Any]:
    """Rows = declared lesions (targets first), columns = timepoints; new lesions listed apart by first sighting."""
    timepoints = case["timepoints"]
    lesions = sorted(case["lesions"], key=lambda lesion: lesion["role"] != "target")
    rows = [
        {
            "lesion": lesion,
            "injected": lesion.get("injected", False),
            "cells": [_cell(case, lesion, tp) for tp in timepoints],
        }
        for lesion in lesions
    ]
    new: dict[str, dict[str, Any]] = {}
    for tp in timepoints:
        for item in tp.get("new_lesions", []):
            entry = new.setdefault(item["id"], {"id": item["id"], "organ": item["organ"], "first": tp["date"]})
            entry.setdefault("seen", {})[tp["date"]] = item
    new_rows = [
        {
            **entry,
            "cells": [
                "-"
                if tp["date"] not in entry["seen"]
                else (
                    "not measurable"
                    if entry["seen"][tp["date"]].get("diameter_mm") is None
                    else f"{entry['seen'][tp['date']]['diameter_mm']:g}"
                )
                + (" (equivocal)" if entry["seen"].get(tp["date"], {}).get("equivocal") else "")
                for tp in timepoints
            ],
        }
        for entry in new.values()
    ]
    return {"dates": [tp["date"] for tp in timepoints], "rows": rows, "new": new_rows}


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
                "label": TOXICITY_NAMES[event["kind"]] + (f": {name}" if name else ""),
                "grade": event["grade"],
                "grade_range": event["result"].get("grade_range"),
                "reasons": event["result"].get("reasons", []),
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
    assessed = [assess(case, c) for c in CRITERIA]
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
        "table": lesion_table(case),
        "procedures": procs,
        "toxicity": toxicity_timeline(events, procs, baseline),
        "agent_names": plans.agents(),
        "audit": [{**row, "changes": audit_changes(row.get("before"), row.get("after"))} for row in reversed(trail)],
    }


def _matches(row: dict[str, Any], program: str | None, response: str | None, injected: str | None) -> bool:
    if program and row["patient"]["program"] != program:
        return False
    if response and row["current_code"] != response:
        return False
    if injected == "yes" and not row["injected"]:
        return False
    return not (injected == "no" and row["injected"])


def cohort(
    db: Database,
    actor: Actor,
    criteria: str,
    program: str | None = None,
    response: str | None = None,
    injected: str | None = None,
    with_events: bool = False,
) -> dict[str, Any]:
    """The patients of the cohort with their current and best response under ``criteria``, filtered."""
    listed = patients.list_patients(db, actor, 500, 0)
    rows: list[dict[str, Any]] = []
    programs = sorted({p["program"] for p in listed["items"]})
    for patient in listed["items"]:
        case, _ = cases.get_case(db, actor, patient["id"])
        chosen = assess(case, criteria)
        split = chosen if criteria == "itrecist" else assess(case, "itrecist")
        current = chosen.current
        row = {
            "patient": patient,
            "own_criteria": case.get("criteria"),
            "assessed": chosen,
            "split": split,
            "current": current,
            "current_code": plain_code(current["response"]) if current else None,
            "progressing": bool(current and current["response"] in PROGRESSION),
            "injected": any(lesion.get("injected") for lesion in case["lesions"]),
            "last_scan": case["timepoints"][-1]["date"] if case["timepoints"] else None,
        }
        if _matches(row, program, response, injected):
            if with_events:
                row["procedures"] = procedures.list_procedures(db, actor, patient["id"])
                row["toxicity"] = toxicity.list_toxicity(db, actor, patient["id"])
            rows.append(row)
    return {"rows": rows, "programs": programs, "total": listed["total"]}


def plot_inputs(rows: list[dict[str, Any]], subset: Subset, kind: str) -> list[Any]:
    """The series (waterfall, spider) or lanes (swimmer) of ``subset`` for the cohort rows."""
    out: list[Any] = []
    for row in rows:
        assessed: Assessed = row["assessed"] if subset == "overall" else row["split"]
        if assessed.result is None:
            continue
        label = row["patient"]["study_id"]
        if kind == "swimmer":
            item: Any = swimmer_lane(label, assessed.result, subset, row["procedures"], row["toxicity"])
        else:
            item = change_series(label, assessed.result, subset)
        if item is not None:
            out.append(item)
    return out
