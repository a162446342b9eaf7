"""The timepoint form says each plausibility refusal next to its field with the typed values kept, takes the
"replaces the baseline" choice with a required reason and the "confirm this value" box, and asks a correction
for its reason (issue 15 part 5; rules in ioguide.case.plausibility)."""

from __future__ import annotations

import datetime as dt
import re

from ioguide.demo.loader import DEMO_ACTOR
from ioguide.records.db import Database
from ioguide.services import cases
from web.test_routes import Sign, audit_count, patient_id


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'id="err-{re.escape(name)}" role="alert">([^<]*)<', html)
    assert found, name
    return found.group(1)


def _form(pid_case: dict, date: str, scale: float) -> dict[str, str]:
    first = pid_case["timepoints"][0]
    form = {"date": date}
    for label, value in first["diameters_mm"].items():
        if isinstance(value, int | float):
            form[f"d_{label}"] = str(round(value * scale, 1))
    for label, status in first.get("non_target", {}).items():
        form[f"nt_{label}"] = status
    return form


def test_a_scan_before_the_baseline_is_refused_then_accepted_as_a_replacement(signed_in: Sign, db: Database):
    """RECIST 1.1 §4.1: an earlier scan would silently become the baseline; it must be chosen, with a reason."""
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-004")
    case, _ = cases.get_case(db, DEMO_ACTOR, pid)
    baseline = dt.date.fromisoformat(case["timepoints"][0]["date"])
    early = (baseline - dt.timedelta(days=10)).isoformat()
    form = _form(case, early, 1.0)
    before = audit_count(db)
    reply = client.post(f"/patients/{pid}/timepoints", data=form)
    assert reply.status_code == 422
    assert "replaces_baseline" in _field_error(reply.text, "date")
    assert f'value="{early}"' in reply.text  # the typed values are kept
    reply = client.post(f"/patients/{pid}/timepoints", data={**form, "confirm_replaces_baseline": "on"})
    assert reply.status_code == 422 and "reason" in _field_error(reply.text, "reason_for_change")
    assert 'name="confirm_replaces_baseline" checked' in reply.text
    assert audit_count(db) == before  # nothing written
    ok = client.post(
        f"/patients/{pid}/timepoints",
        data={**form, "confirm_replaces_baseline": "on", "reason_for_change": "pre-treatment CT found"},
        follow_redirects=False,
    )
    assert ok.status_code == 303, ok.text
    assert cases.get_case(db, DEMO_ACTOR, pid)[0]["timepoints"][0]["date"] == early


def test_a_questioned_change_needs_the_confirm_box(signed_in: Sign, db: Database):
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-004")
    case, _ = cases.get_case(db, DEMO_ACTOR, pid)
    last = dt.date.fromisoformat(case["timepoints"][-1]["date"])
    late = last + dt.timedelta(days=7)
    if late > dt.date.today():
        late = last + dt.timedelta(days=1)
    form = _form({"timepoints": [case["timepoints"][-1]]}, late.isoformat(), 3.0)
    reply = client.post(f"/patients/{pid}/timepoints", data=form)
    assert reply.status_code == 422 and "diameter_change" in reply.text
    ok = client.post(
        f"/patients/{pid}/timepoints", data={**form, "confirm_diameter_change": "on"}, follow_redirects=False
    )
    assert ok.status_code == 303, ok.text


def test_a_correction_without_a_reason_says_so_next_to_the_reason(signed_in: Sign, db: Database):
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-004")
    edit = client.get(f"/patients/{pid}/timepoints/2026-05-25/edit").text
    version = re.search(r'name="version" value="(\d+)"', edit)
    assert version
    form = {"edit_date": "2026-05-25", "version": version.group(1), "date": "2026-05-25", "d_T1": "26", "d_T2": "9"}
    reply = client.post(f"/patients/{pid}/timepoints", data=form)
    assert reply.status_code == 422 and "needs a reason" in _field_error(reply.text, "reason_for_change")


def test_a_stale_edit_shows_both_versions(signed_in: Sign, db: Database):
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-004")
    edit = client.get(f"/patients/{pid}/timepoints/2026-05-25/edit").text
    version = re.search(r'name="version" value="(\d+)"', edit)
    assert version
    stored = cases.get_timepoint(db, DEMO_ACTOR, pid, dt.date(2026, 5, 25))
    theirs = {k: v for k, v in stored.items() if k not in ("version", "patient_version")}
    theirs["diameters_mm"] = {**theirs["diameters_mm"], "T1": 31}
    other = type(DEMO_ACTOR)(DEMO_ACTOR.username, DEMO_ACTOR.role, "second reader")
    cases.replace_timepoint(db, other, pid, dt.date(2026, 5, 25), theirs, stored["version"])
    form = {"edit_date": "2026-05-25", "version": version.group(1), "date": "2026-05-25", "d_T1": "26", "d_T2": "9",
            "reason_for_change": "re-read"}  # fmt: skip
    reply = client.post(f"/patients/{pid}/timepoints", data=form)
    assert reply.status_code == 422
    stale = reply.text[reply.text.index('id="tp-stale"') :]
    assert "Someone changed this since you opened it" in stale
    assert re.search(r"<th scope=\"row\">d_T1</th><td>31</td><td>26</td>", stale)
    again = client.post(f"/patients/{pid}/timepoints", data={**form, "version": str(stored["version"] + 1)},
                        follow_redirects=False)  # fmt: skip
    assert again.status_code == 303
    assert cases.get_timepoint(db, DEMO_ACTOR, pid, dt.date(2026, 5, 25))["diameters_mm"]["T1"] == 26


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_an_expired_session_keeps_the_form_and_saves_it_after_sign_in(signed_in: Sign, db: Database):
    from web.conftest import PASSWORDS

    client = signed_in("radiologist")
    pid = patient_id(client, "IT-004")
    case, _ = cases.get_case(db, DEMO_ACTOR, pid)
    last = dt.date.fromisoformat(case["timepoints"][-1]["date"])
    day = min(last + dt.timedelta(days=56), dt.date.today())
    form = {**_form({"timepoints": [case["timepoints"][-1]]}, day.isoformat(), 1.0), "reason_for_change": "wk 32"}
    client.cookies.clear()  # the session expired while the form was being typed
    before = audit_count(db)
    reply = client.post(f"/patients/{pid}/timepoints", data=form)
    assert reply.status_code == 401 and "What you typed is kept" in reply.text
    kept = _hidden(reply.text)
    assert {k: kept[k] for k in form} == form and kept["next"] == f"/patients/{pid}/timepoints"
    assert audit_count(db) == before
    signed = client.post("/login", data={**kept, "username": "radiologist", "password": PASSWORDS["radiologist"]})
    assert signed.status_code == 200 and signed.url.path == f"/patients/{pid}"  # 307 -> the save -> 303 -> page
    saved = cases.get_case(db, DEMO_ACTOR, pid)[0]["timepoints"]
    assert saved[-1]["date"] == day.isoformat() and audit_count(db) == before + 1


def test_an_expired_session_during_an_htmx_post_swaps_in_the_sign_in_form(signed_in: Sign):
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-004")
    client.cookies.clear()
    reply = client.post(f"/patients/{pid}/timepoints", data={"date": "2026-01-01"}, headers={"HX-Request": "true"})
    assert reply.status_code == 200 and reply.headers["HX-Retarget"] == "#main"
    assert _hidden(reply.text)["date"] == "2026-01-01" and "<html" not in reply.text
