"""The care team's pages in a real browser (issue 5, "Browser tests"): sign-in, roles, a follow-up scan changing the
response, an invalid diameter rejected with nothing saved, CRS graded live, an injection plan printed, plots drawn.

The server is ``ioguide serve --demo``; each test works on its own demo patient so the order does not matter.
Screenshots of the main pages are written to the artifacts folder (see conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def open_patient(page: Any, study_id: str) -> None:
    page.goto("/cohort")
    page.get_by_role("link", name=study_id, exact=True).click()
    page.wait_for_url(re.compile(r"/patients/\d+$"))


def recist_latest(page: Any) -> str:
    return str(page.locator('#response-summary td.current[data-criteria="recist1.1"] .badge').inner_text())


def test_sign_in_rejects_a_wrong_password_then_opens_the_cohort(new_page: Any, artifacts: Path) -> None:
    page = new_page()
    page.goto("/patients/1")
    assert "/login" in page.url  # a page needs a signed-in user
    page.get_by_label("User name").fill("viewer")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("#login-error").inner_text() == "Wrong user name or password."
    page.screenshot(path=artifacts / "login-error.png")
    page.get_by_label("Password").fill("viewer-demo-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/patients/1")  # back to the page asked for
    assert page.locator("header .role").inner_text() == "viewer"


def test_each_role_sees_only_what_it_may_do(new_page: Any) -> None:
    viewer = new_page("viewer")
    open_patient(viewer, "IT-002")
    assert viewer.locator("#lesion-table").is_visible()
    assert viewer.get_by_role("link", name="Record CRS").count() == 0
    assert viewer.locator("#tp-details").count() == 0
    assert viewer.get_by_role("button", name=re.compile("^Edit the scan")).count() == 0
    viewer.get_by_role("link", name="Injection plan").click()
    assert viewer.locator("#plan-table").is_visible()
    assert viewer.get_by_role("button", name=re.compile("^Record as done")).count() == 0
    # the service refuses even a hand-made request
    status = viewer.evaluate(
        """async () => (await fetch(location.pathname.replace('/plan', '/timepoints'),
             {method: 'POST', body: new URLSearchParams({date: '2026-08-01'})})).status"""
    )
    assert status == 403

    coordinator = new_page("coordinator")
    open_patient(coordinator, "IT-002")
    assert coordinator.get_by_role("link", name="Record CRS").is_visible()
    assert coordinator.locator("#tp-details").count() == 0

    radiologist = new_page("radiologist")
    open_patient(radiologist, "IT-002")
    assert radiologist.get_by_text("Record a follow-up scan").is_visible()
    assert radiologist.get_by_role("button", name="Edit the scan of 2026-03-09").is_visible()


def test_a_follow_up_scan_changes_the_response(new_page: Any, artifacts: Path) -> None:
    page = new_page("radiologist")
    open_patient(page, "IT-006")
    assert recist_latest(page) == "PR"
    page.screenshot(path=artifacts / "patient-before.png", full_page=True)
    page.get_by_text("Record a follow-up scan").click()
    form = page.locator("#timepoint-form")
    form.get_by_label("Scan date").fill("2026-07-20")
    form.get_by_label(re.compile("^T1")).fill("52")
    form.get_by_label(re.compile("^T2")).fill("14")
    form.get_by_role("button", name="Save scan").click()
    page.wait_for_url(re.compile(r"\?saved=scan"))
    assert page.locator("#saved").inner_text() == "Saved: scan 2026-07-20."
    assert "2026-07-20" in page.locator("#lesion-table thead").inner_text()
    assert recist_latest(page) == "PD"
    assert "52" in page.locator("#lesion-table tbody tr").first.inner_text()
    page.screenshot(path=artifacts / "patient-after-follow-up.png", full_page=True)
    page.locator("#audit summary").click()
    assert "timepoint.create" in page.locator("#audit-table").inner_text()


def test_an_invalid_diameter_is_rejected_with_its_message_and_nothing_is_saved(new_page: Any, artifacts: Path) -> None:
    page = new_page("radiologist")
    open_patient(page, "IT-003")
    columns = page.locator("#lesion-table thead th").count()
    page.get_by_text("Record a follow-up scan").click()
    form = page.locator("#timepoint-form")
    form.get_by_label("Scan date").fill("2026-05-04")
    form.get_by_label(re.compile("^T1")).fill("-5")
    form.get_by_label(re.compile("^T2")).fill("30")
    form.get_by_role("button", name="Save scan").click()
    message = page.locator("#err-d_T1")
    assert message.inner_text() == "-5 is below 0 (a diameter is >= 0 mm)"
    assert page.locator("#f-d_T1").get_attribute("aria-invalid") == "true"
    assert page.locator("#tp-errors").inner_text().startswith("Nothing was saved")
    assert page.locator("#f-d_T2").input_value() == "30"  # what was typed is kept
    assert page.evaluate("document.activeElement.id") == "f-d_T1"  # focus on the first field to correct
    page.screenshot(path=artifacts / "timepoint-invalid.png", full_page=True)
    page.reload()
    assert page.locator("#lesion-table thead th").count() == columns
    assert "2026-05-04" not in page.locator("#lesion-table").inner_text()


def test_a_stored_scan_is_corrected_through_its_edit_button(new_page: Any) -> None:
    page = new_page("radiologist")
    open_patient(page, "IT-004")
    page.get_by_role("button", name="Edit the scan of 2026-05-25").click()
    form = page.locator("#timepoint-form")
    page.get_by_text("Correct the scan of 2026-05-25").wait_for()
    assert form.get_by_label(re.compile("^T1")).input_value() == "24"
    form.get_by_label(re.compile("^T1")).fill("26")
    form.get_by_label(re.compile("^Reason for the change")).fill("re-measured on the portal phase")
    form.get_by_role("button", name="Save correction").click()
    page.wait_for_url(re.compile(r"\?saved=scan"))
    assert page.locator("#lesion-table tbody tr").first.locator("td").last.inner_text() == "26"
    page.locator("#audit summary").click()
    first = page.locator("#audit-table tbody tr").first.inner_text()
    assert "timepoint.replace" in first and "diameters_mm.T1: 24 → 26" in first and "portal phase" in first


def test_the_crs_form_grades_live_before_saving(new_page: Any, artifacts: Path) -> None:
    page = new_page("coordinator")
    open_patient(page, "IT-005")
    before = page.locator("#toxicity-table tbody tr").count()
    page.get_by_role("link", name="Record CRS").click()
    preview = page.locator("#grade-preview")
    page.get_by_label("Date of the assessment").fill("2026-02-05")
    page.get_by_label("Highest temperature (°C)").fill("39.4")
    page.get_by_label("Highest temperature (°C)").press("Tab")
    preview.locator(".grade.g1").wait_for()
    page.get_by_label("Oxygen", exact=True).select_option("high_flow")
    preview.locator(".grade.g3").wait_for()
    assert "oxygen" in preview.inner_text()
    assert "Not saved yet" in preview.inner_text()
    page.screenshot(path=artifacts / "crs-live.png", full_page=True)
    page.get_by_label("Oxygen flow (L/min, optional)").fill("4")  # contradicts high flow? no: only low_flow > 6 is
    page.get_by_label("Oxygen", exact=True).select_option("low_flow")
    page.get_by_label("Oxygen flow (L/min, optional)").fill("9")
    preview.get_by_text("not gradable yet").wait_for()
    assert "contradicts oxygen low_flow" in preview.inner_text()
    page.get_by_label("Oxygen flow (L/min, optional)").fill("")
    page.get_by_label("Oxygen", exact=True).select_option("high_flow")
    preview.locator(".grade.g3").wait_for()
    page.get_by_role("button", name="Save CRS grade").click()
    page.wait_for_url(re.compile(r"/patients/\d+\?saved=.*#toxicity$"))
    assert page.locator("#toxicity-table tbody tr").count() == before + 1
    assert "grade 3" in page.locator("#toxicity-table").inner_text()


def test_the_icans_form_sums_the_ice_items_live(new_page: Any, artifacts: Path) -> None:
    page = new_page("coordinator")
    open_patient(page, "IT-005")
    page.get_by_role("link", name="Record ICANS").click()
    for label, value in (
        ("Orientation", "3"),
        ("Naming", "3"),
        ("Following", "1"),
        ("Writing", "0"),
        ("Attention", "1"),
    ):
        page.get_by_label(re.compile(f"^{label}")).fill(value)
    preview = page.locator("#grade-preview")
    preview.get_by_text("ICE score: 8").wait_for()
    assert "grade 1" in preview.inner_text()  # ICE 7-9 -> 1 (Lee 2019 ICANS table)
    page.screenshot(path=artifacts / "icans-live.png", full_page=True)


def test_an_injection_plan_prints_and_is_recorded_as_done(new_page: Any, artifacts: Path) -> None:
    page = new_page("coordinator")
    open_patient(page, "IT-001")
    procedures = page.locator("#procedure-table tbody tr").count()
    page.get_by_role("link", name="Injection plan").click()
    page.get_by_label("Visit date").fill("2026-06-01")
    page.get_by_role("button", name="Show plan").click()
    plan = page.locator("#plan-table")
    assert "I1" in plan.inner_text() and "mL" in plan.inner_text()
    page.screenshot(path=artifacts / "plan-screen.png", full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.get_by_role("button", name=re.compile("^Record as done")).is_visible()
    assert page.get_by_text("ioguide injection plan").is_visible()
    assert page.get_by_role("columnheader", name="Given (initials)").is_visible()
    page.screenshot(path=artifacts / "plan-print.png", full_page=True)
    pdf = page.pdf(path=str(artifacts / "plan.pdf"))
    assert pdf[:5] == b"%PDF-" and len(pdf) > 5000
    page.emulate_media(media="screen")
    page.get_by_role("button", name=re.compile("^Record as done")).click()
    planned = page.get_by_label("volume given into I1 (mL)").input_value()
    page.get_by_label("volume given into I1 (mL)").fill("0.3")  # less than planned: what was given is stored
    page.get_by_label("Needle gauge").fill("22")
    page.get_by_label("Guidance").select_option("ultrasound")
    button = page.get_by_role("button", name="Record as given")
    sent = button.evaluate("b => ({action: b.form.action, data: Object.fromEntries(new FormData(b.form))})")
    button.click()
    page.wait_for_url(re.compile(r"/plan\?.*saved=injection#done$"))
    # the same form sent again, as a second click or a resubmission after "back" does (same key, same cookies)
    origin = re.match(r"https?://[^/]+", page.url)
    assert origin is not None
    again = page.request.post(sent["action"], form=sent["data"], headers={"Origin": origin.group(0)})
    assert again.ok, again.status
    assert re.search(r"/plan\?.*saved=injection", again.url)  # answered as the first, not a new injection
    done = page.locator("#done").inner_text()
    assert "I1 0.3 mL" in done and f"planned {planned} mL" in done
    assert not page.get_by_role("button", name=re.compile("^Record as done")).is_visible()
    open_patient(page, "IT-001")
    rows = page.locator("#procedure-table tbody tr")
    assert rows.count() == procedures + 1
    assert "2026-06-01" in rows.last.inner_text()


def test_the_cohort_plots_are_drawn(new_page: Any, artifacts: Path) -> None:
    page = new_page("viewer")
    for subset in ("overall", "injected", "non_injected"):
        page.goto(f"/cohort?subset={subset}")
        images = page.locator("img.plot")
        assert images.count() == 3
        for i in range(3):
            image = images.nth(i)
            image.scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
            assert image.evaluate("img => img.naturalWidth") >= 600
        if subset == "overall":
            page.screenshot(path=artifacts / "cohort.png", full_page=True)
    svg = page.request.get("/cohort/plots/swimmer.svg?subset=injected")
    assert svg.ok and svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.body()
    page.get_by_label("Current response").select_option("PD")
    page.get_by_role("button", name="Apply").click()
    table = page.locator("#cohort-table tbody").inner_text()
    assert "IT-002" in table and "IT-001" not in table


def test_screenshots_of_the_main_pages(new_page: Any, artifacts: Path) -> None:
    page = new_page("radiologist")
    for study_id in ("IT-001", "IT-004", "IT-005"):
        open_patient(page, study_id)
        page.screenshot(path=artifacts / f"patient-{study_id}.png", full_page=True)
    assert len(list(artifacts.glob("*.png"))) >= 3
