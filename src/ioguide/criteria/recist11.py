"""RECIST 1.1 over a patient's timepoints (and, through :class:`Rules`, mRECIST and mesothelioma).

Source: Eisenhauer et al., Eur J Cancer 2009;45:228-47 (§4.3 timepoint response, Tables 1-2), with the RECIST
working group's clarifications (Schwartz et al., Eur J Cancer 2016;62:132-7): nadir over evaluable timepoints,
continuing response after a confirmed PR judged against the nadir, reappearance after CR.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ioguide.criteria.arithmetic import mm_text
from ioguide.criteria.components import (
    NewLesionsAt,
    TargetResult,
    assess_non_targets,
    assess_targets,
    new_lesion_history,
    overall_response,
)
from ioguide.criteria.confirmation import RECIST_CODES, ConfirmationWatch
from ioguide.criteria.results import TimepointResult
from ioguide.criteria.rules import Rules
from ioguide.criteria.values import Case, Lesion

#: Which targets and non-targets (indices into the case's tuples) make up a lesion set.
Members = tuple[tuple[int, ...], tuple[int, ...]]


class TargetSums:
    """Sums of a fixed set of targets at every timepoint, with the running nadir (RECIST 1.1 §4.3.1: the smallest
    sum on study, baseline included; timepoints with a target not evaluated never set it)."""

    __slots__ = ("nadir_before", "sums")

    def __init__(self, case: Case, members: tuple[int, ...]) -> None:
        self.sums: list[int | None] = []
        self.nadir_before: list[int | None] = []
        nadir: int | None = None
        for tp in case.timepoints:
            self.nadir_before.append(nadir)
            values = [tp.diameters_um[i] for i in members]
            total = None if any(v is None for v in values) else sum(v for v in values if v is not None)
            self.sums.append(total)
            if total is not None and (nadir is None or total < nadir):
                nadir = total
        if not members:
            self.sums = [None] * len(self.sums)


def baseline_reason(case: Case, targets: Sequence[Lesion], total: int | None, non_targets: int) -> str:
    if not targets:
        return f"baseline: no targets, {non_targets} non-target{'s' if non_targets != 1 else ''}"
    return f"baseline: {len(targets)} target{'s' if len(targets) != 1 else ''}, sum {mm_text(total or 0)} mm"


class RecistSequence:
    """Computes RECIST 1.1-style timepoint responses for one lesion set; iRECIST and itRECIST reuse its parts."""

    def __init__(self, case: Case, rules: Rules, members: Members | None = None, include_new: bool = True):
        self.case = case
        self.rules = rules
        self.members: Members = members or (tuple(range(len(case.targets))), tuple(range(len(case.non_targets))))
        self.include_new = include_new
        self.new: list[NewLesionsAt] = new_lesion_history(case.timepoints, rules)
        self.table = TargetSums(case, self.members[0])

    def targets_at(self, k: int, *, continuing: bool, previous_cr: bool) -> TargetResult | None:
        members = self.members[0]
        if not members:
            return None
        table = self.table
        tp = self.case.timepoints[k]
        baseline = table.sums[0]
        nadir = table.nadir_before[k]
        assert baseline is not None and nadir is not None  # every target is measured at baseline
        lesions = [self.case.targets[i] for i in members]
        return assess_targets(
            lesions,
            [tp.diameters_um[i] for i in members],
            baseline,
            nadir,
            too_small=frozenset(t.id for t in lesions if t.id in tp.too_small),
            continuing=continuing,
            previous_cr=previous_cr,
            rules=self.rules,
        )

    def non_targets_at(self, k: int, *, previous_cr: bool = False) -> tuple[str | None, str | None]:
        members = self.members[1]
        tp = self.case.timepoints[k]
        return assess_non_targets(
            [self.case.non_targets[i] for i in members],
            [tp.non_target[i] for i in members],
            self.rules,
            previous_cr=previous_cr,
        )

    def baseline_row(self) -> TimepointResult:
        members, nts = self.members
        total = self.table.sums[0]
        tp = self.case.timepoints[0]
        targets = [self.case.targets[i] for i in members]
        return TimepointResult(
            tp.date, 0, total, None, total, None, None, False, None, None,
            (baseline_reason(self.case, targets, total, len(nts)),),
        )  # fmt: skip

    def run(self) -> list[TimepointResult]:
        """Every timepoint, baseline first (``spec/response.md``, "The rules, as ioguide applies them")."""
        settings = self.case.settings
        out = [self.baseline_row()]
        watch = ConfirmationWatch.of(settings, RECIST_CODES)
        continuing = previous_cr = False
        progressed_on: dt.date | None = None
        for k in range(1, len(self.case.timepoints)):
            tp = self.case.timepoints[k]
            target = self.targets_at(k, continuing=continuing and progressed_on is None, previous_cr=previous_cr)
            non_target, nt_reason = self.non_targets_at(k, previous_cr=previous_cr)
            new = self.new[k] if self.include_new else NewLesionsAt((), None, ())
            code, table_reason = overall_response(
                target.response if target else None, non_target, bool(new.counting), self.rules
            )
            reasons = [*(target.reasons if target else ()), *([nt_reason] if nt_reason else []), *new.reasons]
            reasons.append(table_reason)
            progression: dt.date | None = None
            if code == "PD":
                own = tp.date if new.dated is None else min(tp.date, new.dated)
                progressed_on = own if progressed_on is None else min(progressed_on, own)
                progression = progressed_on
            out.append(
                TimepointResult(
                    tp.date, tp.day,
                    target.sum_um if target else None,
                    target.nadir_um if target else None,
                    target.baseline_um if target else None,
                    target.response if target else None,
                    non_target, bool(new.counting), code, progression, tuple(reasons),
                )
            )  # fmt: skip
            if code != "NE":
                previous_cr = code == "CR"
            if watch.observe(tp.day, code) or (not settings.require_confirmation and code in ("CR", "PR")):
                continuing = True
        return out
