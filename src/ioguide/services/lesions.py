"""Reclassify a declared lesion: target <-> non-target, or injected from a date (itRECIST).

itRECIST (Goldmacher et al., J Clin Oncol 2020;38(23):2667-76, "Injected lesions") lets a lesion that was not
injected at baseline become injected later; the case records it as ``injected_from`` (``spec/response.md``). A
change of role re-reads the lesion's stored values under the new role, carrying over only what is a fact:

- target -> non-target: a baseline diameter (or ``too_small``) means the lesion was *present*; a follow-up 0 mm
  means *absent*; any other follow-up diameter says nothing about "unequivocal progression" (RECIST 1.1,
  Eisenhauer et al. 2009, §4.3.2), so it becomes ``not_evaluated`` and is listed in ``not_carried``.
- non-target -> target: RECIST 1.1 §3.2 measures targets at baseline, so the baseline diameter must be given;
  a follow-up *absent* of a non-nodal lesion is 0 mm; any other status becomes ``not_evaluated`` (listed).

The whole case is then validated again by the response engine (per-organ and total target limits of the
patient's criteria), stored with the before/after in the audit row, and the derived results stored again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ioguide.errors import InputError
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import Lesion, Patient
from ioguide.services import results
from ioguide.services.casedoc import LesionDoc, apply_lesion, lesion_doc, read_case
from ioguide.services.cases import validate_case_within
from ioguide.services.common import check_version, load_patient, record
from ioguide.services.context import Actor, require
from ioguide.services.errors import NotFoundError
from ioguide.services.reasons import require_stated_reason
from ioguide.validation import parse_model

Role = Literal["target", "non_target"]
NOT_EVALUATED = "not_evaluated"


def _find(patient: Patient, label: str) -> Lesion:
    for lesion in patient.lesions:
        if lesion.label == label:
            return lesion
    raise NotFoundError(f"patient {patient.id} has no lesion {label!r}", "lesion_id")


def get_lesion(db: Database, actor: Actor, patient_id: int, label: str) -> dict[str, Any]:
    """One declared lesion (``lesions[]`` entry) with its version (``If-Match`` of a reclassification)."""
    require(actor, "viewer")
    with read_session(db) as session:
        lesion = _find(load_patient(session, patient_id), label)
        return {**lesion_doc(lesion), "version": lesion.version}


def _as_non_target(value: Any, baseline: bool) -> tuple[str, bool]:
    """A target's stored value as a non-target status, and whether it was carried as a fact."""
    if baseline:
        return ("present", True) if value != NOT_EVALUATED else (NOT_EVALUATED, True)
    if value == 0:
        return "absent", True
    return NOT_EVALUATED, value == NOT_EVALUATED


def _as_target(status: Any, baseline_mm: float, baseline: bool, nodal: bool) -> tuple[Any, bool]:
    """A non-target's stored status as a target's value, and whether it was carried as a fact."""
    if baseline:
        return baseline_mm, True
    if status == "absent" and not nodal:
        return 0, True
    return NOT_EVALUATED, status == NOT_EVALUATED


def _reread(
    case: dict[str, Any], label: str, role: str, nodal: bool, baseline_mm: float | None
) -> tuple[dict[str, Any], list[str]]:
    """The case's timepoints with ``label``'s values moved to ``role``; the dates whose value was not carried."""
    not_carried: list[str] = []
    for index, tp in enumerate(case["timepoints"]):
        source, target = ("non_target", "diameters_mm") if role == "target" else ("diameters_mm", "non_target")
        if label not in tp[source]:
            continue
        value = tp[source].pop(label)
        if role == "target":
            assert baseline_mm is not None
            new, carried = _as_target(value, baseline_mm, index == 0, nodal)
        else:
            new, carried = _as_non_target(value, index == 0)
        tp[target][label] = new
        if not carried:
            not_carried.append(tp["date"])
    return case, not_carried


def reclassify_lesion(
    db: Database,
    actor: Actor,
    patient_id: int,
    lesion_id: str,
    role: Role,
    injected_from: dt.date | None,
    expected_version: int,
    baseline_diameter_mm: float | None = None,
) -> dict[str, Any]:
    """Change a lesion's role and/or the date it was first injected (a reason is required; ``expected_version``
    is the lesion's version read, else 412 and nothing changes). Returns the lesion, its new version, the
    patient's version and ``not_carried``: the scan dates whose value could not be carried to the new role."""
    require(actor, "radiologist")
    require_stated_reason(actor, "reclassifying a lesion")
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        lesion = _find(patient, lesion_id)
        check_version(lesion.version, expected_version, f"lesion {lesion_id}")
        before_doc = lesion_doc(lesion)
        wanted: dict[str, Any] = {**before_doc, "role": role}
        wanted.pop("injected_from", None)
        if injected_from is not None:
            wanted["injected_from"] = injected_from.isoformat()
        if wanted == before_doc:
            raise InputError.one("role", "this is the lesion's current role and injection date: nothing to change")
        role_changes = role != lesion.role
        if role_changes and role == "target" and baseline_diameter_mm is None:
            raise InputError.one(
                "baseline_diameter_mm",
                "a lesion that becomes a target needs its baseline diameter (RECIST 1.1 §3.2: targets are measured "
                "at baseline)",
            )
        if baseline_diameter_mm is not None and not role_changes:
            raise InputError.one(
                "baseline_diameter_mm", "only a lesion that becomes a target takes a baseline diameter"
            )
        found = read_case(session, patient.id)
        assert found is not None
        case = found[0]
        index = next(i for i, item in enumerate(case["lesions"]) if item["id"] == lesion_id)
        case["lesions"][index] = wanted
        not_carried: list[str] = []
        if role_changes:
            case, not_carried = _reread(case, lesion_id, role, lesion.nodal, baseline_diameter_mm)
        validate_case_within(case, f"lesions[{index}]")
        doc = parse_model(LesionDoc, wanted)
        before = {"lesion": before_doc, "values": _values(lesion)}
        apply_lesion(lesion, doc)
        if role_changes:
            _store_values(patient, lesion, case)
        lesion.version += 1
        patient.version += 1
        session.flush()
        after = {"lesion": lesion_doc(lesion), "values": _values(lesion)}
        record(session, actor, "lesion.reclassify", "lesion", lesion.id, patient.id, before, after)
        results.refresh_case(session, patient.id)
        return {
            **after["lesion"],
            "version": lesion.version,
            "patient_version": patient.version,
            "not_carried": not_carried,
        }


def _values(lesion: Lesion) -> dict[str, Any]:
    """The lesion's value per scan date, as the audit row shows it (a number or a status)."""
    out: dict[str, Any] = {}
    for tp in lesion.patient.timepoints:
        for m in tp.measurements:
            if m.lesion_id == lesion.id:
                out[tp.date.isoformat()] = m.diameter_mm if m.diameter_mm is not None else m.status
    return out


def _store_values(patient: Patient, lesion: Lesion, case: dict[str, Any]) -> None:
    key = "diameters_mm" if lesion.role == "target" else "non_target"
    by_date = {tp["date"]: tp[key] for tp in case["timepoints"]}
    for tp in patient.timepoints:
        for m in tp.measurements:
            if m.lesion_id != lesion.id:
                continue
            value = by_date[tp.date.isoformat()][lesion.label]
            number = isinstance(value, int | float) and not isinstance(value, bool)
            m.diameter_mm = float(value) if number else None
            m.status = None if number else str(value)
            tp.version += 1
