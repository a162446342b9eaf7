"""Derived fields of an ablation record per the standardized terminology (Ahmed et al., Radiology
2014;273:241-260).

Technical success, technique efficacy (residual unablated tumour at the first contrast-enhanced follow-up),
local
tumour progression (tumour at the ablation-zone edge only after a contrast-enhanced study documented complete
ablation) and the minimal ablative margin against a target (>= 5 mm for HCC, Nakazawa et al., AJR 2007; 5-10
mm
for colorectal liver metastases, Wang et al., CVIR 2013). The image reads are inputs; the derivations are
rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ioguide.errors import InputError, Problem
from ioguide.planning.protocol import _num
from ioguide.validation import STRICT_INPUT

AHMED = "Ahmed et al., Radiology 2014"


class FollowUpIn(BaseModel):
    model_config = STRICT_INPUT
    date: date
    contrast_enhanced: bool
    viable_tumour_at_ablation_zone: bool


class AblationRequest(BaseModel):
    """Input of ``ioguide plan ablation``: one treated tumour and its follow-up reads, in any order."""

    model_config = STRICT_INPUT
    tumour: str = Field(min_length=1)
    ablation_date: date
    protocol_followed: bool | None = None
    complete_coverage_on_immediate_imaging: bool | None = None
    minimal_ablative_margin_mm: float | None = None
    target_margin_mm: float = Field(default=5.0, gt=0)
    follow_ups: list[FollowUpIn] = Field(default_factory=list)


def _check(request: AblationRequest) -> list[FollowUpIn]:
    problems: list[Problem] = []
    seen: set[date] = set()
    for i, f in enumerate(request.follow_ups):
        if f.date <= request.ablation_date:
            problems.append(Problem(f"follow_ups[{i}].date", "must be after ablation_date (follow-up comes after)"))
        if f.date in seen:
            problems.append(Problem(f"follow_ups[{i}].date", f"{f.date.isoformat()} repeats (one read per date)"))
        seen.add(f.date)
    if problems:
        raise InputError(problems)
    return sorted(request.follow_ups, key=lambda f: f.date)


def technical_success(request: AblationRequest) -> tuple[bool | None, str]:
    """Treated per protocol and the zone covers the tumour on immediate imaging (Ahmed 2014, technical
    success)."""
    values = (request.protocol_followed, request.complete_coverage_on_immediate_imaging)
    if None in values:
        return None, f"technical success not evaluable: protocol_followed and immediate coverage both needed ({AHMED})"
    ok = all(values)
    return (
        ok,
        f"technical success {'yes' if ok else 'no'}: protocol followed {values[0]}, complete coverage {values[1]}",
    )


def margin(request: AblationRequest) -> tuple[bool | None, str]:
    """Minimal ablative margin against the target; 0 mm touches the zone edge, negative means tumour outside
    it."""
    mam, target = request.minimal_ablative_margin_mm, request.target_margin_mm
    if mam is None:
        return None, "minimal ablative margin not given: not evaluated"
    if mam < 0:
        return False, f"minimal ablative margin {_num(mam)} mm: tumour outside the ablation zone (incomplete cover)"
    ok = mam >= target
    return ok, f"minimal ablative margin {_num(mam)} mm {'>=' if ok else '<'} target {_num(target)} mm"


def assess_ablation(request: AblationRequest) -> dict[str, Any]:
    """Technical success, residual tumour / technique efficacy, LTP and margin for one tumour (Ahmed 2014)."""
    reads = _check(request)
    ts, ts_why = technical_success(request)
    ok_margin, margin_why = margin(request)
    reasons = [ts_why, margin_why]
    enhanced = [f for f in reads if f.contrast_enhanced]
    residual: bool | None = None
    ltp_date: date | None = None
    if not enhanced:
        reasons.append(f"no contrast-enhanced follow-up: technique efficacy not evaluable ({AHMED})")
    else:
        first = enhanced[0]
        residual = first.viable_tumour_at_ablation_zone
        days = (first.date - request.ablation_date).days
        reasons.append(
            f"first contrast-enhanced follow-up {first.date.isoformat()} (day {days}): "
            + ("viable tumour -> residual unablated tumour" if residual else "no viable tumour -> technique efficacy")
            + f" ({AHMED})"
        )
        complete_seen = not residual
        for f in enhanced[1:]:
            if f.viable_tumour_at_ablation_zone and complete_seen:
                ltp_date = f.date
                reasons.append(
                    f"local tumour progression on {f.date.isoformat()} (day {(f.date - request.ablation_date).days}):"
                    f" tumour at the zone edge after a study documented complete ablation ({AHMED})"
                )
                break
            if f.viable_tumour_at_ablation_zone:
                reasons.append(f"{f.date.isoformat()}: viable tumour again, still residual (no complete ablation yet)")
            complete_seen = complete_seen or not f.viable_tumour_at_ablation_zone
    return {
        "tumour": request.tumour,
        "technical_success": ts,
        "residual_unablated_tumour": residual,
        "technique_efficacy": None if residual is None else not residual,
        "local_tumour_progression": ltp_date is not None if residual is not None else None,
        "local_tumour_progression_date": ltp_date.isoformat() if ltp_date else None,
        "margin_adequate": ok_margin,
        "reasons": reasons,
    }
