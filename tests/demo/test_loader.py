"""The demo program of spec/api.md (``--demo``): loaded through the services into an empty database only, with the
stories the spec asks for (responders and progressors, an iUPD confirmed and one reset, CRS and ICANS, a
procedure complication, one user per role)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import dbfixtures
from ioguide.demo.loader import DEMO_ACTOR, load_demo, why_not_empty
from ioguide.demo.program import DEMO_USERS, PATIENTS
from ioguide.records.db import Database
from ioguide.services import audit, cases, patients, procedures, toxicity, users
from ioguide.services.context import ROLES, cli_actor


def _ids(db: Database) -> dict[str, int]:
    listed = patients.list_patients(db, DEMO_ACTOR, 100, 0)["items"]
    return {p["study_id"]: p["id"] for p in listed}


def _responses(db: Database, study_id: str, criteria: str | None = None) -> list[Any]:
    out = cases.assess_patient(db, DEMO_ACTOR, _ids(db)[study_id], criteria)
    return [t["response"] for t in out["timepoints"]]


@pytest.fixture
def demo(db: Database) -> Database:
    result = load_demo(db, dbfixtures.CHEAP_HASHER)
    assert result.skipped is None
    return db


def test_loads_every_patient_and_one_user_per_role(demo: Database) -> None:
    assert sorted(_ids(demo)) == [p["patient"]["study_id"] for p in PATIENTS]
    assert sorted(role for _, _, role in DEMO_USERS) == sorted(ROLES)
    for name, password, role in DEMO_USERS:
        actor = users.authenticate(demo, name, password, dbfixtures.CHEAP_HASHER)
        assert actor is not None and actor.role == role


def test_every_write_is_audited_and_the_chain_verifies(demo: Database, tmp_path: Path) -> None:
    trail = audit.list_audit(demo, DEMO_ACTOR, None, 1000, 0)
    assert trail["total"] > 40
    assert {row["user"] for row in trail["items"]} == {DEMO_ACTOR.username}
    anchors = tmp_path / "anchors.jsonl"
    audit.anchor_audit(demo, anchors)
    assert audit.verify_audit(demo, anchors).ok


def test_a_second_load_is_refused_and_says_why(demo: Database) -> None:
    again = load_demo(demo, dbfixtures.CHEAP_HASHER)
    assert again.patients == () and again.users == ()
    assert again.skipped == "the database already holds 6 patient(s): the demo program is loaded only into an empty one"
    assert len(_ids(demo)) == 6


def test_a_taken_demo_user_name_refuses_the_load(db: Database) -> None:
    users.add_user(db, cli_actor(), "radiologist", "someone-else-1", "viewer", dbfixtures.CHEAP_HASHER)
    assert why_not_empty(db) == "the demo user name(s) radiologist exist already: the demo program was not loaded"
    assert load_demo(db, dbfixtures.CHEAP_HASHER).skipped is not None
    assert _ids(db) == {}


def test_irecist_iupd_confirmed_as_icpd(demo: Database) -> None:
    """Seymour et al., Lancet Oncol 2017 (iRECIST): target sum +5 mm or more at the next assessment >= 4 weeks after
    iUPD confirms iCPD (IT-003: 55 -> 68 mm is iUPD, 68 -> 75 mm 28 days later is iCPD)."""
    assert _responses(demo, "IT-003") == [None, "iUPD", "iCPD"]


def test_irecist_iupd_from_a_new_lesion_resets_when_it_resolves(demo: Database) -> None:
    """Seymour 2017: iUPD is reset when the categories that progressed no longer meet RECIST 1.1 PD (IT-004: the new
    lung lesion resolves, the sum falls to 40 mm from 60: -33 %, then 33 mm: a confirmed iPR after the reset)."""
    assert _responses(demo, "IT-004") == [None, "iUPD", "iPR", "iPR"]
    out = cases.assess_patient(demo, DEMO_ACTOR, _ids(demo)["IT-004"], None)
    assert out["best_overall_response"]["response"] == "iPR"
    assert out["best_overall_response"]["confirmed"] is True


def test_injected_and_non_injected_lesions_diverge(demo: Database) -> None:
    """Goldmacher et al., J Clin Oncol 2020 (itRECIST): subsets reported apart. IT-002: the injected lesion shrinks
    (40 -> 22 mm, PR) while the non-injected ones progress (45 -> 58 mm, +28.9 %, PD)."""
    out = cases.assess_patient(demo, DEMO_ACTOR, _ids(demo)["IT-002"], None)
    injected = [t["response"] for t in out["subsets"]["injected"]["timepoints"]]
    non_injected = [t["response"] for t in out["subsets"]["non_injected"]["timepoints"]]
    assert injected == [None, "SD", "PR"]
    assert non_injected == [None, "PD", "PD"]
    assert _responses(demo, "IT-001") == [None, "PR", "PR", "PR"]  # a responder, injected and non-injected


def test_crs_and_icans_episodes_are_graded(demo: Database) -> None:
    """Lee et al., BBMT 2019 (ASTCT): fever alone is CRS 1, fever with low-flow oxygen CRS 2; ICE 8 is ICANS 1, ICE 5
    (from the items 2+2+1+0+0) is ICANS 2."""
    events = toxicity.list_toxicity(demo, DEMO_ACTOR, _ids(demo)["IT-005"])
    assert [(e["kind"], e["grade"]) for e in events] == [("crs", 1), ("crs", 2), ("icans", 1), ("icans", 2)]


def test_a_procedure_complication_is_cirse_graded(demo: Database) -> None:
    """Filippiadis et al., CVIR 2017 (CIRSE): an unplanned overnight stay (<= 48 h) without extra therapy is grade 2."""
    procs = procedures.list_procedures(demo, DEMO_ACTOR, _ids(demo)["IT-006"])
    graded = [p for p in procs if p["complication_grade"] is not None]
    assert [(p["kind"], p["complication_grade"]) for p in graded] == [("ablation", 2)]
    injections = [
        p for p in procedures.list_procedures(demo, DEMO_ACTOR, _ids(demo)["IT-001"]) if p["kind"] == "injection"
    ]
    assert injections[0]["lesions"] == [{"lesion_id": "I1", "volume_ml": 2.0}, {"lesion_id": "I2", "volume_ml": 1.0}]


def test_serve_demo_prints_the_users_then_says_why_it_skips(db_url: str, db: Database) -> None:
    from ioguide.demo.cli import announce_demo

    runner = CliRunner()
    first = runner.invoke(_command(announce_demo), [db_url])
    assert first.exit_code == 0, first.output
    assert "demo program loaded: 6 patients" in first.output
    for name, password, role in DEMO_USERS:
        assert f"{name:<12} {password:<18} {role}" in first.output
    second = runner.invoke(_command(announce_demo), [db_url])
    assert "demo not loaded: the database already holds 6 patient(s)" in second.output


def _command(function: Any) -> Any:
    import typer

    app = typer.Typer()

    @app.command()
    def main(url: str) -> None:
        function(url, "http://127.0.0.1:8000/")

    return app
