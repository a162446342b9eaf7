"""SDTM IG 3.4 metadata for the datasets ioguide writes: variable names, labels, types, order and codelists.

Source: CDISC SDTM Implementation Guide v3.4 (2021): §5.2 DM (Demographics), §6.1.4 EX (Exposure), §6.1.3 EC
(Exposure as Collected), §6.1.6 PR (Procedures), §6.3.5.10 TU (Tumor/Lesion Identification), §6.3.5.11 TR
(Tumor/Lesion Results), §6.3.5.12 RS (Disease Response and Clin Classification), §8.4 SUPP-- (Supplemental
Qualifiers); variable order and core (Req / Exp / Perm) as in the IG's domain tables. Every Exp variable of a
domain's tables that ioguide can fill is here; Perm ones only where filled. ``codelist`` names the CDISC CT
codelist (``data/cdisc/sdtm-ct.json``) a variable's values are taken from; Define-XML lists it.
Lengths are not fixed here: the files carry the longest actual value (FDA Study Data Technical Conformance Guide
§4.1.5), and no character value may exceed 200 bytes (SAS XPORT v5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    label: str
    kind: Literal["Char", "Num"]
    core: Literal["Req", "Exp", "Perm", "Cond"]  # Cond: ADaM conditionally required
    origin: Literal["Assigned", "Collected", "Derived"] = "Collected"
    codelist: str | None = None
    #: SAS display format of a numeric date (ADaM ``*DT``: days since 1960-01-01, ``DATE9.``).
    format: str | None = None
    #: Value-level codelists: (value of the domain's --TESTCD, codelist) pairs overriding ``codelist`` for the
    #: records of that test (RS: NEWLIND results are NY terms, the other responses ONCRSR terms).
    by_test: tuple[tuple[str, str], ...] = ()

    def codelist_for(self, testcd: object) -> str | None:
        return dict(self.by_test).get(str(testcd), self.codelist)


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    label: str
    sdtm_class: str
    structure: str
    keys: tuple[str, ...]
    variables: tuple[Variable, ...]

    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)


def _ids(prefix: str) -> tuple[Variable, ...]:
    return (
        Variable("STUDYID", "Study Identifier", "Char", "Req", "Assigned"),
        Variable("DOMAIN", "Domain Abbreviation", "Char", "Req", "Assigned"),
        Variable("USUBJID", "Unique Subject Identifier", "Char", "Req", "Assigned"),
        Variable(f"{prefix}SEQ", "Sequence Number", "Num", "Req", "Derived"),
    )


def _visit(prefix: str, dy: bool = True) -> tuple[Variable, ...]:
    return (
        Variable("VISITNUM", "Visit Number", "Num", "Exp", "Derived"),
        Variable("VISIT", "Visit Name", "Char", "Perm", "Derived"),
        Variable(
            f"{prefix}DTC", "Date/Time of Collection" if prefix != "RS" else "Date/Time of Assessment", "Char", "Exp"
        ),
        *((Variable(f"{prefix}DY", "Study Day of Visit/Collection/Exam", "Num", "Perm", "Derived"),) if dy else ()),
    )


def _evaluator(prefix: str) -> tuple[Variable, ...]:
    return (
        Variable(f"{prefix}EVAL", "Evaluator", "Char", "Exp", "Assigned", "EVAL"),
        Variable(f"{prefix}EVALID", "Evaluator Identifier", "Char", "Perm", "Assigned", "MEDEVAL"),
        Variable(f"{prefix}ACPTFL", "Accepted Record Flag", "Char", "Perm", "Assigned", "NY"),
    )


TU = Domain(
    "TU", "Tumor/Lesion Identification", "FINDINGS",
    "One record per identified tumor per subject per assessor", ("STUDYID", "USUBJID", "TULNKID"),
    (
        *_ids("TU"),
        Variable("TUGRPID", "Group ID", "Char", "Perm", "Assigned"),
        Variable("TULNKID", "Link ID", "Char", "Exp"),
        Variable("TUTESTCD", "Tumor/Lesion ID Short Name", "Char", "Req", "Assigned", "TUTESTCD"),
        Variable("TUTEST", "Tumor/Lesion ID Test Name", "Char", "Req", "Assigned", "TUTEST"),
        Variable("TUORRES", "Tumor/Lesion ID Result", "Char", "Exp"),
        Variable("TUSTRESC", "Tumor/Lesion ID Result Std. Format", "Char", "Exp", "Derived", "TUIDRS"),
        Variable("TULOC", "Location of the Tumor/Lesion", "Char", "Exp", "Collected", "LOC"),
        Variable("TULAT", "Laterality", "Char", "Perm", "Collected", "LAT"),
        Variable("TUDIR", "Directionality", "Char", "Perm", "Collected", "DIR"),
        Variable("TUPORTOT", "Portion or Totality", "Char", "Perm", "Collected", "PORTOT"),
        Variable("TUMETHOD", "Method of Identification", "Char", "Exp", "Collected", "METHOD"),
        *_evaluator("TU")[:1],
        *_visit("TU"),
    ),
)  # fmt: skip

TR = Domain(
    "TR", "Tumor/Lesion Results", "FINDINGS",
    "One record per tumor measurement/assessment per visit per subject per assessor",
    ("STUDYID", "USUBJID", "TRLNKID", "TRTESTCD", "VISITNUM"),
    (
        *_ids("TR"),
        Variable("TRGRPID", "Group ID", "Char", "Perm", "Assigned"),
        Variable("TRLNKID", "Link ID", "Char", "Exp"),
        Variable("TRLNKGRP", "Link Group ID", "Char", "Exp", "Assigned"),
        Variable("TRTESTCD", "Tumor/Lesion Assessment Short Name", "Char", "Req", "Assigned", "TRTESTCD"),
        Variable("TRTEST", "Tumor/Lesion Assessment Test Name", "Char", "Req", "Assigned", "TRTEST"),
        Variable("TRORRES", "Result or Finding in Original Units", "Char", "Exp"),
        Variable("TRORRESU", "Original Units", "Char", "Exp", "Collected", "UNIT"),
        Variable("TRSTRESC", "Character Result/Finding in Std Format", "Char", "Exp", "Derived"),
        Variable("TRSTRESN", "Numeric Result/Finding in Standard Units", "Num", "Exp", "Derived"),
        Variable("TRSTRESU", "Standard Units", "Char", "Exp", "Derived", "UNIT"),
        Variable("TRSTAT", "Completion Status", "Char", "Perm", "Collected", "ND"),
        Variable("TRREASND", "Reason Not Done", "Char", "Perm"),
        Variable("TRMETHOD", "Method of Test or Examination", "Char", "Exp", "Collected", "METHOD"),
        *_evaluator("TR")[:1],
        *_visit("TR"),
    ),
)  # fmt: skip

RS = Domain(
    "RS", "Disease Response and Clin Classification", "FINDINGS",
    "One record per response assessment per visit per subject per assessor",
    ("STUDYID", "USUBJID", "RSCAT", "RSSCAT", "RSTESTCD", "RSEVAL", "RSEVALID", "VISITNUM"),
    (
        *_ids("RS"),
        Variable("RSLNKGRP", "Link Group ID", "Char", "Perm", "Assigned"),
        Variable("RSTESTCD", "Assessment Short Name", "Char", "Req", "Assigned", "ONCRTSCD"),
        Variable("RSTEST", "Assessment Name", "Char", "Req", "Assigned", "ONCRTS"),
        Variable("RSCAT", "Category for Assessment", "Char", "Exp", "Assigned", "ONCRSCAT"),
        Variable("RSSCAT", "Subcategory for Assessment", "Char", "Perm", "Assigned"),
        Variable("RSORRES", "Result or Finding in Original Units", "Char", "Exp", "Derived"),
        Variable(
            "RSSTRESC", "Character Result/Finding in Std Format", "Char", "Exp", "Derived", "ONCRSR",
            by_test=(("NEWLIND", "NY"),),
        ),
        *_evaluator("RS"),
        *_visit("RS"),
    ),
)  # fmt: skip

PR = Domain(
    "PR", "Procedures", "INTERVENTIONS", "One record per recorded procedure per lesion per occurrence per subject",
    ("STUDYID", "USUBJID", "PRTRT", "PRSTDTC", "PRLNKID"),
    (
        *_ids("PR"),
        Variable("PRSPID", "Sponsor-Defined Identifier", "Char", "Perm", "Assigned"),
        Variable("PRLNKID", "Link ID", "Char", "Perm"),
        Variable("PRTRT", "Reported Name of Procedure", "Char", "Req"),
        Variable("PRCAT", "Category", "Char", "Perm", "Assigned"),
        Variable("PRLOC", "Location of Procedure", "Char", "Perm", "Collected", "LOC"),
        Variable("PRLAT", "Laterality", "Char", "Perm", "Collected", "LAT"),
        Variable("PRSTDTC", "Start Date/Time of Procedure", "Char", "Exp"),
        Variable("PRSTDY", "Study Day of Start of Procedure", "Num", "Perm", "Derived"),
    ),
)  # fmt: skip

EC = Domain(
    "EC", "Exposure as Collected", "INTERVENTIONS", "One record per administration per lesion per subject",
    ("STUDYID", "USUBJID", "ECTRT", "ECSTDTC", "ECLNKID"),
    (
        *_ids("EC"),
        Variable("ECSPID", "Sponsor-Defined Identifier", "Char", "Perm", "Assigned"),
        Variable("ECLNKID", "Link ID", "Char", "Perm"),
        Variable("ECTRT", "Name of Treatment", "Char", "Req"),
        Variable("ECDOSE", "Dose", "Num", "Exp"),
        Variable("ECDOSU", "Dose Units", "Char", "Exp", "Collected", "UNIT"),
        Variable("ECROUTE", "Route of Administration", "Char", "Perm", "Collected", "ROUTE"),
        Variable("ECLOC", "Location of Dose Administration", "Char", "Perm", "Collected", "LOC"),
        Variable("ECSTDTC", "Start Date/Time of Treatment", "Char", "Exp"),
        Variable("ECENDTC", "End Date/Time of Treatment", "Char", "Exp"),
    ),
)  # fmt: skip

EX = Domain(
    "EX", "Exposure", "INTERVENTIONS", "One record per administration per lesion per subject",
    ("STUDYID", "USUBJID", "EXTRT", "EXSTDTC", "EXLNKID"),
    (
        *_ids("EX"),
        Variable("EXSPID", "Sponsor-Defined Identifier", "Char", "Perm", "Assigned"),
        Variable("EXLNKID", "Link ID", "Char", "Perm"),
        Variable("EXTRT", "Name of Treatment", "Char", "Req"),
        Variable("EXDOSE", "Dose", "Num", "Exp"),
        Variable("EXDOSU", "Dose Units", "Char", "Exp", "Collected", "UNIT"),
        Variable("EXROUTE", "Route of Administration", "Char", "Perm", "Collected", "ROUTE"),
        Variable("EXLOC", "Location of Dose Administration", "Char", "Perm", "Collected", "LOC"),
        Variable("EXLAT", "Laterality", "Char", "Perm", "Collected", "LAT"),
        Variable("EXSTDTC", "Start Date/Time of Treatment", "Char", "Exp"),
        Variable("EXENDTC", "End Date/Time of Treatment", "Char", "Exp"),
        Variable("EXSTDY", "Study Day of Start of Treatment", "Num", "Perm", "Derived"),
        Variable("EXENDY", "Study Day of End of Treatment", "Num", "Perm", "Derived"),
    ),
)  # fmt: skip

DM = Domain(
    "DM", "Demographics", "SPECIAL PURPOSE", "One record per subject", ("STUDYID", "USUBJID"),
    (
        Variable("STUDYID", "Study Identifier", "Char", "Req", "Assigned"),
        Variable("DOMAIN", "Domain Abbreviation", "Char", "Req", "Assigned"),
        Variable("USUBJID", "Unique Subject Identifier", "Char", "Req", "Assigned"),
        Variable("SUBJID", "Subject Identifier for the Study", "Char", "Req"),
        Variable("RFSTDTC", "Subject Reference Start Date/Time", "Char", "Exp", "Derived"),
        Variable("RFENDTC", "Subject Reference End Date/Time", "Char", "Exp", "Derived"),
        Variable("RFXSTDTC", "Date/Time of First Study Treatment", "Char", "Exp", "Derived"),
        Variable("RFXENDTC", "Date/Time of Last Study Treatment", "Char", "Exp", "Derived"),
        Variable("SITEID", "Study Site Identifier", "Char", "Req", "Assigned"),
        Variable("BRTHDTC", "Date/Time of Birth", "Char", "Perm"),
        Variable("AGE", "Age", "Num", "Exp", "Derived"),
        Variable("AGEU", "Age Units", "Char", "Exp", "Assigned", "AGEU"),
        Variable("SEX", "Sex", "Char", "Req", "Collected", "SEX"),
        Variable("ARMCD", "Planned Arm Code", "Char", "Exp", "Assigned"),
        Variable("ARM", "Description of Planned Arm", "Char", "Exp", "Assigned"),
        Variable("ACTARMCD", "Actual Arm Code", "Char", "Exp", "Assigned"),
        Variable("ACTARM", "Description of Actual Arm", "Char", "Exp", "Assigned"),
        Variable("ARMNRS", "Reason Arm and/or Actual Arm is Null", "Char", "Exp", "Assigned"),
        Variable("COUNTRY", "Country", "Char", "Req", "Assigned"),
    ),
)  # fmt: skip


def supp(parent: Domain) -> Domain:
    """SUPP-- for ``parent`` (SDTMIG 3.4 §8.4.1)."""
    return Domain(
        f"SUPP{parent.name}", f"Supplemental Qualifiers for {parent.name}", "RELATIONSHIP",
        "One record per supplemental qualifier per related parent domain record",
        ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"),
        (
            Variable("STUDYID", "Study Identifier", "Char", "Req", "Assigned"),
            Variable("RDOMAIN", "Related Domain Abbreviation", "Char", "Req", "Assigned"),
            Variable("USUBJID", "Unique Subject Identifier", "Char", "Req", "Assigned"),
            Variable("IDVAR", "Identifying Variable", "Char", "Exp", "Assigned"),
            Variable("IDVARVAL", "Identifying Variable Value", "Char", "Exp", "Assigned"),
            Variable("QNAM", "Qualifier Variable Name", "Char", "Req", "Assigned"),
            Variable("QLABEL", "Qualifier Variable Label", "Char", "Req", "Assigned"),
            Variable("QVAL", "Data Value", "Char", "Req"),
            Variable("QORIG", "Origin", "Char", "Req", "Assigned"),
        ),
    )  # fmt: skip


DOMAINS: dict[str, Domain] = {d.name: d for d in (DM, TU, TR, RS, PR, EC, EX, supp(TU), supp(TR), supp(EC))}
