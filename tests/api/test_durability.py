"""Kill the server (SIGKILL) in the middle of a burst of writes, restart it: the SQLite file passes
``PRAGMA integrity_check``, ``ioguide audit verify`` passes, and every write the server acknowledged is there."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

import dbfixtures
from ioguide.records.db import open_database
from ioguide.services.context import cli_actor
from ioguide.services.users import add_user

IOGUIDE = str(Path(sys.executable).with_name("ioguide"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [IOGUIDE, "serve", "--db", db_url, "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("ioguide serve exited")
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("ioguide serve did not start")


def _token(base: str) -> str:
    reply = httpx.post(base + "/api/v1/auth/token", data={"username": "coord", "password": "durable pass"})
    return str(reply.json()["access_token"])


def test_sigkill_during_a_burst_of_writes_loses_no_acknowledged_write(db_url: str, tmp_path: Path):
    db = open_database(db_url)
    add_user(db, cli_actor(), "coord", "durable pass", "coordinator", dbfixtures.CHEAP_HASHER)
    db.dispose()
    proc, base = _start(db_url)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    headers = {"Authorization": f"Bearer {_token(base)}"}

    def writer(n: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            for i in range(10_000):
                if stop.is_set():
                    return
                study_id = f"K{n}-{i}"
                try:
                    reply = client.post("/api/v1/patients", json={"study_id": study_id, "program": "burst"})
                except httpx.HTTPError:
                    return
                if reply.status_code == 201:
                    with lock:
                        acknowledged.append(study_id)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # writes are still in flight
    proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acknowledged) >= 150

    if db_url.startswith("sqlite"):
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        engine.dispose()
    anchors = ["--anchors", str(tmp_path / "anchors.jsonl")]
    anchor = subprocess.run([IOGUIDE, "audit", "anchor", "--db", db_url, *anchors], capture_output=True, text=True)
    assert anchor.returncode == 0, anchor.stderr
    verify = subprocess.run([IOGUIDE, "audit", "verify", "--db", db_url, *anchors], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr

    proc, base = _start(db_url)
    try:
        headers = {"Authorization": f"Bearer {_token(base)}"}
        stored: set[str] = set()
        offset = 0
        while True:
            page = httpx.get(base + f"/api/v1/patients?limit=500&offset={offset}", headers=headers, timeout=10).json()
            stored |= {p["study_id"] for p in page["items"]}
            offset += 500
            if offset >= page["total"]:
                break
        assert set(acknowledged) <= stored
        trail = httpx.get(base + "/api/v1/audit?limit=1", headers=headers, timeout=10).json()
        assert trail["total"] >= len(stored) + 2  # + the user and the program
    finally:
        proc.terminate()
        proc.wait(timeout=10)
