"""Confirmation of a CR or PR (RECIST 1.1 §4.4.3 and Table 3; Eisenhauer 2009): a response is confirmed by the
first evaluable (not NE) timepoint at least ``min_days`` after it, when that timepoint and every evaluable one in
between are CR (to confirm a CR) or PR or CR (to confirm a PR)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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


def confirmation_of(
    index: int, days: Sequence[int], codes: Sequence[str | None], min_days: int, c: ResponseCodes
) -> tuple[str | None, int | None]:
    """How the CR/PR at ``index`` is confirmed: (``c.cr`` or ``c.pr`` or None, index of the confirming timepoint).

    A CR followed only by PRs or CRs confirms as a PR (RECIST 1.1 Table 3)."""
    start = codes[index]
    all_cr = start == c.cr
    for j in range(index + 1, len(codes)):
        code = codes[j]
        if code is None or code == c.ne:
            continue
        if code not in (c.cr, c.pr):
            return None, None
        all_cr = all_cr and code == c.cr
        if days[j] - days[index] >= min_days:
            return (c.cr if all_cr else c.pr), j
    return None, None


class ConfirmationWatch:
    """Follows a sequence as it is computed and says when some earlier CR/PR has just been confirmed; the
    continuing-response rule (RECIST working group clarification) starts from that timepoint."""

    __slots__ = ("_c", "_min_days", "_pending")

    def __init__(self, min_days: int, codes: ResponseCodes) -> None:
        self._min_days = min_days
        self._c = codes
        self._pending: list[int] = []

    def observe(self, day: int, code: str | None) -> bool:
        """Record the response at ``day``; True when it confirms an earlier CR or PR."""
        if code is None or code == self._c.ne:
            return False
        responding = code in (self._c.cr, self._c.pr)
        confirmed = False
        if not responding:
            self._pending.clear()
        else:
            still: list[int] = []
            for start in self._pending:
                if day - start >= self._min_days:
                    confirmed = True
                else:
                    still.append(start)
            self._pending = still
            self._pending.append(day)
        return confirmed
