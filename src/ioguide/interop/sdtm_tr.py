"""SDTM TR (SDTMIG 3.4 §6.3.5.11): every measurement and state of every lesion at every scan, and the sum of
diameters per scan, with the CDISC TRTESTCD terms:

- LDIAM (longest diameter) for a non-nodal target; LPERP (longest perpendicular, CDISC's only short-axis code)
  for a nodal one; LESTHICK (lesion thickness) for a mesothelioma pleural site (Armato & Nowak 2018); VDIAM
  (viable diameter) for a non-nodal target of an mRECIST case (Lencioni & Llovet 2010);
- SUMDIAM (sum of diameters: long axes and nodal short axes, RECIST 1.1 §4.3.1), SUMVDIAM for mRECIST, from the
  response engine's ``sum_mm`` (TRSTAT NOT DONE when a target was not evaluated, the engine's null sum);
- TUMSTATE for non-target and new lesions in TRPROPRS terms: PRESENT, ABSENT, INCREASED (larger, not
  unequivocal), UNEQUIVOCAL (unequivocal progression), EQUIVOCAL (an equivocal new lesion).
``too_small`` is TRORRES ``TOO SMALL TO MEASURE`` with TRSTRESN 5 (RECIST 1.1 appendix I); a lesion not
evaluated at a scan (``not_evaluated`` or absent from the scan) is TRSTAT ``NOT DONE``. TRLNKGRP groups a scan's
records for RS (``sdtm_subject``); TRMETHOD is the scan's imaging method; TREVAL INVESTIGATOR. The itRECIST
injected flag is SUPPTR.INJECTED per lesion record (Y from ``injected_from`` on).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ioguide.case.facts import injected_at
from ioguide.criteria.values import Case
from ioguide.interop.ct import terminology
from ioguide.interop.sdtm_rows import Rows, Value, number_text
from ioguide.interop.sdtm_subject import Subject

NON_TARGET_STATE = {
    "present": "PRESENT",
    "absent": "ABSENT",
    "increased": "INCREASED",
    "unequivocal_progression": "UNEQUIVOCAL",
}
NOT_DONE: dict[str, Value] = {"TRSTAT": "NOT DONE", "TRREASND": "NOT EVALUATED"}


def _test(testcd: str) -> dict[str, Value]:
    return {"TRTESTCD": testcd, "TRTEST": terminology().test_name("TRTESTCD", "TRTEST", testcd)}


def measurement_code(lesion: dict[str, Any], criteria: str) -> str:
    if lesion.get("pleural"):
        return "LESTHICK"
    if lesion.get("nodal"):
        return "LPERP"
    return "VDIAM" if criteria == "mrecist" else "LDIAM"


def _measurement(testcd: str, value: Any) -> dict[str, Value]:
    out = _test(testcd)
    if value == "not_evaluated" or value is None:
        return out | NOT_DONE
    if value == "too_small":
        return out | {
            "TRORRES": "TOO SMALL TO MEASURE", "TRORRESU": "mm", "TRSTRESC": "5", "TRSTRESN": 5.0, "TRSTRESU": "mm",
        }  # fmt: skip
    text = number_text(value)
    return out | {"TRORRES": text, "TRORRESU": "mm", "TRSTRESC": text, "TRSTRESN": float(value), "TRSTRESU": "mm"}


def _state(code: str) -> dict[str, Value]:
    return _test("TUMSTATE") | {"TRORRES": code, "TRSTRESC": code}


def _injected(typed: Case, lesion: dict[str, Any], date: str) -> str:
    """Y when the lesion is injected on the scan date: the case's one rule (``ioguide.case.facts.injected_at``)."""
    return "Y" if injected_at(typed, lesion["id"], dt.date.fromisoformat(date)) else "N"


def tr_rows(subject: Subject, sums: list[float | None]) -> tuple[Rows, Rows]:
    """TR and SUPPTR rows of one subject; ``sums`` is the engine's ``sum_mm`` per timepoint."""
    tr = Rows("TR", subject.study, subject.usubjid, subject.problems)
    supptr = Rows("SUPPTR", subject.study, subject.usubjid, subject.problems)
    case = subject.case
    typed = subject.patient.typed_case()
    criteria = str(case.get("criteria") or "recist1.1")
    itrecist = criteria == "itrecist" or "itrecist" in subject.patient.export_criteria()
    targets = [lesion for lesion in case["lesions"] if lesion["role"] == "target"]
    non_targets = [lesion for lesion in case["lesions"] if lesion["role"] == "non_target"]
    sum_code = "SUMVDIAM" if criteria == "mrecist" else "SUMDIAM"
    for t, timepoint in enumerate(case["timepoints"]):
        date = timepoint["date"]
        common: dict[str, Value] = {
            "TRLNKGRP": subject.link_group(date), "TRMETHOD": subject.method(date), "TREVAL": "INVESTIGATOR",
            **subject.visit("TR", date),
        }  # fmt: skip
        diameters = timepoint.get("diameters_mm", {})
        for lesion in targets:
            value = diameters.get(lesion["id"], "not_evaluated")
            row = tr.add(
                TRGRPID="TARGET", TRLNKID=lesion["id"], **_measurement(measurement_code(lesion, criteria), value),
                **common,
            )  # fmt: skip
            if itrecist:
                tr.supp(supptr, row, "INJECTED", "Injected Lesion Flag", _injected(typed, lesion, date))
        if targets:
            total = sums[t] if t < len(sums) else None
            tr.add(TRGRPID="TARGET", **_measurement(sum_code, total), **common)
        states = timepoint.get("non_target", {})
        for lesion in non_targets:
            status = states.get(lesion["id"], "present" if t == 0 else "not_evaluated")
            values = _test("TUMSTATE") | NOT_DONE if status == "not_evaluated" else _state(NON_TARGET_STATE[status])
            row = tr.add(TRGRPID="NON-TARGET", TRLNKID=lesion["id"], **values, **common)
            if itrecist:
                tr.supp(supptr, row, "INJECTED", "Injected Lesion Flag", _injected(typed, lesion, date))
        for new in timepoint.get("new_lesions", []):
            state = "EQUIVOCAL" if new.get("equivocal") else "INCREASED" if new.get("increased") else "PRESENT"
            tr.add(TRGRPID="NEW", TRLNKID=new["id"], **_state(state), **common)
            if new.get("diameter_mm") is not None:
                testcd = measurement_code(new, criteria)
                tr.add(TRGRPID="NEW", TRLNKID=new["id"], **_measurement(testcd, new["diameter_mm"]), **common)
    return tr, supptr
