"""The coordinator's pages through a TestClient: enrol, declare lesions, record procedures, find, audit. Every write
is the service's write (same validation, an audit row); a rejected form saves nothing and keeps what was typed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from ioguide.demo.loader import DEMO_ACTOR
from ioguide.records.db import Database
from ioguide.services import cases, patients, procedures

Sign = Callable[[str], TestClient]


def _enrol(client: TestClient, study_id: str, **extra: str) -> object:
    data = {"study_id": study_id, "program": "HIT-IT demo program", "disease": "melanoma", "criteria": "itrecist"}
    return client.post("/patients/new", data={**data, **extra}, follow_redirects=False)


def test_a_coordinator_enrols_a_patient_with_criteria_the_disease_allows(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    page = client.get("/patients/new?")
    assert page.status_code == 200 and 'value="mrecist"' not in page.text  # solid tumour: no mRECIST offered
    hcc = client.get("/patients/new/criteria?disease=hcc")
    assert 'value="mrecist"' in hcc.text and 'value="mesothelioma"' not in hcc.text
    reply = _enrol(client, "NEW-001", birth_year="1961", sex="female")
    assert reply.status_code == 303 and reply.headers["location"].endswith("/lesions?saved=patient")
    found = patients.find_patients(db, DEMO_ACTOR, "NEW-001")
    assert [(p["study_id"], p["criteria"], p["birth_year"]) for p in found] == [("NEW-001", "itrecist", 1961)]


def test_a_criterion_the_disease_does_not_allow_is_refused_next_to_its_field(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    reply = _enrol(client, "NEW-002", criteria="mrecist")
    assert reply.status_code == 422
    assert "mRECIST is not offered for melanoma" in reply.text
    assert 'value="NEW-002"' in reply.text  # the typed values are kept
    assert patients.find_patients(db, DEMO_ACTOR, "NEW-002") == []
    duplicate = _enrol(client, "IT-001")
    assert duplicate.status_code == 422 and "exists already" in duplicate.text


def test_a_viewer_cannot_enrol(signed_in: Sign) -> None:
    assert _enrol(signed_in("viewer"), "NEW-003").status_code == 403


def test_lesions_are_declared_with_injection_from_baseline_or_a_date(signed_in: Sign, db: Database) -> None:
    client = signed_in("radiologist")
    pid = _enrol(client, "NEW-010").headers["location"].split("/")[2]
    base = {"role": "target", "organ": "liver"}
    assert client.post(f"/patients/{pid}/lesions", data={**base, "id": "T1", "injected": "baseline"}).status_code == 200
    form = {**base, "id": "T2", "injected": "from", "injected_from": "2026-03-01", "nodal": "on", "organ": "lymph node"}
    assert client.post(f"/patients/{pid}/lesions", data=form).status_code == 200
    case, _ = cases.get_case(db, DEMO_ACTOR, int(pid))
    assert case["lesions"] == [
        {"id": "T1", "role": "target", "organ": "liver", "nodal": False, "injected": True, "pleural": False},
        {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True, "injected": False,
         "injected_from": "2026-03-01", "pleural": False},
    ]  # fmt: skip
    again = client.post(f"/patients/{pid}/lesions", data={**base, "id": "T1"})
    assert again.status_code == 422 and "has a lesion &#39;T1&#39; already" in again.text
    blank = client.post(f"/patients/{pid}/lesions", data={"id": "", "role": "target", "organ": ""})
    assert blank.status_code == 422 and 'id="err-id"' in blank.text and 'id="err-organ"' in blank.text


def test_procedures_of_every_kind_are_recorded_or_refused_with_the_field(signed_in: Sign, db: Database) -> None:
    client = signed_in("radiologist")
    pid = int(_enrol(client, "NEW-020").headers["location"].split("/")[2])
    client.post(f"/patients/{pid}/lesions", data={"id": "T1", "role": "target", "organ": "liver"})
    coordinator = signed_in("coordinator")
    for kind in ("injection", "biopsy", "ablation", "embolization", "infusion"):
        assert coordinator.get(f"/patients/{pid}/procedures/new?kind={kind}").status_code == 200
    injection = {"kind": "injection", "date": "2026-02-01", "agent": "T-VEC", "lesion_T1": "on", "volume_T1": "2.5"}
    assert coordinator.post(f"/patients/{pid}/procedures", data=injection, follow_redirects=False).status_code == 303
    infusion = {
        "kind": "infusion",
        "date": "2026-02-02",
        "agent": "CAR-T",
        "route": "intrapleural",
        "dose_cells": "3e6",
    }
    assert coordinator.post(f"/patients/{pid}/procedures", data=infusion, follow_redirects=False).status_code == 303
    stored = procedures.list_procedures(db, DEMO_ACTOR, pid)
    assert [(p["kind"], p.get("route"), p.get("dose_cells")) for p in stored] == [
        ("injection", None, None),
        ("infusion", "intrapleural", 3e6),
    ]
    assert stored[0]["lesions"] == [{"lesion_id": "T1", "volume_ml": 2.5}]
    bad = coordinator.post(f"/patients/{pid}/procedures", data={**infusion, "dose_cells": "lots"})
    assert bad.status_code == 422 and 'id="err-dose_cells"' in bad.text and 'value="lots"' in bad.text
    assert len(procedures.list_procedures(db, DEMO_ACTOR, pid)) == 2  # nothing saved


def test_search_finds_by_part_of_the_pseudonym_and_opens_an_exact_match(signed_in: Sign) -> None:
    client = signed_in("viewer")
    listing = client.get("/patients?q=it-00")
    assert listing.status_code == 200 and "6 patient(s) match" in listing.text
    exact = client.get("/patients?q=it-003", follow_redirects=False)
    assert exact.status_code == 303 and exact.headers["location"].startswith("/patients/")
    assert "No patient" in client.get("/patients?q=%25").text  # a LIKE wildcard is a character, not "everything"


def test_the_audit_page_filters_by_user_action_and_date_and_counts_every_row(signed_in: Sign) -> None:
    client = signed_in("radiologist")
    _enrol(client, "NEW-030")
    mine = client.get("/admin/audit?user=radiologist&action=patient.create")
    assert mine.status_code == 200 and "Rows 1–1 of 1" in mine.text and "NEW-030" not in mine.text
    assert "No audit row matches" in client.get("/admin/audit?since=2999-01-01").text
    bad = client.get("/admin/audit?since=yesterday")
    assert bad.status_code == 422 and "is not a date" in bad.text


def test_the_icans_form_offers_the_four_astct_levels_of_consciousness(signed_in: Sign, db: Database) -> None:
    # ASTCT 2019 (Lee et al., Biol Blood Marrow Transplant 2019;25:625-38), ICANS table: awakens spontaneously is
    # grade 1, to voice grade 2, only to tactile stimulus grade 3, unarousable grade 4.
    client = signed_in("coordinator")
    pid = patients.find_patients(db, DEMO_ACTOR, "IT-001")[0]["id"]
    form = client.get(f"/patients/{pid}/toxicity/icans").text
    for level in ("awakens_spontaneously", "awakens_to_voice", "awakens_to_touch", "unarousable"):
        assert f'value="{level}"' in form
    full_marks = {
        "ice_orientation": "4",
        "ice_naming": "3",
        "ice_commands": "1",
        "ice_writing": "1",
        "ice_attention": "1",
    }
    data = {"date": "2026-02-01", "age_years": "54", "consciousness": "awakens_spontaneously", "seizure": "none",
            "cerebral_edema": "none", **full_marks}  # fmt: skip
    preview = client.post(f"/patients/{pid}/toxicity/icans/preview", data=data)
    assert 'class="grade g1"' in preview.text  # grade 1 whatever the ICE score of 10


def test_an_afebrile_crs_preview_shows_the_warning_and_human_labels(signed_in: Sign, db: Database) -> None:
    # ASTCT 2019: CRS needs fever; hypotension with a vasopressor and no fever (not masked) is grade 0 with a
    # warning to check for masking drugs (issue 18 part 2), shown on the page, not a raw field name.
    client = signed_in("coordinator")
    pid = patients.find_patients(db, DEMO_ACTOR, "IT-001")[0]["id"]
    data = {"date": "2026-02-01", "temp_c": "37.0", "hypotension": "one_vasopressor", "oxygen": "high_flow"}
    preview = client.post(f"/patients/{pid}/toxicity/crs/preview", data=data).text
    assert 'class="grade g0"' in preview
    assert "Check before relying on this grade" in preview and "tocilizumab" in preview
    masked = client.post(f"/patients/{pid}/toxicity/crs/preview", data={**data, "fever_masked": "on"}).text
    assert 'class="grade g3"' in masked and "oxygen need" in masked and "fever_masked" not in masked


def test_the_cohort_response_filter_lists_every_response_the_criteria_produce(signed_in: Sign) -> None:
    # RECIST 1.1 Table 1 and iRECIST (Seymour et al. 2017) Table 2 codes, shown by their labels (issue 15: the
    # filter lacked iPR and iSD and showed NON_CR_NON_PD as a code).
    page = signed_in("viewer").get("/cohort").text
    for code in ("CR", "PR", "SD", "NON_CR_NON_PD", "PD", "NE", "iUPD", "iCPD"):
        assert f'<option value="{code}"' in page
    for shown in ("CR / iCR", "PR / iPR", "SD / iSD", "Non-CR/non-PD / Non-iCR/non-iUPD"):
        assert f">{shown}</option>" in page  # iRECIST's codes are filtered under their RECIST 1.1 counterpart
    assert "NON_CR_NON_PD</option>" not in page
