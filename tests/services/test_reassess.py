"""``ioguide reassess``: finds the stale results (other rule set, older case version, none stored), recomputes them
on Dask, reports exactly what changed and audits it; a second run finds nothing stale."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import dbfixtures
from ioguide.cli.main import app
from ioguide.records.db import Database, open_database, write_transaction
from ioguide.records.models import AuditEntry, DerivedResult
from ioguide.services import bulk, cases, patients, results
from ioguide.services.context import Actor
from ioguide.services.errors import PermissionDeniedError
from ioguide.services.reassess import reassess, stale_ids

RAD = Actor("rita", "radiologist")
ADMIN = Actor("ada", "admin", reason="rules 2026.12")
# RECIST 1.1 (Eisenhauer et al. 2009) §4.3.1: target sum 50 -> 30 mm (-40%) is a partial response.
CASE = {
    "criteria": "recist1.1",
    "lesions": [{"id": "T1", "role": "target", "organ": "liver"}, {"id": "T2", "role": "target", "organ": "lung"}],
    "timepoints": [
        {"date": "2026-01-05", "diameters_mm": {"T1": 30, "T2": 20}},
        {"date": "2026-03-02", "diameters_mm": {"T1": 20, "T2": 10}},
    ],
}


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from distributed import Client

    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as c:
        yield c


def _cohort(db: Database, n: int) -> list[int]:
    ids = []
    for i in range(n):
        pid = int(patients.create_patient(db, RAD, patients.PatientIn(study_id=f"S-{i}", program="P"))["id"])
        cases.put_case(db, RAD, pid, CASE, expected_version=1)
        ids.append(pid)
    return ids


def test_nothing_is_stale_after_ordinary_writes(db: Database):
    _cohort(db, 2)
    assert stale_ids(db) == []


def test_rule_change_is_reassessed_and_the_one_real_change_reported_and_audited(db: Database, client: Any):
    ids = _cohort(db, 3)
    with write_transaction(db) as session:
        session.execute(sa.update(DerivedResult).values(ruleset="sha256:older-rules"))
        # what the older rules had said for one patient: stable disease
        session.execute(
            sa.update(DerivedResult)
            .where(DerivedResult.patient_id == ids[1], DerivedResult.criteria == "recist1.1")
            .values(current_response="SD", best_response="SD")
        )
        session.execute(sa.delete(DerivedResult).where(DerivedResult.patient_id == ids[2]))
    assert stale_ids(db) == ids
    seen: list[tuple[int, int]] = []
    report = reassess(db, ADMIN, client=client, batch_size=2, progress=lambda done, total: seen.append((done, total)))
    assert (report.stale, report.reassessed, report.skipped, report.filled) == (3, 3, 0, 1)
    assert [(c.patient_id, c.criteria) for c in report.changes] == [(ids[1], "recist1.1")]
    change = report.changes[0]
    assert change.before["current"] == "SD" and change.after["current"] == "PR"
    assert sorted(seen)[-1] == (3, 3) and len(seen) == 2  # two batches: 2 + 1 patients, none dropped
    with db.reader() as session:
        audits = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "results.reassess")).all()
        rulesets = set(session.scalars(sa.select(DerivedResult.ruleset)))
    per_patient = [(a.patient_id, a.username, a.reason) for a in audits if a.entity == "derived_results"]
    assert per_patient == [(ids[1], "ada", "rules 2026.12")]
    assert [a.entity for a in audits].count("batch") == 2  # one per batch: moves the data version of cached plots
    assert rulesets == {results.ruleset_version()}
    assert stale_ids(db) == []
    assert reassess(db, ADMIN, client=client).stale == 0


def test_an_older_case_version_is_stale(db: Database):
    [pid] = _cohort(db, 1)
    with write_transaction(db) as session:
        session.execute(sa.update(DerivedResult).values(case_version=1))
    assert stale_ids(db) == [pid]


def test_only_an_admin_may_reassess(db: Database):
    with pytest.raises(PermissionDeniedError):
        reassess(db, RAD)


def test_batches_keep_every_id_in_order():
    assert bulk.batches(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert bulk.batches([], 3) == []


def test_bulk_read_is_the_single_patient_read(db: Database):
    ids = _cohort(db, 2)
    with db.reader() as session:
        many = bulk.read_cases(session, ids)
    assert many == {pid: cases.get_case(db, RAD, pid) for pid in ids}


def test_cli_reassesses_on_a_local_dask_cluster(sqlite_template: Path, tmp_path: Path):
    url = dbfixtures.fresh_sqlite_url(sqlite_template, tmp_path)
    db = open_database(url)
    ids = _cohort(db, 2)
    with write_transaction(db) as session:
        session.execute(sa.delete(DerivedResult).where(DerivedResult.patient_id == ids[0]))
    db.dispose()
    out = CliRunner().invoke(app, ["reassess", "--db", url, "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert "1 patient(s) stale, 1 re-assessed (1 had none stored)" in out.output
    assert "0 with a changed result" in out.output
