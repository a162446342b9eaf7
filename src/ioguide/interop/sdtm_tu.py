"""SDTM TU (SDTMIG 3.4 §6.3.5.10): one record per lesion, target and non-target at baseline, new lesions at the
scan that first shows them, with TULOC / TULAT / TUDIR / TUPORTOT from the CDISC LOC, LAT, DIR and PORTOT
codelists (``locations``). TULNKID is the case's lesion id (``identity``); TR links to it by TRLNKID.

An organ that no LOC term matches goes to TULOC as entered (upper case) and SUPPTU ``TULOCNCT`` records it
("location not in CDISC LOC"), so the export never stops on a free-text location (pharmaverse ``tu_onco`` uses
the same extensible codelist).
"""

from __future__ import annotations

from typing import Any

from ioguide.interop.ct import terminology
from ioguide.interop.locations import location_for
from ioguide.interop.sdtm_rows import Rows, Value
from ioguide.interop.sdtm_subject import Subject

ROLE = {"target": "TARGET", "non_target": "NON-TARGET"}


def location_values(prefix: str, organ: str) -> tuple[dict[str, Value], bool]:
    """--LOC / --LAT / --DIR / --PORTOT of an organ, and whether LOC matched (for PR/EC/EX too)."""
    where = location_for(organ)
    values: dict[str, Value] = {f"{prefix}LOC": where.loc, f"{prefix}LAT": where.lat}
    if prefix == "TU":
        values |= {"TUDIR": where.dir, "TUPORTOT": where.portot}
    return values, where.mapped


def tu_rows(subject: Subject) -> tuple[Rows, Rows, set[tuple[str, str]]]:
    """TU and SUPPTU rows of one subject, and the (variable, value) pairs that are sponsor extensions of LOC."""
    tu = Rows("TU", subject.study, subject.usubjid, subject.problems)
    supptu = Rows("SUPPTU", subject.study, subject.usubjid, subject.problems)
    extended: set[tuple[str, str]] = set()
    test = terminology().test_name("TUTESTCD", "TUTEST", "TUMIDENT")

    def add(lesion: dict[str, Any], result: str, date: str) -> None:
        location, mapped = location_values("TU", str(lesion["organ"]))
        row = tu.add(
            TUGRPID=result, TULNKID=str(lesion["id"]), TUTESTCD="TUMIDENT", TUTEST=test, TUORRES=result,
            TUSTRESC=result, **location, TUMETHOD=subject.method(date), TUEVAL="INVESTIGATOR",
            **subject.visit("TU", date),
        )  # fmt: skip
        if not mapped:
            extended.add(("LOC", str(location["TULOC"])))
            tu.supp(supptu, row, "TULOCNCT", "Location Not in CDISC LOC Codelist", str(lesion["organ"])[:200])

    timepoints = subject.case["timepoints"]
    for lesion in subject.case["lesions"]:
        add(lesion, ROLE[lesion["role"]], timepoints[0]["date"])
    seen: set[str] = set()
    for timepoint in timepoints:
        for new in timepoint.get("new_lesions", []):
            if new["id"] not in seen:
                seen.add(new["id"])
                add(new, "NEW", timepoint["date"])
    return tu, supptu, extended
