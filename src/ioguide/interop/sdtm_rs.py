"""SDTM RS (SDTMIG 3.4 §6.3.5.12): the response engine's results per criterion, in the CDISC oncology terms
(ONCRTSCD / ONCRSR / ONCRSCAT) and the shape the pharmaverse (admiralonco) expects.

Per criterion (RSCAT, CDISC ONCRSCAT: ``RECIST 1.1``, ``iRECIST``, ``itRECIST GOLDMACHER 2020``,
``MRECIST LENCIONI LIVER CANCER 2010``, ``MRECIST ARMATO MESOTHELIOMA 2018``) and follow-up scan: TRGRESP,
NTRGRESP, NEWLIND (Y/N), NEWLPROG (UNEQUIVOCAL / EQUIVOCAL, when the scan lists new lesions) and OVRLRESP,
linked to the scan's TR records by RSLNKGRP; then BESTRESP (the engine's best overall response).

- iRECIST (Seymour et al., Lancet Oncol 2017, Table 2) categories carry iRECIST results: CR -> iCR, PR -> iPR,
  SD -> iSD, NON-CR/NON-PD -> NON-iCR/NON-iUPD, and a progressed category is iUPD, or iCPD once the timepoint
  is iCPD, as in pharmaverse ``rs_onco_irecist``; the same when itRECIST follows iRECIST (``confirm_progression``).
- itRECIST (Goldmacher et al., J Clin Oncol 2020) sub-responses are their own records: RSSCAT ``INJECTED
  LESIONS`` / ``NON-INJECTED LESIONS`` with TRGRESP, NTRGRESP and OVRLRESP (RSSCAT null = the overall response).
- RSEVAL is INVESTIGATOR on every record (RSEVALID and RSACPTFL null, as in pharmaverse ``rs_onco_recist``). A
  timepoint with a signed independent read (``PatientExport.evaluations``) is written again with RSEVAL
  ``INDEPENDENT ASSESSOR``, RSEVALID the reader (CDISC MEDEVAL) and RSACPTFL ``Y``.
"""

from __future__ import annotations

from typing import Any

from ioguide.interop.ct import terminology
from ioguide.interop.sdtm_rows import Rows, Value
from ioguide.interop.sdtm_subject import Subject
from ioguide.interop.terminology import RESPONSE_SDTM as RESULT

#: Criteria -> CDISC ONCRSCAT submission value (C124298).
RSCAT = {
    "recist1.1": "RECIST 1.1",
    "irecist": "iRECIST",
    "itrecist": "itRECIST GOLDMACHER 2020",
    "mrecist": "MRECIST LENCIONI LIVER CANCER 2010",
    "mesothelioma": "MRECIST ARMATO MESOTHELIOMA 2018",
}
IMMUNE = {"CR": "iCR", "PR": "iPR", "SD": "iSD", "NON_CR_NON_PD": "NON_iCR_NON_iUPD", "NE": "NE"}
SUBSETS = {"injected": "INJECTED LESIONS", "non_injected": "NON-INJECTED LESIONS"}


def _immune(component: str, overall: str) -> str:
    """An iRECIST category's result (Seymour 2017 Table 2): a progressed category carries the timepoint's
    progression code (iUPD or iCPD), the others their i-prefixed response."""
    if component == "PD":
        return overall if overall in ("iUPD", "iCPD") else "iUPD"
    return IMMUNE[component]


def _new_lesion_progression(timepoint: dict[str, Any]) -> str | None:
    new = timepoint.get("new_lesions") or []
    if not new:
        return None
    return "EQUIVOCAL" if all(item.get("equivocal") for item in new) else "UNEQUIVOCAL"


class _Writer:
    def __init__(self, subject: Subject) -> None:
        self.subject = subject
        self.rs = Rows("RS", subject.study, subject.usubjid, subject.problems)
        self.ct = terminology()

    def add(self, testcd: str, result: str, cat: str, date: str | None, scat: str | None = None) -> None:
        visit: dict[str, Value] = {"RSDTC": date, "RSDY": self.subject.day(date)}
        link = None
        if date is not None and testcd != "BESTRESP":
            visit = self.subject.visit("RS", date)
            link = self.subject.link_group(date)
        self.rs.add(
            RSLNKGRP=link, RSTESTCD=testcd, RSTEST=self.ct.test_name("ONCRTSCD", "ONCRTS", testcd), RSCAT=cat,
            RSSCAT=scat, RSORRES=result, RSSTRESC=result, RSEVAL="INVESTIGATOR", **visit,
        )  # fmt: skip

    def code(self, value: str, field: str) -> str:
        mapped = RESULT.get(value)
        if mapped is None:
            self.subject.problems.add(
                field, f"response {value!r} has no CDISC ONCRSR term (known: {', '.join(RESULT)})"
            )
            return value
        return mapped


def rs_rows(subject: Subject) -> Rows:
    """RS rows of one subject, from the assessments computed once per criterion (``PatientExport.assessment``)."""
    writer = _Writer(subject)
    case_timepoints = {tp["date"]: tp for tp in subject.case["timepoints"]}
    for criteria in subject.patient.export_criteria():
        assessment = subject.patient.assessment(criteria)
        cat = RSCAT[criteria]
        where = f"subject {subject.usubjid}: {criteria}"
        for i, item in enumerate(assessment["timepoints"]):
            overall = item["response"]
            if overall is None:
                continue
            date, field = item["date"], f"{where}.timepoints[{i}]"
            immune = overall in ("iUPD", "iCPD", "iCR", "iPR", "iSD", "NON_iCR_NON_iUPD")
            for testcd, value in (("TRGRESP", item["target_response"]), ("NTRGRESP", item["non_target_response"])):
                if value is not None:
                    writer.add(testcd, writer.code(_immune(value, overall) if immune else value, field), cat, date)
            writer.add("NEWLIND", "Y" if item["new_lesions"] else "N", cat, date)
            progression = _new_lesion_progression(case_timepoints.get(date, {}))
            if progression is not None:
                writer.add("NEWLPROG", progression, cat, date)
            writer.add("OVRLRESP", writer.code(overall, field), cat, date)
        for name, subset in sorted((assessment.get("subsets") or {}).items()):
            if subset is None:  # itRECIST: a subset with no lesion at all is null (spec/response.md)
                continue
            scat = SUBSETS[name]
            for i, item in enumerate(subset["timepoints"]):
                if item["response"] is None:
                    continue
                date, field = item["date"], f"{where}.subsets.{name}.timepoints[{i}]"
                for testcd, key in (("TRGRESP", "target_response"), ("NTRGRESP", "non_target_response")):
                    if item.get(key) is not None:
                        writer.add(testcd, writer.code(item[key], field), cat, date, scat)
                writer.add("OVRLRESP", writer.code(item["response"], field), cat, date, scat)
        best = assessment["best_overall_response"]
        writer.add("BESTRESP", writer.code(best["response"], f"{where}.best_overall_response"), cat, best["date"])
    _independent_reads(subject, writer.rs)
    return writer.rs


def _independent_reads(subject: Subject, rs: Rows) -> None:
    """The RS records of each timepoint with a signed independent read, again as that reader's accepted records."""
    readers = terminology()["MEDEVAL"]
    follow_ups = {tp["date"] for tp in subject.case["timepoints"][1:]}
    for i, evaluation in enumerate(subject.patient.evaluations):
        field = f"subject {subject.usubjid}: evaluations[{i}]"
        date = evaluation.date.isoformat()
        if date not in follow_ups:
            subject.problems.add(f"{field}.date", f"{date} is not a follow-up scan of the case")
            continue
        if evaluation.evaluator_id not in readers:
            subject.problems.add(
                f"{field}.evaluator_id", f"{evaluation.evaluator_id!r} is not a CDISC MEDEVAL term (e.g. RADIOLOGIST 1)"
            )
            continue
        for row in [
            r for r in rs.rows if r["RSDTC"] == date and r["RSEVAL"] == "INVESTIGATOR" and r["RSTESTCD"] != "BESTRESP"
        ]:
            copy = {k: v for k, v in row.items() if k not in ("STUDYID", "DOMAIN", "USUBJID", "RSSEQ")}
            rs.add(**copy | {"RSEVAL": "INDEPENDENT ASSESSOR", "RSEVALID": evaluation.evaluator_id, "RSACPTFL": "Y"})
