"""Typed failures of the verbs that are not bad input (bad input is :class:`ioguide.errors.InputError`)."""

from __future__ import annotations


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
