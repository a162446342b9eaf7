"""Background exports (issue 16 part 5): ``POST /api/v1/exports`` answers 202 with the job's URL, the job
reports progress, and the download is the same SDTM as the one-request export, or FHIR bulk NDJSON whose
references all resolve."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from api.support import SPEC_CASE, Api
from ioguide.services import jobs


@pytest.fixture(autouse=True)
def _jobs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jobs.JOBS_DIR_ENV, str(tmp_path / "jobs"))
    monkeypatch.setattr(jobs, "EXPORT_BATCH", 2)  # three patients: two batches


def _finished(api: Api, url: str, role: str = "viewer") -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state: dict[str, Any] = api.call("GET", url, role=role).json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"export job {url} did not finish in 120 s")


def _start(api: Api, body: dict[str, Any], role: str = "viewer") -> str:
    reply = api.call("POST", "/api/v1/exports", role=role, json=body)
    assert reply.status_code == 202, reply.text
    assert reply.headers["Location"] == reply.json()["url"]
    return str(reply.headers["Location"])


def _program(api: Api) -> None:
    for i in range(3):
        api.new_patient(f"IT-00{i}", case=SPEC_CASE)


def test_sdtm_job_is_the_one_request_export(api: Api):
    _program(api)
    url = _start(api, {"kind": "sdtm", "program": "HIT-IT"})
    state = _finished(api, url)
    assert state["status"] == "done", state
    assert state["progress"] == {"done": 3, "total": 3} and state["summary"]["patients"] == 3
    job_zip = zipfile.ZipFile(io.BytesIO(api.call("GET", state["download"], role="viewer").content))
    direct = zipfile.ZipFile(io.BytesIO(api.call("GET", "/api/v1/export/sdtm?study=HIT-IT", role="viewer").content))
    extra = set(job_zip.namelist()) - set(direct.namelist())
    assert set(direct.namelist()) <= set(job_zip.namelist())
    # the archive carries its Define-XML and the ADaM datasets derived from its SDTM, with theirs
    assert {"define.xml", "adam/define.xml", "adam/adsl.csv", "adam/adrs.xpt"} <= extra
    assert all(name == "define.xml" or name.startswith("adam/") for name in extra), extra
    for name in direct.namelist():
        if name.endswith(".csv"):
            assert job_zip.read(name) == direct.read(name), name  # batching lost, added or reordered nothing


def test_fhir_bulk_job_writes_ndjson_per_type_with_resolvable_references(api: Api):
    _program(api)
    state = _finished(api, _start(api, {"kind": "fhir", "program": "HIT-IT"}))
    assert state["status"] == "done", state
    archive = zipfile.ZipFile(io.BytesIO(api.call("GET", state["download"], role="viewer").content))
    resources: dict[str, dict[str, Any]] = {}
    for name in archive.namelist():
        kind = name.removesuffix(".ndjson")
        for line in archive.read(name).decode().splitlines():
            resource = json.loads(line)
            assert resource["resourceType"] == kind
            resources[f"{kind}/{resource['id']}"] = resource
    assert sum(1 for key in resources if key.startswith("Patient/")) == 3
    references = [m for r in resources.values() for m in _references(r)]
    assert references and all(ref in resources for ref in references)
    expected = {o["type"]: o["count"] for o in state["summary"]["output"]}
    assert sum(expected.values()) == len(resources)


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return own + [r for item in value.values() for r in _references(item)]
    if isinstance(value, list):
        return [r for item in value for r in _references(item)]
    return []


def test_jobs_belong_to_their_owner_and_admins(api: Api):
    _program(api)
    url = _start(api, {"kind": "sdtm", "program": "HIT-IT"}, role="coordinator")
    assert api.call("GET", url, role="viewer").status_code == 404
    assert _finished(api, url, role="admin")["status"] == "done"
    assert api.call("GET", url + "/file", role="viewer").status_code == 404


def test_a_bad_request_is_answered_at_once(api: Api):
    assert api.call("POST", "/api/v1/exports", json={"kind": "sdtm", "program": "nobody"}).status_code == 404
    reply = api.call("POST", "/api/v1/exports", json={"kind": "csv", "program": "HIT-IT"})
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "kind"
    api.new_patient("IT-001", case=SPEC_CASE)
    reply = api.call("POST", "/api/v1/exports", json={"kind": "sdtm", "program": "HIT-IT", "study": "a b"})
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "study"
    assert api.call("GET", "/api/v1/exports/" + "0" * 32).status_code == 404
