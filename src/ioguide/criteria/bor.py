"""Best overall response (RECIST 1.1 §4.4.3, §4.6 and Table 3, Eisenhauer 2009; iBOR, iRECIST Table 3, Seymour
2017).

Considers the timepoints after baseline up to and including the first (confirmed) progression. With
``require_confirmation`` an unconfirmed CR or PR counts as SD; without it the best timepoint response counts as
seen, so a CR followed by a PR is CR (RECIST 1.1 §4.4.1: the best response recorded). SD (and NON_CR_NON_PD)
counts only when seen at least ``sd_min_days`` after the reference date: the baseline scan, or with
``sd_min_reference: "first_treatment"`` the case's ``treatment_start`` (RECIST 1.1 §4.6.1 leaves the minimum
interval to the protocol and §4.6.3 measures SD from the start of treatment). With ``sd_last_assessment_counts``
false, an SD at the last assessment of the window, with no later evaluable timepoint, does not count.
Order: CR > PR > SD > NON_CR_NON_PD > PD (> iUPD for iRECIST) > NE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ioguide.criteria.confirmation import ConfirmationRule, ResponseCodes, confirmation_of
from ioguide.criteria.results import BestResponse, TimepointResult
from ioguide.criteria.values import Settings


def best_overall_response(
    timepoints: Sequence[TimepointResult],
    settings: Settings,
    codes: ResponseCodes,
    confirm_rule: str = "RECIST 1.1 §4.4.3",
    table_rule: str = "RECIST 1.1 Table 3",
    treatment_start: dt.date | None = None,
) -> BestResponse:
    """The best overall response with the timepoint that set it and the reasons. ``treatment_start`` is required
    when ``settings.sd_min_reference`` is ``"first_treatment"`` (the case parser refuses a case without it)."""
    c = codes
    rule = ConfirmationRule.of(settings)
    follow = list(timepoints[1:])
    last = next((i for i, tp in enumerate(follow) if tp.response == c.pd), len(follow) - 1)
    considered = follow[: last + 1]
    days = [tp.day for tp in considered]
    responses = [tp.response for tp in considered]
    from_treatment = settings.sd_min_reference == "first_treatment"
    if from_treatment and treatment_start is None:
        raise ValueError("sd_min_reference 'first_treatment' needs the case's treatment_start")
    reference = "baseline" if not from_treatment else "the first treatment"
    last_evaluable = max((i for i, r in enumerate(responses) if r not in (None, c.ne)), default=-1)
    rank = {c.cr: 0, c.pr: 1, c.sd: 2, c.non_cr_non_pd: 3}
    reasons: list[str] = []
    best: tuple[int, int, bool | None] | None = None  # (rank, index, confirmed)
    for i, tp in enumerate(considered):
        code = tp.response
        confirmed: bool | None = None
        level = code
        # Only what could change the best response is explained (a later PR after a confirmed PR is not news).
        news = code in rank and (best is None or rank[code] < best[0])
        if code in (c.cr, c.pr):
            how = confirmation_of(i, days, responses, rule, c)
            if settings.require_confirmation:
                if how.level is not None:
                    level = c.cr if (code == c.cr and how.level == c.cr) else c.pr
                    confirmed = True
                    if news:
                        reasons.append(f"{code} at {tp.date.isoformat()} confirmed as {level} ({confirm_rule})")
                else:
                    level = c.sd
                    if news:
                        why = f" ({how.why_not})" if how.why_not else ""
                        reasons.append(
                            f"unconfirmed {code} at {tp.date.isoformat()}{why} counts as {c.sd} ({table_rule})"
                        )
            else:
                # Without confirmation the timepoint's response counts as seen; ``confirmed`` reports the fact.
                confirmed = how.level == c.cr if code == c.cr else how.level is not None
                if news:
                    reasons.append(
                        f"{code} at {tp.date.isoformat()} counts as seen: confirmation not required "
                        f"(RECIST 1.1 §4.4.1, §4.6.1); {'confirmed' if confirmed else 'not confirmed'} as {code}"
                    )
        if level in (c.sd, c.non_cr_non_pd):
            since = tp.day if treatment_start is None or not from_treatment else (tp.date - treatment_start).days
            if since < settings.sd_min_days:
                if news:
                    reasons.append(
                        f"{level} at {tp.date.isoformat()} (day {since} from {reference}) is before the minimum "
                        f"{settings.sd_min_days} days for {level}: does not count (RECIST 1.1 §4.6.1)"
                    )
                continue
            if not settings.sd_last_assessment_counts and i >= last_evaluable:
                if news:
                    reasons.append(
                        f"{level} at {tp.date.isoformat()} is the last evaluable assessment and "
                        "sd_last_assessment_counts is false: does not count"
                    )
                continue
        if level in rank and (best is None or rank[level] < best[0]):
            best = (rank[level], i, confirmed if level in (c.cr, c.pr) else None)
    if best is not None:
        level = next(k for k, v in rank.items() if v == best[0])
        tp = considered[best[1]]
        reasons.append(f"best overall response {level}, set at {tp.date.isoformat()} (day {tp.day})")
        return BestResponse(level, tp.date, best[2], tuple(_unique(reasons)))
    for fallback in (c.pd, c.unconfirmed_pd):
        hit = next((tp for tp in considered if fallback is not None and tp.response == fallback), None)
        if hit is not None and fallback is not None:
            reasons.append(
                f"no qualifying response before {fallback} at {hit.date.isoformat()}: best response {fallback}"
            )
            return BestResponse(fallback, hit.date, None, tuple(_unique(reasons)))
    reasons.append("no evaluable response after baseline that qualifies: best response NE")
    return BestResponse(c.ne, None, None, tuple(_unique(reasons)))


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
