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
