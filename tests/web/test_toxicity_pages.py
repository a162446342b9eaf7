"""The CTCAE event page and the correction of a toxicity event, through a TestClient: NCI's whole CTCAE v5.0 table
searchable, grades chosen from NCI's wording or computed from laboratory values by the same grader as the API, and
corrections that need a reason and the version the clinician opened (spec/api.md, "Versions")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from ioguide.demo.loader import DEMO_ACTOR
from ioguide.records.db import Database
from ioguide.services import audit, toxicity
from ioguide.web import forms, toxicity_pages
from web.test_routes import audit_count, patient_id

Sign = Callable[[str], TestClient]


def ctcae_events(db: Database, pid: int, date: str) -> list[dict[str, Any]]:
    return [e for e in toxicity.list_toxicity(db, DEMO_ACTOR, pid) if e["kind"] == "ctcae" and e["date"] == date]


def test_the_search_finds_a_term_by_name_and_a_british_word_by_its_alias(signed_in: Sign) -> None:
    """NCI CTCAE v5.0: "Pneumothorax" (MedDRA 10035759) is a term; "haemorrhage" is no term (aliases.yaml: graded
    by site), so the search offers the site terms with the alias's note instead of "no match"."""
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    found = client.get(f"/patients/{pid}/toxicity/ctcae/search", params={"q": "pneumothorax"}).text
    assert f'href="/patients/{pid}/toxicity/ctcae?term=pneumothorax"' in found and "10035759" in found
    alias = client.get(f"/patients/{pid}/toxicity/ctcae/search", params={"q": "haemorrhage"}).text
    assert "is not a CTCAE term" in alias and "hemorrhage" in alias.lower()
    assert "No CTCAE v5.0 term matches" not in alias
    page = client.get(f"/patients/{pid}/toxicity/ctcae", params={"q": "pneumothorax"}).text
    assert "?term=pneumothorax" in page  # the search works without htmx too


def test_a_broad_search_says_how_many_more_matched(signed_in: Sign) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    text = client.get(f"/patients/{pid}/toxicity/ctcae/search", params={"q": "disorders"}).text
    assert text.count("<li>") == 40 and "the first 40 are shown" in text


def test_a_chosen_grade_is_stored_with_ncis_text_and_shown_on_the_patient_page(signed_in: Sign, db: Database) -> None:
    """NCI CTCAE v5.0, Pneumothorax grade 2: "Symptomatic; intervention indicated"."""
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    page = client.get(f"/patients/{pid}/toxicity/ctcae", params={"term": "pneumothorax"}).text
    assert 'name="grade" value="2"' in page and "Symptomatic; intervention indicated" in page
    form = {"term": "pneumothorax", "date": "2026-02-06", "grade": "2"}
    saved = client.post(f"/patients/{pid}/toxicity/ctcae", data=form, follow_redirects=False)
    assert saved.status_code == 303
    [event] = ctcae_events(db, pid, "2026-02-06")
    assert event["grade"] == 2 and event["input"] == {"term": "pneumothorax", "grade": 2}
    assert event["result"]["grade_text"] == "Symptomatic; intervention indicated"
    patient = client.get(f"/patients/{pid}").text
    assert "CTCAE: Pneumothorax" in patient and "Symptomatic; intervention indicated" in patient
    assert f"/toxicity/events/{event['id']}/correct" in patient


def test_an_other_specify_term_needs_the_event_in_words_and_saves_nothing_without(
    signed_in: Sign, db: Database
) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    before = audit_count(db)
    form = {"term": "hepatobiliary_disorders_other_specify", "date": "2026-02-07", "grade": "1"}
    reply = client.post(f"/patients/{pid}/toxicity/ctcae", data=form)
    assert reply.status_code == 422 and 'id="err-specify"' in reply.text
    assert 'value="2026-02-07"' in reply.text  # typed values kept
    assert audit_count(db) == before and ctcae_events(db, pid, "2026-02-07") == []


def test_a_laboratory_value_is_graded_by_ncis_thresholds(signed_in: Sign, db: Database) -> None:
    """NCI CTCAE v5.0, ALT increased (baseline normal): grade 3 is > 5.0 - 20.0 x ULN; 250 U/L against an ULN of
    40 is 6.25 x ULN. The page asks for the value, unit and ULN, never for a grade."""
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    page = client.get(f"/patients/{pid}/toxicity/ctcae", params={"term": "alanine_aminotransferase_increased"}).text
    assert 'name="value"' in page and 'name="uln"' in page and 'name="unit"' in page
    assert 'type="radio" id="c-grade' not in page
    form = {"term": "alanine_aminotransferase_increased", "date": "2026-02-08", "value": "250", "uln": "40"}
    preview = client.post(f"/patients/{pid}/toxicity/ctcae/preview", data=form).text
    assert '<span class="grade g3">grade 3</span>' in preview and ctcae_events(db, pid, "2026-02-08") == []
    assert client.post(f"/patients/{pid}/toxicity/ctcae", data=form, follow_redirects=False).status_code == 303
    [event] = ctcae_events(db, pid, "2026-02-08")
    assert event["grade"] == 3 and event["input"]["value"] == 250.0 and event["input"]["uln"] == 40.0


def test_an_unknown_term_is_a_404_page(signed_in: Sign) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    assert client.get(f"/patients/{pid}/toxicity/ctcae", params={"term": "not_a_term"}).status_code == 404


def _record(db: Database, pid: int, date: str, grade: int) -> dict[str, Any]:
    data = toxicity.ToxicityIn.model_validate(
        {"kind": "ctcae", "date": date, "input": {"term": "pneumothorax", "grade": grade}}
    )
    return toxicity.record_toxicity(db, DEMO_ACTOR, pid, data)


def test_a_correction_without_a_reason_is_refused_and_changes_nothing(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    event = _record(db, pid, "2026-02-09", 2)
    before = audit_count(db)
    form = {"term": "pneumothorax", "date": "2026-02-09", "grade": "3", "version": "1", "reason_for_change": " "}
    reply = client.post(f"/patients/{pid}/toxicity/events/{event['id']}/correct", data=form)
    assert reply.status_code == 422 and 'id="err-reason_for_change"' in reply.text
    assert 'id="c-grade-3" name="grade" value="3" checked' in reply.text  # the typed choice kept
    assert audit_count(db) == before and ctcae_events(db, pid, "2026-02-09")[0]["grade"] == 2


def test_a_correction_with_a_reason_is_audited_with_before_and_after(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    event = _record(db, pid, "2026-02-10", 2)
    page = client.get(f"/patients/{pid}/toxicity/events/{event['id']}/correct").text
    assert 'id="c-grade-2" name="grade" value="2" checked' in page and 'name="version" value="1"' in page
    form = {"term": "pneumothorax", "date": "2026-02-10", "grade": "3", "version": "1",
            "reason_for_change": "chest tube placed: grade 3"}  # fmt: skip
    saved = client.post(f"/patients/{pid}/toxicity/events/{event['id']}/correct", data=form, follow_redirects=False)
    assert saved.status_code == 303
    [stored] = ctcae_events(db, pid, "2026-02-10")
    assert stored["grade"] == 3 and stored["version"] == 2 and stored["id"] == event["id"]
    [row] = audit.list_audit(db, DEMO_ACTOR, pid, 1, 0, newest_first=True)["items"]
    assert row["action"] == "toxicity.correct" and row["reason"] == "chest tube placed: grade 3"
    assert row["before"]["grade"] == 2 and row["after"]["grade"] == 3


def test_a_stale_correction_is_412_and_says_someone_changed_it(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    event = _record(db, pid, "2026-02-11", 2)
    first = {"term": "pneumothorax", "date": "2026-02-11", "grade": "3", "version": "1", "reason_for_change": "a"}
    url = f"/patients/{pid}/toxicity/events/{event['id']}/correct"
    assert client.post(url, data=first, follow_redirects=False).status_code == 303
    stale = client.post(url, data={**first, "grade": "1", "reason_for_change": "b"})
    assert stale.status_code == 412 and "changed this since you opened it" in stale.text
    assert ctcae_events(db, pid, "2026-02-11")[0]["grade"] == 3


def test_an_event_recorded_by_its_meddra_code_opens_for_correction(signed_in: Sign, db: Database) -> None:
    """NCI CTCAE v5.0: MedDRA 10035759 is Pneumothorax; the API accepts the code alone (toxicity.md)."""
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    data = toxicity.ToxicityIn.model_validate(
        {"kind": "ctcae", "date": "2026-02-14", "input": {"meddra_code": 10035759, "grade": 1}}
    )
    event = toxicity.record_toxicity(db, DEMO_ACTOR, pid, data)
    page = client.get(f"/patients/{pid}/toxicity/events/{event['id']}/correct")
    assert page.status_code == 200 and 'name="term" value="pneumothorax"' in page.text
    assert 'id="c-grade-1" name="grade" value="1" checked' in page.text


def test_a_crs_event_is_corrected_on_its_own_form(signed_in: Sign, db: Database) -> None:
    """Lee et al. 2019 (ASTCT CRS): fever alone is grade 1; with one vasopressor grade 3."""
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    data = toxicity.ToxicityIn.model_validate(
        {"kind": "crs", "date": "2026-02-12", "input": {"temp_c": 38.5, "hypotension": "none", "oxygen": "none"}}
    )
    event = toxicity.record_toxicity(db, DEMO_ACTOR, pid, data)
    assert event["grade"] == 1
    url = f"/patients/{pid}/toxicity/events/{event['id']}/correct"
    page = client.get(url).text
    assert 'value="38.5"' in page and 'name="version" value="1"' in page and "Save the correction" in page
    form = {"date": "2026-02-12", "temp_c": "38.5", "hypotension": "one_vasopressor", "oxygen": "none",
            "version": "1", "reason_for_change": "vasopressor started"}  # fmt: skip
    assert client.post(url, data=form, follow_redirects=False).status_code == 303
    stored = toxicity.get_toxicity(db, DEMO_ACTOR, pid, event["id"])
    assert stored["grade"] == 3 and stored["version"] == 2


def test_a_viewer_cannot_correct(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    event = _record(db, pid, "2026-02-13", 2)
    client.post("/logout", data={})
    viewer = signed_in("viewer")
    form = {"term": "pneumothorax", "date": "2026-02-13", "grade": "3", "version": "1", "reason_for_change": "x"}
    reply = viewer.post(f"/patients/{pid}/toxicity/events/{event['id']}/correct", data=form)
    assert reply.status_code == 403 and ctcae_events(db, pid, "2026-02-13")[0]["grade"] == 2


def test_a_stored_crs_or_icans_input_fills_its_form_back_unchanged() -> None:
    """A correction starts from what was stored: the form values give back the very same grader input (a form that
    dropped the ICE items, the CAPD choice or a flag would silently change the grade on save)."""
    crs = {"temp_c": 38.6, "fever_masked": True, "hypotension": "no_vasopressor", "oxygen": "low_flow",
           "oxygen_flow_l_min": 4.0}  # fmt: skip
    ice = {"age_years": 54.0, "consciousness": "awakens_to_voice", "seizure": "none", "motor_weakness": True,
           "cerebral_edema": "none", "ice_items": {"orientation": 3, "naming": 3, "commands": 1, "writing": 0,
                                                   "attention": 1}}  # fmt: skip
    capd = {"age_years": 8.0, "consciousness": "awake", "seizure": "none", "motor_weakness": False,
            "cerebral_edema": "none", "developmental_delay": True, "capd_score": 12}  # fmt: skip
    assert forms.crs_document(toxicity_pages.form_values("crs", "2026-01-07", crs)) == crs
    for doc in (ice, capd):
        assert forms.icans_document(toxicity_pages.form_values("icans", "2026-01-07", doc)) == doc
