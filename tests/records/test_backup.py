"""Backups taken while 20 writers run hold every write acknowledged before the backup began; a restore refuses
to overwrite data unless forced, and verifies what it restored (issue 14: a file copy taken during writes
restored with data missing and no warning)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from ioguide.cli.main import app
from ioguide.records.backup import BackupError, manifest_path
from ioguide.records.db import Database
from ioguide.services import patients
from ioguide.services.backups import Scheduler, backup_database, parse_interval, restore_database
from ioguide.services.context import Actor

COORD = Actor("cora", "coordinator")
_names = itertools.count()


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the same kind as ``db_url`` (no schema): where a backup is restored."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    server: str = request.getfixturevalue("pg_server_url")
    name = f"restored_{next(_names)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _study_ids(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {str(r[0]) for r in conn.execute(sa.text("SELECT study_id FROM patients"))}
    finally:
        engine.dispose()


def test_backup_during_a_20_writer_burst_restores_every_acknowledged_write(
    db: Database, empty_url: str, tmp_path: Path
):
    acknowledged: list[tuple[float, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        for i in itertools.count():
            if stop.is_set():
                return
            study_id = f"B{n}-{i}"
            patients.create_patient(db, COORD, patients.PatientIn(study_id=study_id, program="burst"))
            with lock:
                acknowledged.append((time.monotonic(), study_id))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while len(acknowledged) < 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    began = time.monotonic()
    file = tmp_path / "burst.backup"
    manifest = backup_database(db, file)
    while len([a for a in acknowledged if a[0] > began]) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)  # the writers were still running after the backup
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not t.is_alive() for t in threads)
    assert len([a for a in acknowledged if a[0] > began]) >= 20, "the writers stopped or failed"
    before = {study_id for at, study_id in acknowledged if at < began}

    report = restore_database(file, empty_url, db.audit_key_file, force=False)
    assert report.ok, (report.integrity, report.audit.chain.problem, report.audit.unexplained)
    restored = _study_ids(empty_url)
    assert before <= restored
    assert len(restored) < len(acknowledged)  # the copy is of one moment, not of the end of the burst
    # The recorded head is the restored trail's head: one audit row per patient, plus the program's.
    assert manifest.audit_seq == len(restored) + 1 == report.audit.chain.head_seq


def test_restore_refuses_a_database_holding_data_unless_forced(db: Database, tmp_path: Path):
    patients.create_patient(db, COORD, patients.PatientIn(study_id="S-1", program="P"))
    file = tmp_path / "one.backup"
    backup_database(db, file)
    with pytest.raises(BackupError, match="exists: choose a new file name"):
        backup_database(db, file)
    patients.create_patient(db, COORD, patients.PatientIn(study_id="S-2", program="P"))
    with pytest.raises(BackupError, match=r"holds data \(tables .*patients.*--force"):
        restore_database(file, db.url, db.audit_key_file, force=False)
    assert _study_ids(db.url) == {"S-1", "S-2"}
    db.engine.dispose()  # a restore over data is done with the server stopped
    report = restore_database(file, db.url, db.audit_key_file, force=True)
    assert report.ok and _study_ids(db.url) == {"S-1"}


def test_a_changed_backup_or_manifest_is_refused_before_anything_is_restored(
    db: Database, empty_url: str, tmp_path: Path
):
    patients.create_patient(db, COORD, patients.PatientIn(study_id="S-1", program="P"))
    file = tmp_path / "one.backup"
    backup_database(db, file)
    manifest = manifest_path(file)
    original = manifest.read_text()
    manifest.write_text(original.replace('"audit_seq": 2', '"audit_seq": 1'))
    with pytest.raises(BackupError, match="MAC does not verify"):
        restore_database(file, empty_url, db.audit_key_file, force=False)
    manifest.write_text(original)
    with file.open("ab") as data:
        data.write(b"\0")
    with pytest.raises(BackupError, match="SHA-256 differs"):
        restore_database(file, empty_url, db.audit_key_file, force=False)
    assert not _study_ids_exist(empty_url)


def _study_ids_exist(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return "patients" in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_cli_backup_and_restore_exit_2_on_refusals(db_url: str, tmp_path: Path):
    runner = CliRunner()
    file = tmp_path / "cli.backup"
    taken = runner.invoke(app, ["backup", str(file), "--db", db_url])
    assert taken.exit_code == 0, taken.output
    assert "audit head at sequence number 0" in taken.output
    again = runner.invoke(app, ["backup", str(file), "--db", db_url])
    assert again.exit_code == 2 and "a backup never overwrites another" in again.output
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO programs (name, version) VALUES ('live', 1)"))
    engine.dispose()
    live = runner.invoke(app, ["restore", str(file), "--db", db_url])
    assert live.exit_code == 2 and "holds data" in live.output and "--force" in live.output


def test_the_scheduler_keeps_the_newest_copies(db: Database, tmp_path: Path):
    scheduler = Scheduler(db, tmp_path / "anchors.jsonl", parse_interval("1h"), tmp_path / "copies", None, keep=2)
    made = [scheduler.backup_now() for _ in range(3)]
    kept = sorted((tmp_path / "copies").glob("*.backup"))
    assert kept == sorted(p for p in made[1:] if p is not None)
    assert all(manifest_path(p).exists() for p in kept) and not manifest_path(made[0]).exists()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="a whole number followed by s, m, h or d"):
        parse_interval("1 hour")


def test_the_scheduler_anchors_the_head_on_its_interval(db: Database, tmp_path: Path):
    patients.create_patient(db, COORD, patients.PatientIn(study_id="S-1", program="P"))
    anchors = tmp_path / "anchors.jsonl"
    scheduler = Scheduler(db, anchors, parse_interval("1s"))
    scheduler.start()
    deadline = time.monotonic() + 30
    while not anchors.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    scheduler.stop()
    assert anchors.exists() and '"seq": 2' in anchors.read_text().splitlines()[0]
