"""Which of a patient's lesions enter today's injection plan, and at which size, from the patient's case document
(``spec/response.md`` input) and the procedures already recorded.

Rules (each result carries its reason):
- A lesion is planned when it is injected at the visit date: itRECIST ``injected`` (from baseline) or
  ``injected_from`` on or before the visit (Goldmacher et al., J Clin Oncol 2020: non-injected lesions may become
  injected).
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


def latest_measurement(case: Mapping[str, Any], lesion_id: str, on: dt.date) -> tuple[Any, str | None]:
    """The lesion's entry on the latest scan up to ``on`` that evaluated it (a number or ``too_small``) and its
    date; ``(None, None)`` when no scan did."""
    for tp in reversed(case["timepoints"]):
        if dt.date.fromisoformat(tp["date"]) > on:
            continue
        value = tp.get("diameters_mm", {}).get(lesion_id)
        if value is not None and value != "not_evaluated":
            return value, tp["date"]
    return None, None


def candidates(case: Mapping[str, Any], on: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Lesions to plan (``id``, ``organ``, ``longest_diameter_mm``, ``on``) and lesions left out with the reason."""
    planned: list[dict[str, Any]] = []
    left_out: list[dict[str, str]] = []
    for lesion in case["lesions"]:
        start = lesion.get("injected_from")
        injected = lesion.get("injected", False) or (start is not None and dt.date.fromisoformat(start) <= on)
        if not injected:
            continue
        size, when = latest_measurement(case, lesion["id"], on)
        if size is None:
            left_out.append({"lesion": lesion["id"], "reason": "no measured diameter on any scan: measure it first"})
        elif size == "too_small":
            left_out.append({"lesion": lesion["id"], "reason": f"too small to measure on {when}: measure it first"})
        elif size == 0:
            left_out.append({"lesion": lesion["id"], "reason": f"0 mm on {when}: gone on the latest scan"})
        else:
            planned.append({"id": lesion["id"], "organ": lesion["organ"], "longest_diameter_mm": size, "on": when})
    return planned, left_out


def default_visit(procedures: Sequence[Mapping[str, Any]], agent: str) -> str:
    """``subsequent`` once an injection of ``agent`` has been recorded, else ``first``."""
    done = any(p["kind"] == "injection" and p.get("agent") == agent for p in procedures)
    return "subsequent" if done else "first"
