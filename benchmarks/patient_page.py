"""The patient page, rendered server-side, for a patient with 10 lesions x 20 timepoints (issue 5: < 200 ms), side by
side with the bare JSON endpoint ``GET /api/v1/patients/{id}/response`` on the same database in the same run.

The page assesses the case under every criterion that applies (RECIST 1.1, iRECIST, itRECIST, mRECIST), builds the
lesion x timepoint table, the procedures, the toxicity timeline and the audit history, and renders the Jinja2
templates; the JSON endpoint reads the case and runs one assessment. Both go through the app in-process (Starlette
TestClient: no socket, no HTTP parser), signed in (cookie for the page, bearer token for the API), on SQLite.

    python benchmarks/patient_page.py [--repeat 60]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import argon2

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from ioguide.app import create_app  # noqa: E402
from ioguide.records.db import open_database  # noqa: E402
from ioguide.records.migrate import upgrade  # noqa: E402
from ioguide.services import cases, patients, procedures, toxicity, users  # noqa: E402
from ioguide.services.context import cli_actor  # noqa: E402
from ioguide.serving.settings import ApiSettings  # noqa: E402
from ioguide.web import views  # noqa: E402
from ioguide.web.routes import _env  # noqa: E402

CHEAP = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
LESIONS = 10
TIMEPOINTS = 20


def build_case() -> dict[str, object]:
    """5 targets (3 injected) and 5 non-targets (2 injected), scanned every 6 weeks for 20 timepoints."""
    lesions = [{"id": f"T{i}", "role": "target", "organ": f"organ {i // 2}", "injected": i < 3} for i in range(5)] + [
        {"id": f"N{i}", "role": "non_target", "organ": f"site {i}", "injected": i < 2} for i in range(5)
    ]
    start = dt.date(2026, 1, 5)
    timepoints = []
    for k in range(TIMEPOINTS):
        size = 40 - 1.5 * k if k < 12 else 22 + 2.5 * (k - 12)
        timepoints.append(
            {
                "date": (start + dt.timedelta(days=42 * k)).isoformat(),
                "diameters_mm": {f"T{i}": round(size - 2 * i, 1) for i in range(5)},
                "non_target": {f"N{i}": "present" for i in range(5)},
            }
        )
    return {"criteria": "itrecist", "lesions": lesions, "timepoints": timepoints}


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm up (template compile, caches)
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        out.append((time.perf_counter() - began) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ioguide-bench-page-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    db = open_database(url)
    admin = cli_actor()
    users.add_user(db, admin, "reader", "reader-pass", "radiologist", CHEAP)
    created = patients.create_patient(db, admin, patients.PatientIn(study_id="BENCH-1", program="bench"))
    pid = created["id"]
    case = build_case()
    first, *rest = case["timepoints"]  # type: ignore[misc]
    cases.put_case(db, admin, pid, {**case, "timepoints": [first]}, created["version"])
    for timepoint in rest:  # one audited write per scan, as a radiologist would enter them
        cases.add_timepoint(db, admin, pid, timepoint)
    for k in range(TIMEPOINTS):
        on = (dt.date(2026, 1, 5) + dt.timedelta(days=21 * k)).isoformat()
        lesions = [{"lesion_id": f"T{i}", "volume_ml": 1.0} for i in range(3)]
        procedures.record_procedure(
            db,
            admin,
            pid,
            procedures.ProcedureIn.model_validate(
                {"kind": "injection", "date": on, "agent": "talimogene_laherparepvec", "lesions": lesions}
            ),
        )
        crs = {"temp_c": 38.5, "hypotension": "none", "oxygen": "none"}
        toxicity.record_toxicity(
            db, admin, pid, toxicity.ToxicityIn.model_validate({"kind": "crs", "date": on, "input": crs})
        )

    client = TestClient(
        create_app(ApiSettings(database_url=url, secret_key="benchmark", hasher=CHEAP), db),
        base_url="http://testserver",
    )
    assert (
        client.post(
            "/login", data={"username": "reader", "password": "reader-pass"}, follow_redirects=False
        ).status_code
        == 303
    )
    token = client.post("/api/v1/auth/token", data={"username": "reader", "password": "reader-pass"}).json()[
        "access_token"
    ]
    bearer = {"Authorization": f"Bearer {token}"}

    page = client.get(f"/patients/{pid}")
    assert page.status_code == 200 and page.text.count("<tr") > TIMEPOINTS * 4, "the page did not render in full"
    actor = users.find_actor(db, "reader")
    assert actor is not None
    data = views.patient_page(db, actor, pid)
    template = _env.get_template("patient.html")

    rows = [
        ("GET /patients/{id} (HTML page, 4 criteria)", timed(lambda: client.get(f"/patients/{pid}"), args.repeat)),
        ("  of which: data from the services", timed(lambda: views.patient_page(db, actor, pid), args.repeat)),
        (
            "  of which: Jinja2 render",
            timed(
                lambda: template.render(
                    request=None,
                    actor=actor,
                    can={},
                    **data,
                    form_case=data["case"],
                    editing=None,
                    values={},
                    errors={},
                    general=[],
                ),
                args.repeat,
            ),
        ),
        (
            "GET /api/v1/patients/{id}/response (JSON, itRECIST)",
            timed(
                lambda: client.get(f"/api/v1/patients/{pid}/response?criteria=itrecist", headers=bearer), args.repeat
            ),
        ),
    ]
    reference = statistics.median(rows[-1][1])
    print(
        f"patient with {LESIONS} lesions x {TIMEPOINTS} timepoints, 20 injections, 20 CRS events; "
        f"page {len(page.content) / 1024:.0f} kB; {args.repeat} requests each; Python {sys.version.split()[0]}"
    )
    print("| request | median ms | p95 ms | ratio to the JSON endpoint |")
    print("|---|---:|---:|---:|")
    for name, values in rows:
        p95 = sorted(values)[int(0.95 * (len(values) - 1))]
        median = statistics.median(values)
        print(f"| {name} | {median:.1f} | {p95:.1f} | {median / reference:.1f}x |")
    goal = statistics.median(rows[0][1])
    print(f"goal: page < 200 ms: {'met' if goal < 200 else 'NOT met'} ({goal:.1f} ms median)")
    db.dispose()


if __name__ == "__main__":
    main()
