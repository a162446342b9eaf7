"""The exports page (issue 15): a program's SDTM + ADaM archive (with Define-XML) or FHIR bulk export as a
background job on the demo program, progress polled every second by htmx, the file downloaded when done; a
patient's FHIR bundle and the cohort's rows as CSV, downloaded on the session cookie."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ioguide.services import cohort_query, jobs
from web.test_routes import patient_id

Sign = Callable[[str], TestClient]


@pytest.fixture(autouse=True)
def _jobs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jobs.JOBS_DIR_ENV, str(tmp_path / "jobs"))


def _start(client: TestClient, kind: str, study: str = "HIT-IT_demo_program") -> str:
    reply = client.post("/exports", data={"program": "HIT-IT demo program", "study": study, "kind": kind},
                        follow_redirects=False)  # fmt: skip
    assert reply.status_code == 303, reply.text
    match = re.fullmatch(r"/exports#job-([0-9a-f]{32})", reply.headers["location"])
    assert match, reply.headers["location"]
    return match.group(1)


def _finished(client: TestClient, job_id: str) -> str:
    """The job's row once it no longer polls (done or failed)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        row = client.get(f"/exports/{job_id}/progress")
        assert row.status_code == 200
        if "hx-trigger" not in row.text:
            return row.text
        time.sleep(0.05)
    raise AssertionError(f"export job {job_id} did not finish in 120 s")


def test_the_page_offers_each_program_with_a_valid_studyid(signed_in: Sign) -> None:
    page = signed_in("viewer").get("/exports")
    assert page.status_code == 200 and 'href="/exports"' in page.text
    # "HIT-IT demo program" is no valid STUDYID (spaces): the page offers one, editable
    assert 'name="study" size="24" maxlength="64" value="HIT-IT_demo_program"' in page.text
    assert 'value="sdtm">Start SDTM + ADaM' in page.text and 'value="fhir">Start FHIR bulk export' in page.text
    assert "None yet." in page.text


def test_sdtm_archive_of_the_demo_program_with_define_xml_and_adam(signed_in: Sign) -> None:
    client = signed_in("viewer")
    job_id = _start(client, "sdtm")
    row = _finished(client, job_id)
    assert "Done: 6 patients" in row and f'href="/exports/{job_id}/file"' in row
    assert f'id="job-{job_id}"' in client.get("/exports").text
    reply = client.get(f"/exports/{job_id}/file")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(reply.content)).namelist())
    assert {"define.xml", "dm.xpt", "tu.csv", "tr.xpt", "rs.xpt"} <= names
    assert {"adam/define.xml", "adam/adsl.xpt", "adam/adrs.xpt", "adam/adtte.xpt"} <= names
    archive = zipfile.ZipFile(io.BytesIO(reply.content))
    dm = list(csv.DictReader(io.StringIO(archive.read("dm.csv").decode())))
    assert len(dm) == 6 and {r["STUDYID"] for r in dm} == {"HIT-IT_demo_program"}


def test_fhir_bulk_export_of_the_demo_program(signed_in: Sign) -> None:
    client = signed_in("viewer")
    job_id = _start(client, "fhir")
    assert "Done: 6 patients" in _finished(client, job_id)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/exports/{job_id}/file").content))
    patients = [json.loads(line) for line in archive.read("Patient.ndjson").decode().splitlines()]
    assert len(patients) == 6 and {p["resourceType"] for p in patients} == {"Patient"}
    assert "Observation.ndjson" in archive.namelist()


def test_a_running_job_polls_every_second_and_has_no_file_yet(signed_in: Sign, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = jobs.EXPORTERS["fhir"]

    def held(*args: Any) -> dict[str, Any]:
        args[-1](2, 6)  # progress: 2 of 6 patients
        assert release.wait(60)
        return real(*args)

    monkeypatch.setitem(jobs.EXPORTERS, "fhir", held)
    client = signed_in("viewer")
    job_id = _start(client, "fhir")
    deadline = time.monotonic() + 60
    while "2 of 6 patients" not in (row := client.get(f"/exports/{job_id}/progress").text):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert f'hx-get="/exports/{job_id}/progress" hx-trigger="every 1s" hx-swap="outerHTML"' in row
    assert '<progress id="progress-' in row and 'max="6" value="2"' in row and "/file" not in row
    assert client.get(f"/exports/{job_id}/file").status_code == 409
    release.set()
    assert "Done: 6 patients" in _finished(client, job_id)


def test_a_bad_studyid_is_shown_next_to_its_field_and_nothing_starts(signed_in: Sign) -> None:
    client = signed_in("viewer")
    reply = client.post("/exports", data={"program": "HIT-IT demo program", "study": "HIT IT", "kind": "sdtm"})
    assert reply.status_code == 422 and 'id="err-study"' in reply.text and "not a valid STUDYID" in reply.text
    assert 'value="HIT IT"' in reply.text and "None yet." in reply.text
    reply = client.post("/exports", data={"program": "HIT-IT demo program", "study": "X", "kind": "csv"})
    assert reply.status_code == 422 and "Nothing was started" in reply.text


def test_another_users_job_is_not_shown(signed_in: Sign, client: TestClient) -> None:
    job_id = _start(signed_in("viewer"), "fhir")
    _finished(client, job_id)
    other = signed_in("coordinator")
    assert other.get(f"/exports/{job_id}/progress").status_code == 404
    assert other.get(f"/exports/{job_id}/file").status_code == 404
    assert f"job-{job_id}" not in other.get("/exports").text
    assert signed_in("admin").get(f"/exports/{job_id}/file").status_code == 200  # an admin may open any job


def test_the_downloads_need_a_session(client: TestClient) -> None:
    for path in ("/exports", "/cohort.csv", "/patients/1/fhir.json"):
        reply = client.get(path, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login"), path


def test_a_patients_fhir_bundle_downloads_from_the_patient_page(signed_in: Sign) -> None:
    client = signed_in("viewer")
    pid = patient_id(client, "IT-001")
    assert f'href="/patients/{pid}/fhir.json" download' in client.get(f"/patients/{pid}").text
    reply = client.get(f"/patients/{pid}/fhir.json")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/fhir+json"
    assert reply.headers["content-disposition"] == 'attachment; filename="IT-001-fhir.json"'
    bundle = reply.json()
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert bundle["resourceType"] == "Bundle" and kinds.count("Patient") == 1 and "Observation" in kinds


def test_the_cohort_csv_holds_every_matching_row_not_one_page(signed_in: Sign, monkeypatch: pytest.MonkeyPatch) -> None:
    client = signed_in("viewer")
    page = client.get("/cohort?criteria=recist1.1&injected=yes").text
    monkeypatch.setattr(cohort_query, "MAX_PAGE", 2)  # the CSV reads 2 patients at a time: several parts
    link = re.search(r'<a href="(/cohort\.csv[^"]*)" download>Download the (\d+) matching', page)
    assert link and link.group(1).replace("&amp;", "&") == "/cohort.csv?criteria=recist1.1&injected=yes"
    shown = re.findall(r'<th scope="row"><a href="/patients/\d+">([^<]+)</a>', page)
    reply = client.get(link.group(1).replace("&amp;", "&"))
    assert reply.status_code == 200 and reply.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert [r["study_id"] for r in rows] == shown and len(rows) == int(link.group(2))
    everyone = list(csv.DictReader(io.StringIO(client.get("/cohort.csv?criteria=recist1.1").text)))
    assert len(everyone) == 6 and len(rows) < 6
    assert {r["criteria"] for r in everyone} == {"recist1.1"} and {r["injected_lesions"] for r in rows} == {"yes"}
    first = everyone[0]
    assert first["current_response"] and first["current_response_label"] and first["change_from_baseline_pct"]
