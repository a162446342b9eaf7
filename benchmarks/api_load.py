"""Load on the REST API: 50 concurrent clients on localhost, mixed reads (``GET .../response``) and audited writes
(``POST .../toxicity``: a CRS grade plus its hash-chained audit row), for a bounded time, on SQLite (WAL) and on a
throw-away PostgreSQL, side by side with a bare FastAPI + SQLAlchemy endpoint doing one primary-key read, all in
the same run. Prints p50/p99 latency and writes per second, and the ratio of each p99 to the bare endpoint's.

    python benchmarks/api_load.py [--seconds 8] [--clients 50] [--no-postgres]

Goals (issue 4): p99 <= 3x the bare endpoint's; >= 500 audited writes/s on SQLite WAL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
IOGUIDE = str(Path(sys.executable).with_name("ioguide"))
CASE = {
    "criteria": "recist1.1",
    "lesions": [
        {"id": "T1", "role": "target", "organ": "liver", "injected": True},
        {"id": "T2", "role": "target", "organ": "lymph_node", "nodal": True},
        {"id": "N1", "role": "non_target", "organ": "bone"},
    ],
    "timepoints": [
        {"date": "2026-01-05", "diameters_mm": {"T1": 32, "T2": 18}, "non_target": {"N1": "present"}},
        {"date": "2026-03-02", "diameters_mm": {"T1": 20, "T2": 9}, "non_target": {"N1": "absent"}},
        {"date": "2026-04-01", "diameters_mm": {"T1": 19, "T2": 9}, "non_target": {"N1": "absent"}},
    ],
}
CRS = {"kind": "crs", "date": "2026-01-07", "input": {"temp_c": 38.6, "hypotension": "none", "oxygen": "none"}}
BARE_APP = textwrap.dedent(
    """
    import sys
    import sqlalchemy as sa
    import uvicorn
    from fastapi import FastAPI
    from sqlalchemy.orm import Session

    engine = sa.create_engine(sys.argv[1], connect_args={"check_same_thread": False})
    with engine.begin() as conn:
        conn.execute(sa.text("PRAGMA journal_mode=WAL"))
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(sa.text("INSERT OR IGNORE INTO item VALUES (1, 'one')"))
    app = FastAPI()

    @app.get("/item/{item_id}")
    def item(item_id: int) -> dict:
        with Session(engine) as session:
            row = session.execute(sa.text("SELECT id, name FROM item WHERE id = :i"), {"i": item_id}).one()
            return {"id": row.id, "name": row.name}

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited ({url})") from None
            time.sleep(0.1)
    raise RuntimeError(f"server did not start ({url})")


def start_ioguide(db_url: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    subprocess.run([IOGUIDE, "db", "upgrade", "--db", db_url], check=True, capture_output=True)
    subprocess.run(
        [IOGUIDE, "users", "add", "bench", "--role", "admin", "--password-stdin", "--db", db_url],
        input=b"bench password\n",
        check=True,
        capture_output=True,
    )
    port = free_port()
    proc = subprocess.Popen(
        [IOGUIDE, "serve", "--db", db_url, "--port", str(port)],
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(base + "/api/v1/health", proc)
    return proc, base


def seed(base: str, patients: int) -> tuple[dict[str, str], list[int]]:
    token = httpx.post(base + "/api/v1/auth/token", data={"username": "bench", "password": "bench password"}).json()[
        "access_token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    with httpx.Client(base_url=base, headers=headers) as client:
        for i in range(patients):
            pid = client.post("/api/v1/patients", json={"study_id": f"B-{i}", "program": "bench"}).json()["id"]
            client.put(f"/api/v1/patients/{pid}/case", json=CASE, headers={"If-Match": "1"}).raise_for_status()
            ids.append(pid)
    return headers, ids


class Connection:
    """A minimal keep-alive HTTP/1.1 client connection: the load generator must cost little CPU, since it
    shares the machine with the server it measures."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(
    base: str, headers: dict[str, str], patient_ids: list[int], seconds: float, clients: int, write_share: float
) -> tuple[list[float], int, int, int]:
    """Run ``clients`` loops for ``seconds``; returns latencies (s), reads, writes, failures."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    counts = {"reads": 0, "writes": 0, "failures": 0}
    stop_at = time.monotonic() + seconds
    body = json.dumps(CRS).encode()

    async def one_client(seed_no: int) -> None:
        rng = random.Random(seed_no)
        conn = Connection(host, int(port), headers)
        try:
            while time.monotonic() < stop_at:
                pid = rng.choice(patient_ids)
                write = rng.random() < write_share
                started = time.perf_counter()
                if write:
                    status = await conn.request("POST", f"/api/v1/patients/{pid}/toxicity", body)
                elif pid == 0:
                    status = await conn.request("GET", "/item/1")
                else:
                    status = await conn.request("GET", f"/api/v1/patients/{pid}/response")
                latencies.append(time.perf_counter() - started)
                ok = status in (200, 201)
                counts["failures" if not ok else ("writes" if write else "reads")] += 1
        finally:
            conn.close()

    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return latencies, counts["reads"], counts["writes"], counts["failures"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each phase")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ioguide-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    pg_env = {**os.environ, "IOGUIDE_PG_DIR": tempfile.mkdtemp(prefix="ioguide-bench-pg-")}
    rows: list[tuple[str, str, int, float, float, float]] = []
    try:
        port = free_port()
        bare = subprocess.Popen(
            [sys.executable, "-c", BARE_APP, f"sqlite:///{work / 'bare.db'}", str(port)], stderr=subprocess.DEVNULL
        )
        procs.append(bare)
        bare_base = f"http://127.0.0.1:{port}"
        wait_ready(bare_base + "/item/1", bare)
        lat, reads, _, fails = asyncio.run(load(bare_base, {}, [0], args.seconds, args.clients, 0.0))
        rows.append(("bare FastAPI + SQLAlchemy", "1 read by key", reads, pct(lat, 0.5), pct(lat, 0.99), 0.0))

        targets = [
            ("ioguide SQLite (WAL)", f"sqlite:///{work / 'ioguide.db'}", {}),
            ("ioguide SQLite (WAL, FULL)", f"sqlite:///{work / 'full.db'}", {"IOGUIDE_SQLITE_SYNCHRONOUS": "FULL"}),
        ]
        if not args.no_postgres:
            started = subprocess.run(
                [str(ROOT / "scripts" / "postgres"), "start"], env=pg_env, capture_output=True, text=True
            )
            if started.returncode == 0:
                targets.append(("ioguide PostgreSQL", started.stdout.strip().splitlines()[-1], {}))
            else:
                print(f"(PostgreSQL unavailable: {started.stderr.strip()[-300:]})", file=sys.stderr)
        for name, url, env in targets:
            proc, base = start_ioguide(url, env)
            procs.append(proc)
            headers, ids = seed(base, args.patients)
            lat, reads, writes, fails = asyncio.run(load(base, headers, ids, args.seconds, args.clients, 0.2))
            rows.append((name, "80% /response, 20% writes", reads + writes, pct(lat, 0.5), pct(lat, 0.99), 0.0))
            lat, _, writes, wfails = asyncio.run(load(base, headers, ids, args.seconds, args.clients, 1.0))
            rows.append((name, "audited writes only", writes, pct(lat, 0.5), pct(lat, 0.99), writes / args.seconds))
            if fails or wfails:
                print(f"({name}: {fails + wfails} failed requests)", file=sys.stderr)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop"], env=pg_env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(pg_env["IOGUIDE_PG_DIR"], ignore_errors=True)

    bare_p99 = rows[0][4]
    print(f"{args.clients} concurrent clients, {args.seconds:g} s per phase, localhost, {os.cpu_count()} CPUs")
    print(f"{'server':<28} {'load':<28} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'p99/bare':>8} {'writes/s':>9}")
    for name, kind, n, p50, p99, wps in rows:
        wps_text = f"{wps:9.0f}" if wps else f"{'':>9}"
        print(f"{name:<28} {kind:<28} {n:>8} {p50:8.1f} {p99:8.1f} {p99 / bare_p99:8.2f} {wps_text}")


if __name__ == "__main__":
    main()
