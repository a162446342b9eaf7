"""Best overall response (RECIST 1.1 §4.4.3 and Table 3, Eisenhauer 2009; iBOR, iRECIST Table 3, Seymour 2017).

Considers the timepoints after baseline up to and including the first (confirmed) progression. With
``require_confirmation`` an unconfirmed CR or PR counts as SD; SD (and NON_CR_NON_PD) counts only when seen at
least ``sd_min_days`` after baseline. Order: CR > PR > SD > NON_CR_NON_PD > PD (> iUPD for iRECIST) > NE.
"""

from __future__ import annotations

from collections.abc import Sequence

from ioguide.criteria.confirmation import ResponseCodes, confirmation_of
from ioguide.criteria.results import BestResponse, TimepointResult
from ioguide.criteria.values import Settings


def best_overall_response(
    timepoints: Sequence[TimepointResult],
    settings: Settings,
    codes: ResponseCodes,
    confirm_rule: str = "RECIST 1.1 §4.4.3",
    table_rule: str = "RECIST 1.1 Table 3",
) -> BestResponse:
    """The best overall response with the timepoint that set it and the reasons."""
    c = codes
    follow = list(timepoints[1:])
    last = next((i for i, tp in enumerate(follow) if tp.response == c.pd), len(follow) - 1)
    considered = follow[: last + 1]
    days = [tp.day for tp in considered]
    responses = [tp.response for tp in considered]
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
            how, _ = confirmation_of(i, days, responses, settings.confirmation_min_days, c)
            if how is not None:
                level = c.cr if (code == c.cr and how == c.cr) else c.pr
                confirmed = True
                if news:
                    reasons.append(f"{code} at {tp.date.isoformat()} confirmed as {level} ({confirm_rule})")
            elif settings.require_confirmation:
                level = c.sd
                if news:
                    reasons.append(f"unconfirmed {code} at {tp.date.isoformat()} counts as {c.sd} ({table_rule})")
            else:
                confirmed = False
        if level in (c.sd, c.non_cr_non_pd) and tp.day < settings.sd_min_days:
            if news:
                reasons.append(
                    f"{level} at {tp.date.isoformat()} (day {tp.day}) is before the minimum {settings.sd_min_days} days "
                    f"for {level}: does not count ({confirm_rule})"
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
