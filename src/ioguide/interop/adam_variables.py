"""ADaM metadata of the datasets ioguide derives: ADSL, ADRS and ADTTE (CDISC ADaM Implementation Guide v1.3,
2021: §3.2 ADSL, §3.3 BDS; ADaM Basic Data Structure for Time-to-Event Analyses v1.0 for ADTTE), with the
variables and parameter conventions of the pharmaverse oncology templates (admiralonco ``ad_adrs.R``,
``ad_adtte.R``). Dates (``*DT``) are numeric SAS dates (days since 1960-01-01) shown with ``DATE9.``.
"""

from __future__ import annotations

from typing import Literal

from ioguide.interop.sdtm_variables import Domain, Variable

DATE9 = "DATE9."


def _date(name: str, label: str, core: Literal["Req", "Exp", "Perm", "Cond"] = "Exp") -> Variable:
    return Variable(name, label, "Num", core, "Derived", format=DATE9)


ADSL = Domain(
    "ADSL", "Subject-Level Analysis Dataset", "SUBJECT LEVEL ANALYSIS DATASET", "One record per subject",
    ("STUDYID", "USUBJID"),
    (
        Variable("STUDYID", "Study Identifier", "Char", "Req", "Assigned"),
        Variable("USUBJID", "Unique Subject Identifier", "Char", "Req", "Assigned"),
        Variable("SUBJID", "Subject Identifier for the Study", "Char", "Req", "Assigned"),
        Variable("SITEID", "Study Site Identifier", "Char", "Req", "Assigned"),
        Variable("SEX", "Sex", "Char", "Req", "Assigned", "SEX"),
        Variable("TRT01P", "Planned Treatment for Period 01", "Char", "Req", "Derived"),
        Variable("TRT01A", "Actual Treatment for Period 01", "Char", "Req", "Derived"),
        _date("TRTSDT", "Date of First Exposure to Treatment"),
        _date("TRTEDT", "Date of Last Exposure to Treatment"),
        _date("BLSCANDT", "Date of Baseline Tumor Assessment"),
        Variable("SAFFL", "Safety Population Flag", "Char", "Req", "Derived", "NY"),
    ),
)  # fmt: skip

ADRS = Domain(
    "ADRS", "Tumor Response Analysis Dataset", "BASIC DATA STRUCTURE",
    "One record per subject per parameter per analysis date", ("STUDYID", "USUBJID", "PARCAT3", "PARAMCD", "ADT"),
    (
        Variable("STUDYID", "Study Identifier", "Char", "Req", "Assigned"),
        Variable("USUBJID", "Unique Subject Identifier", "Char", "Req", "Assigned"),
        Variable("ASEQ", "Analysis Sequence Number", "Num", "Perm", "Derived"),
        Variable("PARAMCD", "Parameter Code", "Char", "Req", "Assigned"),
        Variable("PARAM", "Parameter", "Char", "Req", "Assigned"),
        Variable("PARCAT1", "Parameter Category 1", "Char", "Perm", "Assigned"),
        Variable("PARCAT2", "Parameter Category 2", "Char", "Perm", "Assigned"),
        Variable("PARCAT3", "Parameter Category 3", "Char", "Perm", "Assigned"),
        Variable("AVALC", "Analysis Value (C)", "Char", "Cond", "Derived"),
        Variable("AVAL", "Analysis Value", "Num", "Cond", "Derived"),
        _date("ADT", "Analysis Date", "Cond"),
        Variable("ADY", "Analysis Relative Day", "Num", "Perm", "Derived"),
        Variable("VISITNUM", "Visit Number", "Num", "Perm", "Derived"),
        Variable("VISIT", "Visit Name", "Char", "Perm", "Derived"),
        Variable("ANL01FL", "Analysis Flag 01", "Char", "Cond", "Derived", "NY"),
        Variable("SRCDOM", "Source Data", "Char", "Perm", "Derived"),
        Variable("SRCVAR", "Source Variable", "Char", "Perm", "Derived"),
        Variable("SRCSEQ", "Source Sequence Number", "Num", "Perm", "Derived"),
    ),
)  # fmt: skip

ADTTE = Domain(
    "ADTTE", "Time-to-Event Analysis Dataset", "BASIC DATA STRUCTURE",
    "One record per subject per parameter", ("STUDYID", "USUBJID", "PARCAT1", "PARAMCD"),
    (
        Variable("STUDYID", "Study Identifier", "Char", "Req", "Assigned"),
        Variable("USUBJID", "Unique Subject Identifier", "Char", "Req", "Assigned"),
        Variable("ASEQ", "Analysis Sequence Number", "Num", "Perm", "Derived"),
        Variable("PARAMCD", "Parameter Code", "Char", "Req", "Assigned"),
        Variable("PARAM", "Parameter", "Char", "Req", "Assigned"),
        Variable("PARCAT1", "Parameter Category 1", "Char", "Perm", "Assigned"),
        Variable("AVAL", "Analysis Value", "Num", "Req", "Derived"),
        Variable("AVALU", "Analysis Value Unit", "Char", "Perm", "Assigned"),
        _date("STARTDT", "Time-to-Event Origin Date for Subject", "Req"),
        _date("ADT", "Analysis Date", "Req"),
        Variable("CNSR", "Censor", "Num", "Req", "Derived"),
        Variable("EVNTDESC", "Event or Censoring Description", "Char", "Perm", "Derived"),
        Variable("SRCDOM", "Source Data", "Char", "Perm", "Derived"),
        Variable("SRCVAR", "Source Variable", "Char", "Perm", "Derived"),
        Variable("SRCSEQ", "Source Sequence Number", "Num", "Perm", "Derived"),
    ),
)  # fmt: skip

ADAM_DOMAINS: dict[str, Domain] = {d.name: d for d in (ADSL, ADRS, ADTTE)}
