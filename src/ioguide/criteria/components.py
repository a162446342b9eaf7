"""Timepoint components of RECIST 1.1 and its variants: target response, non-target response, new lesions, and
the overall response table. Each returns its code with the reasons (rule, source, numbers).

Source: RECIST 1.1, Eisenhauer et al., Eur J Cancer 2009;45:228-47, §4.3.1-4.3.5, Tables 1 and 2; the RECIST
working group's clarifications on continuing responses and reappearing lesions (Schwartz et al., Eur J Cancer
2016;62:132-7). Variants (mRECIST, mesothelioma) switch thresholds through :class:`Rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ioguide.criteria.arithmetic import PD_MIN_INCREASE_UM, meets_pd, meets_pr, mm_text
from ioguide.criteria.rules import Rules
from ioguide.criteria.values import Lesion, NewLesion, NonTargetStatus, Timepoint

NODE_NORMAL_UM = 10_000  # RECIST 1.1 §4.3.1: a node < 10 mm short axis is normal (CR allows it)
MRECIST_NEW_MIN_UM = 10_000  # mRECIST: a new HCC lesion counts from 10 mm with the typical pattern


@dataclass(frozen=True, slots=True)
class TargetResult:
    """Target lesions at one timepoint: sums in micrometres (None where undefined) and the response."""

    sum_um: int | None
    baseline_um: int | None
    nadir_um: int | None
    response: str | None
    reasons: tuple[str, ...]


REAPPEARANCE_SRC = (
    "RECIST working group FAQ 'Does a new lesion always result in PD?' (once CR, any reappearing lesion is PD); "
    "RECIST 1.1 §4.3.1 and Table 3 note (a node of 10 mm or more short axis is abnormal)"
)


def reappeared(targets: Sequence[Lesion], values: Sequence[int | None]) -> list[str]:
    """Targets that reappear when the previous evaluable overall response was CR (``spec/response.md``, target
    rule 3): a non-nodal target measuring more than 0 (``"too_small"`` counts 5 mm, so it reappears), or a nodal
    target whose short axis is 10 mm or more (no longer a normal node, RECIST 1.1 §4.3.1)."""
    return [
        t.id
        for t, v in zip(targets, values, strict=True)
        if v is not None and (v >= NODE_NORMAL_UM if t.nodal else v > 0)
    ]


def _reappeared_text(rules: Rules, targets: Sequence[Lesion], values: Sequence[int | None], back: list[str]) -> str:
    sizes = {t.id: (t.nodal, v) for t, v in zip(targets, values, strict=True)}
    parts = []
    for lesion_id in back:
        nodal, value = sizes[lesion_id]
        size = mm_text(value or 0)
        parts.append(f"{lesion_id} (node, short axis {size} mm >= 10 mm)" if nodal else f"{lesion_id} ({size} mm > 0)")
    return f"{rules.target_src}: {', '.join(parts)} reappeared after an overall CR: PD ({REAPPEARANCE_SRC})"


def _pd_text(rules: Rules, total: int, nadir: int) -> str:
    grow = f"+{mm_text(total - nadir)} mm"
    if rules.absolute_increase:
        return f"{rules.target_src}: {rules.sum_label} {mm_text(total)} mm >= 1.2 x nadir {mm_text(nadir)} mm and {grow} >= 5 mm: PD"
    return f"{rules.target_src}: {rules.sum_label} {mm_text(total)} mm >= 1.2 x nadir {mm_text(nadir)} mm: PD"


def assess_targets(
    targets: Sequence[Lesion],
    values: Sequence[int | None],
    baseline_um: int,
    nadir_um: int,
    *,
    too_small: frozenset[str],
    continuing: bool,
    previous_cr: bool,
    rules: Rules,
) -> TargetResult:
    """Target response at a follow-up timepoint (``spec/response.md``, "Target response"; first match wins):
    NE unless the evaluated targets alone meet PD or one of them reappears after an overall CR; CR; PD (or a
    target reappearing after an overall CR: :func:`reappeared`); PR (or a continuing response); SD."""
    reasons: list[str] = [
        f"{rules.target_src}: {t} too small to measure: counts 5 mm (RECIST 1.1 §4.3.2)" for t in sorted(too_small)
    ]
    back = reappeared(targets, values) if previous_cr else []
    missing = [t.id for t, v in zip(targets, values, strict=True) if v is None]
    if missing and back:
        reasons.append(_reappeared_text(rules, targets, values, back) + f" ({', '.join(missing)} not evaluated)")
        return TargetResult(None, baseline_um, nadir_um, "PD", tuple(reasons))
    if missing:
        partial = sum(v for v in values if v is not None)
        if meets_pd(partial, nadir_um, absolute_increase=rules.absolute_increase):
            reasons.append(
                f"{rules.target_src}: {', '.join(missing)} not evaluated, but the evaluated targets alone sum "
                f"{mm_text(partial)} mm >= 1.2 x nadir {mm_text(nadir_um)} mm"
                + (f" and +{mm_text(partial - nadir_um)} mm >= 5 mm" if rules.absolute_increase else "")
                + ": PD (RECIST 1.1 §4.4.2)"
            )
            return TargetResult(None, baseline_um, nadir_um, "PD", tuple(reasons))
        reasons.append(
            f"{rules.target_src}: {', '.join(missing)} not evaluated: target response NE (RECIST 1.1 §4.4.2)"
        )
        return TargetResult(None, baseline_um, nadir_um, "NE", tuple(reasons))

    total = sum(v for v in values if v is not None)
    nodes_normal = all(v is not None and v < NODE_NORMAL_UM for t, v in zip(targets, values, strict=True) if t.nodal)
    others_gone = all(v == 0 for t, v in zip(targets, values, strict=True) if not t.nodal)
    if nodes_normal and others_gone:
        reasons.append(f"{rules.target_src}: every non-nodal target 0 mm and every target node < 10 mm short axis: CR")
        return TargetResult(total, baseline_um, nadir_um, "CR", tuple(reasons))
    if meets_pd(total, nadir_um, absolute_increase=rules.absolute_increase):
        reasons.append(_pd_text(rules, total, nadir_um))
        return TargetResult(total, baseline_um, nadir_um, "PD", tuple(reasons))
    if back:
        reasons.append(_reappeared_text(rules, targets, values, back))
        return TargetResult(total, baseline_um, nadir_um, "PD", tuple(reasons))
    if meets_pr(total, baseline_um):
        reasons.append(
            f"{rules.target_src}: {rules.sum_label} {mm_text(total)} mm <= 0.7 x baseline {mm_text(baseline_um)} mm: PR"
        )
        return TargetResult(total, baseline_um, nadir_um, "PR", tuple(reasons))
    if continuing:
        reasons.append(
            f"{rules.target_src}: {rules.sum_label} {mm_text(total)} mm is not PD against nadir {mm_text(nadir_um)} mm: "
            "a confirmed response continues as PR until PD (RECIST working group clarification, Schwartz 2016)"
        )
        return TargetResult(total, baseline_um, nadir_um, "PR", tuple(reasons))
    reasons.append(
        f"{rules.target_src}: {rules.sum_label} {mm_text(total)} mm: neither <= 0.7 x baseline {mm_text(baseline_um)} mm nor PD "
        f"against nadir {mm_text(nadir_um)} mm"
        + (
            f" (needs >= 1.2 x and +{mm_text(PD_MIN_INCREASE_UM)} mm)"
            if rules.absolute_increase
            else " (needs >= 1.2 x)"
        )
        + ": SD"
    )
    return TargetResult(total, baseline_um, nadir_um, "SD", tuple(reasons))


def assess_non_targets(
    non_targets: Sequence[Lesion], statuses: Sequence[NonTargetStatus], rules: Rules, *, previous_cr: bool = False
) -> tuple[str | None, str | None]:
    """Non-target response (RECIST 1.1 §4.3.3-4.3.4): PD if any unequivocal progression, or if any is there again
    (``present``, or ``increased``, which implies present) when the previous evaluable overall response was CR
    (reappearance after CR, ``spec/response.md``); NE if any not evaluated; CR if all absent; else NON_CR_NON_PD.
    ``(None, None)`` with no non-target lesion."""
    if not non_targets:
        return None, None
    worse = [t.id for t, s in zip(non_targets, statuses, strict=True) if s == "unequivocal_progression"]
    if worse:
        return "PD", f"{rules.non_target_src}: unequivocal progression of {', '.join(worse)}: non-target PD"
    if previous_cr:
        back = [f"{t.id} ({s})" for t, s in zip(non_targets, statuses, strict=True) if s in ("present", "increased")]
        if back:
            return (
                "PD",
                f"{rules.non_target_src}: non-target {', '.join(back)} reappeared after an overall CR: "
                f"non-target PD ({REAPPEARANCE_SRC})",
            )
    missing = [t.id for t, s in zip(non_targets, statuses, strict=True) if s == "not_evaluated"]
    if missing:
        return "NE", f"{rules.non_target_src}: {', '.join(missing)} not evaluated: non-target response NE"
    if all(s == "absent" for s in statuses):
        return (
            "CR",
            f"{rules.non_target_src}: every non-target absent (nodes < 10 mm): non-target response CR",
        )
    return "NON_CR_NON_PD", f"{rules.non_target_src}: non-target response NON_CR_NON_PD"


@dataclass(frozen=True, slots=True)
class NewLesionsAt:
    """New lesions that count as progression at one timepoint, and the date progression is dated to."""

    counting: tuple[str, ...]
    dated: dt.date | None
    reasons: tuple[str, ...]


def new_lesion_history(timepoints: Sequence[Timepoint], rules: Rules) -> list[NewLesionsAt]:
    """Follow new lesions by id (RECIST 1.1 §4.3.5): an unequivocal new lesion is PD; an equivocal one that a later
    timepoint shows unequivocally makes PD there, dated back to its first sighting. mRECIST counts a lesion only
    when ``typical_hcc`` and >= 10 mm, from the timepoint it first qualifies (no back-dating)."""
    first_seen: dict[str, dt.date] = {}
    first_counted: dict[str, dt.date] = {}
    out: list[NewLesionsAt] = []
    for tp in timepoints:
        counting: list[str] = []
        reasons: list[str] = []
        dated: dt.date | None = None
        for nl in tp.new_lesions:
            first_seen.setdefault(nl.id, tp.date)
            if not _counts(nl, rules):
                reasons.append(_why_not_counted(nl, rules))
                continue
            first_counted.setdefault(nl.id, tp.date)
            counting.append(nl.id)
            since = first_seen[nl.id] if rules.backdate_equivocal else first_counted[nl.id]
            dated = since if dated is None else min(dated, since)
        if counting:
            label = (
                "unequivocal new lesion(s)"
                if rules.new_lesion_rule == "recist"
                else "new lesion(s) >= 10 mm with typical HCC pattern"
            )
            text = f"{rules.new_src}: {label} {', '.join(counting)}: PD"
            if dated is not None and dated < tp.date:
                text += f", dated back to first sighting on {dated.isoformat()}"
            reasons.append(text)
        out.append(NewLesionsAt(tuple(counting), dated, tuple(reasons)))
    return out


def _counts(nl: NewLesion, rules: Rules) -> bool:
    if nl.equivocal:
        return False
    if rules.new_lesion_rule == "mrecist":
        return nl.typical_hcc and nl.diameter_um is not None and nl.diameter_um >= MRECIST_NEW_MIN_UM
    return True


def _why_not_counted(nl: NewLesion, rules: Rules) -> str:
    if nl.equivocal:
        return f"{rules.new_src}: new lesion {nl.id} is equivocal: not PD until shown unequivocally"
    if not nl.typical_hcc:
        return f"{rules.new_src}: new lesion {nl.id} lacks the typical HCC pattern: not PD"
    return f"{rules.new_src}: new lesion {nl.id} is below 10 mm or unmeasured: not PD"


def overall_response(target: str | None, non_target: str | None, new: bool, rules: Rules) -> tuple[str, str]:
    """RECIST 1.1 Table 1 (targets) and Table 2 (non-targets only)."""
    src = rules.table_src if target is not None else rules.table_src.replace("Table 1", "Table 2")
    if target == "PD" or non_target == "PD" or new:
        code = "PD"
    elif target is None:
        code = {"CR": "CR", "NON_CR_NON_PD": "NON_CR_NON_PD"}.get(non_target or "", "NE")
    elif target == "CR":
        code = "CR" if non_target in (None, "CR") else "PR"
    elif target in ("PR", "SD"):
        code = target
    else:
        code = "NE"
    return code, f"{src}: overall response {code}"
