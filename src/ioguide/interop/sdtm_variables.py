"""SDTM IG 3.4 metadata for the datasets ioguide writes: variable names, labels, types and order.

Source: CDISC SDTM Implementation Guide v3.4 (2021): §6.3.5.10 TU (Tumor/Lesion Identification), §6.3.5.11 TR
(Tumor/Lesion Results), §6.3.5.12 RS (Disease Response and Clin Classification), §6.1.6 PR (Procedures), §6.1.3 EC
(Exposure as Collected), §8.4 SUPP-- (Supplemental Qualifiers); variable order as in the IG's domain tables (a
subset: variables ioguide cannot fill are left out, never filled with a guess, e.g. --METHOD, --EVAL, --DY).
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
    core: Literal["Req", "Exp", "Perm"]
    origin: Literal["Assigned", "Collected", "Derived"] = "Collected"


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


def _visit(prefix: str) -> tuple[Variable, ...]:
    return (
        Variable("VISITNUM", "Visit Number", "Num", "Exp", "Derived"),
        Variable("VISIT", "Visit Name", "Char", "Perm", "Derived"),
        Variable(
            f"{prefix}DTC", "Date/Time of Collection" if prefix != "RS" else "Date/Time of Assessment", "Char", "Exp"
        ),
    )


TU = Domain(
    "TU", "Tumor/Lesion Identification", "FINDINGS",
    "One record per identified tumor per subject per assessor", ("STUDYID", "USUBJID", "TULNKID"),
    (
        *_ids("TU"),
        Variable("TULNKID", "Link ID", "Char", "Exp"),
        Variable("TUTESTCD", "Tumor/Lesion ID Short Name", "Char", "Req", "Assigned"),
        Variable("TUTEST", "Tumor/Lesion ID Test Name", "Char", "Req", "Assigned"),
        Variable("TUORRES", "Tumor/Lesion ID Result", "Char", "Exp"),
        Variable("TUSTRESC", "Tumor/Lesion ID Result Std. Format", "Char", "Exp", "Derived"),
        Variable("TULOC", "Location of the Tumor/Lesion", "Char", "Exp"),
        *_visit("TU"),
    ),
)  # fmt: skip

TR = Domain(
    "TR", "Tumor/Lesion Results", "FINDINGS",
    "One record per tumor measurement/assessment per visit per subject per assessor",
    ("STUDYID", "USUBJID", "TRLNKID", "TRTESTCD", "VISITNUM"),
    (
        *_ids("TR"),
        Variable("TRGRPID", "Group ID", "Char", "Perm"),
        Variable("TRLNKID", "Link ID", "Char", "Exp"),
        Variable("TRTESTCD", "Tumor/Lesion Assessment Short Name", "Char", "Req", "Assigned"),
        Variable("TRTEST", "Tumor/Lesion Assessment Test Name", "Char", "Req", "Assigned"),
        Variable("TRORRES", "Result or Finding in Original Units", "Char", "Exp"),
        Variable("TRORRESU", "Original Units", "Char", "Exp"),
        Variable("TRSTRESC", "Character Result/Finding in Std Format", "Char", "Exp", "Derived"),
        Variable("TRSTRESN", "Numeric Result/Finding in Standard Units", "Num", "Exp", "Derived"),
        Variable("TRSTRESU", "Standard Units", "Char", "Exp", "Derived"),
        Variable("TRSTAT", "Completion Status", "Char", "Perm"),
        Variable("TRREASND", "Reason Not Done", "Char", "Perm"),
        *_visit("TR"),
    ),
)  # fmt: skip

RS = Domain(
    "RS", "Disease Response and Clin Classification", "FINDINGS",
    "One record per response assessment per visit per subject per assessor",
    ("STUDYID", "USUBJID", "RSCAT", "RSGRPID", "RSTESTCD", "VISITNUM"),
    (
        *_ids("RS"),
        Variable("RSGRPID", "Group ID", "Char", "Perm", "Derived"),
        Variable("RSTESTCD", "Assessment Short Name", "Char", "Req", "Assigned"),
        Variable("RSTEST", "Assessment Name", "Char", "Req", "Assigned"),
        Variable("RSCAT", "Category for Assessment", "Char", "Exp", "Assigned"),
        Variable("RSORRES", "Result or Finding in Original Units", "Char", "Exp", "Derived"),
        Variable("RSSTRESC", "Character Result/Finding in Std Format", "Char", "Exp", "Derived"),
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
        Variable("PRLOC", "Location of Procedure", "Char", "Perm"),
        Variable("PRSTDTC", "Start Date/Time of Procedure", "Char", "Exp"),
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
        Variable("ECDOSU", "Dose Units", "Char", "Exp"),
        Variable("ECROUTE", "Route of Administration", "Char", "Perm"),
        Variable("ECLOC", "Location of Dose Administration", "Char", "Perm"),
        Variable("ECSTDTC", "Start Date/Time of Treatment", "Char", "Exp"),
        Variable("ECENDTC", "End Date/Time of Treatment", "Char", "Exp"),
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


DOMAINS: dict[str, Domain] = {d.name: d for d in (TU, TR, RS, PR, EC, supp(TR), supp(EC))}
