"""SDTM DM (SDTMIG 3.4 §5.2), EX (§6.1.4), EC (§6.1.3) and PR (§6.1.6) of one subject, so the package stands
alone: the reference dates that every --DY uses, and what was given where.

- DM: RFSTDTC / RFXSTDTC the first study treatment, RFENDTC / RFXENDTC the last (``sdtm_subject``); BRTHDTC the
  birth year (ISO 8601 reduced precision, as ioguide stores no birth date, so AGE stays null); SEX in CDISC SEX
  terms (female F, male M, other and unknown U); SITEID and COUNTRY from the export options (null when not
  given: ioguide does not store them); ARM and ACTARM null with ARMNRS ``NOT ASSIGNED`` (ioguide assigns no arm;
  ADSL.TRT01A says what was given).
- EX and EC: one record per administration per lesion; EXROUTE from CDISC ROUTE (intratumoral INTRATUMOR, C38269
  - "INTRATUMORAL" is not a CT submission value -; INTRAPLEURAL; INTRA-ARTERIAL; ...), EXLOC / EXLAT the treated
  lesion's location (``locations``), EXLNKID the lesion id; the dose is the volume injected into the lesion (mL),
  or the cells infused (CDISC UNIT ``Therapeutic Cells``). EX is the administration as given, EC as collected;
  ioguide collects what was given, so the two agree (SDTMIG 3.4 §6.1.3.1).
- PR: every procedure (biopsy, ablation, embolization, injection, infusion) per lesion with PRLOC / PRLAT.
"""

from __future__ import annotations

from ioguide.errors import InputError
from ioguide.interop.sdtm_rows import Rows, Value, number_text
from ioguide.interop.sdtm_subject import Subject
from ioguide.interop.sdtm_tu import location_values
from ioguide.interop.terminology import PROCEDURE_NAMES, route_for

SEX = {"female": "F", "male": "M", "other": "U", "unknown": "U"}
CELLS = "Therapeutic Cells"


def dm_rows(subject: Subject) -> Rows:
    dm = Rows("DM", subject.study, subject.usubjid, subject.problems)
    patient = subject.patient
    first = None if subject.reference is None else subject.reference.isoformat()
    last = None if subject.last_treatment is None else subject.last_treatment.isoformat()
    dm.rows.append(
        {
            "STUDYID": subject.study, "DOMAIN": "DM", "USUBJID": subject.usubjid, "SUBJID": patient.subject,
            "RFSTDTC": first, "RFENDTC": last, "RFXSTDTC": first, "RFXENDTC": last,
            "SITEID": subject.options.site_id, "BRTHDTC": None if patient.birth_year is None else str(patient.birth_year),
            "AGE": None, "AGEU": None, "SEX": SEX[patient.sex or "unknown"], "ARMNRS": "NOT ASSIGNED",
            "COUNTRY": subject.options.country,
        }
    )  # fmt: skip
    return dm


def intervention_rows(subject: Subject) -> tuple[Rows, Rows, Rows, Rows, set[tuple[str, str]]]:
    """PR, EC, SUPPEC and EX rows of one subject, and the LOC values that are sponsor extensions."""
    args = (subject.study, subject.usubjid, subject.problems)
    pr, ec, suppec, ex = Rows("PR", *args), Rows("EC", *args), Rows("SUPPEC", *args), Rows("EX", *args)
    extended: set[tuple[str, str]] = set()
    organs = {lesion["id"]: str(lesion["organ"]) for lesion in subject.case["lesions"]}
    for i, procedure in enumerate(subject.patient.procedures):
        name = PROCEDURE_NAMES[procedure.kind]
        if procedure.kind == "ablation" and procedure.modality:
            name = f"{procedure.modality.replace('_', ' ').upper()} ABLATION"
        spid = None if procedure.id is None else str(procedure.id)
        date = procedure.date.isoformat()
        day = subject.day(procedure.date)
        administered = procedure.kind in ("injection", "infusion")
        route = None
        if administered:
            try:
                route = route_for(procedure.route, f"subject {subject.usubjid}: procedures[{i}].route").cdisc
            except InputError as err:  # collected: the export lists every problem at once
                subject.problems.items += err.problems
        for item in procedure.lesions or (None,):
            lesion_id = None if item is None else item.lesion_id
            where: dict[str, Value] = {"LOC": None, "LAT": None}
            if lesion_id is not None:
                values, mapped = location_values("PR", organs[lesion_id])
                where = {"LOC": values["PRLOC"], "LAT": values["PRLAT"]}
                if not mapped:
                    extended.add(("LOC", str(where["LOC"])))
            pr.add(
                PRSPID=spid, PRLNKID=lesion_id, PRTRT=name, PRCAT="LOCOREGIONAL PROCEDURE", PRLOC=where["LOC"],
                PRLAT=where["LAT"], PRSTDTC=date, PRSTDY=day,
            )  # fmt: skip
            if not administered:
                continue
            dose: dict[str, Value] = {"DOSE": None, "DOSU": None}
            if item is not None and item.volume_ml is not None:
                dose = {"DOSE": float(item.volume_ml), "DOSU": "mL"}
            elif procedure.dose_cells is not None:
                dose = {"DOSE": float(procedure.dose_cells), "DOSU": CELLS}
            agent = str(procedure.agent).upper()  # required for injections and infusions (inputs.REQUIRED)
            row = ec.add(
                ECSPID=spid, ECLNKID=lesion_id, ECTRT=agent, ECDOSE=dose["DOSE"], ECDOSU=dose["DOSU"], ECROUTE=route,
                ECLOC=where["LOC"], ECSTDTC=date, ECENDTC=date,
            )  # fmt: skip
            ex.add(
                EXSPID=spid, EXLNKID=lesion_id, EXTRT=agent, EXDOSE=dose["DOSE"], EXDOSU=dose["DOSU"], EXROUTE=route,
                EXLOC=where["LOC"], EXLAT=where["LAT"], EXSTDTC=date, EXENDTC=date, EXSTDY=day, EXENDY=day,
            )  # fmt: skip
            if procedure.concentration_mg_ml is not None:
                ec.supp(suppec, row, "CONC", "Concentration (mg/mL)", number_text(procedure.concentration_mg_ml))
    return pr, ec, suppec, ex, extended
