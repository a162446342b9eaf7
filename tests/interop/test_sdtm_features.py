"""What the issue asked of the SDTM package, feature by feature: one assessment per patient and criterion, visits
from the program's imaging schedule and --DY from RFSTDTC, the independent-read hook (RSEVAL / RSEVALID /
RSACPTFL), routes and per-lesion locations in EX, TRMETHOD from the imaging study, every organ ioguide accepts
mapped to CDISC LOC, iRECIST categories in iRECIST codes, and one lesion identity across TU, TR and FHIR."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pandas as pd
import pytest
import yaml
from sdtm_support import Package, demo_program_input

from ioguide.errors import InputError
from ioguide.interop import inputs
from ioguide.interop.adam import adam_datasets
from ioguide.interop.fhir import patient_bundle
from ioguide.interop.identity import lesion_system
from ioguide.interop.inputs import parse_study_export
from ioguide.interop.locations import location_for
from ioguide.interop.sdtm import study_datasets
from ioguide.interop.terminology import SITES
from ioguide.interop.visits import ImagingSchedule, assign_visits, study_day


def _frame(package: Package, name: str) -> pd.DataFrame:
    return pd.DataFrame(package.datasets[name].records())


def test_each_patient_is_assessed_once_per_criterion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: the export assessed each criterion twice per patient. Parse + SDTM + ADaM + FHIR: once."""
    calls: list[str] = []
    real = inputs.assess_json

    def counting(case: Any, criteria: str | None = None) -> dict[str, Any]:
        calls.append(str(criteria))
        return real(case, criteria)

    monkeypatch.setattr(inputs, "assess_json", counting)
    study = parse_study_export(demo_program_input())
    datasets = study_datasets(study)
    adam_datasets(datasets)
    for patient in study.patients:
        patient_bundle(patient)
    assert len(calls) == sum(len(p.export_criteria()) for p in study.patients) == 6


def test_study_day_has_no_day_zero() -> None:
    """SDTMIG 3.4 §4.4.4: --DY = date - RFSTDTC + 1 on or after RFSTDTC, date - RFSTDTC before it."""
    start = dt.date(2026, 1, 10)
    assert [study_day(start + dt.timedelta(days=d), start) for d in (-2, -1, 0, 1, 83)] == [-2, -1, 1, 2, 84]
    assert study_day(start, None) is None


def test_visits_follow_the_imaging_schedule_and_number_unscheduled_scans() -> None:
    """T-VEC program schedule (data/agents: every 84 days +/- 7 from day 1): a scan on day 85 is WEEK 12, one on
    day 57 is unscheduled after the baseline (1.1), a second scan in the WEEK 24 window is unscheduled (3.1)."""
    start = dt.date(2026, 1, 5)
    schedule = ImagingSchedule(84, 7, "T-VEC")
    days = [-7, 56, 84, 170, 172]
    visits = assign_visits([start + dt.timedelta(days=d) for d in days], start, schedule)
    assert [(v.number, v.name) for v in visits.values()] == [
        (1.0, "BASELINE"), (1.1, "UNSCHEDULED 1.1"), (2.0, "WEEK 12"), (3.0, "WEEK 24"), (3.1, "UNSCHEDULED 3.1"),
    ]  # fmt: skip


def test_tvec_patients_get_the_protocol_visit_names_and_study_days(packages: dict[str, Package]) -> None:
    package = packages["cohort"]
    tr, dm = _frame(package, "TR"), _frame(package, "DM")
    starts = dict(zip(dm.USUBJID, dm.RFSTDTC, strict=True))
    for row in tr.dropna(subset=["TRDY"]).itertuples():
        assert study_day(dt.date.fromisoformat(row.TRDTC), dt.date.fromisoformat(starts[row.USUBJID])) == row.TRDY
    weeks = tr[tr.VISIT.str.startswith("WEEK", na=False)]
    assert {"WEEK 12", "WEEK 24"} <= set(weeks.VISIT)
    for row in weeks.itertuples():
        k = int(row.VISIT.split()[1]) // 12
        assert abs(row.TRDY - 1 - 84 * k) <= 7 and k + 1 == row.VISITNUM


def _with_read(evaluator: str, date_index: int = 1) -> dict[str, Any]:
    data = demo_program_input()
    patient = data["patients"][5]  # IT-006 (RECIST 1.1, confirmed PR)
    patient["evaluations"] = [{"date": patient["case"]["timepoints"][date_index]["date"], "evaluator_id": evaluator}]
    return data


def test_a_signed_independent_read_adds_accepted_independent_assessor_records() -> None:
    datasets = study_datasets(parse_study_export(_with_read("RADIOLOGIST 1")))
    rs = pd.DataFrame(datasets["RS"].records())
    mine = rs[rs.USUBJID == "HIT-IT-DEMO-IT-006"]
    central = mine[mine.RSEVAL == "INDEPENDENT ASSESSOR"]
    day = mine.RSDTC.dropna().min()
    investigator = mine[(mine.RSEVAL == "INVESTIGATOR") & (day == mine.RSDTC) & (mine.RSTESTCD != "BESTRESP")]
    assert list(central.RSTESTCD) == list(investigator.RSTESTCD) and len(central) >= 4
    assert list(central.RSSTRESC) == list(investigator.RSSTRESC)
    assert set(central.RSEVALID) == {"RADIOLOGIST 1"} and set(central.RSACPTFL) == {"Y"}
    assert investigator.RSACPTFL.isna().all() and not mine.duplicated("RSSEQ").any()


def test_an_independent_read_must_name_a_medeval_reader_and_a_follow_up_scan() -> None:
    with pytest.raises(InputError) as err:
        study_datasets(parse_study_export(_with_read("Dr Who")))
    assert err.value.problems[0].field == "subject HIT-IT-DEMO-IT-006: evaluations[0].evaluator_id"
    with pytest.raises(InputError) as err:
        study_datasets(parse_study_export(_with_read("RADIOLOGIST 1", 0)))
    assert "is not a follow-up scan" in err.value.problems[0].message


def test_ex_routes_are_ct_terms_and_locations_are_the_treated_lesions(packages: dict[str, Package]) -> None:
    """CDISC ROUTE: INTRATUMOR (C38269; "INTRATUMORAL" is not a submission value), INTRAPLEURAL, INTRA-ARTERIAL."""
    package = packages["cohort"]
    ex, tu = _frame(package, "EX"), _frame(package, "TU")
    assert set(ex.EXROUTE) == {"INTRATUMOR", "INTRAPLEURAL", "INTRA-ARTERIAL"}
    where = {(r.USUBJID, r.TULNKID): r.TULOC for r in tu.itertuples()}
    lesional = ex.dropna(subset=["EXLNKID"])
    assert len(lesional) and all(where[(r.USUBJID, r.EXLNKID)] == r.EXLOC for r in lesional.itertuples())
    assert (ex[ex.EXROUTE == "INTRATUMOR"].EXDOSU == "mL").all()
    assert (ex[ex.EXROUTE != "INTRATUMOR"].EXDOSU == "Therapeutic Cells").all()


def test_trmethod_is_the_modality_of_the_scans_imaging_study(packages: dict[str, Package]) -> None:
    package = packages["cohort"]
    tr = _frame(package, "TR")
    studies = {
        (p.usubjid, s.date.isoformat()): {"CT": "CT SCAN", "MR": "MRI"}[s.modality]
        for p in package.study.patients
        for s in p.imaging
    }
    assert all(studies[(r.USUBJID, r.TRDTC)] == r.TRMETHOD for r in tr.itertuples())
    demo = _frame(packages["demo"], "TR")
    assert demo.TRMETHOD.isna().all()  # no imaging study stored: unknown, not guessed


def test_every_organ_ioguide_accepts_maps_to_a_loc_term() -> None:
    """The injectability sites (data/planning/injectability.yaml), the FHIR body-site map and the demo's organs."""
    from importlib import resources

    sites = yaml.safe_load(resources.files("ioguide").joinpath("data", "planning", "injectability.yaml").read_text())
    organs = set(sites["sites"]) | set(SITES) | {"pleura level 1", "lymph_node"}
    organs |= {lesion["organ"] for p in demo_program_input()["patients"] for lesion in p["case"]["lesions"]}
    unmapped = {organ for organ in organs if not location_for(organ).mapped}
    assert not unmapped
    assert location_for("subcutaneous").loc == "SUBCUTIS" and location_for("adrenal").loc == "ADRENAL GLAND"
    left = location_for("left lung")
    assert (left.loc, left.lat) == ("LUNG", "LEFT")
    assert location_for("upper arm skin").dir == "UPPER"


def test_irecist_categories_carry_irecist_results(packages: dict[str, Package]) -> None:
    """IT-003 (iRECIST, Seymour 2017): the target category progressed at the iUPD and again at the iCPD; its
    TRGRESP is iUPD then iCPD (pharmaverse rs_onco_irecist), never RECIST's PD."""
    rs = _frame(packages["demo"], "RS")
    target = rs[(rs.USUBJID == "HIT-IT-DEMO-IT-003") & (rs.RSTESTCD == "TRGRESP")]
    assert list(target.RSSTRESC) == ["iUPD", "iCPD"]


def test_one_lesion_identity_across_tu_tr_and_fhir(packages: dict[str, Package]) -> None:
    """Every TU lesion appears in TR (TRLNKID) and as a FHIR BodyStructure identifier (system scoped to study and
    subject, value the same key: ``identity``)."""
    for package in packages.values():
        tu, tr = _frame(package, "TU"), _frame(package, "TR")
        measured = set(zip(tr.USUBJID, tr.TRLNKID, strict=True))
        for patient in package.study.patients:
            ids = set(tu[patient.usubjid == tu.USUBJID].TULNKID)
            assert {(patient.usubjid, i) for i in ids} <= measured
            bundle = patient_bundle(patient)
            system = lesion_system(patient.study, patient.subject)
            fhir = {
                identifier["value"]
                for entry in bundle["entry"]
                if entry["resource"]["resourceType"] == "BodyStructure"
                for identifier in entry["resource"]["identifier"]
                if identifier["system"] == system
            }
            assert fhir == ids, patient.usubjid


def test_a_free_text_organ_no_longer_stops_the_export(demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input)
    data["patients"][0]["case"]["lesions"][0]["organ"] = "scalp near the left ear"
    datasets = study_datasets(parse_study_export(data))
    assert len(datasets["SUPPTU"].rows) == 1


def test_many_unscheduled_scans_never_reach_the_next_visit_number() -> None:
    """Twelve unscheduled scans between baseline and WEEK 12 number 1.01 .. 1.12, below VISITNUM 2."""
    start = dt.date(2026, 1, 5)
    days = [-7, *range(3, 39, 3), 84]
    visits = list(
        assign_visits([start + dt.timedelta(days=d) for d in days], start, ImagingSchedule(84, 7, "x")).values()
    )
    assert [v.number for v in visits[1:13]] == [round(1 + 0.01 * n, 2) for n in range(1, 13)]
    assert visits[1].name == "UNSCHEDULED 1.01" and (visits[-1].number, visits[-1].name) == (2.0, "WEEK 12")


def test_nine_unscheduled_scans_keep_tenths() -> None:
    start = dt.date(2026, 1, 5)
    days = [-7, *range(4, 40, 4), 84]
    visits = list(
        assign_visits([start + dt.timedelta(days=d) for d in days], start, ImagingSchedule(84, 7, "x")).values()
    )
    assert [v.number for v in visits[1:10]] == [round(1 + 0.1 * n, 1) for n in range(1, 10)]
