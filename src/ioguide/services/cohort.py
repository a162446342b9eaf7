"""Use case: the cohort (every patient with their current and best response under a criterion, filtered), each
patient's assessment under the criteria that fit the case, and the plot inputs of the cohort.

The responses are the response engine's (``services/engine.py``, ``spec/response.md``); whether a patient has
injected disease is the case's one rule (:func:`ioguide.case.facts.any_injected`); the plot series are
``ioguide.plots.cohort_data``'s. The pages only render what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ioguide.case.document import case_of
from ioguide.case.facts import any_injected
from ioguide.criteria.values import CRITERIA
from ioguide.errors import InputError
from ioguide.plots.cohort_data import PROGRESSION, Subset, change_series, plain_code, swimmer_lane
from ioguide.records.db import Database
from ioguide.services import cases, cohort_query, engine, patients, procedures, toxicity
from ioguide.services.context import Actor

#: The response filter: the stored plain codes (iCR, iPR, iSD are filtered as CR, PR, SD and labelled so, see
#: ``labels.filter_label``), so every response the criteria can produce is reachable.
RESPONSE_FILTERS: tuple[str, ...] = tuple(code for code in cohort_query.RESPONSES if code != "none")
#: Patients read per cohort page (the patients service's largest page); a bigger cohort is said, not cut silently.
COHORT_LIMIT = 500


@dataclass(frozen=True)
class Assessed:
    """One criterion's output for a case, or the problems that stop it (a case may not fit every criterion)."""

    criteria: str
    result: dict[str, Any] | None
    problems: tuple[str, ...] = ()

    @property
    def current(self) -> dict[str, Any] | None:
        """The latest follow-up timepoint that has a response."""
        if self.result is None:
            return None
        rows = [row for row in self.result["timepoints"][1:] if row.get("response")]
        return rows[-1] if rows else None


def assess(case: dict[str, Any], criteria: str) -> Assessed:
    if criteria == "mesothelioma" and not any(lesion.get("pleural") for lesion in case["lesions"]):
        return Assessed(criteria, None, ("no pleural measurement site: the mesothelioma criteria do not apply",))
    if not case["timepoints"]:
        return Assessed(criteria, None, ("no imaging timepoint recorded yet",))
    try:
        return Assessed(criteria, engine.assess(case, criteria))
    except InputError as err:
        return Assessed(criteria, None, tuple(str(p) for p in err.problems))


def assess_all(case: dict[str, Any], own: str) -> list[Assessed]:
    """The case under every criterion, the case's own first."""
    assessed = [assess(case, c) for c in CRITERIA]
    assessed.sort(key=lambda a: a.criteria != own)
    return assessed


def injected_disease(case: dict[str, Any]) -> bool | None:
    """Whether any lesion is injected by the latest scan; None when the case has no scan (or cannot be read
    under its own criteria): not evaluable, said as such rather than guessed."""
    if not case["timepoints"]:
        return None
    try:
        return any_injected(case_of(case))
    except InputError:
        return None


def _matches(row: dict[str, Any], program: str | None, response: str | None, injected: str | None) -> bool:
    if program and row["patient"]["program"] != program:
        return False
    if response and row["current_code"] != response:
        return False
    if injected == "yes" and row["injected"] is not True:
        return False
    return not (injected == "no" and row["injected"] is not False)


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
    listed = patients.list_patients(db, actor, COHORT_LIMIT, 0)
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
            "injected": injected_disease(case),
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
