"""The export routes serve what ioguide.interop builds from the stored records: a FHIR R4 Bundle per patient and
a zip of SDTM datasets per study (program)."""

from __future__ import annotations

import io
import zipfile

from api.support import SPEC_CASE, Api


def test_fhir_bundle_of_a_stored_patient(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    reply = api.call("GET", f"/api/v1/patients/{pid}/fhir", role="viewer")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/fhir+json")
    bundle = reply.json()
    assert bundle["resourceType"] == "Bundle"
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert "Patient" in kinds
    assert api.call("GET", f"/api/v1/patients/{pid}/fhir", role=None).status_code == 401
    assert api.call("GET", "/api/v1/patients/999/fhir").status_code == 404


def test_sdtm_zip_of_a_program(api: Api):
    api.new_patient("IT-001", case=SPEC_CASE)
    api.new_patient("IT-002", case=SPEC_CASE)
    reply = api.call("GET", "/api/v1/export/sdtm?study=HIT-IT", role="viewer")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(reply.content)).namelist())
    assert {"tu.csv", "tr.csv", "rs.csv", "tu.xpt", "tr.xpt", "rs.xpt"} <= names
    rs = zipfile.ZipFile(io.BytesIO(reply.content)).read("rs.csv").decode()
    assert "IT-001" in rs and "IT-002" in rs
    assert api.call("GET", "/api/v1/export/sdtm?study=nobody").status_code == 404


def test_a_program_whose_name_is_no_studyid_exports_when_one_is_given(api: Api):
    """The demo program's name ("HIT-IT demo program") has spaces, which SDTMIG 3.4 STUDYID and the FHIR
    identifier system built from it do not allow: without a STUDYID the routes say so, naming ``study`` and
    offering a valid one; with it, both exports work (the demo's own exports once failed while tests passed)."""
    reply = api.call("POST", "/api/v1/patients", json={"study_id": "IT-001", "program": "HIT-IT demo program"})
    pid = reply.json()["id"]
    api.call("PUT", f"/api/v1/patients/{pid}/case", json=SPEC_CASE, headers={"If-Match": "1"})
    refused = api.call("GET", f"/api/v1/patients/{pid}/fhir", role="viewer")
    assert refused.status_code == 422
    [problem] = refused.json()["errors"]
    assert problem["field"] == "study" and "'HIT-IT_demo_program'" in problem["message"]
    bundle = api.call("GET", f"/api/v1/patients/{pid}/fhir?study=HITIT", role="viewer")
    assert bundle.status_code == 200, bundle.text
    [patient] = [e["resource"] for e in bundle.json()["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert "HITIT" in patient["identifier"][0]["system"]
    program = "HIT-IT%20demo%20program"
    assert api.call("GET", f"/api/v1/export/sdtm?study={program}", role="viewer").status_code == 422
    archive = api.call("GET", f"/api/v1/export/sdtm?study={program}&studyid=HITIT", role="viewer")
    assert archive.status_code == 200, archive.text
    dm = zipfile.ZipFile(io.BytesIO(archive.content)).read("dm.csv").decode()
    assert "HITIT,DM,HITIT-IT-001" in dm.replace('"', "")
