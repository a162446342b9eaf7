"""ADRS (ADaMIG 1.3 BDS) from SDTM RS, as the pharmaverse derives it (admiralonco ``ad_adrs.R`` template and
``derive_param_confirmed_bor``), with the usual SAP choices as documented options (:class:`AdrsOptions`).

Source records: RS with RSEVAL ``INVESTIGATOR`` (the admiralonco template's filter), one criterion per PARCAT3
(the RSCAT). Parameters, each per criterion:

- ``OVR`` overall response per visit (RSTESTCD OVRLRESP, RSSCAT null); ``OVRINJ`` / ``OVRNINJ`` the itRECIST
  injected / non-injected lesion responses (Goldmacher et al., J Clin Oncol 2020) per visit. ANL01FL ``Y`` on
  the one record per date kept for analysis (the worst, as the template's extreme flag).
- ``BOR`` best overall response without confirmation, ``CBOR`` confirmed best overall response, and ``BORINJ`` /
  ``CBORINJ`` / ``BORNINJ`` / ``CBORNINJ`` for the itRECIST subsets. The assessments counted end with the first
  PD (iRECIST: iCPD), as ``source_pd`` in admiralonco. In order, first date winning a tie:
  CR; PR; SD (a CR, PR or SD at least ``sd_min_days`` after the reference date); NON-CR/NON-PD (at least
  ``sd_min_days`` after it); PD; NE (NE, or any of the above too early); MISSING (no assessment).
  For CBOR a CR counts only when confirmed by a CR at least ``confirmation_min_days`` later with only CR or NE
  in between (and the confirming one), a PR only when confirmed by a CR or PR at least ``confirmation_min_days``
  later with only CR, PR, NE (and SD if ``accept_sd``, at most one) in between; otherwise they count as SD.
  iRECIST (Seymour et al., Lancet Oncol 2017) results are derived on the same rules with iCR, iPR, iSD,
  NON-iCR/NON-iUPD and iCPD in the places of CR, PR, SD, NON-CR/NON-PD and PD, and iUPD (unconfirmed
  progression, which does not end the window and breaks a confirmation) ranked between iCPD and NE.

AVAL: CR 1, PR 2, SD 3, NON-CR/NON-PD 4, PD 5, NE 6, MISSING 7 (admiralonco ``aval_resp``); iRECIST the same
with iUPD 5.5 between iCPD and NE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ioguide.interop.adam_adsl import from_sas, sas_date
from ioguide.interop.sdtm_rows import Dataset, Value

#: Results in the derivation's common codes: iRECIST results map onto RECIST 1.1 places.
COMMON = {
    "CR": "CR", "PR": "PR", "SD": "SD", "NON-CR/NON-PD": "NON", "PD": "PD", "NE": "NE",
    "iCR": "CR", "iPR": "PR", "iSD": "SD", "NON-iCR/NON-iUPD": "NON", "iCPD": "PD", "iUPD": "UPD",
}  # fmt: skip
RECIST = {"CR": "CR", "PR": "PR", "SD": "SD", "NON": "NON-CR/NON-PD", "PD": "PD", "NE": "NE", "MISSING": "MISSING"}
IMMUNE = {
    "CR": "iCR", "PR": "iPR", "SD": "iSD", "NON": "NON-iCR/NON-iUPD", "PD": "iCPD", "UPD": "iUPD", "NE": "NE",
    "MISSING": "MISSING",
}  # fmt: skip
ORDER = ("CR", "PR", "SD", "NON", "PD", "UPD", "NE", "MISSING")
AVAL = {"CR": 1.0, "PR": 2.0, "SD": 3.0, "NON": 4.0, "PD": 5.0, "UPD": 5.5, "NE": 6.0, "MISSING": 7.0}
#: Per-visit parameter -> (RSSCAT, PARAM, best parameter codes).
VISIT_PARAMS = {
    "OVR": (None, "Overall Response by Investigator", ("BOR", "CBOR")),
    "OVRINJ": ("INJECTED LESIONS", "Overall Response of Injected Lesions by Investigator", ("BORINJ", "CBORINJ")),
    "OVRNINJ": (
        "NON-INJECTED LESIONS",
        "Overall Response of Non-injected Lesions by Investigator",
        ("BORNINJ", "CBORNINJ"),
    ),
}
BEST_PARAM = {
    "BOR": "Best Overall Response by Investigator",
    "CBOR": "Best Confirmed Overall Response by Investigator",
    "BORINJ": "Best Overall Response of Injected Lesions by Investigator",
    "CBORINJ": "Best Confirmed Overall Response of Injected Lesions by Investigator",
    "BORNINJ": "Best Overall Response of Non-injected Lesions by Investigator",
    "CBORNINJ": "Best Confirmed Overall Response of Non-injected Lesions by Investigator",
}


@dataclass(frozen=True, slots=True)
class AdrsOptions:
    """The SAP choices of the best-response derivation (admiralonco's arguments in brackets).

    - ``confirmation_min_days`` (``ref_confirm``, 28): days from a response to its confirmation;
    - ``sd_min_days`` (``ref_start_window``, 42): days from the reference date before SD counts;
    - ``sd_reference`` (``reference_date``): ``treatment_start`` (ADSL.TRTSDT, admiralonco's template) or
      ``baseline_scan`` (ADSL.BLSCANDT, as ioguide's response engine, spec/response.md); a subject without that
      date has no SD (its assessments count as NE: no reference, no guess);
    - ``max_ne_between`` (``max_nr_ne``, 1): NE assessments allowed between a response and its confirmation;
      None for no limit (ioguide's engine skips NE);
    - ``pr_after_cr`` (False, admiralonco): whether a PR may follow a CR inside the confirmation window, so that
      a CR followed by a PR is a confirmed PR (RECIST 1.1 §4.4.1 as ioguide's engine applies it);
    - ``accept_sd`` (``accept_sd``, False): one SD allowed between a PR and its confirmation;
    - ``sd_last_counts`` (True): whether an SD that is the subject's last assessment counts as SD; False
      when the SAP asks for a follow-up assessment after it;
    - ``missing_as_ne`` (``missing_as_ne``, False): a subject with no assessment after baseline is NE rather
      than MISSING (ioguide's engine says NE).
    """

    confirmation_min_days: int = 28
    sd_min_days: int = 42
    sd_reference: Literal["treatment_start", "baseline_scan"] = "treatment_start"
    max_ne_between: int | None = 1
    pr_after_cr: bool = False
    accept_sd: bool = False
    sd_last_counts: bool = True
    missing_as_ne: bool = False

    @classmethod
    def as_ioguide_engine(cls, confirmation_min_days: int = 28, sd_min_days: int = 42) -> AdrsOptions:
        """The choices of ioguide's own response engine (spec/response.md), for a side-by-side check."""
        return cls(confirmation_min_days, sd_min_days, "baseline_scan", None, True, False, True, True)


@dataclass(frozen=True, slots=True)
class Response:
    date: dt.date
    code: str  # one of ORDER
    row: dict[str, Value]


def _confirmed(records: list[Response], i: int, target: str, opts: AdrsOptions) -> bool:
    """Whether ``records[i]`` is a ``target`` (CR or PR) confirmed as admiralonco's ``filter_confirmation``."""
    want = {"CR"} if target == "CR" else {"CR", "PR"}
    allowed = {"CR", "NE"} if target == "CR" else {"CR", "PR", "NE"} | ({"SD"} if opts.accept_sd else set())
    start = records[i].date + dt.timedelta(days=opts.confirmation_min_days)
    j = next((k for k in range(i + 1, len(records)) if records[k].code in want and records[k].date >= start), None)
    if j is None:
        return False
    between = [r.code for r in records[i + 1 : j + 1]]
    if not set(between) <= allowed or between.count("SD") > 1:
        return False
    if opts.max_ne_between is not None and between.count("NE") > opts.max_ne_between:
        return False
    if target == "PR" and not opts.pr_after_cr and "CR" in between:
        last_pr = max((k for k, code in enumerate(between) if code == "PR"), default=-1)
        return between.index("CR") > last_pr
    return True


def best_response(
    records: list[Response], reference: dt.date | None, opts: AdrsOptions, confirm: bool
) -> tuple[str, Response | None]:
    """The best response code and the record that set it (None for MISSING), admiralonco's rules (module doc)."""
    ordered = sorted(records, key=lambda r: r.date)
    window: list[Response] = []
    for record in ordered:
        window.append(record)
        if record.code == "PD":
            break
    if not window:
        return ("NE" if opts.missing_as_ne else "MISSING"), None
    candidates: list[tuple[int, dt.date, str, Response]] = []
    for i, record in enumerate(window):
        code = record.code
        if code == "CR" and (not confirm or _confirmed(window, i, "CR", opts)):
            candidates.append((ORDER.index("CR"), record.date, "CR", record))
        elif code == "CR" and opts.pr_after_cr and _confirmed(window, i, "PR", opts):
            candidates.append((ORDER.index("PR"), record.date, "PR", record))
        if code == "PR" and (not confirm or _confirmed(window, i, "PR", opts)):
            candidates.append((ORDER.index("PR"), record.date, "PR", record))
        if code in ("CR", "PR", "SD", "NON"):
            late = reference is not None and record.date >= reference + dt.timedelta(days=opts.sd_min_days)
            last_sd = code in ("SD", "NON") and record is ordered[-1] and not opts.sd_last_counts
            derived = ("NON" if code == "NON" else "SD") if late and not last_sd else "NE"
            candidates.append((ORDER.index(derived), record.date, derived, record))
        else:
            candidates.append((ORDER.index(code), record.date, code, record))
    _, _, code, chosen = min(candidates, key=lambda c: (c[0], c[1]))
    return code, chosen


def _worst_per_date(rows: Iterable[dict[str, Value]]) -> set[int]:
    """ANL01FL: the index of one record per subject, parameter and date, the worst (admiralonco template)."""
    kept: dict[tuple[object, ...], tuple[int, int]] = {}
    for n, row in enumerate(rows):
        key = (row["USUBJID"], row["PARCAT3"], row["PARAMCD"], row["ADT"])
        rank = ORDER.index(COMMON.get(str(row["AVALC"]), "NE"))
        if key not in kept or rank > kept[key][0]:
            kept[key] = (rank, n)
    return {n for _, n in kept.values()}


def adrs_rows(rs: Dataset, adsl: list[dict[str, Value]], options: AdrsOptions) -> list[dict[str, Value]]:
    """ADRS records (module docstring), ordered by subject, criterion and parameter."""
    subjects = {str(row["USUBJID"]): row for row in adsl}
    visit_rows: list[dict[str, Value]] = []
    criteria: dict[str, list[str]] = {}
    for row in rs.records():
        if row["RSEVAL"] != "INVESTIGATOR":
            continue
        usubjid = str(row["USUBJID"])
        cats = criteria.setdefault(usubjid, [])
        if row["RSCAT"] not in cats:  # a criterion with no assessed visit still gets BOR / CBOR MISSING
            cats.append(str(row["RSCAT"]))
        if row["RSTESTCD"] != "OVRLRESP":
            continue
        paramcd = next((code for code, spec in VISIT_PARAMS.items() if spec[0] == row["RSSCAT"]), None)
        if paramcd is None:
            continue
        trtsdt = from_sas(subjects[usubjid]["TRTSDT"]) if usubjid in subjects else None
        adt = sas_date(row["RSDTC"])
        ady = None
        if trtsdt is not None and adt is not None:
            days = int(adt - (sas_date(trtsdt) or 0.0))
            ady = float(days + 1 if days >= 0 else days)
        visit_rows.append(
            {
                "STUDYID": row["STUDYID"], "USUBJID": usubjid, "PARAMCD": paramcd, "PARAM": VISIT_PARAMS[paramcd][1],
                "PARCAT1": "Tumor Response", "PARCAT2": "Investigator", "PARCAT3": row["RSCAT"],
                "AVALC": row["RSSTRESC"], "AVAL": AVAL[COMMON[str(row["RSSTRESC"])]], "ADT": adt, "ADY": ady,
                "VISITNUM": row["VISITNUM"], "VISIT": row["VISIT"], "SRCDOM": "RS", "SRCVAR": "RSSTRESC",
                "SRCSEQ": row["RSSEQ"],
            }
        )  # fmt: skip
    kept = _worst_per_date(visit_rows)
    for n, row in enumerate(visit_rows):
        row["ANL01FL"] = "Y" if n in kept else None
    out: list[dict[str, Value]] = []
    for usubjid in sorted(subjects):
        subject = subjects[usubjid]
        reference_var = "TRTSDT" if options.sd_reference == "treatment_start" else "BLSCANDT"
        reference = from_sas(subject[reference_var])
        for cat in criteria.get(usubjid, []):
            mine = [r for r in visit_rows if r["USUBJID"] == usubjid and r["PARCAT3"] == cat]
            out += sorted((r for r in mine if r["PARAMCD"] == "OVR"), key=lambda r: float(r["ADT"] or 0))
            for paramcd, (_, _, best_codes) in VISIT_PARAMS.items():
                kept_rows = [r for r in mine if r["PARAMCD"] == paramcd and r["ANL01FL"] == "Y"]
                if not kept_rows and paramcd != "OVR":
                    continue
                if paramcd != "OVR":
                    out += sorted((r for r in mine if r["PARAMCD"] == paramcd), key=lambda r: float(r["ADT"] or 0))
                immune = cat == "iRECIST" or any(str(r["AVALC"]).startswith(("i", "NON-i")) for r in kept_rows)
                records = [Response(from_sas(r["ADT"]) or dt.date.min, COMMON[str(r["AVALC"])], r) for r in kept_rows]
                for best_code, confirm in zip(best_codes, (False, True), strict=True):
                    code, chosen = best_response(records, reference, options, confirm)
                    label = BEST_PARAM[best_code]
                    avalc = (IMMUNE if immune else RECIST)[code]
                    out.append(
                        {
                            "STUDYID": subject["STUDYID"], "USUBJID": usubjid, "PARAMCD": best_code, "PARAM": label,
                            "PARCAT1": "Tumor Response", "PARCAT2": "Investigator", "PARCAT3": cat, "AVALC": avalc,
                            "AVAL": AVAL[code], "ADT": None if chosen is None else chosen.row["ADT"],
                            "ADY": None if chosen is None else chosen.row["ADY"],
                            "VISITNUM": None if chosen is None else chosen.row["VISITNUM"],
                            "VISIT": None if chosen is None else chosen.row["VISIT"], "ANL01FL": "Y",
                            "SRCDOM": "ADRS" if chosen is not None else None,
                            "SRCVAR": "AVALC" if chosen is not None else None, "SRCSEQ": None,
                        }
                    )  # fmt: skip
    for n, row in enumerate(out):
        row["ASEQ"] = float(sum(1 for r in out[: n + 1] if r["USUBJID"] == row["USUBJID"]))
    return out
