"""The radiologist's review pages through a TestClient (issue 15, part rad): reclassify a lesion and see the
response change (RECIST 1.1, Eisenhauer et al. 2009, §4.3.1: PR is a >= 30 % decrease of the target sum), sign a
timepoint's response by re-entering the password (21 CFR 11.50, 11.200), re-date or delete a scan or a procedure
with a reason; every refusal next to its field, nothing saved."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from ioguide.demo.loader import DEMO_ACTOR
from ioguide.labels import label
from ioguide.records.db import Database
from ioguide.services import audit, cases, procedures
from web.conftest import PASSWORDS
from web.test_routes import audit_count, patient_id

Sign = Callable[[str], TestClient]


def _response_of(client: TestClient, pid: int, date: str) -> str:
    text = client.get(f"/patients/{pid}/timepoints/{date}/review").text
    match = re.search(r'<dt>Response</dt><dd><span class="badge [^"]*">([^<]+)</span>', text)
    assert match, text
    return match.group(1)


def test_reclassifying_a_target_changes_the_response_shown(signed_in: Sign, db: Database) -> None:
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-006")  # RECIST 1.1: T1 42 -> 30, T2 16 -> 10 mm: -31 % PR on 2026-03-30
    assert 'aria-label="Reclassify lesion T2"' in client.get(f"/patients/{pid}").text
    assert _response_of(client, pid, "2026-03-30") == "PR"
    form = client.get(f"/patients/{pid}/lesions/T2/edit").text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version
    data = {"role": "non_target", "version": version.group(1), "reason_for_change": "T2 is a node-like lesion"}
    refused = client.post(f"/patients/{pid}/lesions/T2/edit", data={**data, "reason_for_change": ""})
    assert refused.status_code == 422 and 'id="err-reason_for_change"' in refused.text
    saved = client.post(f"/patients/{pid}/lesions/T2/edit", data=data)
    assert saved.status_code == 200 and "reclassified" in saved.text
    # its follow-up diameters say nothing about unequivocal progression: shown as not evaluated, to read again
    assert saved.text.count("<strong>not evaluated</strong>") == 2
    # T1 alone: 42 -> 30 mm = -28.6 %, no longer PR (RECIST 1.1 §4.3.1)
    assert _response_of(client, pid, "2026-03-30") == "SD"
    assert cases.get_case(db, DEMO_ACTOR, pid)[0]["timepoints"][0]["non_target"]["T2"] == "present"


def test_a_baseline_diameter_that_is_no_number_is_refused_next_to_its_field(signed_in: Sign, db: Database) -> None:
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-006")
    before = audit_count(db)
    data = {"role": "target", "baseline_diameter_mm": "abc", "version": "1", "reason_for_change": "re-read"}
    refused = client.post(f"/patients/{pid}/lesions/N1/edit", data=data)
    assert refused.status_code == 422 and 'id="err-baseline_diameter_mm"' in refused.text
    assert 'value="abc"' in refused.text  # the typed value is kept
    assert audit_count(db) == before


def test_sign_a_timepoint_then_a_correction_marks_it_superseded(signed_in: Sign, db: Database) -> None:
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-006")
    url = f"/patients/{pid}/timepoints/2026-03-30/review"
    assert f'href="{url}"' in client.get(f"/patients/{pid}").text
    page = client.get(url).text
    assert "Sign: reviewed and approved" in page and "Not signed yet." in page and "-31.0 %" in page
    wrong = client.post(url, data={"printed_name": "Rita R", "password": "nope", "capacity": "radiologist"})
    assert wrong.status_code == 422 and 'id="err-password"' in wrong.text and 'value="Rita R"' in wrong.text
    body = {"printed_name": "Rita Radiologist", "password": PASSWORDS["radiologist"], "capacity": "radiologist"}
    signed = client.post(url, data=body)
    assert signed.status_code == 200 and "Rita Radiologist" in signed.text and ">current<" in signed.text
    redated = client.post(
        f"/patients/{pid}/scans/2026-02-02/correct",
        data={"action": "redate", "new_date": "2026-02-03", "version": "1", "reason_for_change": "typo"},
    )
    assert redated.status_code == 200 and "scan 2026-02-02 re-dated" in redated.text
    # the signed content (the scans up to the signed one) changed: the signature is shown superseded
    assert '<strong class="superseded">superseded</strong>' in client.get(url).text


def test_a_viewer_sees_the_review_but_no_sign_form(signed_in: Sign) -> None:
    client = signed_in("viewer")
    pid = patient_id(client, "IT-006")
    page = client.get(f"/patients/{pid}/timepoints/2026-03-30/review").text
    assert "Why" in page and "Sign: reviewed and approved" not in page
    assert 'aria-label="Reclassify lesion T2"' not in client.get(f"/patients/{pid}").text


def test_deleting_the_baseline_is_refused_with_why_and_a_follow_up_can_be_deleted(
    signed_in: Sign, db: Database
) -> None:
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-006")
    before = audit_count(db)
    baseline = client.post(
        f"/patients/{pid}/scans/2026-02-02/correct", data={"action": "delete", "version": "1", "reason_for_change": "x"}
    )
    assert baseline.status_code == 409 and "follow-up scan(s) are measured against it" in baseline.text
    no_reason = client.post(f"/patients/{pid}/scans/2026-05-25/correct", data={"action": "delete", "version": "1"})
    assert no_reason.status_code == 422 and 'id="err-reason_for_change"' in no_reason.text
    assert audit_count(db) == before
    deleted = client.post(
        f"/patients/{pid}/scans/2026-05-25/correct",
        data={"action": "delete", "version": "1", "reason_for_change": "wrong patient's scan"},
    )
    assert deleted.status_code == 200 and "scan 2026-05-25 deleted" in deleted.text
    assert [tp["date"] for tp in cases.get_case(db, DEMO_ACTOR, pid)[0]["timepoints"]] == ["2026-02-02", "2026-03-30"]
    last = audit.list_audit(db, DEMO_ACTOR, pid, 1000, 0)["items"][-1]
    assert (last["action"], last["reason"]) == ("timepoint.delete", "wrong patient's scan")


def test_a_procedure_is_re_dated_then_deleted_from_its_page(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-006")
    [first, *_] = procedures.list_procedures(db, DEMO_ACTOR, pid)
    url = f"/patients/{pid}/procedures/{first['id']}/correct"
    assert f'href="{url}"' in client.get(f"/patients/{pid}").text
    future = client.post(
        url, data={"action": "redate", "new_date": "2999-01-01", "version": "1", "reason_for_change": "t"}
    )
    assert future.status_code == 422 and 'id="err-new_date"' in future.text
    moved = client.post(
        url, data={"action": "redate", "new_date": "2026-02-03", "version": "1", "reason_for_change": "t"}
    )
    assert moved.status_code == 200
    assert procedures.list_procedures(db, DEMO_ACTOR, pid)[0]["date"] == "2026-02-03"
    stale = client.post(url, data={"action": "delete", "version": "1", "reason_for_change": "twice"})
    assert stale.status_code == 412
    gone = client.post(url, data={"action": "delete", "version": "2", "reason_for_change": "twice"})
    assert gone.status_code == 200
    assert first["id"] not in [p["id"] for p in procedures.list_procedures(db, DEMO_ACTOR, pid)]


def test_a_coordinator_gets_the_procedure_form_but_not_the_scan_form(signed_in: Sign, db: Database) -> None:
    """Scans are a radiologist's (measurements), procedures a coordinator's (spec/api.md, "Users and roles"): a
    form the role could only send to be refused (403) is not shown."""
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-006")
    [first, *_] = procedures.list_procedures(db, DEMO_ACTOR, pid)
    scan = client.get(f"/patients/{pid}/scans/2026-03-30/correct").text
    assert "Correct the scan of 2026-03-30" in scan and 'name="reason_for_change"' not in scan
    procedure = client.get(f"/patients/{pid}/procedures/{first['id']}/correct").text
    assert f"Correct the {label(first['kind'])} of {first['date']}" in procedure
    assert 'name="reason_for_change"' in procedure


def test_the_review_shows_response_codes_by_their_label(signed_in: Sign) -> None:
    """RECIST 1.1 (Eisenhauer et al. 2009, Table 1) prints "Non-CR/non-PD"; the page never shows the stored code."""
    client = signed_in("viewer")
    pid = patient_id(client, "IT-001")  # N1 present on 2026-03-02: non-target Non-CR/non-PD
    page = client.get(f"/patients/{pid}/timepoints/2026-03-02/review").text
    assert "<dt>Non-target</dt><dd><span" in page and ">Non-CR/non-PD</span>" in page
    assert ">NON_CR_NON_PD<" not in page


def test_an_itrecist_review_shows_the_injected_and_non_injected_subsets(signed_in: Sign) -> None:
    """itRECIST (Goldmacher et al. 2020) reads the injected and non-injected lesions apart: IT-001 on 2026-03-02,
    injected I1+I2 32+24 -> 20+14 mm (-39.3 %), non-injected D1+D2 18+22 -> 15+18 mm (-17.5 %)."""
    client = signed_in("viewer")
    pid = patient_id(client, "IT-001")
    page = client.get(f"/patients/{pid}/timepoints/2026-03-02/review").text
    table = page.split('id="review-subsets"')[1].split("</table>")[0]
    assert "injected lesions" in table and "non-injected lesions" in table
    assert "-39.3 %" in table and "-17.5 %" in table
