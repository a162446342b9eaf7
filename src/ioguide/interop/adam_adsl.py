"""ADSL (ADaMIG 1.3 §3.2), minimal: one record per DM subject with the treatment dates and the baseline scan date
the response and time-to-event derivations use.

TRTSDT / TRTEDT are DM.RFXSTDTC / RFXENDTC (first and last study treatment); BLSCANDT the date of the subject's
BASELINE tumour assessment (TR); TRT01P / TRT01A the treatments given (EX.EXTRT, distinct, in order of first use,
joined by " + "; the locoregional procedure names from PR when nothing was administered), as ioguide records no
planned arm apart from what was given; SAFFL Y when the subject received a study treatment.
"""

from __future__ import annotations

import datetime as dt

from ioguide.interop.sdtm_rows import Dataset, Value

SAS_EPOCH = dt.date(1960, 1, 1)


def sas_date(value: Value | dt.date) -> float | None:
    """A date (ISO 8601 text or ``date``) as a SAS date: days since 1960-01-01."""
    if value is None:
        return None
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return float((day - SAS_EPOCH).days)


def from_sas(value: Value) -> dt.date | None:
    return None if value is None else SAS_EPOCH + dt.timedelta(days=int(float(value)))


def adsl_rows(sdtm: dict[str, Dataset]) -> list[dict[str, Value]]:
    treatments: dict[str, list[str]] = {}
    for row in sorted(sdtm["EX"].records(), key=lambda r: (str(r["USUBJID"]), str(r["EXSTDTC"]))):
        names = treatments.setdefault(str(row["USUBJID"]), [])
        if row["EXTRT"] not in names:
            names.append(str(row["EXTRT"]))
    for row in sorted(sdtm["PR"].records(), key=lambda r: (str(r["USUBJID"]), str(r["PRSTDTC"]))):
        if str(row["USUBJID"]) not in treatments and row["PRTRT"] != "BIOPSY":
            treatments.setdefault(f"PR:{row['USUBJID']}", []).append(str(row["PRTRT"]))
    baseline: dict[str, str] = {}
    for row in sdtm["TR"].records():
        if row["VISIT"] == "BASELINE":
            baseline.setdefault(str(row["USUBJID"]), str(row["TRDTC"]))
    out: list[dict[str, Value]] = []
    for dm in sdtm["DM"].records():
        usubjid = str(dm["USUBJID"])
        given = treatments.get(usubjid) or list(dict.fromkeys(treatments.get(f"PR:{usubjid}", [])))
        arm = " + ".join(given) if given else None
        out.append(
            {
                "STUDYID": dm["STUDYID"], "USUBJID": usubjid, "SUBJID": dm["SUBJID"], "SITEID": dm["SITEID"],
                "SEX": dm["SEX"], "TRT01P": arm, "TRT01A": arm, "TRTSDT": sas_date(dm["RFXSTDTC"]),
                "TRTEDT": sas_date(dm["RFXENDTC"]), "BLSCANDT": sas_date(baseline.get(usubjid)),
                "SAFFL": "Y" if dm["RFXSTDTC"] is not None else "N",
            }
        )  # fmt: skip
    return out
