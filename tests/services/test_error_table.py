"""The one table from failure to HTTP status and CLI exit code (spec/README.md "Errors", spec/api.md): the API,
the pages and the CLI answer the same failure the same way because they all read it."""

from __future__ import annotations

import json

import pytest
import typer

from ioguide.cli.io import OutputFormat, report_input_error
from ioguide.errors import InputError
from ioguide.services.errors import (
    OUTCOMES,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
    StaleVersionError,
    UnavailableError,
    outcome,
)


@pytest.mark.parametrize(
    ("error", "status", "exit_code"),
    [
        (InputError.one("x", "bad"), 422, 2),
        (NotFoundError("no patient with id 9", "id"), 404, 2),
        (ConflictError("duplicate", "date"), 409, 2),
        (StaleVersionError("stale", "If-Match"), 412, 2),
        (PermissionDeniedError("role 'viewer' may not do this"), 403, 2),
        (UnavailableError("not installed"), 503, 1),
    ],
)
def test_each_typed_failure_has_the_spec_status_and_exit_code(error: Exception, status: int, exit_code: int) -> None:
    assert isinstance(error, InputError | ServiceError)
    assert (outcome(error).status, outcome(error).exit_code) == (status, exit_code)


def test_a_subclass_takes_its_nearest_listed_base() -> None:
    class LockedOut(PermissionDeniedError):
        pass

    assert LockedOut not in OUTCOMES
    assert outcome(LockedOut("locked")).status == 403


def test_the_cli_prints_a_service_failure_as_field_and_message_and_exits_by_the_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exit_ = report_input_error(NotFoundError("no patient with id 9", "--patient"), OutputFormat.json)
    assert isinstance(exit_, typer.Exit) and exit_.exit_code == 2
    out, err = capsys.readouterr()
    assert err.strip() == "--patient: no patient with id 9"
    assert json.loads(out) == {"errors": [{"field": "--patient", "message": "no patient with id 9"}]}
