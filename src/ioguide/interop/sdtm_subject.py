"""What every SDTM domain of one subject shares, computed once: the reference start date (RFSTDTC), the visits
and link groups of the scans, the imaging method of each scan, and the export's documented options.

- RFSTDTC is the date of the first study treatment: the first injection, infusion, ablation or embolization
  (biopsies are not treatment). Without one it is null and so is every --DY.
- The link group of a scan (TRLNKGRP / RSLNKGRP, SDTMIG 3.4 §6.3.5.12: RS records link to the TR records they
  summarise) is ``V`` + its VISITNUM, e.g. ``V2``; TULNKID / TRLNKID are the lesion's case id (``identity``).
- TRMETHOD / TUMETHOD come from the modality of the imaging study of the scan's date (DICOM Modality -> CDISC
  METHOD: CT -> CT SCAN, MR -> MRI, PT -> PET SCAN, US -> ULTRASOUND, CR/DX -> X-RAY, XC -> PHOTOGRAPHY); with no
  study on that date the method is null (unknown, not guessed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ioguide.interop.inputs import PatientExport
from ioguide.interop.sdtm_rows import Problems, Value
from ioguide.interop.visits import ImagingSchedule, Visit, assign_visits, study_day

TREATMENT_KINDS = ("injection", "infusion", "ablation", "embolization")
#: DICOM Modality (PS3.3 C.7.3.1.1.1) -> CDISC METHOD (C85492) submission value.
MODALITY_METHOD = {
    "CT": "CT SCAN",
    "MR": "MRI",
    "PT": "PET SCAN",
    "US": "ULTRASOUND",
    "CR": "X-RAY",
    "DX": "X-RAY",
    "XC": "PHOTOGRAPHY",
}


@dataclass(frozen=True, slots=True)
class SdtmOptions:
    """Documented export settings (docs/interop.md).

    ``imaging_every_days`` / ``imaging_window_days``: the program's response-imaging interval for VISIT names;
    when not given, the imaging schedule of the agent protocol of the subject's first injection is used (T-VEC:
    every 84 days +/- 7, ``data/agents``), else every follow-up scan is unscheduled. ``site_id`` / ``country``
    (ISO 3166-1 alpha-3) fill DM.SITEID / DM.COUNTRY; ioguide does not store them, so they are null unless given.
    """

    imaging_every_days: int | None = None
    imaging_window_days: int = 7
    site_id: str | None = None
    country: str | None = None


def _agent_schedule(patient: PatientExport) -> ImagingSchedule | None:
    from ioguide.planning.catalog import load_agents

    agents = load_agents()
    for procedure in sorted(patient.procedures, key=lambda p: p.date):
        if procedure.kind != "injection" or not procedure.agent:
            continue
        key = "_".join(procedure.agent.lower().replace("-", " ").split())
        agent = agents.get(key)
        if agent is not None and agent.schedule is not None and agent.schedule.imaging is not None:
            img = agent.schedule.imaging
            return ImagingSchedule(img.every_days, img.window_days, img.source)
        return None
    return None


@dataclass
class Subject:
    patient: PatientExport
    options: SdtmOptions
    problems: Problems
    reference: dt.date | None = None
    last_treatment: dt.date | None = None
    schedule: ImagingSchedule | None = None
    visits: dict[dt.date, Visit] = field(default_factory=dict)
    methods: dict[dt.date, str] = field(default_factory=dict)

    @classmethod
    def build(cls, patient: PatientExport, options: SdtmOptions, problems: Problems) -> Subject:
        treated = sorted(p.date for p in patient.procedures if p.kind in TREATMENT_KINDS)
        subject = cls(patient, options, problems)
        subject.reference = treated[0] if treated else None
        subject.last_treatment = treated[-1] if treated else None
        if options.imaging_every_days is not None:
            subject.schedule = ImagingSchedule(
                options.imaging_every_days, options.imaging_window_days, "export option imaging_every_days"
            )
        else:
            subject.schedule = _agent_schedule(patient)
        scans = [dt.date.fromisoformat(tp["date"]) for tp in patient.case["timepoints"]]
        subject.visits = assign_visits(scans, subject.reference, subject.schedule)
        for i, study in enumerate(patient.imaging):
            method = MODALITY_METHOD.get(study.modality.upper())
            if method is None:
                problems.add(
                    f"subject {patient.usubjid}: imaging[{i}].modality",
                    f"DICOM modality {study.modality!r} has no CDISC METHOD term (known: {', '.join(MODALITY_METHOD)})",
                )
            elif study.date in subject.methods and subject.methods[study.date] != method:
                problems.add(
                    f"subject {patient.usubjid}: imaging[{i}].date",
                    f"two imaging studies of {study.date} with different modalities: TRMETHOD would be ambiguous",
                )
            else:
                subject.methods[study.date] = method
        return subject

    @property
    def usubjid(self) -> str:
        return self.patient.usubjid

    @property
    def study(self) -> str:
        return self.patient.study

    @property
    def case(self) -> dict[str, Any]:
        return self.patient.case

    def day(self, date: dt.date | str | None) -> float | None:
        if date is None:
            return None
        when = dt.date.fromisoformat(date) if isinstance(date, str) else date
        dy = study_day(when, self.reference)
        return None if dy is None else float(dy)

    def visit(self, prefix: str, date: str) -> dict[str, Value]:
        """VISITNUM, VISIT, --DTC and --DY of a scan date."""
        when = dt.date.fromisoformat(date)
        visit = self.visits.get(when)
        return {
            "VISITNUM": None if visit is None else visit.number,
            "VISIT": None if visit is None else visit.name,
            f"{prefix}DTC": date,
            f"{prefix}DY": self.day(when),
        }

    def link_group(self, date: str) -> str | None:
        visit = self.visits.get(dt.date.fromisoformat(date))
        return None if visit is None else f"V{visit.number:g}"

    def method(self, date: str) -> str | None:
        return self.methods.get(dt.date.fromisoformat(date))
