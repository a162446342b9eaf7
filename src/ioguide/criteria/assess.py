"""Assess one patient's case under a criterion: the single entry point behind ``ioguide assess`` and the API's
``GET /api/v1/patients/{id}/response`` (``spec/response.md``)."""

from __future__ import annotations

from typing import Any

from ioguide.criteria.bor import best_overall_response
from ioguide.criteria.case_input import parse_case
from ioguide.criteria.confirmation import IRECIST_CODES, RECIST_CODES
from ioguide.criteria.irecist import IrecistSequence
from ioguide.criteria.itrecist import overall, subset
from ioguide.criteria.recist11 import RecistSequence
from ioguide.criteria.report import assessment_to_dict
from ioguide.criteria.results import Assessment, TimepointResult, with_note
from ioguide.criteria.rules import rules_for
from ioguide.criteria.values import Case

MRECIST_NOTE = "mRECIST (Lencioni & Llovet 2010): diameters are of the viable, arterially enhancing tumour"
MESO_NOTE = (
    "modified RECIST 1.1 for mesothelioma (Armato & Nowak 2018): pleural thickness sites and non-pleural "
    "targets form one sum"
)


def assess_case(case: Case) -> Assessment:
    """Timepoint responses, best overall response and (itRECIST) the injected and non-injected subsets."""
    rules = rules_for(case.criteria)
    subsets = None
    immune = case.criteria == "irecist" or (case.criteria == "itrecist" and case.settings.confirm_progression)
    rows: list[TimepointResult]
    if case.criteria == "itrecist":
        rows = overall(case)
        subsets = {"injected": subset(case, True), "non_injected": subset(case, False)}
    elif case.criteria == "irecist":
        base = RecistSequence(case, rules)
        rows = IrecistSequence(case, rules, base).run(base.run())
    else:
        rows = RecistSequence(case, rules).run()
    note = {"mrecist": MRECIST_NOTE, "mesothelioma": MESO_NOTE}.get(case.criteria)
    if note:
        rows = [with_note(r, note) for r in rows]
    if immune:
        best = best_overall_response(
            rows,
            case.settings,
            IRECIST_CODES,
            "iRECIST (Seymour 2017) confirmation",
            "iRECIST (Seymour 2017) Table 3",
            treatment_start=case.treatment_start,
        )
    else:
        best = best_overall_response(rows, case.settings, RECIST_CODES, treatment_start=case.treatment_start)
    return Assessment(
        criteria=case.criteria,
        baseline_date=case.timepoints[0].date,
        baseline_um=rows[0].sum_um,
        targets=tuple(t.id for t in case.targets),
        non_targets=tuple(t.id for t in case.non_targets),
        timepoints=tuple(rows),
        best=best,
        subsets=subsets,
    )


def assess_json(data: Any, criteria: str | None = None) -> dict[str, Any]:
    """``ioguide assess``: the spec's input (parsed JSON) in, the spec's output out; raises ``InputError``."""
    case = parse_case(data, criteria)
    return assessment_to_dict(assess_case(case), case)
