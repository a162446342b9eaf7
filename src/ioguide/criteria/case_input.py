"""Read the ``ioguide assess`` input (``spec/response.md``, "Input") into a validated :class:`Case`.

Structure (fields, types, enums, unknown fields) is checked by pydantic; the clinical rules of the baseline
(measurability, counts, dates, declared ids) by hand, so each message names the field path and the rule.
Everything wrong is reported at once; nothing is computed from a case with a problem.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictStr

from ioguide.criteria.limits import measurability, target_count_problems
from ioguide.criteria.values import (
    CRITERIA,
    NON_TARGET_STATUSES,
    SD_MIN_REFERENCES,
    TOO_SMALL_UM,
    Case,
    Criteria,
    Lesion,
    NewLesion,
    NonTargetStatus,
    Settings,
    Timepoint,
    to_um,
)
from ioguide.errors import InputError, Problem
from ioguide.validation import STRICT_INPUT, parse_model


class SettingsIn(BaseModel):
    model_config = STRICT_INPUT
    require_confirmation: StrictBool = True
    confirmation_min_days: int = Field(default=28, ge=0, strict=True)
    sd_min_days: int = Field(default=42, ge=0, strict=True)
    confirm_progression: StrictBool = False
    sd_min_reference: Literal["baseline", "first_treatment"] = "baseline"
    confirmation_max_ne: int | None = Field(default=None, ge=0, strict=True)
    sd_last_assessment_counts: StrictBool = True
    pr_after_cr_confirms: StrictBool = True


class LesionIn(BaseModel):
    model_config = STRICT_INPUT
    id: StrictStr = Field(min_length=1)
    role: Literal["target", "non_target"]
    organ: StrictStr = Field(min_length=1)
    nodal: StrictBool = False
    injected: StrictBool = False
    injected_from: dt.date | None = None
    pleural: StrictBool = False
    slice_position_mm: Any = None


class NewLesionIn(BaseModel):
    model_config = STRICT_INPUT
    id: StrictStr = Field(min_length=1)
    organ: StrictStr = Field(min_length=1)
    nodal: StrictBool = False
    diameter_mm: Any = None
    equivocal: StrictBool = False
    increased: StrictBool = False
    typical_hcc: StrictBool = False


class TimepointIn(BaseModel):
    model_config = STRICT_INPUT
    date: dt.date
    reason: Literal["scheduled", "symptom"] = "scheduled"
    diameters_mm: dict[StrictStr, Any] = Field(default_factory=dict)
    non_target: dict[StrictStr, Any] = Field(default_factory=dict)
    new_lesions: list[NewLesionIn] = Field(default_factory=list)


class CaseIn(BaseModel):
    model_config = STRICT_INPUT
    criteria: Literal["recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma"] | None = None
    treatment_start: dt.date | None = None
    settings: SettingsIn = Field(default_factory=lambda: SettingsIn())
    lesions: list[LesionIn]
    timepoints: list[TimepointIn] = Field(min_length=1)


def _is_number(value: Any) -> bool:
    """A JSON number (not a boolean), finite."""
    return type(value) in (int, float) and math.isfinite(value)


def _diameter(path: str, value: Any, problems: list[Problem]) -> int | str | None:
    """A target's diameter in micrometres, ``None`` when not evaluated, ``"too_small"`` kept as a marker."""
    if value == "too_small" or value == "not_evaluated":
        return str(value)
    if not _is_number(value):
        problems.append(
            Problem(path, f"{value!r} is not a diameter (a number >= 0 mm, 'too_small' or 'not_evaluated')")
        )
        return None
    if value < 0:
        problems.append(Problem(path, f"{value:g} is below 0 (a diameter is >= 0 mm)"))
        return None
    return to_um(float(value))


def injection_problem(injected: bool, injected_from: dt.date | None) -> str | None:
    """A lesion says when its injection began once: ``injected: true`` (from baseline) or ``injected_from`` (from
    that date; itRECIST, Goldmacher et al., J Clin Oncol 2020: non-injected lesions may become injected). Both at
    once contradict each other when the date is after baseline and repeat each other otherwise: refused."""
    if injected and injected_from is not None:
        return (
            f"injected: true (injected from baseline) and injected_from {injected_from} both given: "
            "give one (injected_from alone for a lesion injected from a later date)"
        )
    return None


def parse_case(data: Any, criteria: str | None = None) -> Case:
    """Validate the JSON-shaped ``data`` and return the :class:`Case`; ``criteria`` overrides the file's."""
    raw = parse_model(CaseIn, data)
    problems: list[Problem] = []
    chosen = criteria if criteria is not None else raw.criteria
    if chosen is None:
        raise InputError.one("criteria", f"missing: give it in the case or with --criteria ({', '.join(CRITERIA)})")
    if chosen not in CRITERIA:
        raise InputError.one("criteria", f"{chosen!r} is not one of {', '.join(CRITERIA)}")
    crit: Criteria = chosen

    baseline_date = raw.timepoints[0].date
    lesions: list[tuple[int, Lesion]] = []
    seen: dict[str, int] = {}
    for i, li in enumerate(raw.lesions):
        path = f"lesions[{i}]"
        if li.id in seen:
            problems.append(Problem(f"{path}.id", f"duplicate lesion id {li.id!r} (first at lesions[{seen[li.id]}])"))
            continue
        seen[li.id] = i
        if li.pleural and crit != "mesothelioma":
            problems.append(Problem(f"{path}.pleural", "pleural sites are measured only under 'mesothelioma'"))
        if li.pleural and li.nodal:
            problems.append(Problem(f"{path}.pleural", "a pleural site cannot also be a lymph node"))
        contradiction = injection_problem(li.injected, li.injected_from)
        if contradiction is not None:
            problems.append(Problem(f"{path}.injected_from", contradiction))
        injected_from = li.injected_from
        if li.injected and injected_from is None:
            injected_from = baseline_date
        position = _slice_position(path, li, problems)
        lesions.append(
            (
                i,
                Lesion(li.id, li.role, li.organ, li.nodal, injected_from, li.pleural, position),
            )
        )
    if not raw.lesions:
        problems.append(Problem("lesions", "a case needs at least one target or non-target lesion"))

    targets = [(i, le) for i, le in lesions if le.role == "target"]
    non_targets = [(i, le) for i, le in lesions if le.role == "non_target"]
    problems += target_count_problems(crit, targets, baseline_date)
    target_pos = {le.id: k for k, (_, le) in enumerate(targets)}
    nt_pos = {le.id: k for k, (_, le) in enumerate(non_targets)}

    timepoints: list[Timepoint] = []
    new_ids_seen: set[str] = set()
    previous: dt.date | None = None
    for k, tp in enumerate(raw.timepoints):
        path = f"timepoints[{k}]"
        if previous is not None and tp.date <= previous:
            problems.append(
                Problem(f"{path}.date", f"{tp.date} is not after {previous} (dates must increase strictly)")
            )
        previous = tp.date
        values: list[int | None] = [None] * len(targets)
        too_small: set[str] = set()
        for lesion_id, value in tp.diameters_mm.items():
            vpath = f"{path}.diameters_mm.{lesion_id}"
            if lesion_id not in target_pos:
                why = (
                    "is a non-target lesion (give its status in non_target)"
                    if lesion_id in nt_pos
                    else "was never declared in lesions"
                )
                problems.append(Problem(vpath, f"{lesion_id!r} {why}"))
                continue
            parsed = _diameter(vpath, value, problems)
            if parsed == "too_small":
                values[target_pos[lesion_id]] = TOO_SMALL_UM
                too_small.add(lesion_id)
            elif isinstance(parsed, int):
                values[target_pos[lesion_id]] = parsed
        statuses: list[NonTargetStatus] = ["not_evaluated"] * len(non_targets)
        for lesion_id, status in tp.non_target.items():
            spath = f"{path}.non_target.{lesion_id}"
            if lesion_id not in nt_pos:
                why = (
                    "is a target lesion (give its diameter in diameters_mm)"
                    if lesion_id in target_pos
                    else "was never declared in lesions"
                )
                problems.append(Problem(spath, f"{lesion_id!r} {why}"))
            elif status not in NON_TARGET_STATUSES:
                problems.append(Problem(spath, f"{status!r} is not one of {', '.join(NON_TARGET_STATUSES)}"))
            else:
                statuses[nt_pos[lesion_id]] = status
        new: list[NewLesion] = []
        ids_here: set[str] = set()
        for n, nl in enumerate(tp.new_lesions):
            npath = f"{path}.new_lesions[{n}]"
            if k == 0:
                problems.append(Problem(npath, "a new lesion cannot appear at baseline (declare it in lesions)"))
                continue
            if nl.id in seen:
                problems.append(Problem(f"{npath}.id", f"{nl.id!r} is a baseline lesion, not a new one"))
                continue
            if nl.id in ids_here:
                problems.append(Problem(f"{npath}.id", f"{nl.id!r} is listed twice at this timepoint"))
                continue
            ids_here.add(nl.id)
            diameter: int | None = None
            if nl.diameter_mm is not None:
                if not _is_number(nl.diameter_mm):
                    problems.append(Problem(f"{npath}.diameter_mm", f"{nl.diameter_mm!r} is not a number or null"))
                elif nl.diameter_mm < 0:
                    problems.append(
                        Problem(f"{npath}.diameter_mm", f"{nl.diameter_mm:g} is below 0 (a diameter is >= 0 mm)")
                    )
                else:
                    diameter = to_um(float(nl.diameter_mm))
            new.append(NewLesion(nl.id, nl.organ, nl.nodal, diameter, nl.equivocal, nl.increased, nl.typical_hcc))
        new_ids_seen |= ids_here
        timepoints.append(
            Timepoint(
                date=tp.date,
                day=(tp.date - baseline_date).days,
                reason=tp.reason,
                diameters_um=tuple(values),
                too_small=frozenset(too_small),
                non_target=tuple(statuses),
                new_lesions=tuple(new),
            )
        )

    baseline_in = raw.timepoints[0]
    for _, lesion in targets:
        vpath = f"timepoints[0].diameters_mm.{lesion.id}"
        given = baseline_in.diameters_mm.get(lesion.id)
        rule = measurability(crit, lesion)
        if given is None:
            problems.append(Problem(vpath, f"missing: every target is measured at baseline ({rule.rule})"))
        elif not _is_number(given):
            problems.append(Problem(vpath, f"{given!r} at baseline: a target must be measured ({rule.rule})"))
        elif given >= 0 and to_um(float(given)) < rule.minimum_um:
            problems.append(Problem(vpath, f"{given:g} mm is not measurable: {rule.rule}"))
    for _, lesion in non_targets:
        status = baseline_in.non_target.get(lesion.id, "present")
        if status != "present":
            problems.append(
                Problem(
                    f"timepoints[0].non_target.{lesion.id}",
                    f"{status!r} at baseline: every non-target is 'present' at baseline",
                )
            )

    problems += _treatment_start_problems(raw)
    if problems:
        raise InputError(problems)
    s = raw.settings
    return Case(
        criteria=crit,
        settings=Settings(
            s.require_confirmation,
            s.confirmation_min_days,
            s.sd_min_days,
            s.confirm_progression,
            s.sd_min_reference,
            s.confirmation_max_ne,
            s.sd_last_assessment_counts,
            s.pr_after_cr_confirms,
        ),
        targets=tuple(le for _, le in targets),
        non_targets=tuple(le for _, le in non_targets),
        timepoints=tuple(timepoints),
        settings_given=frozenset(s.model_fields_set),
        treatment_start=raw.treatment_start,
    )


def _slice_position(path: str, li: LesionIn, problems: list[Problem]) -> int | None:
    """A pleural site's CT level position (``slice_position_mm``, any real number: scanner z) in micrometres."""
    value = li.slice_position_mm
    if value is None:
        return None
    if not li.pleural:
        problems.append(
            Problem(f"{path}.slice_position_mm", "only a pleural site (pleural: true) gives its level's slice position")
        )
        return None
    if not _is_number(value):
        problems.append(Problem(f"{path}.slice_position_mm", f"{value!r} is not a number (mm along the body axis)"))
        return None
    return to_um(float(value))


def _treatment_start_problems(raw: CaseIn) -> list[Problem]:
    """``treatment_start`` is needed by ``sd_min_reference: first_treatment`` and must fall between the baseline scan
    and the first follow-up (RECIST 1.1 §3.2: baseline is imaged before treatment starts; a follow-up assesses
    response to a treatment already given)."""
    start = raw.treatment_start
    if raw.settings.sd_min_reference == "first_treatment" and start is None:
        return [
            Problem(
                "treatment_start",
                "missing: settings.sd_min_reference 'first_treatment' counts the SD minimum from the first treatment "
                f"date (one of {', '.join(SD_MIN_REFERENCES)}; give treatment_start or use 'baseline')",
            )
        ]
    if start is None:
        return []
    baseline = raw.timepoints[0].date
    if start < baseline:
        return [
            Problem(
                "treatment_start",
                f"{start} is before the baseline scan {baseline} (RECIST 1.1 §3.2: baseline is imaged before treatment)",
            )
        ]
    if len(raw.timepoints) > 1 and start >= raw.timepoints[1].date:
        return [
            Problem(
                "treatment_start",
                f"{start} is not before the first follow-up {raw.timepoints[1].date} "
                "(a follow-up assesses the response to a treatment already started)",
            )
        ]
    return []


#: Settings beyond the spec's three, echoed in the output only when the case gives them (so a spec-conformant
#: case's output is unchanged).
SAP_OPTIONS = ("sd_min_reference", "confirmation_max_ne", "sd_last_assessment_counts", "pr_after_cr_confirms")


def settings_as_dict(case: Case) -> Mapping[str, Any]:
    """The settings echoed in the output (``spec/response.md``, "Output")."""
    out: dict[str, Any] = {
        "require_confirmation": case.settings.require_confirmation,
        "confirmation_min_days": case.settings.confirmation_min_days,
        "sd_min_days": case.settings.sd_min_days,
    }
    if case.criteria == "itrecist" and "confirm_progression" in case.settings_given:
        out["confirm_progression"] = case.settings.confirm_progression
    for name in SAP_OPTIONS:
        if name in case.settings_given:
            out[name] = getattr(case.settings, name)
    return out
