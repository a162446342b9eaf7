"""iRECIST: RECIST 1.1 with unconfirmed progression (iUPD), its confirmation (iCPD) or reset, and new lesions
followed as new target / new non-target lesions.

Source: Seymour et al., Lancet Oncol 2017;18:e143-52 (Table 2: timepoint response; Table 3: iBOR), and the RECIST
working group FAQ: growth adds up across timepoints (+4 mm then +2 mm confirms); a confirming scan earlier than
4 weeks counts only when done for a symptom and showing an additional new lesion; for non-targets that progressed,
"NC, UNE, NCLA" stays iUPD while "NC, UNE, INCLA" is iCPD. Reappearance after an iCR is progression as in RECIST 1.1
(RECIST working group FAQ, "Does a new lesion always result in PD?").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ioguide.criteria.arithmetic import PD_MIN_INCREASE_UM, meets_pd, mm_text
from ioguide.criteria.components import overall_response
from ioguide.criteria.confirmation import IRECIST_CODES, ConfirmationWatch
from ioguide.criteria.recist11 import RecistSequence
from ioguide.criteria.results import TimepointResult
from ioguide.criteria.rules import RECIST11, Rules
from ioguide.criteria.values import Case, Timepoint

SRC = "iRECIST (Seymour 2017)"
CONFIRM_MIN_DAYS = 28  # iRECIST: confirmation at the next assessment 4-8 weeks after iUPD
NLT_NON_NODAL_MIN_UM = 10_000  # new lesions are measurable by RECIST 1.1 §3.1.1 rules
NLT_NODAL_MIN_UM = 15_000
NLT_MAX = 5  # iRECIST: up to 5 new target lesions, 2 per organ
NLT_MAX_PER_ORGAN = 2
TO_I = {"CR": "iCR", "PR": "iPR", "SD": "iSD", "NON_CR_NON_PD": "NON_iCR_NON_iUPD", "NE": "NE"}


def new_target_ids(timepoints: Sequence[Timepoint]) -> frozenset[str]:
    """New lesions that become new targets (iRECIST: measurable when first seen, at most 5 and 2 per organ, in the
    order first seen); the rest are new non-targets."""
    chosen: list[str] = []
    per_organ: Counter[str] = Counter()
    seen: set[str] = set()
    for tp in timepoints:
        for nl in tp.new_lesions:
            if nl.id in seen:
                continue
            seen.add(nl.id)
            minimum = NLT_NODAL_MIN_UM if nl.nodal else NLT_NON_NODAL_MIN_UM
            measurable = nl.diameter_um is not None and nl.diameter_um >= minimum
            if measurable and len(chosen) < NLT_MAX and per_organ[nl.organ_key] < NLT_MAX_PER_ORGAN:
                chosen.append(nl.id)
                per_organ[nl.organ_key] += 1
    return frozenset(chosen)


@dataclass(frozen=True, slots=True)
class Episode:
    """An open iUPD: the timepoint of its first iUPD and what was measured there (growth is judged against it)."""

    day: int
    date: dt.date
    categories: tuple[str, ...]
    target_sum_um: int | None
    nt_unequivocal: frozenset[str]
    new_ids: frozenset[str]
    nlt_sum_um: int | None
    after_cr: bool = False


class IrecistSequence:
    """The iRECIST state machine over one case's timepoints."""

    def __init__(self, case: Case, rules: Rules = RECIST11, base: RecistSequence | None = None) -> None:
        self.case = case
        self.seq = base or RecistSequence(case, rules)
        self.nlt = new_target_ids(case.timepoints)

    def _nlt_sum(self, k: int, present: Sequence[str], seen_nlt: bool) -> int | None:
        if not seen_nlt:
            return None
        total = 0
        for nl in self.case.timepoints[k].new_lesions:
            if nl.id in self.nlt and nl.id in present:
                if nl.diameter_um is None:
                    return None
                total += nl.diameter_um
        return total

    def run(self, recist: Sequence[TimepointResult]) -> list[TimepointResult]:
        """Every timepoint with iRECIST codes; ``recist`` is the plain RECIST 1.1 result of the same case."""
        case, seq = self.case, self.seq
        settings = case.settings
        base = seq.baseline_row()
        out = [base]
        watch = ConfirmationWatch.of(settings, IRECIST_CODES)
        continuing = previous_cr = False
        episode: Episode | None = None
        confirmed_at: Episode | None = None
        accepted: set[str] = set()
        seen_nlt = False
        nlt_nadir: int | None = None
        for k in range(1, len(case.timepoints)):
            tp = case.timepoints[k]
            # A lesion that reappeared after an iCR keeps meeting progression while it persists: the episode opened
            # after an iCR judges reappearance against that iCR (decision documented in docs/response.md).
            after_cr = previous_cr or (episode is not None and episode.after_cr)
            target = seq.targets_at(k, continuing=continuing, previous_cr=after_cr)
            nt_code, nt_reason = seq.non_targets_at(k, previous_cr=after_cr)
            present = seq.new[k].counting
            seen_nlt = seen_nlt or any(i in self.nlt for i in present)
            nlt_sum = self._nlt_sum(k, present, seen_nlt)
            known = accepted | (episode.new_ids if episode else frozenset())
            additional = [i for i in present if i not in known]
            nt_ids = [t.id for t in case.non_targets]
            unequivocal = frozenset(
                i for i, s in zip(nt_ids, tp.non_target, strict=True) if s == "unequivocal_progression"
            )
            increased = [i for i, s in zip(nt_ids, tp.non_target, strict=True) if s == "increased"]
            nlnt_grew = [nl.id for nl in tp.new_lesions if nl.increased and nl.id in present and nl.id not in self.nlt]
            nlt_pd = nlt_sum is not None and nlt_nadir is not None and meets_pd(nlt_sum, nlt_nadir)
            target_pd = target is not None and target.response == "PD"
            target_sum = target.sum_um if target else None
            reasons: list[str] = [*(target.reasons if target else ()), *([nt_reason] if nt_reason else [])]
            if present:
                kinds = [f"{i} (new {'target' if i in self.nlt else 'non-target'})" for i in present]
                reasons.append(f"{SRC}: new lesions present: {', '.join(kinds)}")
            categories: tuple[str, ...] = ()
            progression: dt.date | None = None

            if confirmed_at is not None:
                code, progression, categories = "iCPD", confirmed_at.date, confirmed_at.categories
                reasons.append(f"{SRC}: progression was confirmed (iCPD) earlier; every later timepoint is iCPD")
            elif episode is None:
                cats = [c for c, hit in (("target", target_pd), ("non_target", nt_code == "PD")) if hit]
                if additional or nlt_pd:
                    cats.append("new_lesions")
                if cats:
                    episode = Episode(
                        tp.day, tp.date, tuple(cats), target_sum, unequivocal, frozenset(present), nlt_sum, previous_cr
                    )
                    code, progression, categories = "iUPD", tp.date, episode.categories
                    continuing = False
                    if nlt_pd and nlt_nadir is not None and nlt_sum is not None:
                        reasons.append(
                            f"{SRC}: new-target sum {mm_text(nlt_sum)} mm >= 1.2 x its nadir {mm_text(nlt_nadir)} mm and +5 mm"
                        )
                    reasons.append(f"{SRC} Table 2: RECIST 1.1 progression in {', '.join(cats)}: iUPD (unconfirmed)")
                else:
                    code = self._response(target.response if target else None, nt_code, present, reasons)
            else:
                eligible = tp.day - episode.day >= CONFIRM_MIN_DAYS or (tp.reason == "symptom" and bool(additional))
                why = self._confirmations(
                    episode,
                    target_pd,
                    target_sum,
                    nt_code,
                    unequivocal,
                    increased,
                    additional,
                    nlt_sum,
                    nlnt_grew,
                    nlt_pd,
                )
                if why and eligible:
                    confirmed_at = episode
                    code, progression, categories = "iCPD", episode.date, episode.categories
                    reasons += why
                    reasons.append(f"{SRC} Table 2: iUPD of {episode.date.isoformat()} confirmed: iCPD")
                elif target is not None and target.response == "NE":
                    code, progression, categories = "NE", None, ()
                    reasons.append(
                        f"{SRC}: targets not all evaluated: NE; the iUPD of {episode.date.isoformat()} stays open"
                    )
                else:
                    if why:
                        reasons.append(
                            f"{SRC}: day {tp.day - episode.day} after the iUPD (< 28 days, not a symptom-driven scan "
                            "with an additional new lesion): cannot confirm"
                        )
                    still = self._still_progressed(
                        episode,
                        target_pd,
                        target_sum,
                        nt_code,
                        present,
                        additional,
                        nlt_sum,
                        nlnt_grew,
                        nlt_pd,
                    )
                    if still:
                        code, progression, categories = "iUPD", episode.date, episode.categories
                        reasons.append(f"{SRC} Table 2: {', '.join(still)} still meet(s) progression: remains iUPD")
                    else:
                        accepted |= set(present)
                        if present and "new_lesions" in episode.categories:
                            reasons.append(
                                f"{SRC}: new lesion(s) {', '.join(present)} persist, but the target sum "
                                f"{mm_text(target_sum or 0)} mm is below {mm_text(episode.target_sum_um or 0)} mm at the "
                                "iUPD and the new lesions did not grow or multiply"
                            )
                        reasons.append(
                            f"{SRC}: the categories that progressed no longer meet RECIST 1.1 PD: the iUPD of "
                            f"{episode.date.isoformat()} is reset"
                        )
                        episode = None
                        code = self._response(target.response if target else None, nt_code, present, reasons)
            if nlt_sum is not None:
                nlt_nadir = nlt_sum if nlt_nadir is None else min(nlt_nadir, nlt_sum)
            out.append(
                TimepointResult(
                    tp.date, tp.day, target_sum,
                    target.nadir_um if target else None,
                    target.baseline_um if target else None,
                    target.response if target else None,
                    nt_code, bool(present), code, progression, tuple(reasons),
                    recist[k].response, categories, nlt_sum,
                )
            )  # fmt: skip
            if code != "NE":
                previous_cr = code == "iCR"
            if watch.observe(tp.day, code) or (not settings.require_confirmation and code in ("iCR", "iPR")):
                continuing = True
        return out

    @staticmethod
    def _response(target: str | None, nt_code: str | None, present: Sequence[str], reasons: list[str]) -> str:
        """iCR / iPR / iSD / NON_iCR_NON_iUPD / NE by RECIST 1.1's tables, new lesions already accounted for;
        never iCR while a new lesion persists (iRECIST Table 2)."""
        plain, _ = overall_response(target, nt_code, False, RECIST11)
        code = TO_I[plain]
        if code == "iCR" and present:
            code = "iPR" if target is not None else "NON_iCR_NON_iUPD"
            reasons.append(f"{SRC}: new lesion(s) {', '.join(present)} persist: not iCR")
        reasons.append(f"{SRC} Table 2: timepoint response {code}")
        return code

    @staticmethod
    def _confirmations(
        ep: Episode,
        target_pd: bool,
        target_sum: int | None,
        nt_code: str | None,
        unequivocal: frozenset[str],
        increased: Sequence[str],
        additional: Sequence[str],
        nlt_sum: int | None,
        nlnt_grew: Sequence[str],
        nlt_pd: bool,
    ) -> list[str]:
        """What confirms the episode's progression, compared with its first iUPD (iRECIST Table 2 and FAQ)."""
        why: list[str] = []
        if "target" in ep.categories:
            if (
                target_sum is not None
                and ep.target_sum_um is not None
                and target_sum - ep.target_sum_um >= PD_MIN_INCREASE_UM
            ):
                why.append(
                    f"{SRC}: target sum {mm_text(target_sum)} mm is +{mm_text(target_sum - ep.target_sum_um)} mm over "
                    f"{mm_text(ep.target_sum_um)} mm at the iUPD (>= 5 mm)"
                )
        elif target_pd:
            why.append(f"{SRC}: targets now meet RECIST 1.1 PD (a category that had not progressed)")
        if "non_target" in ep.categories:
            if increased:
                why.append(f"{SRC}: non-target(s) {', '.join(increased)} increased further")
            newly = sorted(unequivocal - ep.nt_unequivocal)
            if newly:
                why.append(f"{SRC}: non-target(s) {', '.join(newly)} now progress unequivocally")
        elif nt_code == "PD":
            why.append(f"{SRC}: non-targets now meet RECIST 1.1 PD (a category that had not progressed)")
        if additional:
            why.append(f"{SRC}: additional new lesion(s) {', '.join(additional)}")
        if "new_lesions" in ep.categories:
            before = ep.nlt_sum_um or 0
            if nlt_sum is not None and nlt_sum - before >= PD_MIN_INCREASE_UM:
                why.append(
                    f"{SRC}: new-target sum {mm_text(nlt_sum)} mm is +{mm_text(nlt_sum - before)} mm over the iUPD (>= 5 mm)"
                )
            if nlnt_grew:
                why.append(f"{SRC}: new non-target lesion(s) {', '.join(nlnt_grew)} increased")
        elif nlt_pd:
            why.append(f"{SRC}: new-target sum meets RECIST 1.1 PD against its nadir")
        return why

    @staticmethod
    def _still_progressed(
        ep: Episode,
        target_pd: bool,
        target_sum: int | None,
        nt_code: str | None,
        present: Sequence[str],
        additional: Sequence[str],
        nlt_sum: int | None,
        nlnt_grew: Sequence[str],
        nlt_pd: bool,
    ) -> list[str]:
        """The categories that still meet RECIST 1.1 PD (an iUPD resets only when none does)."""
        still = [c for c, hit in (("target", target_pd), ("non_target", nt_code == "PD")) if hit]
        if "new_lesions" in ep.categories:
            if present:
                shrank = target_sum is not None and ep.target_sum_um is not None and target_sum < ep.target_sum_um
                grew = (
                    bool(additional)
                    or bool(nlnt_grew)
                    or (nlt_sum is not None and ep.nlt_sum_um is not None and nlt_sum > ep.nlt_sum_um)
                )
                if not shrank or grew:
                    still.append("new_lesions")
        elif additional or nlt_pd:
            still.append("new_lesions")
        return still
