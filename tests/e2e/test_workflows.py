"""A program run from the browser alone (issue 15): enrol, declare lesions, record the baseline and two follow-ups,
a procedure and a CRS event, and read the response with its reasons; then every page checked at 1280 and 390 px by
axe-core (vendored from npm) for serious or critical violations and for sideways scrolling on a phone. Both run on
SQLite and on PostgreSQL (tests/e2e/conftest.py).

Roles follow spec/api.md: a coordinator enrols, records procedures and toxicity; lesions and scans are a
radiologist's (measurements).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

#: axe-core is served by the app itself (vendored in the package): the Content-Security-Policy (default-src
#: 'self') refuses an injected inline script, as it should.
AXE_URL = "/static/vendor/axe-4.14.1.min.js"


def _lesion(page: Any, lesion_id: str, role: str, organ: str, injected: str = "no") -> None:
    page.get_by_label("Lesion ID").fill(lesion_id)
    page.get_by_label("Role").select_option(role)
    page.get_by_label("Organ").fill(organ)
    page.locator(f"input[name=injected][value={injected}]").check()
    page.get_by_role("button", name="Declare the lesion").click()
    page.wait_for_url(re.compile(rf"saved=lesion\+{lesion_id}"))


def _scan(page: Any, date: str, t1: str, t2: str, n1: str = "present") -> None:
    summary = page.locator("#tp-details summary")
    if page.locator("#tp-details").get_attribute("open") is None:
        summary.click()
    form = page.locator("#timepoint-form")
    form.get_by_label("Scan date").fill(date)
    form.get_by_label(re.compile("^T1")).fill(t1)
    form.get_by_label(re.compile("^T2")).fill(t2)
    form.get_by_label(re.compile("^N1")).select_option(n1)
    form.get_by_role("button", name="Save scan").click()
    page.wait_for_url(re.compile(rf"saved=scan\+{date}"))


def test_a_program_is_run_from_the_browser(new_page: Any, artifacts: Path) -> None:
    coordinator = new_page("coordinator")
    coordinator.goto("/patients/new")
    coordinator.get_by_label("Study pseudonym (never a name or a record number)").fill("WEB-001")
    coordinator.get_by_label("Program").fill("HIT-IT demo program")
    coordinator.get_by_label("Disease (decides which criteria are offered)").select_option("hcc")
    coordinator.locator("#pn-criteria option[value=mrecist]").wait_for(state="attached")  # offered for HCC only
    coordinator.get_by_label("Response criteria").select_option("itrecist")
    coordinator.get_by_label("Disease (decides which criteria are offered)").select_option("melanoma")
    coordinator.locator("#pn-criteria option[value=mrecist]").wait_for(state="detached")
    assert coordinator.get_by_label("Response criteria").input_value() == "itrecist"  # the choice survives
    coordinator.get_by_label("Response criteria").select_option("itrecist")
    coordinator.get_by_role("button", name="Enrol").click()
    coordinator.wait_for_url(re.compile(r"/patients/\d+/lesions\?saved=patient"))
    patient = coordinator.url.split("/lesions")[0]

    radiologist = new_page("radiologist")
    radiologist.goto(f"{patient}/lesions")
    _lesion(radiologist, "T1", "target", "skin", injected="baseline")
    _lesion(radiologist, "T2", "target", "lung")
    _lesion(radiologist, "N1", "non_target", "liver")
    radiologist.screenshot(path=artifacts / "lesions.png", full_page=True)
    radiologist.goto(patient)
    _scan(radiologist, "2026-01-05", "30", "20")
    _scan(radiologist, "2026-02-16", "15", "19")
    _scan(radiologist, "2026-03-30", "10", "18")

    coordinator.goto(f"{patient}/procedures/new?kind=injection")
    coordinator.get_by_label("Agent").fill("T-VEC")
    coordinator.get_by_label(re.compile("^T1")).check()
    coordinator.get_by_label("volume into T1 (mL)").fill("2")
    coordinator.get_by_role("button", name="Record the injection").click()
    coordinator.wait_for_url(re.compile(r"saved=injection#procedures"))
    coordinator.get_by_role("link", name="Record CRS").click()
    coordinator.get_by_label("Date of the assessment").fill("2026-01-07")
    coordinator.get_by_label("Highest temperature (°C)").fill("38.6")
    coordinator.get_by_role("button", name="Save CRS grade").click()
    coordinator.wait_for_url(re.compile(r"saved=crs"))

    coordinator.reload()
    summary = coordinator.locator("#response-summary").inner_text()
    # RECIST 1.1 §4.3.1: 50 -> 28 mm (-44 %) is PR at 2026-03-30 (30+20 -> 10+18), unconfirmed before then.
    assert "PR" in summary
    assert coordinator.locator("#procedure-table").inner_text().count("injection") == 1
    assert "grade 1" in coordinator.locator("#toxicity-table").inner_text()
    assert "criteria itRECIST" in coordinator.locator("main").inner_text()
    coordinator.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert "RECIST 1.1 §4.3.1" in coordinator.locator("main").inner_text()  # the reasons are shown
    coordinator.screenshot(path=artifacts / "workflow-patient.png", full_page=True)


PAGES = (
    "/cohort",
    "/patients/new",
    "/admin/audit",
    "/patients?q=IT",
    "{p}",
    "{p}/lesions",
    "{p}/procedures/new?kind=infusion",
    "{p}/toxicity/crs",
    "{p}/toxicity/icans",
    "{p}/toxicity/ctcae?q=pneumo",
    "{p}/toxicity/ctcae?term=pneumothorax",
    "{p}/toxicity/ctcae?term=alanine_aminotransferase_increased",
    "{p}/plan",
    "/exports",
    "/admin/users",
    "{p}/lesions/D1/edit",
    "{p}/timepoints/2026-03-02/review",
    "{p}/scans/2026-03-02/correct",
    "{p}/procedures/1/correct",  # IT-001's first injection: the demo loads IT-001 first into a fresh database
)


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_passes_axe_and_fits_a_phone(new_page: Any, width: int, artifacts: Path) -> None:
    page = new_page("admin")  # the highest role: every control a radiologist sees, and the admin's pages
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/cohort")
    patient = page.get_by_role("link", name="IT-001", exact=True).get_attribute("href")
    problems: list[str] = []
    for template in PAGES:
        path = template.format(p=patient)
        page.goto(path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.add_script_tag(url=AXE_URL)
        result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        for violation in result:
            if violation["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in violation["nodes"]][:3]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) at {targets}")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{path}: {scroll} px wide at a {width} px viewport (sideways scrolling)")
        name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
        page.screenshot(path=artifacts / f"{name}-{width}.png", full_page=True)
    assert not problems, "\n".join(problems)
