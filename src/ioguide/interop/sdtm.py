"""A study as SDTM datasets (SDTMIG 3.4): DM, TU, TR, RS, PR, EC, EX and SUPPTU, SUPPTR, SUPPEC, as typed row
tables, in the shape the pharmaverse (admiral, admiralonco) and the usual SAS macros read as is.

Pure: no file is written here (``files`` writes CSV and XPORT, ``define`` the Define-XML). One pass: each patient
is assessed once per criterion (``PatientExport.assessment``, also used by the input check and by FHIR) and the
results feed TR (sums), RS and, through RS, ADaM. The domains are built by ``sdtm_dm_ex``, ``sdtm_tu``,
``sdtm_tr`` and ``sdtm_rs`` from one :class:`~ioguide.interop.sdtm_subject.Subject` per patient (reference
dates, visits, link groups, imaging methods).

Every value is checked before anything is written, and every problem of the whole study is reported at once,
each naming the dataset, variable, row and subject: character values are ASCII and at most 200 bytes (SAS XPORT
v5, SAS TS-140; FDA Study Data Technical Conformance Guide §3.3.2), names at most 8 and labels at most 40
characters, and a variable bound to a CDISC codelist holds a term of it (``sdtm_rows.check_terms``).
"""

from __future__ import annotations

from ioguide.errors import InputError, Problem
from ioguide.interop.inputs import PatientExport, StudyExport
from ioguide.interop.sdtm_dm_ex import dm_rows, intervention_rows
from ioguide.interop.sdtm_rows import Dataset, Problems, Rows, Value, check_terms, dataset
from ioguide.interop.sdtm_rs import rs_rows
from ioguide.interop.sdtm_subject import SdtmOptions, Subject
from ioguide.interop.sdtm_tr import tr_rows
from ioguide.interop.sdtm_tu import tu_rows
from ioguide.interop.sdtm_variables import DOMAINS, Domain

__all__ = ["MAX_CHAR_BYTES", "Dataset", "SdtmOptions", "Value", "study_datasets"]

#: SAS XPORT v5 limits (SAS technical note TS-140).
MAX_CHAR_BYTES = 200
MAX_NAME = 8
MAX_LABEL = 40


def check_limits(domain: Domain, rows: list[dict[str, Value]], kind: str = "SDTM") -> list[Problem]:
    """SAS XPORT v5 and SDTM limits: name <= 8, label <= 40, character value <= 200 bytes and ASCII."""
    problems: list[Problem] = []
    if len(domain.name) > MAX_NAME or len(domain.label) > MAX_LABEL:
        problems.append(Problem(f"{kind} {domain.name}", "dataset name over 8 or label over 40 characters"))
    for var in domain.variables:
        if len(var.name) > MAX_NAME or len(var.label) > MAX_LABEL:
            problems.append(
                Problem(f"{kind} {domain.name}.{var.name}", "variable name over 8 or label over 40 characters")
            )
    for n, row in enumerate(rows, start=1):
        for name, value in row.items():
            if not isinstance(value, str):
                continue
            where = f"{kind} {domain.name}.{name} (row {n}, USUBJID {row['USUBJID']})"
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


def _sums(patient: PatientExport) -> list[float | None]:
    """The engine's sum per timepoint, from the assessment of the case's own criterion when exported (mRECIST
    sums viable diameters), else of the first exported criterion (the sums of the others are the same)."""
    criteria = patient.export_criteria()
    own = str(patient.case.get("criteria") or "recist1.1")
    assessment = patient.assessment(own if own in criteria else criteria[0])
    return [tp["sum_mm"] for tp in assessment["timepoints"]]


def patient_rows(
    patient: PatientExport, options: SdtmOptions, problems: Problems
) -> tuple[list[Rows], set[tuple[str, str]]]:
    """Every domain's rows of one patient, and the LOC values that are sponsor extensions (SUPPTU notes them)."""
    subject = Subject.build(patient, options, problems)
    tu, supptu, extended = tu_rows(subject)
    tr, supptr = tr_rows(subject, _sums(patient))
    pr, ec, suppec, ex, more = intervention_rows(subject)
    return [dm_rows(subject), tu, tr, rs_rows(subject), pr, ec, ex, supptu, supptr, suppec], extended | more


def study_datasets(study: StudyExport, options: SdtmOptions | None = None) -> dict[str, Dataset]:
    """The study's SDTM datasets by name, rows ordered by USUBJID then --SEQ. Raises
    :class:`~ioguide.errors.InputError` listing every value that cannot be mapped or breaks the XPORT limits."""
    options = options or SdtmOptions()
    problems = Problems()
    collected: dict[str, list[dict[str, Value]]] = {name: [] for name in DOMAINS}
    extended: set[tuple[str, str]] = set()
    for patient in sorted(study.patients, key=lambda p: p.usubjid):
        tables, more = patient_rows(patient, options, problems)
        extended |= more
        for table in tables:
            collected[table.domain.name] += table.rows
    for name, records in collected.items():
        problems.items += check_limits(DOMAINS[name], records)
        check_terms(DOMAINS[name], records, problems, extended)
    if problems.items:
        raise InputError(problems.items)
    return {name: dataset(DOMAINS[name], records) for name, records in collected.items()}
