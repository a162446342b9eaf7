"""Load the demo program into an empty database through the services (each write audited like any other).

The loader refuses a database that already holds a patient or one of the demo users: it never mixes demo data into
real records and never runs twice. :func:`load_demo` says why it skipped in :attr:`DemoLoad.skipped`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher

from ioguide.demo.program import DEMO_USERS, PATIENTS, PROGRAM
from ioguide.records.db import Database
from ioguide.services import cases, patients, procedures, toxicity, users
from ioguide.services.context import Actor

#: Who the demo's audit rows name.
DEMO_ACTOR = Actor(username="ioguide-demo", role="admin", reason="demo program (ioguide serve --demo)")


@dataclass(frozen=True)
class DemoLoad:
    """What happened: the patients and users created, or why nothing was (``skipped``)."""

    patients: tuple[str, ...]
    users: tuple[tuple[str, str, str], ...]
    skipped: str | None = None


def why_not_empty(db: Database) -> str | None:
    """Why the demo may not be loaded into ``db`` (it holds patients or a demo user name), else None."""
    total = patients.list_patients(db, DEMO_ACTOR, 1, 0)["total"]
    if total:
        return f"the database already holds {total} patient(s): the demo program is loaded only into an empty one"
    taken = [name for name, _, _ in DEMO_USERS if users.find_actor(db, name) is not None]
    if taken:
        return f"the demo user name(s) {', '.join(taken)} exist already: the demo program was not loaded"
    return None


def _load_patient(db: Database, story: dict[str, Any]) -> str:
    created = patients.create_patient(db, DEMO_ACTOR, patients.PatientIn(**story["patient"], program=PROGRAM))
    pid = created["id"]
    case = story["case"]
    first, *follow_ups = case["timepoints"]
    baseline = {**case, "timepoints": [first]}
    cases.put_case(db, DEMO_ACTOR, pid, baseline, created["version"])
    for timepoint in follow_ups:
        cases.add_timepoint(db, DEMO_ACTOR, pid, timepoint)
    for procedure in story["procedures"]:
        procedures.record_procedure(db, DEMO_ACTOR, pid, procedures.ProcedureIn.model_validate(procedure))
    for event in story["toxicity"]:
        toxicity.record_toxicity(db, DEMO_ACTOR, pid, toxicity.ToxicityIn.model_validate(event))
    return str(created["study_id"])


def load_demo(db: Database, hasher: PasswordHasher = users.DEFAULT_HASHER) -> DemoLoad:
    """Create the demo users and patients in ``db`` (migrated, empty); skip, saying why, when it is not empty."""
    reason = why_not_empty(db)
    if reason is not None:
        return DemoLoad(patients=(), users=(), skipped=reason)
    for name, password, role in DEMO_USERS:
        users.add_user(db, DEMO_ACTOR, name, password, role, hasher)
    loaded = tuple(_load_patient(db, story) for story in PATIENTS)
    return DemoLoad(patients=loaded, users=DEMO_USERS)
