"""The radiologist's review tasks from the browser alone (issue 15, part rad), each on a patient of its own (made
through the API, so the demo patients other tests read stay as they are):

- reclassify a lesion and see the RECIST 1.1 response change (Eisenhauer et al. 2009, §4.3.1: PR is a >= 30 %
  decrease of the target sum; 15+30+20 = -19 % is SD, 15+20 after T2 leaves the targets = -30 % is PR);
- sign a timepoint's response by re-entering the password (21 CFR 11.50, 11.200);
- re-date and delete scans with a reason, both kept in the audit; deleting the baseline is refused with why
  (RECIST 1.1 §4.1: the baseline sum is the reference of every follow-up).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from e2e.conftest import PASSWORDS
from e2e.test_pages import recist_latest
from e2e.test_workflows import AXE_URL

pytestmark = pytest.mark.browser

CASE: dict[str, Any] = {
    "criteria": "recist1.1",
    "lesions": [
        {"id": "T1", "role": "target", "organ": "liver"},
        {"id": "T2", "role": "target", "organ": "lung"},
        {"id": "T3", "role": "target", "organ": "kidney"},
        {"id": "N1", "role": "non_target", "organ": "bone"},
    ],
    "timepoints": [
        {"date": "2026-01-05", "diameters_mm": {"T1": 30, "T2": 30, "T3": 20}, "non_target": {"N1": "present"}},
        {"date": "2026-03-02", "diameters_mm": {"T1": 15, "T2": 30, "T3": 20}, "non_target": {"N1": "present"}},
        {"date": "2026-04-06", "diameters_mm": {"T1": 15, "T2": 30, "T3": 20}, "non_target": {"N1": "present"}},
    ],
}
_numbers = itertools.count(1)


def new_patient(page: Any) -> str:
    """A patient with ``CASE``, made through the API as the radiologist; its page's path."""
    token = page.request.post(
        "/api/v1/auth/token", form={"username": "radiologist", "password": PASSWORDS["radiologist"]}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    made = page.request.post(
        "/api/v1/patients", data={"study_id": f"RAD-{next(_numbers):03d}", "program": "RAD e2e"}, headers=headers
    )
    assert made.status == 201, made.text()
    pid = made.json()["id"]
    put = page.request.put(f"/api/v1/patients/{pid}/case", data=CASE, headers={**headers, "If-Match": "1"})
    assert put.status == 200, put.text()
    return f"/patients/{pid}"


def no_serious_axe_violation(page: Any) -> None:
    page.add_script_tag(url=AXE_URL)
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []


def test_reclassifying_a_lesion_changes_the_response_on_the_patient_page(new_page: Any) -> None:
    page = new_page("radiologist")
    patient = new_patient(page)
    page.goto(patient)
    assert recist_latest(page) == "SD"
    page.get_by_role("link", name="Reclassify lesion T2").click()
    page.get_by_label("non-target").check()
    page.get_by_role("button", name="Reclassify").click()
    assert page.locator("#err-reason_for_change").is_visible()  # refused: no reason, nothing saved
    no_serious_axe_violation(page)
    page.get_by_label("Reason for the change (required)").fill("T2 is an atelectasis, not measurable")
    page.get_by_role("button", name="Reclassify").click()
    page.wait_for_url(re.compile(r"/lesions/T2/edit\?saved=reclassified"))
    assert "not evaluated" in page.locator("#lesion-values").inner_text()  # follow-ups to read again, said
    page.goto(patient)
    assert recist_latest(page) == "PR"
    page.locator("#audit summary").click()
    assert "lesion.reclassify" in page.locator("#audit-table").inner_text()


def test_a_timepoint_is_signed_and_the_signature_listed(new_page: Any) -> None:
    page = new_page("radiologist")
    page.goto(new_patient(page))
    page.get_by_role("link", name="Review and sign the response of 2026-03-02").click()
    assert "SD" in page.locator("#review-response").inner_text() and page.locator("#review-reasons li").count() > 0
    page.get_by_label("Printed name").fill("Rita Radiologist")
    page.get_by_label(re.compile("^Password")).fill("not my password")
    page.get_by_role("button", name="Sign: reviewed and approved").click()
    assert page.locator("#err-password").is_visible()
    page.get_by_label(re.compile("^Password")).fill(PASSWORDS["radiologist"])
    page.get_by_role("button", name="Sign: reviewed and approved").click()
    page.wait_for_url(re.compile(r"saved=signature"))
    row = page.locator("#signature-table tbody tr").first.inner_text()
    assert "Rita Radiologist" in row and "reviewed and approved" in row and "current" in row
    no_serious_axe_violation(page)


def test_scans_are_re_dated_and_deleted_with_a_reason_and_the_baseline_is_kept(new_page: Any) -> None:
    page = new_page("radiologist")
    patient = new_patient(page)
    page.goto(patient)
    page.get_by_role("link", name="Re-date or delete the scan of 2026-01-05").click()
    page.get_by_label("Reason for the change (required)").fill("duplicate")
    page.get_by_role("button", name="Delete the scan").click()
    assert "measured against it" in page.get_by_role("alert").first.inner_text()  # the baseline: refused, why said
    page.get_by_label("New date").fill("2026-03-05")
    page.get_by_role("button", name="Re-date").click()
    assert "keeps its place" in page.locator("#err-new_date").inner_text()
    no_serious_axe_violation(page)
    page.get_by_label("New date").fill("2026-01-06")
    page.get_by_label("Reason for the change (required)").fill("date typed wrong")
    page.get_by_role("button", name="Re-date").click()
    page.wait_for_url(re.compile(r"saved=scan"))
    page.get_by_role("link", name="Re-date or delete the scan of 2026-04-06").click()
    page.get_by_label("Reason for the change (required)").fill("scan of another patient")
    page.get_by_role("button", name="Delete the scan").click()
    page.wait_for_url(re.compile(r"saved=scan\+2026-04-06\+deleted"))
    header = page.locator("#lesion-table thead").inner_text()
    assert "2026-01-06" in header and "2026-04-06" not in header
    page.locator("#audit summary").click()
    rows = page.locator("#audit-table tbody tr")
    redated = rows.filter(has_text="timepoint.redate").inner_text()
    deleted = rows.filter(has_text="timepoint.delete").inner_text()
    assert "2026-01-05" in redated and "2026-01-06" in redated and "date typed wrong" in redated  # before -> after
    assert "scan of another patient" in deleted and "radiologist" in deleted
    assert "duplicate" not in page.locator("#audit-table").inner_text()  # the refused deletion wrote nothing
