"""The admin's and the exporter's tasks in the browser (issue 15): an admin adds a user, who signs in, then
disables them, and they are refused; a program's SDTM + ADaM export is started, its progress polled by htmx, and
the file downloaded; the cohort's rows download as CSV."""

from __future__ import annotations

import csv
import io
import re
import secrets
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_disables_a_user_who_is_then_refused(new_page: Any, artifacts: Path) -> None:
    admin = new_page("admin")
    admin.get_by_role("link", name="Users").click()
    name, password = f"nurse.{secrets.token_hex(3)}", "violet harbour lantern"
    admin.get_by_label("User name").fill(name)
    admin.get_by_label("Password (12 characters or more, not a common one)").fill("short")
    admin.get_by_role("button", name="Add the user").click()
    assert "at least 12 characters" in admin.locator("#err-password").inner_text()  # the policy, nothing added
    admin.get_by_label("Password (12 characters or more, not a common one)").fill(password)
    admin.get_by_label("Role", exact=True).select_option("coordinator")
    admin.get_by_role("button", name="Add the user").click()
    admin.wait_for_url(re.compile(r"done=added"))
    assert f"{name}: added." in admin.locator("#saved").inner_text()

    nurse = new_page()
    _sign_in(nurse, name, password)
    nurse.wait_for_url("**/cohort")

    admin.get_by_role("button", name=f"Disable {name}").click()
    admin.wait_for_url(re.compile(r"done=disabled"))
    row = admin.locator("#user-table tr", has_text=name)
    assert "disabled" in row.inner_text() and row.get_by_role("button", name=f"Enable {name}").is_visible()
    admin.screenshot(path=artifacts / "admin-users.png", full_page=True)

    nurse.reload()  # the open session has ended
    nurse.wait_for_url(re.compile(r"/login"))
    _sign_in(nurse, name, password)
    assert "Wrong user name or password." in nurse.locator("main").inner_text()
    assert "/login" in nurse.url


def test_a_program_export_is_started_and_downloaded(new_page: Any, artifacts: Path) -> None:
    page = new_page("viewer")
    page.get_by_role("link", name="Exports").click()
    form = page.locator("form", has_text="HIT-IT demo program")
    assert form.get_by_label(re.compile("^STUDYID")).input_value() == "HIT-IT_demo_program"
    form.get_by_role("button", name="Start SDTM + ADaM").click()
    page.wait_for_url(re.compile(r"/exports#job-[0-9a-f]{32}$"))
    job = page.locator(f"#{page.url.split('#')[1]}")
    link = job.get_by_role("link", name=re.compile(r"^Download sdtm-.*\.zip$"))
    link.wait_for(timeout=60_000)  # htmx fetches the job's row every second until it is done
    assert "Done: 6 patients" in job.inner_text()
    page.screenshot(path=artifacts / "exports.png", full_page=True)
    with page.expect_download() as download:
        link.click()
    names = zipfile.ZipFile(download.value.path()).namelist()
    assert {"define.xml", "dm.xpt", "rs.csv", "adam/define.xml", "adam/adsl.xpt"} <= set(names)


def test_the_cohort_rows_download_as_csv(new_page: Any) -> None:
    page = new_page("viewer")
    page.goto("/cohort?criteria=recist1.1&injected=yes")
    shown = page.locator("#cohort-table tbody th[scope=row] a").all_inner_texts()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download the \d+ matching patients as CSV$")).click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [r["study_id"] for r in rows] == shown and {r["injected_lesions"] for r in rows} == {"yes"}
