"""Fuzz every operation of the OpenAPI document with schemathesis (in-process, no network; a bounded number of
examples per operation), signed in as admin: no request may cause a server error (5xx)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from api.support import SPEC_CASE, Api

EXAMPLES_PER_OPERATION = 12


def test_no_request_causes_a_server_error(api: Api):
    pid = api.new_patient(case=SPEC_CASE)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.client.app)
    headers = {**api.headers("admin"), "If-Match": "1"}
    server_errors: list[str] = []
    operations = 0
    statuses: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/v1/auth/logout":
            continue  # it would revoke the fuzzer's own token (tests/api/test_accounts.py covers it)
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: schemathesis.Case) -> None:
            if case.path_parameters and "patient_id" in case.path_parameters:
                case.path_parameters["patient_id"] = pid  # a stored patient, so bodies reach the services
            response = case.call(headers=headers)
            statuses.append(response.status_code)
            if response.status_code == 401:  # a user route revoked the admin's token (a reset of its password)
                headers["Authorization"] = "Bearer " + api.sign_in("admin")
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text}")

        run()
    assert operations >= 15
    assert server_errors == []
    assert len(statuses) >= 5 * operations  # it did send requests
    assert {200, 201, 422} <= set(statuses)  # and some got through validation
