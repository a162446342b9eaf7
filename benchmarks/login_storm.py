"""A login storm against a running ``ioguide serve``: 100 concurrent wrong-password sign-ins (the production argon2
hasher) while another client reads ``GET /api/v1/patients`` one request after another; the reader's latency under
the storm is compared with its latency without it, measured in the same run.

Scenarios (client addresses are given to the server as ``X-Forwarded-For``, which uvicorn trusts from localhost):

- ``one address``: 100 attempts on one user name from one address (the storm of issue 14);
- ``spray``: 100 attempts on 100 user names from one address (password spraying);
- ``distributed`` (``--distributed``): 100 attempts on one name from 100 addresses, so no throttle fires and every
  attempt is hashed: the worst case for the password threads.

After each storm the victim signs in from another address: it must not be locked out.

    python benchmarks/login_storm.py [--attempts 100] [--distributed] [--scenario NAME ...] [--json]

The goal (issue 14): under the storm the reader's p95 stays within 5x its unloaded p95 plus a small constant.
``tests/api/test_login_storm.py`` runs the first scenario and asserts that bound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

IOGUIDE = str(Path(sys.executable).with_name("ioguide"))
PASSWORD = "reader pass phrase"
VICTIM_PASSWORD = "victim pass phrase"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True)
class Latency:
    requests: int
    p50_ms: float
    p95_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        ms = [s * 1000 for s in seconds]
        return cls(len(ms), round(_quantile(ms, 0.5), 1), round(_quantile(ms, 0.95), 1), round(max(ms), 1))


@dataclass(frozen=True)
class Storm:
    scenario: str
    attempts: int
    seconds: float
    statuses: dict[str, int]
    reader: Latency
    victim_elsewhere: int


class Server:
    """``ioguide serve`` on a fresh SQLite file in a temporary instance directory, with two users."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ioguide-storm-"))
        self.env = {**os.environ, "IOGUIDE_INSTANCE_DIR": str(self.folder)}
        url = f"sqlite:///{self.folder / 'storm.db'}"
        subprocess.run([IOGUIDE, "db", "upgrade", "--db", url], check=True, capture_output=True, env=self.env)
        for name, password, role in (("reader", PASSWORD, "viewer"), ("victim", VICTIM_PASSWORD, "admin")):
            subprocess.run(
                [IOGUIDE, "users", "add", name, "--role", role, "--password-stdin", "--db", url],
                input=f"{password}\n".encode(),
                check=True,
                capture_output=True,
                env=self.env,
            )
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [IOGUIDE, "serve", "--db", url, "--port", str(port)], stderr=subprocess.DEVNULL, env=self.env
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(self.base + "/api/v1/health", timeout=1)
                return
            except httpx.HTTPError:
                if self.proc.poll() is not None:
                    raise RuntimeError("ioguide serve exited") from None
                time.sleep(0.1)
        raise RuntimeError("ioguide serve did not start")

    def sign_in(self, username: str, password: str, address: str) -> httpx.Response:
        return httpx.post(
            self.base + "/api/v1/auth/token",
            data={"username": username, "password": password},
            headers={"X-Forwarded-For": address},
            timeout=120,
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _read_while(server: Server, token: str, busy: threading.Event | None, minimum: int) -> list[float]:
    """Sequential reads (one every 20 ms) while ``busy`` is set, and at least ``minimum`` of them."""
    out: list[float] = []
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "192.0.2.50"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=120) as client:
        while len(out) < minimum or (busy is not None and busy.is_set()):
            start = time.perf_counter()
            client.get("/api/v1/patients").raise_for_status()
            out.append(time.perf_counter() - start)
            time.sleep(0.02)
    return out


async def _storm(server: Server, attempts: list[tuple[str, str]]) -> list[int]:
    limits = httpx.Limits(max_connections=len(attempts) + 10)
    async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=300) as client:

        async def one(username: str, address: str) -> int:
            reply = await client.post(
                "/api/v1/auth/token",
                data={"username": username, "password": "wrong password!"},
                headers={"X-Forwarded-For": address},
            )
            return reply.status_code

        return list(await asyncio.gather(*(one(u, a) for u, a in attempts)))


def run_storm(server: Server, token: str, scenario: str, attempts: int) -> Storm:
    if scenario == "one address":
        plan = [("victim", "203.0.113.1")] * attempts
    elif scenario == "spray":
        plan = [(f"user{i}", "203.0.113.2") for i in range(attempts)]
    else:
        plan = [("victim", f"198.18.{i // 250}.{i % 250 + 1}") for i in range(attempts)]
    busy = threading.Event()
    busy.set()
    statuses: list[int] = []

    def storm() -> None:
        try:
            statuses.extend(asyncio.run(_storm(server, plan)))
        finally:
            busy.clear()

    start = time.perf_counter()
    thread = threading.Thread(target=storm)
    thread.start()
    reads = _read_while(server, token, busy, minimum=20)
    thread.join()
    seconds = time.perf_counter() - start
    victim = server.sign_in("victim", VICTIM_PASSWORD, "198.51.100.77").status_code
    counts = Counter(str(s) for s in statuses)
    return Storm(scenario, attempts, round(seconds, 2), dict(sorted(counts.items())), Latency.of(reads), victim)


SCENARIOS = ("one address", "spray", "distributed")


def measure(attempts: int, scenarios: list[str]) -> dict[str, object]:
    server = Server()
    try:
        token = server.sign_in("reader", PASSWORD, "192.0.2.50").json()["access_token"]
        _read_while(server, token, None, minimum=10)  # warm up
        unloaded = Latency.of(_read_while(server, token, None, minimum=60))
        storms = [run_storm(server, token, name, attempts) for name in scenarios]
    finally:
        server.stop()
    return {"unloaded": asdict(unloaded), "storms": [asdict(s) for s in storms]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=100)
    parser.add_argument("--distributed", action="store_true", help="also 100 addresses (every attempt hashed)")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="only these (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    scenarios = args.scenario or ["one address", "spray"] + (["distributed"] if args.distributed else [])
    result = measure(args.attempts, scenarios)
    if args.json:
        print(json.dumps(result))
        return
    unloaded = result["unloaded"]
    assert isinstance(unloaded, dict)
    print(f"reader without a storm: p50 {unloaded['p50_ms']} ms, p95 {unloaded['p95_ms']} ms")
    print(f"{'scenario':<14} {'storm s':>8} {'reads':>6} {'p50 ms':>8} {'p95 ms':>8} {'p95/unloaded':>13}  answers")
    storms = result["storms"]
    assert isinstance(storms, list)
    for storm in storms:
        reader = storm["reader"]
        ratio = reader["p95_ms"] / unloaded["p95_ms"]
        print(
            f"{storm['scenario']:<14} {storm['seconds']:>8} {reader['requests']:>6} {reader['p50_ms']:>8} "
            f"{reader['p95_ms']:>8} {ratio:>12.1f}x  {storm['statuses']}; victim elsewhere: {storm['victim_elsewhere']}"
        )


if __name__ == "__main__":
    main()
