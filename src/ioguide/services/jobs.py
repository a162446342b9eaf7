"""Use case "export a whole program" as a background job (issue 16 part 5): the SDTM datasets with their
Define-XML and the ADaM datasets derived from them, or FHIR bulk data (one NDJSON file per resource type), streamed to disk batch by batch with progress.

The patients of the program are read in one read transaction (one snapshot), a batch of patients at a time with
one query per table per batch (:mod:`ioguide.services.bulk`); each batch goes through the same export builders as
a single patient (:mod:`ioguide.interop`). Everything is written in a staging folder and the download appears only
when complete: a value that cannot be exported fails the job naming the patient and field, and leaves no file.

A job lives in a folder of the jobs directory (``$IOGUIDE_JOBS_DIR``, else ``jobs/`` in the user's data
directory): ``job.json`` (state and progress, rewritten atomically) and the finished file. Jobs run in a thread of
the process that accepted them; a job found unfinished when a process starts was interrupted and is marked failed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, Field, StrictStr
from sqlalchemy import select

from ioguide.errors import InputError, Problem
from ioguide.interop.adam_adrs import AdrsOptions
from ioguide.interop.inputs import PatientExport, StudyExport, parse_patient_export
from ioguide.interop.sdtm import SdtmOptions
from ioguide.records.db import Database, read_session
from ioguide.records.models import Patient, Program, utcnow
from ioguide.services import bulk
from ioguide.services.common import RECORD_INPUT
from ioguide.services.context import Actor, may, require
from ioguide.services.errors import ConflictError, NotFoundError
from ioguide.services.exports import patient_input, study_name

JOBS_DIR_ENV = "IOGUIDE_JOBS_DIR"
#: Patients read and built per batch (the unit of progress).
EXPORT_BATCH = 500
Progress = Callable[[int, int], None]


class ExportIn(BaseModel):
    """``POST /api/v1/exports``: ``sdtm`` (zip of CSV, SAS XPORT v5 and define.xml; ADaM in ``adam/``) or ``fhir`` (zip of NDJSON)."""

    model_config = RECORD_INPUT
    kind: Literal["sdtm", "fhir"]
    program: StrictStr = Field(min_length=1, max_length=200)
    study: StrictStr | None = Field(None, min_length=1, max_length=64)


def jobs_dir() -> Path:
    from ioguide.settings import load_settings

    path = load_settings().jobs_dir
    assert path is not None  # Settings fills it in
    return path


def _subject_problems(subject: str, err: InputError) -> InputError:
    return InputError([Problem(f"patient {subject}: {p.field}", p.message) for p in err.problems])


def program_patients(db: Database, actor: Actor, program: str) -> list[tuple[int, str]]:
    """``(id, study_id)`` of the program's patients in study-id order; NotFoundError when it has none."""
    require(actor, "viewer")
    with read_session(db) as session:
        rows = session.execute(
            select(Patient.id, Patient.study_id)
            .join(Program, Program.id == Patient.program_id)
            .where(Program.name == program)
        ).all()
    if not rows:
        raise NotFoundError(f"no patient in program {program!r}", "program")
    return sorted(((row.id, row.study_id) for row in rows), key=lambda r: r[1])


def export_batches(
    db: Database, actor: Actor, program: str, study: str | None, batch: int | None = None
) -> Iterator[list[PatientExport]]:
    """The program's patients as export inputs, ``batch`` at a time, in study-id (so USUBJID) order, read in one
    transaction with one query per table per batch. Raises ``InputError`` naming the patient and field."""
    name = study_name(program, study)
    listed = program_patients(db, actor, program)
    with read_session(db) as session:
        for chunk in bulk.batches([pid for pid, _ in listed], min(batch or EXPORT_BATCH, bulk.BATCH)):
            found = bulk.read_cases(session, chunk)
            procedures = bulk.read_procedures(session, chunk)
            toxicity = bulk.read_toxicity(session, chunk)
            people = {
                row.id: {"study_id": row.study_id, "birth_year": row.birth_year, "sex": row.sex}
                for row in session.execute(
                    select(Patient.id, Patient.study_id, Patient.birth_year, Patient.sex).where(Patient.id.in_(chunk))
                )
            }
            out: list[PatientExport] = []
            for pid in chunk:
                person = people[pid]
                data = patient_input(name, person, found[pid][0], procedures[pid], toxicity[pid])
                try:
                    out.append(parse_patient_export(data))
                except InputError as err:
                    raise _subject_problems(person["study_id"], err) from None
            yield out


def export_sdtm(
    db: Database,
    actor: Actor,
    program: str,
    study: str | None,
    out_dir: Path,
    progress: Progress | None = None,
    options: SdtmOptions | None = None,
    adam_options: AdrsOptions | None = None,
) -> dict[str, Any]:
    """The program's SDTM datasets and the ADaM datasets derived from them, CSV + XPT + Define-XML each, in
    ``out_dir`` (ADaM in ``adam/``; all or nothing): the same files as ``ioguide export sdtm`` from an input file
    (:func:`ioguide.interop.files.write_sdtm_adam` writes both), built a batch of patients at a time."""
    from ioguide.interop.files import write_sdtm_adam
    from ioguide.interop.sdtm import Dataset, study_datasets

    name = study_name(program, study)
    total = len(program_patients(db, actor, program))
    collected: dict[str, tuple[Any, list[tuple[Any, ...]]]] = {}
    done = 0
    for part in export_batches(db, actor, program, study):
        datasets = study_datasets(StudyExport.model_construct(study=name, patients=tuple(part)), options)
        for domain_name, dataset in datasets.items():
            collected.setdefault(domain_name, (dataset.domain, []))[1].extend(dataset.rows)
        done += len(part)
        if progress is not None:
            progress(done, total)
    final = {key: Dataset(domain, tuple(rows)) for key, (domain, rows) in collected.items()}
    collected.clear()
    written, files = write_sdtm_adam(final, out_dir, name, adam_options)
    return {
        "study": name,
        "patients": total,
        "datasets": {key: len(d.rows) for key, d in written.items() if d.rows},
        "files": [p.relative_to(out_dir).as_posix() for p in files],
    }


def export_fhir(
    db: Database, actor: Actor, program: str, study: str | None, out_dir: Path, progress: Progress | None = None
) -> dict[str, Any]:
    """The program's FHIR resources as bulk data: ``<ResourceType>.ndjson`` files in ``out_dir`` (all or nothing)."""
    from ioguide.interop.fhir import patient_bundle
    from ioguide.interop.ndjson import bulk_lines

    total = len(program_patients(db, actor, program))
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=".ioguide-fhir-") as tmp:
        handles: dict[str, IO[str]] = {}
        try:
            done = 0
            for part in export_batches(db, actor, program, study):
                for patient in part:
                    try:
                        bundle = patient_bundle(patient)
                    except InputError as err:
                        raise _subject_problems(patient.subject, err) from None
                    for kind, line in bulk_lines(bundle):
                        if kind not in handles:
                            handles[kind] = (Path(tmp) / f"{kind}.ndjson").open("w", encoding="utf-8")
                        handles[kind].write(line + "\n")
                        counts[kind] = counts.get(kind, 0) + 1
                done += len(part)
                if progress is not None:
                    progress(done, total)
        finally:
            for handle in handles.values():
                handle.close()
        for path in sorted(Path(tmp).iterdir()):
            shutil.move(str(path), out_dir / path.name)
    return {
        "study": study_name(program, study),
        "patients": total,
        "output": [{"type": kind, "count": counts[kind], "file": f"{kind}.ndjson"} for kind in sorted(counts)],
    }


EXPORTERS: dict[str, Callable[..., dict[str, Any]]] = {"sdtm": export_sdtm, "fhir": export_fhir}


@dataclass(frozen=True)
class Job:
    """One export job's state, as ``job.json`` stores it and ``GET /api/v1/exports/{id}`` shows it."""

    id: str
    kind: str
    program: str
    study: str | None
    owner: str
    status: Literal["queued", "running", "done", "failed"] = "queued"
    done: int = 0
    total: int = 0
    created: str = field(default_factory=lambda: utcnow().isoformat())
    finished: str | None = None
    file: str | None = None
    summary: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["progress"] = {"done": self.done, "total": self.total}
        out["url"] = f"/api/v1/exports/{self.id}"
        out["download"] = f"/api/v1/exports/{self.id}/file" if self.status == "done" else None
        return out


class JobRunner:
    """Starts export jobs in background threads and keeps their state on disk under ``directory``."""

    def __init__(self, directory: Path, workers: int = 1) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ioguide-job")
        self._lock = threading.Lock()
        for path in self.directory.glob("*/job.json"):  # a job left unfinished by a stopped process
            job = self._read(path.parent.name)
            if job is not None and job.status in ("queued", "running"):
                self._save(replace(job, status="failed", errors=[{"field": "$", "message": "interrupted"}]))

    def _path(self, job_id: str) -> Path:
        return self.directory / job_id / "job.json"

    def _read(self, job_id: str) -> Job | None:
        path = self._path(job_id)
        if not path.is_file():
            return None
        return Job(**json.loads(path.read_text(encoding="utf-8")))

    def _save(self, job: Job) -> Job:
        path = self._path(job.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_suffix(".tmp")
        staged.write_text(json.dumps(asdict(job)), encoding="utf-8")
        staged.replace(path)
        return job

    def submit(self, db: Database, actor: Actor, data: ExportIn) -> Job:
        """Check what can be checked now (role, program, STUDYID), then queue the export; returns the job."""
        require(actor, "viewer")
        study_name(data.program, data.study)
        total = len(program_patients(db, actor, data.program))
        job = self._save(Job(uuid.uuid4().hex, data.kind, data.program, data.study, actor.username, total=total))
        self._pool.submit(self._run, db, actor, job)
        return job

    def _run(self, db: Database, actor: Actor, job: Job) -> None:
        folder = self.directory / job.id
        job = self._save(replace(job, status="running"))

        def progress(done: int, total: int) -> None:
            nonlocal job
            job = self._save(replace(job, done=done, total=total))

        try:
            with tempfile.TemporaryDirectory(dir=folder, prefix=".work-") as tmp:
                work = Path(tmp) / job.kind
                summary = EXPORTERS[job.kind](db, actor, job.program, job.study, work, progress)
                safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in job.program)
                name = f"{job.kind}-{safe}.zip"
                staged = Path(tmp) / name
                with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as archive:
                    for path in sorted(p for p in work.rglob("*") if p.is_file()):
                        archive.write(path, path.relative_to(work).as_posix())
                staged.replace(folder / name)
            self._save(replace(job, status="done", file=name, summary=summary, finished=utcnow().isoformat()))
        except InputError as err:
            errors = [{"field": p.field, "message": p.message} for p in err.problems]
            self._save(replace(job, status="failed", errors=errors, finished=utcnow().isoformat()))
        except Exception as err:  # the job reports the failure; the process keeps serving
            errors = [{"field": "$", "message": f"{type(err).__name__}: {err}"}]
            self._save(replace(job, status="failed", errors=errors, finished=utcnow().isoformat()))
            raise

    def get(self, actor: Actor, job_id: str) -> Job:
        """The job, to its owner or an admin; NotFoundError otherwise (another user's job is not revealed)."""
        require(actor, "viewer")
        job = self._read(job_id) if job_id.isalnum() else None
        if job is None or (job.owner != actor.username and not may(actor.role, "admin")):
            raise NotFoundError(f"no export job {job_id}", "id")
        return job

    def list_jobs(self, actor: Actor) -> list[Job]:
        """The actor's own jobs, newest first (the exports page; ``get`` still lets an admin open any job)."""
        require(actor, "viewer")
        found = (self._read(path.parent.name) for path in self.directory.glob("*/job.json"))
        own = [job for job in found if job is not None and job.owner == actor.username]
        return sorted(own, key=lambda job: job.created, reverse=True)

    def file(self, actor: Actor, job_id: str) -> Path:
        job = self.get(actor, job_id)
        if job.status != "done" or job.file is None:
            raise ConflictError(f"export job {job_id} is {job.status}, not done: no file yet", "id")
        return self.directory / job.id / job.file


_runners: dict[tuple[str, str], JobRunner] = {}
_runners_lock = threading.Lock()


def runner_for(db: Database) -> JobRunner:
    """The process's job runner for ``db`` (one per database and jobs directory)."""
    key = (db.url, str(jobs_dir()))
    with _runners_lock:
        if key not in _runners:
            _runners[key] = JobRunner(jobs_dir() / hashlib.sha256(db.url.encode()).hexdigest()[:12])
        return _runners[key]
