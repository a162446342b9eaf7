"""What a code is called on screen: the one label table that pages, plots and exports use.

Codes are the spellings of ``spec/response.md`` and ``spec/toxicity.md`` (``NON_CR_NON_PD``, ``iUPD``,
``not_evaluated``, ``fever_masked``); a person reads the label. Response abbreviations are the ones the criteria
papers print (RECIST 1.1, Eisenhauer et al. 2009, Table 1: "Non-CR/non-PD"; iRECIST, Seymour et al. 2017:
"iUPD", "iCPD"), so a reader finds the same words in the source. :func:`label` never fails: an unknown code is
shown as itself with underscores as spaces, so a new code is readable before it is added here.
"""

from __future__ import annotations

#: Response categories, short (as printed in the criteria's tables) and long (a tooltip, a legend title).
RESPONSES: dict[str, tuple[str, str]] = {
    "CR": ("CR", "complete response"),
    "PR": ("PR", "partial response"),
    "SD": ("SD", "stable disease"),
    "PD": ("PD", "progressive disease"),
    "NE": ("NE", "not evaluable"),
    "NON_CR_NON_PD": ("Non-CR/non-PD", "neither complete response nor progression (non-target only)"),
    "iCR": ("iCR", "immune complete response"),
    "iPR": ("iPR", "immune partial response"),
    "iSD": ("iSD", "immune stable disease"),
    "iUPD": ("iUPD", "immune unconfirmed progressive disease"),
    "iCPD": ("iCPD", "immune confirmed progressive disease"),
    "NON_iCR_NON_iUPD": ("Non-iCR/non-iUPD", "neither immune complete response nor unconfirmed progression"),
}

CRITERIA: dict[str, str] = {
    "recist1.1": "RECIST 1.1",
    "irecist": "iRECIST",
    "itrecist": "itRECIST",
    "mrecist": "mRECIST",
    "mesothelioma": "mRECIST for mesothelioma (modified RECIST 1.1)",
}

SUBSETS: dict[str, str] = {
    "overall": "all lesions",
    "injected": "injected lesions",
    "non_injected": "non-injected lesions",
}

#: Everything else a page shows by code: non-target statuses, roles, procedure kinds, toxicity inputs.
TERMS: dict[str, str] = {
    "present": "present",
    "absent": "absent",
    "increased": "increased",
    "unequivocal_progression": "unequivocal progression",
    "not_evaluated": "not evaluated",
    "target": "target",
    "non_target": "non-target",
    "injection": "injection",
    "biopsy": "biopsy",
    "ablation": "ablation",
    "embolization": "embolization",
    "infusion": "CAR-T / cell infusion",
    "intratumoral": "intratumoral",
    "intrapleural": "intrapleural",
    "intra_arterial": "intra-arterial",
    "intravenous": "intravenous",
    "intraperitoneal": "intraperitoneal",
    "intraventricular": "intraventricular",
    "fever_masked": "fever masked (antipyretic, tocilizumab or steroid)",
    "hypotension": "hypotension",
    "oxygen": "oxygen need",
    "oxygen_l_min": "oxygen flow (L/min)",
    "consciousness": "level of consciousness",
    "seizure": "seizure",
    "motor_weakness": "motor weakness",
    "cerebral_edema": "cerebral oedema / raised intracranial pressure",
    "age_years": "age (years)",
    "ice_items": "ICE items",
    "unplanned_stay_h": "unplanned stay (hours)",
    "procedure_failed": "procedure failed",
    "resolved_in_session": "resolved in the session",
    "sequelae": "lasting sequelae",
    "death": "death",
    "temp_c": "temperature (°C)",
    "ice_score": "ICE score",
    "capd_score": "CAPD score",
    "crs": "CRS (ASTCT 2019)",
    "icans": "ICANS (ASTCT 2019)",
    "ctcae": "CTCAE",
    "cirse": "CIRSE complication",
    "value": "measured value",
    "unit": "unit",
    "uln": "upper limit of normal (ULN)",
    "lln": "lower limit of normal (LLN)",
    "baseline": "patient's baseline value",
    "baseline_abnormal": "baseline was abnormal",
    "on_anticoagulation": "on anticoagulation",
    "symptomatic": "symptomatic",
    "physiologic_consequences": "physiologic consequences",
    "finding": "clinical finding",
    "duration_h": "duration (hours)",
    "stools_over_baseline_per_day": "stools per day over baseline",
    "specify": "adverse event, in the clinician's words",
    "reason_for_change": "reason for the correction",
}


def response_label(code: str | None) -> str:
    """The short label of a response code ("Non-CR/non-PD"); "not evaluable" for a missing response."""
    if code is None:
        return "not evaluable"
    entry = RESPONSES.get(code)
    return entry[0] if entry else label(code)


def label(code: str | None) -> str:
    """The on-screen label of any code ioguide writes; an unknown code reads as itself, underscores as spaces."""
    if code is None:
        return "—"
    if code in RESPONSES:
        return RESPONSES[code][0]
    if code in CRITERIA:
        return CRITERIA[code]
    if code in SUBSETS:
        return SUBSETS[code]
    return TERMS.get(code, code.replace("_", " "))


#: iRECIST codes stored and filtered under their RECIST 1.1 counterpart (the same colour on the plots).
IMMUNE_COUNTERPART: dict[str, str] = {"CR": "iCR", "PR": "iPR", "SD": "iSD", "NON_CR_NON_PD": "NON_iCR_NON_iUPD"}


def filter_label(code: str) -> str:
    """A response filter's label, naming the iRECIST code it also matches ("PR / iPR")."""
    immune = IMMUNE_COUNTERPART.get(code)
    return f"{response_label(code)} / {response_label(immune)}" if immune else response_label(code)
