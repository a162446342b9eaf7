"""Which of a patient's lesions enter today's injection plan, and at which size, from the patient's case document
(the typed :class:`~ioguide.criteria.values.Case`, parsed once by :func:`ioguide.case.document.case_of`) and the
procedures already recorded.

Rules (each result carries its reason):
- A lesion is planned when it is injected at the visit date, by the case's one rule
  (:func:`ioguide.case.facts.injected_lesions`: itRECIST ``injected`` from baseline, or ``injected_from`` on or
  before the visit; Goldmacher et al., J Clin Oncol 2020).
- Its size is the longest diameter on the latest scan up to the visit date that evaluated it: the T-VEC label
  sizes each injection by the lesion's longest diameter at that visit (IMLYGIC US prescribing information, §2.1,
  Table 2), so an older, larger size must never be used when a newer scan shows the lesion smaller or gone.
- A lesion with no measured diameter, one too small to measure, or one at 0 mm on that scan is not planned, with
  the reason; nothing is guessed.
- The visit is ``first`` (initial concentration) until an injection of that agent has been recorded (label §2.1,
  Table 1: 10^6 PFU/mL first, 10^8 PFU/mL afterwards).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ioguide.case.facts import injected_lesions, latest_size
from ioguide.criteria.values import Case


def _mm(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def candidates(case: Case, on: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Lesions to plan (``id``, ``organ``, ``longest_diameter_mm``, ``on``) and lesions left out with the reason,
    among the lesions injected on ``on`` (:func:`ioguide.case.facts.injected_lesions`)."""
    planned: list[dict[str, Any]] = []
    left_out: list[dict[str, str]] = []
    for lesion in injected_lesions(case, on):
        size = latest_size(case, lesion.id, on)
        if size is None:
            left_out.append({"lesion": lesion.id, "reason": "no measured diameter on any scan: measure it first"})
        elif size.diameter_mm is None:
            left_out.append({"lesion": lesion.id, "reason": f"too small to measure on {size.date}: measure it first"})
        elif size.diameter_mm == 0:
            left_out.append({"lesion": lesion.id, "reason": f"0 mm on {size.date}: gone on the latest scan"})
        else:
            planned.append(
                {
                    "id": lesion.id,
                    "organ": lesion.organ,
                    "longest_diameter_mm": _mm(size.diameter_mm),
                    "on": size.date.isoformat(),
                }
            )
    return planned, left_out


def default_visit(procedures: Sequence[Mapping[str, Any]], agent: str) -> str:
    """``subsequent`` once an injection of ``agent`` has been recorded, else ``first``."""
    done = any(p["kind"] == "injection" and p.get("agent") == agent for p in procedures)
    return "subsequent" if done else "first"
