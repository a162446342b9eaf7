"""A CTCAE event recorded and corrected from the browser alone (issue 15, issue 18 part 5): the term found by typing
(htmx search, no inline script), its grade chosen from NCI's wording, then corrected with a reason.

NCI CTCAE v5.0, Pneumothorax: grade 2 "Symptomatic; intervention indicated", grade 3 "Sclerosis and/or operative
intervention indicated; hospitalization indicated".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from e2e.test_workflows import AXE_URL

pytestmark = pytest.mark.browser


def test_a_ctcae_term_is_found_graded_and_corrected(new_page: Any, artifacts: Path) -> None:
    page = new_page("coordinator")
    page.goto("/cohort")
    patient = page.get_by_role("link", name="IT-001", exact=True).get_attribute("href")
    page.goto(patient)
    page.get_by_role("link", name="Record a CTCAE event").click()
    page.get_by_label("Find a term (name, organ class or MedDRA code)").press_sequentially("pneumoth")
    page.get_by_role("link", name="Pneumothorax", exact=True).click()  # swapped in by htmx as one types
    page.get_by_label("Date of the event").fill("2026-01-20")
    page.get_by_label(re.compile("^Grade 2: Symptomatic; intervention indicated")).check()
    page.locator("#grade-preview .grade.g2").wait_for()
    page.screenshot(path=artifacts / "ctcae-record.png", full_page=True)
    page.get_by_role("button", name="Save CTCAE grade").click()
    page.wait_for_url(re.compile(r"saved=ctcae"))
    table = page.locator("#toxicity-table")
    assert "CTCAE: Pneumothorax" in table.inner_text() and "Symptomatic; intervention indicated" in table.inner_text()

    table.get_by_role("link", name=re.compile("^Correct CTCAE: Pneumothorax")).last.click()
    page.get_by_label(re.compile("^Grade 3: ")).check()
    page.get_by_role("button", name="Save the correction").click()
    assert page.locator("#err-reason_for_change").is_visible()  # refused: no reason given
    page.add_script_tag(url=AXE_URL)  # the correction form, with its error shown, passes axe-core too
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    page.get_by_label("Reason for the correction (required)").fill("chest tube placed")
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_url(re.compile(r"saved=ctcae\+corrected"))
    assert "Sclerosis and/or operative intervention" in page.locator("#toxicity-table").inner_text()
