"""ADTTE (ADaM BDS for time-to-event analyses v1.0) from ADRS, per criterion (PARCAT1), following the admiralonco
``ad_adtte.R`` template's events and censoring:

- ``PFS`` progression-free survival: event the first PD (iRECIST: iCPD) of the OVR records kept for analysis;
  censored at the last adequate assessment (any response but NE), or at the origin when there is none. ioguide
  records no deaths, so PFS events are progressions only (said in EVNTDESC).
- ``TTR`` time to response: event the date of the first confirmed response (CBOR CR or PR, its ADT); censored at
  the last adequate assessment.
- ``DOR`` duration of response, for confirmed responders only: from the first confirmed response to the first
  PD, censored at the last adequate assessment.
The origin (STARTDT) of PFS and TTR is the derivation's reference date (``AdrsOptions.sd_reference``: treatment
start or baseline scan); a subject without it has no PFS or TTR record (no origin, no guess). AVAL is
``ADT - STARTDT + 1`` days, CNSR 0 for an event and 1 for a censoring.
"""

from __future__ import annotations

from ioguide.interop.adam_adrs import COMMON, AdrsOptions
from ioguide.interop.sdtm_rows import Value

PARAMS = {
    "PFS": "Progression-Free Survival (days)",
    "TTR": "Time to Response (days)",
    "DOR": "Duration of Response (days)",
}


def _record(
    base: dict[str, Value], paramcd: str, start: float, end: dict[str, Value] | None, event: bool, desc: str
) -> dict[str, Value]:
    adt = start if end is None else float(end["ADT"] or start)
    return base | {
        "PARAMCD": paramcd, "PARAM": PARAMS[paramcd], "AVAL": adt - start + 1, "AVALU": "DAYS", "STARTDT": start,
        "ADT": adt, "CNSR": 0.0 if event else 1.0, "EVNTDESC": desc,
        "SRCDOM": None if end is None else "ADRS", "SRCVAR": None if end is None else "ADT",
        "SRCSEQ": None if end is None else end["ASEQ"],
    }  # fmt: skip


def adtte_rows(
    adrs: list[dict[str, Value]], adsl: list[dict[str, Value]], options: AdrsOptions
) -> list[dict[str, Value]]:
    out: list[dict[str, Value]] = []
    origin_var = "TRTSDT" if options.sd_reference == "treatment_start" else "BLSCANDT"
    for subject in adsl:
        usubjid = subject["USUBJID"]
        mine = [r for r in adrs if r["USUBJID"] == usubjid]
        for cat in dict.fromkeys(r["PARCAT3"] for r in mine):
            rows = [r for r in mine if r["PARCAT3"] == cat]
            visits = sorted(
                (r for r in rows if r["PARAMCD"] == "OVR" and r["ANL01FL"] == "Y"), key=lambda r: float(r["ADT"] or 0)
            )
            pd = next((r for r in visits if COMMON[str(r["AVALC"])] == "PD"), None)
            before = [r for r in visits if pd is None or float(r["ADT"] or 0) < float(pd["ADT"] or 0)]
            adequate = [r for r in before if COMMON[str(r["AVALC"])] != "NE"]
            last = adequate[-1] if adequate else None
            cbor = next(r for r in rows if r["PARAMCD"] == "CBOR")
            responder = COMMON.get(str(cbor["AVALC"])) in ("CR", "PR")
            base: dict[str, Value] = {"STUDYID": subject["STUDYID"], "USUBJID": usubjid, "PARCAT1": cat}
            origin = subject[origin_var]
            if origin is not None:
                start = float(origin)
                if pd is not None:
                    out.append(_record(base, "PFS", start, pd, True, "DISEASE PROGRESSION"))
                else:
                    desc = "LAST ADEQUATE ASSESSMENT" if last else "NO ADEQUATE ASSESSMENT (CENSORED AT ORIGIN)"
                    out.append(_record(base, "PFS", start, last, False, desc))
                if responder:
                    out.append(_record(base, "TTR", start, cbor, True, "FIRST CONFIRMED RESPONSE"))
                else:
                    desc = "LAST ADEQUATE ASSESSMENT" if last else "NO ADEQUATE ASSESSMENT (CENSORED AT ORIGIN)"
                    out.append(_record(base, "TTR", start, last, False, desc))
            if responder:
                start = float(cbor["ADT"] or 0)
                if pd is not None:
                    out.append(_record(base, "DOR", start, pd, True, "DISEASE PROGRESSION"))
                else:
                    out.append(_record(base, "DOR", start, last, False, "LAST ADEQUATE ASSESSMENT"))
    for n, row in enumerate(out):
        row["ASEQ"] = float(sum(1 for r in out[: n + 1] if r["USUBJID"] == row["USUBJID"]))
    return out
