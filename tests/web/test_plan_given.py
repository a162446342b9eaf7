"""The injection plan recorded as done (issue 15, IR): a form pre-filled from the plan, editable; the stored
procedure holds what was given; the same form sent twice stores once; the plan page then shows it as done.
Volumes: IMLYGIC US prescribing information, section 2.1 Table 2 (> 15 to 25 mm -> 1.0 mL, > 5 to 15 -> 0.5 mL)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from ioguide.demo.loader import DEMO_ACTOR
from ioguide.records.db import Database
from ioguide.services import procedures
from web.test_routes import audit_count, patient_id

Sign = Callable[[str], TestClient]


def _form(html: str) -> dict[str, str]:
    """The form's fields as the browser would send them (text inputs, hidden inputs, ticked boxes, selections)."""
    start = html.index('action="/patients/')
    form = html[start : html.index("</form>", start)]
    values = {n: v for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)}
    values = {n: v for n, v in values.items() if not n.startswith("lesion_")}
    values.update({n: "on" for n in re.findall(r'<input type="checkbox"[^>]*name="([^"]+)"[^>]*checked', form)})
    for name, options in re.findall(r'<select[^>]*name="([^"]+)">(.*?)</select>', form):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_the_form_is_pre_filled_from_the_plan_and_stores_what_was_given(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-001")
    page = client.get(f"/patients/{pid}/plan?on=2026-03-09").text
    assert "subsequent visit" in page and "Record as done on 2026-03-09" in page
    opened = client.get(f"/patients/{pid}/plan/done?on=2026-03-09")
    assert opened.status_code == 200
    form = _form(opened.text)
    # latest scan 2026-03-02: I1 20 mm -> 1.0 mL, I2 14 mm -> 0.5 mL (the planned volumes, pre-filled)
    assert (form["volume_I1"], form["volume_I2"], form["lesion_I1"], form["lesion_I2"]) == ("1", "0.5", "on", "on")
    assert form["date"] == "2026-03-09" and len(form["idempotency_key"]) >= 24
    form.update(volume_I1="0.8", needle_gauge="22", needle_length_mm="40", guidance="ultrasound",
                approach="percutaneous")  # fmt: skip
    reply = client.post(f"/patients/{pid}/plan/done", data=form, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].endswith("saved=injection#done")
    last = procedures.list_procedures(db, DEMO_ACTOR, pid)[-1]
    assert last["lesions"] == [{"lesion_id": "I1", "volume_ml": 0.8}, {"lesion_id": "I2", "volume_ml": 0.5}]
    assert (last["needle_gauge"], last["needle_length_mm"], last["guidance"], last["approach"]) == (
        22, 40.0, "ultrasound", "percutaneous")  # fmt: skip
    assert "given differs from the plan: I1 0.8 mL (planned 1 mL)" in last["notes"]
    done = client.get(reply.headers["location"]).text
    assert 'id="done"' in done and "I1 0.8 mL" in done and "Record as done on" not in done


def test_the_same_form_sent_twice_stores_once(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-001")
    form = _form(client.get(f"/patients/{pid}/plan/done?on=2026-03-09").text)
    count = len(procedures.list_procedures(db, DEMO_ACTOR, pid))
    for _ in range(2):
        assert client.post(f"/patients/{pid}/plan/done", data=form, follow_redirects=False).status_code == 303
    assert len(procedures.list_procedures(db, DEMO_ACTOR, pid)) == count + 1
    # a newly opened form has a new key: a second injection that day is a second, deliberate record
    again = _form(client.get(f"/patients/{pid}/plan/done?on=2026-03-09").text)
    assert again["idempotency_key"] != form["idempotency_key"]


def test_a_bad_value_is_shown_next_to_its_field_with_the_typed_values_kept(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-001")
    form = _form(client.get(f"/patients/{pid}/plan/done?on=2026-03-09").text)
    before = audit_count(db)
    form.update(needle_gauge="5", volume_I2="0.45")
    reply = client.post(f"/patients/{pid}/plan/done", data=form)
    assert reply.status_code == 422 and 'id="err-needle_gauge"' in reply.text
    assert 'value="0.45"' in reply.text and f'value="{form["idempotency_key"]}"' in reply.text
    assert audit_count(db) == before


def test_a_viewer_records_nothing(signed_in: Sign, db: Database) -> None:
    client = signed_in("viewer")
    pid = patient_id(client, "IT-001")
    assert "Record as done" not in client.get(f"/patients/{pid}/plan?on=2026-03-09").text
    before = audit_count(db)
    reply = client.post(f"/patients/{pid}/plan/done", data={"on": "2026-03-09", "lesion_I1": "on", "volume_I1": "1"})
    assert reply.status_code == 403 and audit_count(db) == before
