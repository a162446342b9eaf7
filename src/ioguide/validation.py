"""Parse JSON-shaped input into pydantic models, turning pydantic's errors into ioguide's :class:`Problem` s.

Every model used for input sets ``extra="forbid"`` (unknown fields are errors, ``spec/README.md``); this module
only translates pydantic's error list into one line per field with the rule that failed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ioguide.errors import InputError, Problem, json_path

M = TypeVar("M", bound=BaseModel)

#: Base configuration for every input model: unknown fields are errors, no silent type coercion of strings.
STRICT_INPUT = ConfigDict(extra="forbid", frozen=True, strict=False, str_strip_whitespace=False)


def _message(err: Any) -> str:
    kind = err.get("type", "")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field (unknown fields are errors: check the spelling)"
    if kind == "missing":
        return "required field is missing"
    if kind in ("literal_error", "enum"):
        return f"{value!r} is not one of {ctx.get('expected', '')}"
    if kind.startswith("greater_than") or kind.startswith("less_than"):
        return f"{value!r}: {err.get('msg', '').lower()}"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)"
    return f"{value!r}: {err.get('msg', 'invalid')}" if value is not None else str(err.get("msg", "invalid"))


def problems_from(error: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """One :class:`Problem` per pydantic error, with the JSON path of the offending field."""
    out: list[Problem] = []
    for err in error.errors():
        loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
        out.append(Problem(json_path(prefix + loc), _message(err)))
    return out


def parse_model(model: type[M], data: Any, prefix: tuple[str | int, ...] = ()) -> M:
    """Validate ``data`` against ``model``; raise :class:`InputError` naming every bad field."""
    if not isinstance(data, dict):
        raise InputError.one(json_path(prefix) or "$", "expected a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, prefix)) from None
