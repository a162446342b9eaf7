"""Plausibility in a real browser (issue 15 part 5): a scan dated before the baseline is refused next to its date,
then saved as a confirmed replacement with a reason (RECIST 1.1 §4.1: the baseline is the reference); a stale
correction shows "someone changed this since you opened it" with both versions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.test_pages import open_patient

pytestmark = pytest.mark.browser


def test_a_scan_before_the_baseline_is_refused_then_saved_as_the_new_baseline(new_page: Any) -> None:
    page = new_page("radiologist")
    open_patient(page, "IT-006")
    page.get_by_text("Record a follow-up scan").click()
    form = page.locator("#timepoint-form")
    form.get_by_label("Scan date").fill("2020-01-06")
    targets = form.locator('input[name^="d_"]')
    for i in range(targets.count()):
        targets.nth(i).fill("30")
    form.get_by_role("button", name="Save scan").click()
    assert "replaces_baseline" in page.locator("#err-date").inner_text()
    assert page.locator("#tp-date").input_value() == "2020-01-06"  # what was typed is kept
    form = page.locator("#timepoint-form")
    form.get_by_label(re.compile("^This scan replaces the baseline")).check()
    form.get_by_label(re.compile("^Reason for the change")).fill("the pre-treatment CT was found")
    form.get_by_role("button", name="Save scan").click()
    page.wait_for_url(re.compile(r"\?saved=scan"))
    assert "2020-01-06" in page.locator("#lesion-table").inner_text()


def test_a_stale_correction_shows_both_versions(new_page: Any) -> None:
    mine, theirs = new_page("radiologist"), new_page("radiologist")
    for page in (mine, theirs):
        open_patient(page, "IT-004")
        page.get_by_role("button", name="Edit the scan of 2026-05-25").click()
        page.get_by_text("Correct the scan of 2026-05-25").wait_for()
    theirs.locator("#timepoint-form").get_by_label(re.compile("^T1")).fill("27")
    theirs.locator("#timepoint-form").get_by_label(re.compile("^Reason for the change")).fill("second reader")
    theirs.locator("#timepoint-form").get_by_role("button", name="Save correction").click()
    theirs.wait_for_url(re.compile(r"\?saved=scan"))
    form = mine.locator("#timepoint-form")
    form.get_by_label(re.compile("^T1")).fill("29")
    form.get_by_label(re.compile("^Reason for the change")).fill("first reader")
    form.get_by_role("button", name="Save correction").click()
    stale = mine.locator("#tp-stale")
    assert "Someone changed this since you opened it" in stale.inner_text()
    row = stale.locator("tr", has_text="d_T1").inner_text()
    assert "27" in row and "29" in row
