"""A program at scale (issue 16): N patients x 6 timepoints loaded through the services (not HTTP), then, on SQLite
(WAL) and on a throw-away PostgreSQL, in one run:

- load: the cases inserted as rows through the records layer, then ``reassess`` stores every result, on a local
  2-worker Dask cluster and again in one process (per patient); then more patients through the services (each
  create and case an audited write that stores the derived results in its transaction);
- paging: first cohort page (``GET /cohort``) against ``GET /api/v1/patients?limit=50``, p95 over repeated calls
  through the ASGI app in-process (both pay the same HTTP stack; goal: ratio <= 2);
- plots: a cold waterfall PNG of every patient (cache cleared) and the cached one (goals: <= 1 s, <= 50 ms);
- exports: SDTM (with Define-XML) and FHIR bulk NDJSON of the whole program, each in a fresh process whose peak
  resident memory is read from ``getrusage`` (goals: SDTM <= 2 ms per patient, <= 300 MB);
- audited writes: CRS grades recorded by 8 writer threads and by 1 (goals: >= 500/s SQLite, >= 1,000/s PostgreSQL);
- assessment: the own-criteria assessment of every stored case, and the read of the stored results, each against
  ``json.loads`` of the same cases (goal: <= 1x);

    python benchmarks/scale.py [--patients 10000] [--no-postgres] [--no-sqlite] [--writes 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark password"
ORGANS = ("liver", "lung", "adrenal", "kidney")
EXPORT_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from ioguide.records.db import open_database
    from ioguide.services.context import cli_actor
    from ioguide.services import jobs
    url, kind, program, out = sys.argv[1:5]
    db = open_database(url)
    start = time.perf_counter()
    summary = jobs.EXPORTERS[kind](db, cli_actor(), program, None, Path(out))
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "patients": summary["patients"]}))
    """
)


def make_case(rng: random.Random, timepoints: int) -> dict[str, Any]:
    """3 targets (the first injected for half the patients) and 1 non-target, scans 6 weeks apart, a trend."""
    injected = rng.random() < 0.5
    lesions = [
        {"id": f"T{i}", "role": "target", "organ": organ, "injected": injected and i == 0}
        for i, organ in enumerate(ORGANS[:3])
    ]
    lesions.append({"id": "N1", "role": "non_target", "organ": ORGANS[3]})
    sizes = {f"T{i}": rng.uniform(15, 50) for i in range(3)}
    trend = rng.uniform(-0.2, 0.12)
    start = dt.date(2026, 1, 5)
    out = []
    for k in range(timepoints):
        diameters = {key: round(max(10.0, v * (1 + trend) ** k), 1) if k else round(v, 1) for key, v in sizes.items()}
        out.append(
            {
                "date": (start + dt.timedelta(weeks=6 * k)).isoformat(),
                "diameters_mm": diameters,
                "non_target": {"N1": "present"},
            }
        )
    return {"criteria": rng.choice(["recist1.1", "itrecist", "irecist"]), "lesions": lesions, "timepoints": out}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def load_services(db: Any, patients: int, timepoints: int, start_at: int = 0) -> tuple[list[int], float]:
    """Patients created and cases stored through the services: two audited writes each, results stored."""
    from ioguide.services import cases
    from ioguide.services import patients as patient_verbs
    from ioguide.services.context import Actor

    rad = Actor("bench", "radiologist")
    rng = random.Random(start_at)
    ids: list[int] = []
    start = time.perf_counter()
    for i in range(start_at, start_at + patients):
        created = patient_verbs.create_patient(db, rad, patient_verbs.PatientIn(study_id=f"S-{i:06}", program="SCALE"))
        cases.put_case(db, rad, created["id"], make_case(rng, timepoints), expected_version=1)
        ids.append(created["id"])
    return ids, time.perf_counter() - start


def load_rows(db: Any, patients: int, timepoints: int) -> tuple[list[int], float]:
    """The same cases inserted as rows through the records layer in one transaction (no audit rows, no results:
    ``ioguide reassess`` stores those next, and is timed doing it)."""
    from sqlalchemy import insert, text

    from ioguide.records.db import write_transaction
    from ioguide.records.models import Lesion, Measurement, Patient, Program, Timepoint

    rng = random.Random(16)
    start = time.perf_counter()
    rows: dict[Any, list[dict[str, Any]]] = {Patient: [], Lesion: [], Timepoint: [], Measurement: []}
    lesion_id = timepoint_id = 0
    for pid in range(1, patients + 1):
        case = make_case(rng, timepoints)
        rows[Patient].append(
            {"id": pid, "program_id": 1, "study_id": f"P-{pid:06}", "criteria": case["criteria"], "version": 2}
        )
        by_label = {}
        for position, lesion in enumerate(case["lesions"]):
            lesion_id += 1
            by_label[lesion["id"]] = lesion_id
            rows[Lesion].append(
                {"id": lesion_id, "patient_id": pid, "label": lesion["id"], "position": position, "role": lesion["role"],
                 "organ": lesion["organ"], "nodal": False, "injected": lesion.get("injected", False), "pleural": False,
                 "version": 1}
            )  # fmt: skip
        for tp in case["timepoints"]:
            timepoint_id += 1
            rows[Timepoint].append(
                {"id": timepoint_id, "patient_id": pid, "date": dt.date.fromisoformat(tp["date"]), "version": 1}
            )
            measured = [(k, v, None) for k, v in tp["diameters_mm"].items()]
            measured += [(k, None, v) for k, v in tp["non_target"].items()]
            for position, (label, diameter, status) in enumerate(measured):
                rows[Measurement].append(
                    {"timepoint_id": timepoint_id, "lesion_id": by_label[label], "position": position,
                     "diameter_mm": diameter, "status": status}
                )  # fmt: skip
    with write_transaction(db) as session:
        session.execute(insert(Program.__table__), [{"id": 1, "name": "SCALE", "version": 1}])
        for model, items in rows.items():
            for i in range(0, len(items), 5000):
                session.execute(insert(model.__table__), items[i : i + 5000])
        if db.dialect == "postgresql":  # ids were given: move the sequences past them
            for table in ("programs", "patients", "lesions", "timepoints"):
                session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    return list(range(1, patients + 1)), time.perf_counter() - start


def timed(call: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def paging_and_plots(db: Any, url: str, repeat: int) -> dict[str, float]:
    import argon2
    from fastapi.testclient import TestClient

    from ioguide.api.settings import ApiSettings
    from ioguide.app import create_app
    from ioguide.services import plot_cache
    from ioguide.services.context import cli_actor
    from ioguide.services.users import LoginThrottle, add_user

    hasher = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    add_user(db, cli_actor(), "viewer", PASSWORD, "viewer", hasher)
    settings = ApiSettings(database_url=url, secret_key="bench", hasher=hasher, throttle=LoginThrottle())
    out: dict[str, float] = {}
    with TestClient(create_app(settings, db)) as client:
        token = client.post("/api/v1/auth/token", data={"username": "viewer", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        client.post("/login", data={"username": "viewer", "password": PASSWORD})
        client.get("/api/v1/patients?limit=50", headers=headers)  # warm both paths before timing
        client.get("/cohort")
        client.get("/cohort/plots/waterfall.png?program=none")  # imports matplotlib (an empty plot)
        api = timed(lambda: client.get("/api/v1/patients?limit=50", headers=headers).raise_for_status(), repeat)
        page = timed(lambda: client.get("/cohort").raise_for_status(), repeat)
        out["api_p95_ms"] = p95(api) * 1000
        out["cohort_p95_ms"] = p95(page) * 1000
        for kind in ("waterfall", "swimmer"):
            plot_cache.PLOTS.clear()
            path = f"/cohort/plots/{kind}.png"
            out[f"{kind}_cold_s"] = timed(lambda p=path: client.get(p).raise_for_status(), 1)[0]
            out[f"{kind}_cached_p95_ms"] = p95(timed(lambda p=path: client.get(p).raise_for_status(), repeat)) * 1000
    return out


def export(url: str, kind: str, work: Path) -> dict[str, float]:
    out = work / f"export-{kind}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", EXPORT_CHILD, url, kind, "SCALE", str(out)],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{kind} export failed: {done.stderr.strip()[-2000:]}")
    shutil.rmtree(out, ignore_errors=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def audited_writes(db: Any, ids: list[int], writers: int, writes: int) -> float:
    from ioguide.services import toxicity
    from ioguide.services.context import Actor

    coordinator = Actor("bench", "coordinator")
    crs = {"temp_c": 38.6, "hypotension": "none", "oxygen": "none"}
    per_writer = writes // writers
    failures: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(per_writer):
                data = toxicity.ToxicityIn(kind="crs", date=dt.date(2026, 1, 7), input=crs)
                toxicity.record_toxicity(db, coordinator, rng.choice(ids), data)
        except BaseException as err:  # reported below: a failed write must not pass for a fast one
            failures.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} writer(s) failed: {failures[0]!r}")
    return per_writer * writers / seconds


def assessment(db: Any, ids: list[int]) -> dict[str, float]:
    from sqlalchemy import func, select

    from ioguide.records.db import read_session
    from ioguide.records.models import DerivedResult, Patient
    from ioguide.services import bulk, results

    cohort: list[dict[str, Any]] = []
    with read_session(db) as session:
        for chunk in bulk.batches(ids):
            cohort += [case for case, _ in bulk.read_cases(session, chunk).values()]
    text = json.dumps(cohort)
    start = time.perf_counter()
    json.loads(text)
    parse = time.perf_counter() - start
    start = time.perf_counter()
    for case in cohort:
        results.derive_response(case, case.get("criteria") or results.DEFAULT_CRITERIA)
    assess = time.perf_counter() - start
    start = time.perf_counter()
    with read_session(db) as session:
        stored = session.execute(
            select(DerivedResult.patient_id, DerivedResult.result)
            .join(Patient, Patient.id == DerivedResult.patient_id)
            .where(DerivedResult.criteria == func.coalesce(Patient.criteria, results.DEFAULT_CRITERIA))
        ).all()
    read = time.perf_counter() - start
    assert len(stored) == len(ids), (len(stored), len(ids))
    return {"json_loads_s": parse, "assess_s": assess, "stored_read_s": read, "json_mb": len(text) / 1e6}


def reassess_cost(db: Any, ids: list[int]) -> dict[str, float]:
    """``ioguide reassess`` of every patient (none stored yet) on a local 2-worker Dask cluster, then the same
    work in this one process (``--all``), per patient."""
    from ioguide.services import bulk, reassess, results
    from ioguide.services.context import Actor

    admin = Actor("bench", "admin", reason="benchmark")
    start = time.perf_counter()
    report = reassess.reassess(db, admin, workers=2)
    dask_s = time.perf_counter() - start
    assert report.reassessed == len(ids) and report.filled == len(ids), report
    start = time.perf_counter()
    for chunk in bulk.batches(ids, reassess.DEFAULT_BATCH):
        reassess.reassess_batch(db.url, chunk, results.ruleset_version(), admin)
    single_s = time.perf_counter() - start
    return {
        "reassess_dask2_s": dask_s,
        "reassess_single_s": single_s,
        "dask2_ms_per_patient": dask_s * 1000 / len(ids),
        "single_ms_per_patient": single_s * 1000 / len(ids),
    }


def run(name: str, url: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from ioguide.records.db import open_database
    from ioguide.records.migrate import upgrade

    print(f"{name}: loading {args.patients} patients x {args.timepoints} timepoints", file=sys.stderr)
    upgrade(url)
    db = open_database(url)
    try:
        ids, load_s = load_rows(db, args.patients, args.timepoints)
        out: dict[str, Any] = {"backend": name, "rows_load_s": load_s}
        print(f"{name}: reassess (stores every result)", file=sys.stderr)
        out |= reassess_cost(db, ids)
        print(f"{name}: {args.service_patients} more patients through the services", file=sys.stderr)
        more, service_s = load_services(db, args.service_patients, args.timepoints, start_at=len(ids))
        ids += more
        out["service_writes_per_s"] = 2 * len(more) / service_s
        print(f"{name}: paging and plots", file=sys.stderr)
        out |= paging_and_plots(db, url, args.repeat)
        print(f"{name}: exports", file=sys.stderr)
        for kind in ("sdtm", "fhir"):
            found = export(url, kind, work)
            out[f"{kind}_ms_per_patient"] = found["seconds"] * 1000 / found["patients"]
            out[f"{kind}_peak_mb"] = found["peak_mb"]
        print(f"{name}: assessment and writes", file=sys.stderr)
        out |= assessment(db, ids)
        out["writes_8_per_s"] = audited_writes(db, ids, 8, args.writes)
        out["writes_1_per_s"] = audited_writes(db, ids, 1, args.writes // 4)
        return out
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--timepoints", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=20, help="calls per latency figure")
    parser.add_argument("--writes", type=int, default=2000, help="audited writes by the 8 writers")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--service-patients", type=int, default=200, help="patients added through the services")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ioguide-scale-"))
    os.environ["IOGUIDE_JOBS_DIR"] = str(work / "jobs")
    pg_env = {**os.environ, "IOGUIDE_PG_DIR": tempfile.mkdtemp(prefix="ioguide-scale-pg-")}
    rows: list[dict[str, Any]] = []
    try:
        if not args.no_sqlite:
            rows.append(run("SQLite (WAL)", f"sqlite:///{work / 'scale.db'}", args, work))
        if not args.no_postgres:
            started = subprocess.run(
                [str(ROOT / "scripts" / "postgres"), "start"], env=pg_env, capture_output=True, text=True
            )
            if started.returncode != 0:
                print(f"(PostgreSQL unavailable: {started.stderr.strip()[-300:]})", file=sys.stderr)
            else:
                rows.append(run("PostgreSQL", started.stdout.strip().splitlines()[-1], args, work))
    finally:
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop"], env=pg_env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(pg_env["IOGUIDE_PG_DIR"], ignore_errors=True)
    print(f"{args.patients} patients x {args.timepoints} timepoints, {os.cpu_count()} CPUs")
    for row in rows:
        print(f"\n## {row['backend']}")
        ratio = row["cohort_p95_ms"] / row["api_p95_ms"]
        lines = [
            ("rows inserted (records layer, one transaction)", f"{row['rows_load_s']:.1f} s"),
            (
                "reassess: results of every patient stored",
                f"Dask 2 workers {row['reassess_dask2_s']:.0f} s ({row['dask2_ms_per_patient']:.2f} ms/patient), "
                f"1 process {row['reassess_single_s']:.0f} s ({row['single_ms_per_patient']:.2f} ms/patient)",
            ),
            ("create + case through the services", f"{row['service_writes_per_s']:.0f} audited writes/s"),
            ("GET /api/v1/patients?limit=50 p95", f"{row['api_p95_ms']:.1f} ms"),
            ("GET /cohort (first page) p95", f"{row['cohort_p95_ms']:.1f} ms = {ratio:.2f}x the API page"),
            (
                "waterfall PNG cold / cached p95",
                f"{row['waterfall_cold_s']:.2f} s / {row['waterfall_cached_p95_ms']:.1f} ms",
            ),
            ("swimmer PNG cold / cached p95", f"{row['swimmer_cold_s']:.2f} s / {row['swimmer_cached_p95_ms']:.1f} ms"),
            ("SDTM export", f"{row['sdtm_ms_per_patient']:.2f} ms/patient, peak {row['sdtm_peak_mb']:.0f} MB"),
            ("FHIR bulk export", f"{row['fhir_ms_per_patient']:.2f} ms/patient, peak {row['fhir_peak_mb']:.0f} MB"),
            ("audited writes, 8 writers / 1", f"{row['writes_8_per_s']:.0f}/s / {row['writes_1_per_s']:.0f}/s"),
            (
                "assess own criteria / json.loads",
                f"{row['assess_s']:.2f} s / {row['json_loads_s']:.2f} s = {row['assess_s'] / row['json_loads_s']:.1f}x",
            ),
            (
                "read stored results / json.loads",
                f"{row['stored_read_s']:.2f} s = {row['stored_read_s'] / row['json_loads_s']:.1f}x",
            ),
        ]
        for label, value in lines:
            print(f"| {label} | {value} |")
    print("\n" + json.dumps(rows, default=float))


if __name__ == "__main__":
    main()
