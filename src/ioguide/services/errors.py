"""Typed failures of the verbs that are not bad input (bad input is :class:`ioguide.errors.InputError`)."""

from __future__ import annotations

from dataclasses import dataclass

from ioguide.errors import InputError, Problem


class ServiceError(Exception):
    """Base class: ``message`` is what the API returns in its ``{"errors": [...]}`` body."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(ServiceError):
    """An unknown id (HTTP 404)."""


class ConflictError(ServiceError):
    """A duplicate (``study_id``, lesion id, timepoint date, user name) or a change that would orphan records
    (HTTP 409)."""


class StaleVersionError(ServiceError):
    """``If-Match`` names a version that is no longer current: nothing was changed (HTTP 412)."""


class PermissionDeniedError(ServiceError):
    """The user's role may not do this (HTTP 403)."""


class UnavailableError(ServiceError):
    """A computation this build cannot do (the engine it needs is not installed) (HTTP 503)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a failure becomes at each face: the HTTP status (API and pages) and the CLI exit code."""

    status: int
    exit_code: int


#: The one table from failure to status and exit code (``spec/README.md`` "Errors", ``spec/api.md``): bad input
#: 422 / exit 2; an unknown id, a duplicate, a stale version or a refused role are the request's fault too (exit
#: 2, with ``field: message``); a computation this build cannot do is the server's (503 / exit 1). The API
#: (``api/errors.py``), the pages (``web/routes.py``) and the CLI (``cli/io.py``) read it; a subclass takes its
#: nearest listed base's outcome.
OUTCOMES: dict[type[Exception], Outcome] = {
    InputError: Outcome(422, 2),
    NotFoundError: Outcome(404, 2),
    ConflictError: Outcome(409, 2),
    StaleVersionError: Outcome(412, 2),
    PermissionDeniedError: Outcome(403, 2),
    UnavailableError: Outcome(503, 1),
    ServiceError: Outcome(400, 2),
}


def outcome(error: InputError | ServiceError) -> Outcome:
    """The outcome of a typed failure, by its nearest listed type (every typed failure has one)."""
    for kind in type(error).__mro__:
        found = OUTCOMES.get(kind)
        if found is not None:
            return found
    raise TypeError(f"{type(error).__name__} is not a typed failure")  # unreachable: both bases are listed


def problems_of(error: InputError | ServiceError) -> tuple[Problem, ...]:
    """The ``{"errors": [...]}`` entries of a typed failure."""
    if isinstance(error, InputError):
        return error.problems
    return (Problem(error.field, error.message),)
