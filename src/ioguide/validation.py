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


#: Fields whose values are never repeated in an error message (the message still names the field and the rule).
SECRET_FIELDS = frozenset({"password", "new_password", "secret", "token", "access_token", "authorization"})
#: Longest echo of a rejected value; longer ones are cut, saying how long they were.
ECHO_MAX_CHARS = 80


class _Shown:
    """A rejected value as an error message shows it: its repr, cut to :data:`ECHO_MAX_CHARS`."""

    def __init__(self, value: Any) -> None:
        self.text = repr(value)

    def __repr__(self) -> str:
        if len(self.text) <= ECHO_MAX_CHARS:
            return self.text
        return f"{self.text[: ECHO_MAX_CHARS - 1]}… ({len(self.text)} characters)"


def _is_secret(loc: Any) -> bool:
    return any(isinstance(part, str) and part.lower() in SECRET_FIELDS for part in loc or ())


def _message(err: Any) -> str:
    """One line naming the rule; the rejected value is shown cut short, and never for a secret field."""
    kind = err.get("type", "")
    if _is_secret(err.get("loc")):
        return str(err.get("msg", "invalid")) if kind != "missing" else "required field is missing"
    value = None if err.get("input") is None else _Shown(err.get("input"))
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
