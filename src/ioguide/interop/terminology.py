"""Code maps shared by the FHIR and SDTM exports: organ -> body site, route, response codes, procedure kinds.

Sources: CDISC SDTM Controlled Terminology (codelists LOC C74456, ROUTE C66729, ONCRSR C96785 as printed in the
SDTMIG 3.4 oncology examples, §6.3.5.10-12); SNOMED CT International (body structure and route concepts; the
codes listed in mCODE STU4's value sets where they appear there: ``mcode-condition-status-trend-vs``,
``mcode-tumor-size-method-vs``, ``mcode-cancer-disease-status-evidence-type-vs``). No terminology server or CDISC
CT file is reachable offline for SNOMED CT (docs/interop.md), so these maps are the whole of what the FHIR export
can code: an organ outside them is a text-only location, a route or response outside them an error that names it,
never a guess. The SDTM export takes its CDISC terms from the shipped CT (``ct``, ``locations``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ioguide.errors import InputError

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
#: ioguide's own code systems, for concepts with no standard code (documented in docs/interop.md).
IOGUIDE_CS = "https://ioguide.org/fhir/CodeSystem"


@dataclass(frozen=True, slots=True)
class Site:
    """One body site: CDISC LOC submission value and SNOMED CT body structure."""

    loc: str
    snomed: str
    display: str


#: Organ names as the case spells them (lower case, ``_`` read as a space) -> body site.
SITES: dict[str, Site] = {
    "adrenal": Site("ADRENAL GLAND", "23451007", "Adrenal gland structure"),
    "adrenal gland": Site("ADRENAL GLAND", "23451007", "Adrenal gland structure"),
    "bone": Site("BONE", "272673000", "Bone structure"),
    "brain": Site("BRAIN", "12738006", "Brain structure"),
    "breast": Site("BREAST", "76752008", "Breast structure"),
    "kidney": Site("KIDNEY", "64033007", "Kidney structure"),
    "liver": Site("LIVER", "10200004", "Liver structure"),
    "lung": Site("LUNG", "39607008", "Lung structure"),
    "lymph node": Site("LYMPH NODE", "59441001", "Structure of lymph node"),
    "pancreas": Site("PANCREAS", "15776009", "Pancreatic structure"),
    "peritoneum": Site("PERITONEUM", "15425007", "Peritoneum (serous membrane) structure"),
    "pleura": Site("PLEURA", "3120008", "Pleural membrane structure"),
    "pleural effusion": Site("PLEURA", "3120008", "Pleural membrane structure"),
    "portal vein": Site("PORTAL VEIN", "32764006", "Portal vein structure"),
    "skin": Site("SKIN", "39937001", "Skin structure"),
    "spleen": Site("SPLEEN", "78961009", "Splenic structure"),
    "subcutaneous": Site("SUBCUTANEOUS TISSUE", "71966008", "Subcutaneous tissue structure"),
    "subcutaneous tissue": Site("SUBCUTANEOUS TISSUE", "71966008", "Subcutaneous tissue structure"),
}


def known_site(organ: str) -> Site | None:
    """The body site of a case's organ, or None; ``pleura level N`` (mesothelioma, Armato & Nowak 2018) is the
    pleura."""
    key = " ".join(organ.lower().replace("_", " ").split())
    if key.startswith("pleura level "):
        key = "pleura"
    return SITES.get(key)


@dataclass(frozen=True, slots=True)
class RouteCode:
    """A route of administration: CDISC ROUTE submission value and SNOMED CT route concept."""

    cdisc: str
    snomed: str
    display: str


ROUTES: dict[str, RouteCode] = {
    "intratumoral": RouteCode("INTRATUMOR", "47017003", "Intratumoral route"),
    "intrapleural": RouteCode("INTRAPLEURAL", "38233002", "Intrapleural route"),
    "intra_arterial": RouteCode("INTRA-ARTERIAL", "58100008", "Intra-arterial route"),
    "intravenous": RouteCode("INTRAVENOUS", "47625008", "Intravenous route"),
    "intraperitoneal": RouteCode("INTRAPERITONEAL", "38239002", "Intraperitoneal route"),
}


def route_for(route: str | None, field: str) -> RouteCode:
    """The route's codes; an injection stored without a route is intratumoral (issue 10: intratumoral injections),
    an infusion always has one (``inputs.REQUIRED``)."""
    route = route or "intratumoral"
    code = ROUTES.get(route)
    if code is None:
        raise InputError.one(
            field, f"route {route!r} has no CDISC ROUTE / SNOMED CT route mapping (known: {', '.join(ROUTES)})"
        )
    return code


#: Criteria -> SDTM RSCAT and the citation a response carries (spec/response.md, "Sources").
CRITERIA: dict[str, tuple[str, str]] = {
    "recist1.1": ("RECIST 1.1", "Eisenhauer et al., Eur J Cancer 2009;45:228-47"),
    "irecist": ("iRECIST", "Seymour et al., Lancet Oncol 2017;18:e143-52"),
    "itrecist": ("itRECIST", "Goldmacher et al., J Clin Oncol 2020;38:2667-76"),
    "mrecist": ("mRECIST", "Lencioni & Llovet, Semin Liver Dis 2010;30:52-60"),
    "mesothelioma": ("MODIFIED RECIST 1.1 MESOTHELIOMA", "Armato & Nowak, J Thorac Oncol 2018;13:1012-21"),
}

#: Response engine codes (spec/response.md) -> CDISC ONCRSR terms (C96785) for SDTM RSORRES/RSSTRESC, as in the
#: pharmaverse ``rs_onco_recist`` / ``rs_onco_irecist`` datasets (checked against the shipped CT by the tests).
RESPONSE_SDTM: dict[str, str] = {
    "CR": "CR", "PR": "PR", "SD": "SD", "PD": "PD", "NE": "NE", "NON_CR_NON_PD": "NON-CR/NON-PD",
    "iCR": "iCR", "iPR": "iPR", "iSD": "iSD", "iUPD": "iUPD", "iCPD": "iCPD", "NON_iCR_NON_iUPD": "NON-iCR/NON-iUPD",
}  # fmt: skip

#: Response code -> mCODE CancerDiseaseStatus value (``mcode-condition-status-trend-vs``, SNOMED CT). iUPD is an
#: observed, not yet confirmed, progression: "worsened" (the observation), with the code itself in the response.
TREND = {
    "improved": ("268910001", "Patient's condition improved (finding)"),
    "stable": ("359746009", "Patient's condition stable (finding)"),
    "worsened": ("271299001", "Patient's condition worsened (finding)"),
    "undetermined": ("709137006", "Patient condition undetermined (finding)"),
}
RESPONSE_TREND: dict[str, str] = {
    "CR": "improved", "PR": "improved", "iCR": "improved", "iPR": "improved",
    "SD": "stable", "iSD": "stable", "NON_CR_NON_PD": "stable", "NON_iCR_NON_iUPD": "stable",
    "PD": "worsened", "iUPD": "worsened", "iCPD": "worsened", "NE": "undetermined",
}  # fmt: skip

#: Procedure kind -> SDTM PRTRT (upper case, as collected) and FHIR display.
PROCEDURE_NAMES: dict[str, str] = {
    "injection": "INTRATUMORAL INJECTION",
    "biopsy": "BIOPSY",
    "ablation": "ABLATION",
    "embolization": "EMBOLIZATION",
    "infusion": "CELL THERAPY INFUSION",
}


def check_code(value: str, table: dict[str, str], field: str, what: str) -> str:
    mapped = table.get(value)
    if mapped is None:
        raise InputError.one(field, f"{what} {value!r} has no mapping (known: {', '.join(table)})")
    return mapped
