"""The pages through a TestClient: sign-in, role checks by the services, writes that are the API's writes (same
validation messages, audit rows, nothing saved on a rejection), live grades that are the graders' grades."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ioguide.demo.loader import DEMO_ACTOR
from ioguide.records.db import Database
from ioguide.services import audit, cases, engine, toxicity
from ioguide.web import views

Sign = Callable[[str], TestClient]
STATIC = Path(__file__).resolve().parents[2] / "src" / "ioguide" / "web" / "static"
#: research/platform-web-db.md section 3: htmx.org 2.0.11 dist/htmx.min.js from npm.
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def patient_id(client: TestClient, study_id: str) -> int:
    match = re.search(rf'href="/patients/(\d+)">{study_id}<', client.get("/cohort").text)
    assert match, study_id
    return int(match.group(1))


def audit_count(db: Database) -> int:
    return int(audit.list_audit(db, DEMO_ACTOR, None, 1, 0)["total"])


def test_the_vendored_htmx_is_the_published_file() -> None:
    assert hashlib.sha256((STATIC / "vendor" / "htmx-2.0.11.min.js").read_bytes()).hexdigest() == HTMX_SHA256
    assert (STATIC / "vendor" / "htmx.LICENSE.txt").is_file()


#: axe-core 4.14.1 dist/axe.min.js from npm; the publisher's sri-history.json gives
#: sha256-KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw= for it (the same digest, base64).
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


def test_the_vendored_axe_core_is_the_published_file() -> None:
    assert hashlib.sha256((STATIC / "vendor" / "axe-4.14.1.min.js").read_bytes()).hexdigest() == AXE_SHA256
    assert (STATIC / "vendor" / "axe.LICENSE.txt").read_text().startswith("Mozilla Public License, version 2.0")


def test_pages_load_no_asset_from_another_host(signed_in: Sign) -> None:
    client = signed_in("viewer")
    for path in ("/cohort", f"/patients/{patient_id(client, 'IT-001')}", "/login"):
        html = client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', html), path


def test_a_page_asks_for_sign_in_and_returns_after_it(client: TestClient) -> None:
    reply = client.get("/patients/1?x=1", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/login?next=/patients/1?x=1"
    wrong = client.post("/login", data={"username": "viewer", "password": "nope", "next": "/patients/1"})
    assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
    right = client.post(
        "/login",
        data={"username": "viewer", "password": "viewer-demo-pass", "next": "/patients/1"},
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"] == "/patients/1"
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_sign_in_never_redirects_to_another_site(client: TestClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil"):
        reply = client.post(
            "/login",
            data={"username": "viewer", "password": "viewer-demo-pass", "next": target},
            follow_redirects=False,
        )
        assert reply.headers["location"] == "/cohort"


def test_a_form_from_another_site_is_refused(signed_in: Sign, db: Database) -> None:
    client = signed_in("radiologist")
    before = audit_count(db)
    reply = client.post(
        "/patients/1/timepoints", data={"date": "2026-08-01"}, headers={"Origin": "https://evil.example"}
    )
    assert reply.status_code == 403 and audit_count(db) == before


def test_the_services_refuse_what_the_role_may_not_do(signed_in: Sign, db: Database) -> None:
    """spec/api.md roles: a viewer records nothing; a coordinator records toxicity but not scans."""
    client = signed_in("viewer")
    pid = patient_id(client, "IT-001")
    before = audit_count(db)
    assert client.post(f"/patients/{pid}/timepoints", data={"date": "2026-08-01"}).status_code == 403
    crs = {"date": "2026-02-01", "temp_c": "39", "hypotension": "none", "oxygen": "none"}
    assert client.post(f"/patients/{pid}/toxicity/crs", data=crs).status_code == 403
    assert client.post(f"/patients/{pid}/plan/done", data={"on": "2026-06-01"}).status_code == 403
    page = client.get(f"/patients/{pid}").text
    assert "Record CRS" not in page and 'id="tp-details"' not in page
    assert "Record as done" not in client.get(f"/patients/{pid}/plan").text
    signed_in("coordinator")
    assert client.post(f"/patients/{pid}/timepoints", data={"date": "2026-08-01"}).status_code == 403
    assert audit_count(db) == before
    assert "Record CRS" in client.get(f"/patients/{pid}").text


def test_an_invalid_diameter_is_rejected_with_the_engines_message_and_nothing_saved(
    signed_in: Sign, db: Database
) -> None:
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-003")
    stored, version = cases.get_case(db, DEMO_ACTOR, pid)
    before = audit_count(db)
    reply = client.post(f"/patients/{pid}/timepoints", data={"date": "2026-05-04", "d_T1": "-5", "d_T2": "abc"})
    assert reply.status_code == 422
    assert (
        '<span class="field-error" id="err-d_T1" role="alert">-5 is below 0 (a diameter is &gt;= 0 mm)</span>'
        in reply.text
    )
    assert "is not a diameter (a number &gt;= 0 mm, &#39;too_small&#39; or &#39;not_evaluated&#39;)" in reply.text
    assert 'value="abc"' in reply.text  # what was typed stays in the form
    # the API says the same about the same document
    api = {"date": "2026-05-04", "diameters_mm": {"T1": -5, "T2": "abc"}, "non_target": {}, "new_lesions": []}
    try:
        cases.add_timepoint(db, DEMO_ACTOR, pid, api)
    except Exception as err:
        assert "-5 is below 0 (a diameter is >= 0 mm)" in str(err)
    assert cases.get_case(db, DEMO_ACTOR, pid) == (stored, version)
    assert audit_count(db) == before


def test_a_follow_up_scan_changes_the_response_shown(signed_in: Sign, db: Database) -> None:
    """RECIST 1.1 section 4.3.1: PD at +20 % and +5 mm over the nadir (IT-006: nadir 36 mm; 44 + 10 = 54 mm)."""
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-006")
    reply = client.post(
        f"/patients/{pid}/timepoints",
        data={"date": "2026-07-20", "d_T1": "44", "d_T2": "10", "nt_N1": "present", "reason_for_change": "week 24"},
        follow_redirects=False,
    )
    assert reply.status_code == 303 and reply.headers["location"].startswith(f"/patients/{pid}?saved=scan+2026-07-20")
    latest = cases.assess_patient(db, DEMO_ACTOR, pid, "recist1.1")["timepoints"][-1]
    assert (latest["sum_mm"], latest["response"]) == (54.0, "PD")
    page = client.get(f"/patients/{pid}").text
    assert re.search(r'data-criteria="recist1.1" class="current"><span class="badge r-PD">PD</span>', page)
    row = audit.list_audit(db, DEMO_ACTOR, pid, 1000, 0)["items"][-1]
    assert (row["user"], row["action"], row["reason"]) == ("radiologist", "timepoint.create", "week 24")


def test_an_htmx_save_answers_with_hx_redirect(signed_in: Sign) -> None:
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-006")
    reply = client.post(
        f"/patients/{pid}/timepoints",
        data={"date": "2026-07-20", "d_T1": "28", "d_T2": "8", "nt_N1": "present"},
        headers={"HX-Request": "true"},
    )
    assert reply.status_code == 204 and reply.headers["HX-Redirect"].startswith(f"/patients/{pid}?saved=")


def test_a_stale_correction_gets_the_services_412_message(signed_in: Sign, db: Database) -> None:
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-004")
    form = {"edit_date": "2026-05-25", "version": "99", "date": "2026-05-25", "d_T1": "26", "d_T2": "9"}
    form["reason_for_change"] = "re-read"  # a correction needs a reason (issue 14)
    reply = client.post(f"/patients/{pid}/timepoints", data=form)
    assert reply.status_code == 422 and "it changed since you read it" in reply.text
    edit = client.get(f"/patients/{pid}/timepoints/2026-05-25/edit").text
    version = re.search(r'name="version" value="(\d+)"', edit)
    assert version
    ok = client.post(f"/patients/{pid}/timepoints", data={**form, "version": version.group(1)}, follow_redirects=False)
    assert ok.status_code == 303
    assert (
        cases.get_timepoint(db, DEMO_ACTOR, pid, __import__("datetime").date(2026, 5, 25))["diameters_mm"]["T1"] == 26
    )


def test_the_crs_preview_is_the_graders_grade_and_saves_nothing(signed_in: Sign, db: Database) -> None:
    """Lee et al. 2019 (ASTCT CRS): fever with one vasopressor is grade 3."""
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    before = len(toxicity.list_toxicity(db, DEMO_ACTOR, pid))
    form = {"date": "2026-02-05", "temp_c": "39.2", "hypotension": "one_vasopressor", "oxygen": "low_flow"}
    preview = client.post(f"/patients/{pid}/toxicity/crs/preview", data=form).text
    expected = engine.grade_toxicity("crs", {"temp_c": 39.2, "hypotension": "one_vasopressor", "oxygen": "low_flow"})
    assert expected["grade"] == 3
    assert '<span class="grade g3">grade 3</span>' in preview and expected["reasons"][0].replace(">", "&gt;") in preview
    assert len(toxicity.list_toxicity(db, DEMO_ACTOR, pid)) == before
    bad = client.post(f"/patients/{pid}/toxicity/crs/preview", data={**form, "temp_c": ""}).text
    assert "not gradable yet" in bad and "required unless fever_masked is true" in bad
    saved = client.post(f"/patients/{pid}/toxicity/crs", data=form, follow_redirects=False)
    assert saved.status_code == 303
    events = toxicity.list_toxicity(db, DEMO_ACTOR, pid)
    assert len(events) == before + 1
    assert [(e["kind"], e["grade"]) for e in events if e["date"] == "2026-02-05"] == [("crs", 3)]


def test_a_toxicity_form_with_a_bad_date_saves_nothing(signed_in: Sign, db: Database) -> None:
    client = signed_in("coordinator")
    pid = patient_id(client, "IT-005")
    before = audit_count(db)
    form = {"date": "05/02/2026", "temp_c": "39", "hypotension": "none", "oxygen": "none"}
    reply = client.post(f"/patients/{pid}/toxicity/crs", data=form)
    assert reply.status_code == 422 and "a date is YYYY-MM-DD" in reply.text
    assert audit_count(db) == before


def test_plots_are_png_and_svg_for_each_subset(signed_in: Sign) -> None:
    client = signed_in("viewer")
    for kind in ("waterfall", "spider", "swimmer"):
        for subset in ("overall", "injected", "non_injected"):
            png = client.get(f"/cohort/plots/{kind}.png?subset={subset}&criteria=irecist")
            assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 5000
    svg = client.get("/cohort/plots/waterfall.svg?subset=non_injected")
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client.get("/cohort/plots/pie.png").status_code == 404


def test_cohort_filters(signed_in: Sign) -> None:
    client = signed_in("viewer")
    progressing = client.get("/cohort?criteria=irecist&response=iCPD").text
    assert ">IT-003<" in progressing and ">IT-001<" not in progressing
    injected = client.get("/cohort?injected=no").text
    assert ">IT-003<" in injected and ">IT-001<" not in injected
    assert "No patient matches these filters." in client.get("/cohort?program=other").text


def test_unknown_patient_and_bad_query_are_html_pages(signed_in: Sign) -> None:
    client = signed_in("viewer")
    missing = client.get("/patients/999")
    assert missing.status_code == 404 and "no patient with id 999" in missing.text and "<html" in missing.text
    assert client.get("/cohort?criteria=who").status_code == 422


def test_a_patient_without_scans_and_a_case_outside_recist(signed_in: Sign, db: Database) -> None:
    """RECIST 1.1 section 3.3.1 allows at most 5 targets; itRECIST (Goldmacher 2020) 5 injected + 5 non-injected."""
    from ioguide.services import patients

    client = signed_in("radiologist")
    empty = patients.create_patient(
        db, DEMO_ACTOR, patients.PatientIn(study_id="IT-100", program="HIT-IT demo program")
    )
    assert "no imaging timepoint recorded yet" in client.get("/cohort").text
    page = client.get(f"/patients/{empty['id']}").text
    assert "Record the baseline scan" in page and "No procedure recorded." in page
    wide = patients.create_patient(db, DEMO_ACTOR, patients.PatientIn(study_id="IT-101", program="HIT-IT demo program"))
    lesions = [{"id": f"I{i}", "role": "target", "organ": f"skin {i // 2}", "injected": True} for i in range(5)]
    lesions += [{"id": f"D{i}", "role": "target", "organ": f"lung {i // 2}"} for i in range(5)]
    baseline = {"date": "2026-01-05", "diameters_mm": {lesion["id"]: 20 for lesion in lesions}}
    cases.put_case(
        db, DEMO_ACTOR, wide["id"], {"criteria": "itrecist", "lesions": lesions, "timepoints": [baseline]}, 1
    )
    page = client.get(f"/patients/{wide['id']}").text
    assert "Not applicable to this case:" in page and "at most 5 (RECIST 1.1" in page


def test_an_expired_session_sends_an_htmx_request_to_sign_in(client: TestClient) -> None:
    reply = client.post("/patients/1/toxicity/crs/preview", data={}, headers={"HX-Request": "true"})
    assert reply.status_code == 204 and reply.headers["HX-Redirect"].startswith("/login?next=/patients/1/toxicity/crs")


def test_cohort_pages_through_every_patient(signed_in: Sign, monkeypatch: pytest.MonkeyPatch) -> None:
    """No cap: with pages of 2 the demo's patients are all reachable, and the heading says how many matched."""
    monkeypatch.setattr(views, "COHORT_PAGE", 2)
    client = signed_in("viewer")
    first = client.get("/cohort").text
    total = int(re.search(r"(\d+) patients match", first).group(1))  # type: ignore[union-attr]
    seen: set[str] = set()
    for number in range(1, total // 2 + 2):
        text = client.get(f"/cohort?page={number}").text
        seen |= set(re.findall(r'href="/patients/\d+">([^<]+)<', text))
    assert len(seen) == total and total > 2
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert (
        "IT-003" in client.get("/cohort?q=it-003").text and "1 patient matches" in client.get("/cohort?q=it-003").text
    )


def test_cohort_plots_are_cached_until_a_write(signed_in: Sign, db: Database) -> None:
    from ioguide.services import plot_cache

    client = signed_in("radiologist")
    plot_cache.PLOTS.clear()
    before = plot_cache.PLOTS.misses
    first = client.get("/cohort/plots/waterfall.svg").content
    assert client.get("/cohort/plots/waterfall.svg").content == first
    assert plot_cache.PLOTS.misses == before + 1
    from ioguide.services import patients

    patients.create_patient(db, DEMO_ACTOR, patients.PatientIn(study_id="IT-200", program="HIT-IT demo program"))
    client.get("/cohort/plots/waterfall.svg")
    assert plot_cache.PLOTS.misses == before + 2  # the write moved the data version
