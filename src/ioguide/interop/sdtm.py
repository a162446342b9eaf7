"""A study as SDTM datasets (SDTMIG 3.4): TU, TR, RS, PR, EC and SUPPTR, SUPPEC, as typed row tables.

Pure: no file is written here (``files`` writes CSV and XPORT, ``define`` the Define-XML). Every value is checked
before anything is written: character values are ASCII and at most 200 bytes (SAS XPORT v5, SAS TS-140; the FDA
Study Data Technical Conformance Guide §3.3.2), names at most 8 and labels at most 40 characters. A value over the
limit is an error naming dataset, variable, subject and row, never a silently cut file.

Conventions (SDTMIG 3.4 §6.3.5.10-12 and its oncology examples; pharmaverse ``tu_onco_recist``/``tr_onco_recist``/
``rs_onco_recist``/``rs_onco_irecist`` for what sponsors expect):
- VISITNUM is the timepoint's rank in the case (1 = baseline); VISIT is ``BASELINE`` or ``FOLLOW-UP n``.
- TULNKID/TRLNKID/PRLNKID/ECLNKID are the case's lesion ``id`` (``identity``).
- TR: LDIAM (longest diameter, non-nodal targets), SAXIS (short axis, nodal targets), THICK (a pleural thickness,
  Armato & Nowak 2018); TUMSTATE for non-targets and new lesions.
  ``too_small`` is ``TOO SMALL TO MEASURE`` with TRSTRESN 5 (RECIST 1.1 appendix I); ``not_evaluated`` is
  TRSTAT ``NOT DONE``. The itRECIST injected flag is SUPPTR.INJECTED per TR record (Y from ``injected_from`` on).
- RS: per criterion (RSCAT), TRGRESP, NTRGRESP, NEWLIND, OVRLRESP per follow-up timepoint and BESTRSP; itRECIST
  subsets as OVRLRESP with RSGRPID ``INJECTED`` / ``NON-INJECTED``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ioguide.criteria.assess import assess_json
from ioguide.errors import InputError, Problem
from ioguide.interop.inputs import PatientExport, StudyExport
from ioguide.interop.sdtm_variables import DOMAINS, Domain
from ioguide.interop.terminology import CRITERIA, PROCEDURE_NAMES, RESPONSE_SDTM, check_code, route_for, site_for

Value = str | float | None
#: SAS XPORT v5 limits (SAS technical note TS-140).
MAX_CHAR_BYTES = 200
MAX_NAME = 8
MAX_LABEL = 40

NON_TARGET_STATE = {
    "present": "PRESENT",
    "absent": "ABSENT",
    "increased": "PRESENT, INCREASED",
    "unequivocal_progression": "UNEQUIVOCAL PROGRESSION",
}
TR_TESTS = {
    "LDIAM": "Longest Diameter",
    "SAXIS": "Short Axis",
    "THICK": "Thickness",
    "TUMSTATE": "Tumor State",
}
RS_TESTS = {
    "TRGRESP": "Target Response",
    "NTRGRESP": "Non-target Response",
    "NEWLIND": "New Lesion Indicator",
    "OVRLRESP": "Overall Response",
    "BESTRSP": "Best Overall Response",
}


@dataclass(frozen=True, slots=True)
class Dataset:
    """One SDTM dataset: its IG metadata and its rows, each a tuple in the domain's variable order."""

    domain: Domain
    rows: tuple[tuple[Value, ...], ...]

    def column(self, name: str) -> list[Value]:
        i = self.domain.names().index(name)
        return [row[i] for row in self.rows]

    def length(self, name: str) -> int:
        """The variable's length: longest value in bytes (at least 1), 8 for numbers."""
        if next(v.kind for v in self.domain.variables if v.name == name) == "Num":
            return 8
        return max([1, *(len(str(v).encode()) for v in self.column(name) if v is not None)])


class _Visits:
    def __init__(self, case: dict[str, Any]) -> None:
        self.numbers = {tp["date"]: i + 1 for i, tp in enumerate(case["timepoints"])}

    def __call__(self, date: str | None) -> dict[str, Value]:
        if date is None or date not in self.numbers:
            return {"VISITNUM": None, "VISIT": None}
        n = self.numbers[date]
        return {"VISITNUM": float(n), "VISIT": "BASELINE" if n == 1 else f"FOLLOW-UP {n - 1}"}


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _Rows:
    """Collects one domain's rows for one patient; --SEQ counts within USUBJID (SDTMIG 3.4 §4.1.5)."""

    def __init__(self, domain: str, patient: PatientExport) -> None:
        self.domain = DOMAINS[domain]
        self.patient = patient
        self.rows: list[dict[str, Value]] = []

    def add(self, **values: Value) -> dict[str, Value]:
        seq = f"{self.domain.name}SEQ"
        row: dict[str, Value] = {
            "STUDYID": self.patient.study,
            "DOMAIN": self.domain.name,
            "USUBJID": self.patient.usubjid,
        }
        row[seq] = float(len(self.rows) + 1)
        row |= values
        unknown = set(row) - set(self.domain.names())
        if unknown:
            raise ValueError(f"{self.domain.name}: no variables {sorted(unknown)}")
        self.rows.append(row)
        return row


def _measurement(lesion: dict[str, Any], value: Any) -> dict[str, Value]:
    testcd = "SAXIS" if lesion.get("nodal") else "THICK" if lesion.get("pleural") else "LDIAM"
    out: dict[str, Value] = {"TRTESTCD": testcd, "TRTEST": TR_TESTS[testcd]}
    if value == "not_evaluated":
        return out | {"TRSTAT": "NOT DONE", "TRREASND": "NOT EVALUATED"}
    if value == "too_small":
        return out | {
            "TRORRES": "TOO SMALL TO MEASURE",
            "TRORRESU": "mm",
            "TRSTRESC": "5",
            "TRSTRESN": 5.0,
            "TRSTRESU": "mm",
        }
    text = _number_text(value)
    return out | {"TRORRES": text, "TRORRESU": "mm", "TRSTRESC": text, "TRSTRESN": float(value), "TRSTRESU": "mm"}


def _injected(lesion: dict[str, Any], date: str) -> str:
    start = lesion.get("injected_from")
    return (
        "Y"
        if lesion.get("injected") or (start is not None and dt.date.fromisoformat(date) >= dt.date.fromisoformat(start))
        else "N"
    )


def _tumor_rows(patient: PatientExport) -> tuple[_Rows, _Rows, _Rows]:
    case = patient.case
    visit = _Visits(case)
    tu, tr, supptr = _Rows("TU", patient), _Rows("TR", patient), _Rows("SUPPTR", patient)
    lesions = {lesion["id"]: lesion for lesion in case["lesions"]}
    baseline = case["timepoints"][0]["date"]
    for i, lesion in enumerate(case["lesions"]):
        role = "TARGET" if lesion["role"] == "target" else "NON-TARGET"
        loc = site_for(lesion["organ"], f"case.lesions[{i}].organ").loc
        tu.add(
            TULNKID=lesion["id"],
            TUTESTCD="TUMIDENT",
            TUTEST="Tumor Identification",
            TUORRES=role,
            TUSTRESC=role,
            TULOC=loc,
            **visit(baseline),
            TUDTC=baseline,
        )
    seen_new: set[str] = set()
    for t, timepoint in enumerate(case["timepoints"]):
        date = timepoint["date"]
        for lesion_id, value in timepoint.get("diameters_mm", {}).items():
            lesion = lesions[lesion_id]
            row = tr.add(TRGRPID="TARGET", TRLNKID=lesion_id, **_measurement(lesion, value), **visit(date), TRDTC=date)
            _supp(supptr, row, "INJECTED", "Injected Lesion Flag", _injected(lesion, date))
        for lesion_id, status in timepoint.get("non_target", {}).items():
            state: dict[str, Value]
            if status == "not_evaluated":
                state = {"TRSTAT": "NOT DONE", "TRREASND": "NOT EVALUATED"}
            else:
                code = check_code(
                    status, NON_TARGET_STATE, f"case.timepoints[{t}].non_target.{lesion_id}", "non-target status"
                )
                state = {"TRORRES": code, "TRSTRESC": code}
            row = tr.add(
                TRGRPID="NON-TARGET",
                TRLNKID=lesion_id,
                TRTESTCD="TUMSTATE",
                TRTEST=TR_TESTS["TUMSTATE"],
                **state,
                **visit(date),
                TRDTC=date,
            )
            _supp(supptr, row, "INJECTED", "Injected Lesion Flag", _injected(lesions[lesion_id], date))
        for n, new in enumerate(timepoint.get("new_lesions", [])):
            if new["id"] not in seen_new:
                seen_new.add(new["id"])
                loc = site_for(new["organ"], f"case.timepoints[{t}].new_lesions[{n}].organ").loc
                tu.add(
                    TULNKID=new["id"],
                    TUTESTCD="TUMIDENT",
                    TUTEST="Tumor Identification",
                    TUORRES="NEW",
                    TUSTRESC="NEW",
                    TULOC=loc,
                    **visit(date),
                    TUDTC=date,
                )
            state_text = (
                "EQUIVOCAL" if new.get("equivocal") else "PRESENT, INCREASED" if new.get("increased") else "PRESENT"
            )
            tr.add(
                TRGRPID="NEW",
                TRLNKID=new["id"],
                TRTESTCD="TUMSTATE",
                TRTEST=TR_TESTS["TUMSTATE"],
                TRORRES=state_text,
                TRSTRESC=state_text,
                **visit(date),
                TRDTC=date,
            )
            if new.get("diameter_mm") is not None:
                tr.add(
                    TRGRPID="NEW", TRLNKID=new["id"], **_measurement(new, new["diameter_mm"]), **visit(date), TRDTC=date
                )
    return tu, tr, supptr


def _supp(supp: _Rows, parent: dict[str, Value], qnam: str, qlabel: str, qval: str) -> None:
    """One SUPP-- record qualifying ``parent`` by its --SEQ (SDTMIG 3.4 §8.4.1)."""
    domain = str(parent["DOMAIN"])
    supp.rows.append(
        {
            "STUDYID": parent["STUDYID"], "RDOMAIN": domain, "USUBJID": parent["USUBJID"], "IDVAR": f"{domain}SEQ",
            "IDVARVAL": _number_text(float(parent[f"{domain}SEQ"] or 0)), "QNAM": qnam, "QLABEL": qlabel,
            "QVAL": qval, "QORIG": "COLLECTED",
        }
    )  # fmt: skip


def _response_rows(patient: PatientExport) -> _Rows:
    rs = _Rows("RS", patient)
    visit = _Visits(patient.case)

    def result(testcd: str, value: str, date: str | None, cat: str, field: str, group: str | None = None) -> None:
        coded = value if testcd == "NEWLIND" else check_code(value, RESPONSE_SDTM, field, "response")
        rs.add(
            RSGRPID=group, RSTESTCD=testcd, RSTEST=RS_TESTS[testcd], RSCAT=cat, RSORRES=coded, RSSTRESC=coded,
            **visit(date), RSDTC=date,
        )  # fmt: skip

    for criteria in patient.export_criteria():
        assessment = assess_json(patient.case, criteria)
        cat = CRITERIA[criteria][0]
        for i, item in enumerate(assessment["timepoints"]):
            if item["response"] is None:
                continue
            date, field = item["date"], f"{criteria}.timepoints[{i}]"
            for testcd, value in (("TRGRESP", item["target_response"]), ("NTRGRESP", item["non_target_response"])):
                if value is not None:
                    result(testcd, value, date, cat, field)
            result("NEWLIND", "Y" if item["new_lesions"] else "N", date, cat, field)
            result("OVRLRESP", item["response"], date, cat, field)
        for name, subset in sorted((assessment.get("subsets") or {}).items()):
            if subset is None:  # itRECIST without a lesion in this subset: the engine reports no subset
                continue
            group = name.replace("_", "-").upper()
            for i, item in enumerate(subset["timepoints"]):
                if item["response"] is not None:
                    field = f"{criteria}.subsets.{name}.timepoints[{i}]"
                    result("OVRLRESP", item["response"], item["date"], cat, field, group)
        best = assessment["best_overall_response"]
        result("BESTRSP", best["response"], best["date"], cat, f"{criteria}.best_overall_response")
    return rs


def _procedure_rows(patient: PatientExport) -> tuple[_Rows, _Rows, _Rows]:
    pr, ec, suppec = _Rows("PR", patient), _Rows("EC", patient), _Rows("SUPPEC", patient)
    organs = {lesion["id"]: lesion["organ"] for lesion in patient.case["lesions"]}
    for i, procedure in enumerate(patient.procedures):
        name = PROCEDURE_NAMES[procedure.kind]
        if procedure.kind == "ablation" and procedure.modality:
            name = f"{procedure.modality.replace('_', ' ').upper()} ABLATION"
        spid = None if procedure.id is None else str(procedure.id)
        date = procedure.date.isoformat()
        administered = procedure.kind in ("injection", "infusion")
        route = None
        if administered:
            route = route_for(procedure.route, f"procedures[{i}].route").cdisc
        for j, item in enumerate(procedure.lesions or (None,)):
            lesion_id = None if item is None else item.lesion_id
            loc = None if lesion_id is None else site_for(organs[lesion_id], f"procedures[{i}].lesions[{j}]").loc
            pr.add(PRSPID=spid, PRLNKID=lesion_id, PRTRT=name, PRCAT="LOCOREGIONAL PROCEDURE", PRLOC=loc, PRSTDTC=date)
            if not administered:
                continue
            dose: dict[str, Value] = {}
            if item is not None and item.volume_ml is not None:
                dose = {"ECDOSE": float(item.volume_ml), "ECDOSU": "mL"}
            elif procedure.dose_cells is not None:
                dose = {"ECDOSE": float(procedure.dose_cells), "ECDOSU": "CELLS"}
            agent = str(procedure.agent).upper()  # required for injections and infusions (inputs.REQUIRED)
            row = ec.add(
                ECSPID=spid,
                ECLNKID=lesion_id,
                ECTRT=agent,
                **dose,
                ECROUTE=route,
                ECLOC=loc,
                ECSTDTC=date,
                ECENDTC=date,
            )
            if procedure.concentration_mg_ml is not None:
                _supp(suppec, row, "CONC", "Concentration (mg/mL)", _number_text(procedure.concentration_mg_ml))
    return pr, ec, suppec


def _check(domain: Domain, rows: list[dict[str, Value]]) -> list[Problem]:
    """SAS XPORT v5 and SDTM limits: name <= 8, label <= 40, character value <= 200 bytes and ASCII."""
    problems: list[Problem] = []
    if len(domain.name) > MAX_NAME or len(domain.label) > MAX_LABEL:
        problems.append(Problem(f"SDTM {domain.name}", "dataset name over 8 or label over 40 characters"))
    for var in domain.variables:
        if len(var.name) > MAX_NAME or len(var.label) > MAX_LABEL:
            problems.append(
                Problem(f"SDTM {domain.name}.{var.name}", "variable name over 8 or label over 40 characters")
            )
    for n, row in enumerate(rows, start=1):
        for name, value in row.items():
            if not isinstance(value, str):
                continue
            where = f"SDTM {domain.name}.{name} (row {n}, USUBJID {row['USUBJID']})"
            if not value.isascii():
                problems.append(Problem(where, f"{value[:40]!r} is not ASCII (SAS XPORT v5 records no encoding)"))
            elif len(value) > MAX_CHAR_BYTES:
                problems.append(
                    Problem(
                        where,
                        f"value of {len(value)} characters ({value[:40]!r}...) is over the {MAX_CHAR_BYTES}-character limit of SAS XPORT v5; shorten it at the source",
                    )
                )
    return problems


def _dataset(domain: Domain, rows: Iterable[dict[str, Value]]) -> Dataset:
    names = domain.names()
    return Dataset(domain, tuple(tuple(row.get(name) for name in names) for row in rows))


def study_datasets(study: StudyExport) -> dict[str, Dataset]:
    """The study's SDTM datasets by name (TU, TR, RS, PR, EC, SUPPTR, SUPPEC), rows ordered by USUBJID then
    --SEQ. Raises :class:`~ioguide.errors.InputError` for an unmappable value or one over the XPORT limits."""
    collected: dict[str, list[dict[str, Value]]] = {name: [] for name in DOMAINS}
    for patient in sorted(study.patients, key=lambda p: p.usubjid):
        tu, tr, supptr = _tumor_rows(patient)
        pr, ec, suppec = _procedure_rows(patient)
        for rows in (tu, tr, supptr, _response_rows(patient), pr, ec, suppec):
            collected[rows.domain.name] += rows.rows
    problems = [p for name, rows in collected.items() for p in _check(DOMAINS[name], rows)]
    if problems:
        raise InputError(problems)
    return {name: _dataset(DOMAINS[name], rows) for name, rows in collected.items()}
