"""Use case "re-assess what is stale": after a rule change (a new :func:`~ioguide.services.results.ruleset_version`)
or for patients stored before results were, recompute the stored results in parallel on Dask and say what changed.

The work is cut into batches of patients; each batch is one Dask task (:func:`reassess_batch`) that reads its
cases with one query per table, assesses them outside any write lock, then stores them in one write transaction
with an audit row (``results.reassess``) for each patient whose response or toxicity grade changed and one for
the batch (so that the data version of cached plots moves). A patient
whose case changed while the batch was computing is left alone (that write stored fresh results itself). Runs on
a local Dask cluster by default (processes; its dashboard on a free port) or on a distributed scheduler given by its address.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select

from ioguide.records.db import Database, open_database, read_session, write_transaction
from ioguide.records.models import DerivedResult, Patient
from ioguide.services import bulk, results
from ioguide.services.common import record
from ioguide.services.context import Actor, require

#: Stored rows a patient has when all is fresh: one response per criteria and the toxicity row.
ROWS_PER_PATIENT = len(results.CRITERIA) + 1
#: Patients per Dask task: big enough that the per-task overhead (about a millisecond) vanishes, small enough
#: that the progress bar moves and a worker holds only a few MB.
DEFAULT_BATCH = 500


@dataclass(frozen=True, slots=True)
class Change:
    """One patient's result under one criteria (or ``toxicity``) before and after re-assessment."""

    patient_id: int
    study_id: str
    criteria: str
    before: dict[str, Any]
    after: dict[str, Any]

    def __str__(self) -> str:
        def show(value: dict[str, Any]) -> str:
            return ", ".join(f"{k} {v if v is not None else '-'}" for k, v in value.items())

        return f"{self.study_id} {self.criteria}: {show(self.before)} -> {show(self.after)}"


@dataclass
class Report:
    """What a re-assessment did: patients found stale, re-assessed, skipped (changed meanwhile), filled (none
    stored before), and every changed result."""

    ruleset: str
    stale: int = 0
    reassessed: int = 0
    skipped: int = 0
    #: Patients that had no stored result before (stored before migration 0004, or never derived).
    filled: int = 0
    changes: list[Change] = field(default_factory=list)

    def add(self, other: Report) -> None:
        self.reassessed += other.reassessed
        self.skipped += other.skipped
        self.filled += other.filled
        self.changes += other.changes


def stale_ids(db: Database, everything: bool = False) -> list[int]:
    """Patients whose stored results are missing, of another rule set, or of an older case version."""
    query = select(Patient.id).order_by(Patient.id)
    if not everything:
        fresh = (
            select(func.count())
            .where(
                DerivedResult.patient_id == Patient.id,
                DerivedResult.ruleset == results.ruleset_version(),
                or_(DerivedResult.kind == "toxicity", DerivedResult.case_version == Patient.version),
            )
            .scalar_subquery()
        )
        query = query.where(fresh < ROWS_PER_PATIENT)
    with read_session(db) as session:
        return list(session.scalars(query))


def _summary(row: Any) -> dict[str, Any]:
    """What a change report compares: the current and best response (or highest grades) and how many problems."""
    if row.kind == "toxicity":
        return {"highest_grade": (row.result or {}).get("highest_grade", {}), "problems": len(row.problems or ())}
    return {"current": row.current_response, "best": row.best_response, "problems": len(row.problems or ())}


def reassess_batch(url: str, patient_ids: Sequence[int], ruleset: str, actor: Actor) -> Report:
    """Re-assess one batch of patients on the database at ``url`` (a Dask task: plain, picklable arguments)."""
    if results.ruleset_version() != ruleset:
        raise RuntimeError(
            f"this worker runs rule set {results.ruleset_version()}, the job asked for {ruleset}: "
            "install the same ioguide version on every worker"
        )
    db = open_database(url)
    try:
        with read_session(db) as session:
            found = bulk.read_cases(session, patient_ids)
        derived = {pid: results.derive_responses(case) for pid, (case, _) in found.items()}
        report = Report(ruleset)
        with write_transaction(db) as session:
            current: dict[int, tuple[int, str]] = {
                pid: (version, name)
                for pid, version, name in session.execute(
                    select(Patient.id, Patient.version, Patient.study_id).where(Patient.id.in_(list(found)))
                )
            }
            old: dict[int, dict[str, Any]] = {}
            for row in session.execute(
                select(
                    DerivedResult.patient_id, DerivedResult.kind, DerivedResult.criteria, DerivedResult.result,
                    DerivedResult.problems, DerivedResult.current_response, DerivedResult.best_response,
                ).where(DerivedResult.patient_id.in_(list(found)))
            ):  # fmt: skip
                old.setdefault(row.patient_id, {})[row.criteria or "toxicity"] = row
            events = results.toxicity_events(session, list(found))
            for pid, (_, version) in found.items():
                if pid not in current or current[pid][0] != version:
                    report.skipped += 1
                    continue
                rows = [*derived[pid], results.derive_toxicity(events[pid])]
                changed: list[Change] = []
                for new in rows:
                    key = new.criteria or "toxicity"
                    before = old.get(pid, {}).get(key)
                    after = _summary(new)
                    if before is not None and _summary(before) != after:
                        changed.append(Change(pid, current[pid][1], key, _summary(before), after))
                results.store(session, pid, version, rows, ruleset)
                if changed:
                    record(
                        session, actor, "results.reassess", "derived_results", pid, pid,
                        {c.criteria: c.before for c in changed}, {c.criteria: c.after for c in changed},
                    )  # fmt: skip
                report.changes += changed
                report.reassessed += 1
                report.filled += not old.get(pid)
            summary = {"patients": report.reassessed, "skipped": report.skipped, "changes": len(report.changes)}
            record(
                session,
                actor,
                "results.reassess",
                "batch",
                f"{min(found, default=0)}-{max(found, default=0)}",
                None,
                None,
                {**summary, "ruleset": ruleset},
            )
        return report
    finally:
        db.dispose()


def reassess(
    db: Database,
    actor: Actor,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    batch_size: int = DEFAULT_BATCH,
    everything: bool = False,
    client: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Re-assess every stale patient (or ``everything``) on Dask; ``progress(done, total)`` after each batch.

    ``client``: a ``distributed.Client`` to use as is; else one on ``scheduler`` (an address), else on a local
    cluster of ``workers`` processes, closed at the end."""
    require(actor, "admin")
    ruleset = results.ruleset_version()
    ids = stale_ids(db, everything)
    report = Report(ruleset, stale=len(ids))
    if not ids:
        return report
    import distributed

    dist: Any = distributed  # untyped
    own = client is None
    cluster = None
    if own:
        if scheduler:
            client = dist.Client(scheduler)
        else:
            cluster = dist.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
            client = dist.Client(cluster)
    try:
        chunks = bulk.batches(ids, min(batch_size, bulk.BATCH))
        futures = [client.submit(reassess_batch, db.url, chunk, ruleset, actor, pure=False) for chunk in chunks]
        sizes = {future.key: len(chunk) for future, chunk in zip(futures, chunks, strict=True)}
        done = 0
        for future in dist.as_completed(futures):
            report.add(future.result())
            done += sizes[future.key]
            if progress is not None:
                progress(done, len(ids))
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    report.changes.sort(key=lambda c: (c.study_id, c.criteria))
    return report
