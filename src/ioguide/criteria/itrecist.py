"""itRECIST: response criteria for intratumoral immunotherapy (Goldmacher et al., J Clin Oncol 2020;38:2667-76).

Each lesion is target or non-target and injected or not: four categories (T-I, T-NI, NT-I, NT-NI). The overall
response is RECIST 1.1's over all lesions (the combined sum), or iRECIST's when the protocol confirms progression
(``settings.confirm_progression``). Beside it, the injected ("local") and non-injected ("systemic", abscopal)
lesions are assessed on their own, each with its own baseline sum, nadir and response; new lesions enter only the
non-injected response (a new lesion is not injected when it appears). A non-injected lesion may become injected
(``injected_from``); target and non-target roles never change. A subset is its current lesions (those injected, or
not, at the latest timepoint): its sums at every timepoint, baseline and nadir included, are computed over them, and
a subset whose membership changed after baseline reports ``membership_changed_at`` (``spec/response.md``).
"""

from __future__ import annotations

import datetime as dt

from ioguide.criteria.irecist import IrecistSequence
from ioguide.criteria.recist11 import Members, RecistSequence
from ioguide.criteria.results import SubsetResult, TimepointResult, with_note
from ioguide.criteria.rules import RECIST11
from ioguide.criteria.values import Case


def current_members(case: Case, injected: bool) -> Members:
    """The targets and non-targets (indices) injected, or not, as of the latest timepoint."""
    last = case.timepoints[-1].date
    return (
        tuple(i for i, t in enumerate(case.targets) if t.injected_at(last) == injected),
        tuple(i for i, t in enumerate(case.non_targets) if t.injected_at(last) == injected),
    )


def membership_changed_at(case: Case) -> dt.date | None:
    """The latest date at which a lesion began to be injected after baseline, within the assessed timepoints."""
    first, last = case.timepoints[0].date, case.timepoints[-1].date
    dates = [
        t.injected_from
        for t in (*case.targets, *case.non_targets)
        if t.injected_from is not None and first < t.injected_from <= last
    ]
    return max(dates) if dates else None


def subset(case: Case, injected: bool) -> SubsetResult | None:
    """The injected (``injected=True``) or non-injected lesions assessed as RECIST 1.1 on their own."""
    target_idx, nt_idx = current_members(case, injected)
    if not target_idx and not nt_idx:
        return None
    seq = RecistSequence(case, RECIST11, (target_idx, nt_idx), include_new=not injected)
    rows = seq.run()
    note = (
        "itRECIST (Goldmacher 2020): injected lesions only (T-I sum, NT-I status); new lesions do not enter"
        if injected
        else "itRECIST (Goldmacher 2020): non-injected lesions only (T-NI sum, NT-NI status, new lesions)"
    )
    changed = membership_changed_at(case)
    if changed is not None:
        note += f"; membership changed on {changed.isoformat()}: every timepoint is computed over the current lesions"
    rows = [with_note(r, note) for r in rows]
    return SubsetResult(
        lesions=tuple(case.targets[i].id for i in target_idx) + tuple(case.non_targets[i].id for i in nt_idx),
        baseline_um=seq.table.sums[0] if target_idx else None,
        membership_changed_at=changed,
        timepoints=tuple(rows),
    )


def overall(case: Case) -> list[TimepointResult]:
    """The overall response over all lesions: RECIST 1.1, or iRECIST with ``confirm_progression``."""
    base = RecistSequence(case, RECIST11)
    plain = base.run()
    if case.settings.confirm_progression:
        return IrecistSequence(case, RECIST11, base).run(plain)
    return plain
