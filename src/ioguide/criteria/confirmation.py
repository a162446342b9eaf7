"""Confirmation of a CR or PR (RECIST 1.1 §4.4.3 and Table 3; Eisenhauer 2009): a response is confirmed by the
first evaluable (not NE) timepoint at least ``min_days`` after it, when that timepoint and every evaluable one in
between are CR (to confirm a CR) or PR or CR (to confirm a PR).

Two statistical-analysis-plan options narrow it (``Settings``; the defaults are the rule above): at most
``max_ne`` NE timepoints between the response and its confirmation (RECIST 1.1 Table 3 tabulates only the
subsequent timepoint and leaves intervening NE to the protocol), and whether a PR after a CR confirms the CR as a
PR (``pr_after_cr``; RECIST 1.1 Table 3: "CR, PR -> SD, PD or PR", note a)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ioguide.criteria.values import Settings


@dataclass(frozen=True, slots=True)
class ResponseCodes:
    """The codes a criterion uses for each response level (RECIST 1.1 or the iRECIST "i" codes)."""

    cr: str
    pr: str
    sd: str
    non_cr_non_pd: str
    pd: str
    ne: str
    unconfirmed_pd: str | None = None


RECIST_CODES = ResponseCodes("CR", "PR", "SD", "NON_CR_NON_PD", "PD", "NE")
IRECIST_CODES = ResponseCodes("iCR", "iPR", "iSD", "NON_iCR_NON_iUPD", "iCPD", "NE", "iUPD")


@dataclass(frozen=True, slots=True)
class ConfirmationRule:
    """What confirms a CR or PR: the minimum days, the most NE timepoints in between (None: any number) and whether
    a PR may follow a CR."""

    min_days: int
    max_ne: int | None = None
    pr_after_cr: bool = True

    @classmethod
    def of(cls, settings: Settings) -> ConfirmationRule:
        return cls(settings.confirmation_min_days, settings.confirmation_max_ne, settings.pr_after_cr_confirms)


@dataclass(frozen=True, slots=True)
class Confirmation:
    """How the CR/PR at one timepoint is confirmed: ``level`` (``cr``/``pr`` code, None when unconfirmed), the
    index of the confirming timepoint, and ``why_not`` when a settings option is what stopped it."""

    level: str | None
    index: int | None
    why_not: str | None = None


def confirmation_of(
    index: int, days: Sequence[int], codes: Sequence[str | None], rule: ConfirmationRule, c: ResponseCodes
) -> Confirmation:
    """How the CR/PR at ``index`` is confirmed. A CR followed only by PRs or CRs confirms as a PR (RECIST 1.1
    Table 3) unless ``rule.pr_after_cr`` is false; more than ``rule.max_ne`` NE timepoints before the confirming
    one leave it unconfirmed."""
    start = codes[index]
    all_cr = start == c.cr
    ne_seen = 0
    for j in range(index + 1, len(codes)):
        code = codes[j]
        if code is None or code == c.ne:
            ne_seen += 1
            if rule.max_ne is not None and ne_seen > rule.max_ne:
                return Confirmation(
                    None, None, f"{ne_seen} NE timepoints after it exceed confirmation_max_ne {rule.max_ne}"
                )
            continue
        if code not in (c.cr, c.pr):
            return Confirmation(None, None)
        if start == c.cr and code == c.pr and not rule.pr_after_cr:
            return Confirmation(None, None, f"a {c.pr} follows it and pr_after_cr_confirms is false")
        all_cr = all_cr and code == c.cr
        if days[j] - days[index] >= rule.min_days:
            return Confirmation(c.cr if all_cr else c.pr, j)
    return Confirmation(None, None)


class ConfirmationWatch:
    """Follows a sequence as it is computed and says when some earlier CR/PR has just been confirmed; the
    continuing-response rule (RECIST working group clarification) starts from that timepoint. Applies the same
    :class:`ConfirmationRule` as :func:`confirmation_of`."""

    __slots__ = ("_c", "_pending", "_rule")

    def __init__(self, rule: ConfirmationRule, codes: ResponseCodes) -> None:
        self._rule = rule
        self._c = codes
        self._pending: list[tuple[int, str, int]] = []  # (day, code, NE timepoints seen since)

    @classmethod
    def of(cls, settings: Settings, codes: ResponseCodes) -> ConfirmationWatch:
        return cls(ConfirmationRule.of(settings), codes)

    def observe(self, day: int, code: str | None) -> bool:
        """Record the response at ``day``; True when it confirms an earlier CR or PR."""
        rule, c = self._rule, self._c
        if code is None or code == c.ne:
            self._pending = [(d, s, n + 1) for d, s, n in self._pending if rule.max_ne is None or n + 1 <= rule.max_ne]
            return False
        if code not in (c.cr, c.pr):
            self._pending.clear()
            return False
        confirmed = False
        still: list[tuple[int, str, int]] = []
        for start, start_code, ne_seen in self._pending:
            if start_code == c.cr and code == c.pr and not rule.pr_after_cr:
                continue
            if day - start >= rule.min_days:
                confirmed = True
            else:
                still.append((start, start_code, ne_seen))
        self._pending = [*still, (day, code, 0)]
        return confirmed
