"""Collect every problem in one input before rejecting it, so a user fixes all fields in one go."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from ioguide.errors import InputError, Problem, json_path
from ioguide.validation import parse_model

M = TypeVar("M", bound=BaseModel)


class Checks:
    """Accumulates :class:`Problem` s under a JSON-path prefix; :meth:`done` raises them all at once."""

    def __init__(self, prefix: tuple[str | int, ...] = ()) -> None:
        self.prefix = prefix
        self.problems: list[Problem] = []

    def path(self, *parts: str | int) -> str:
        return json_path(self.prefix + parts)

    def fail(self, field: str | tuple[str | int, ...], message: str) -> None:
        parts = (field,) if isinstance(field, str) else field
        self.problems.append(Problem(self.path(*parts), message))

    def within(self, field: str, value: float | None, low: float, high: float, rule: str) -> None:
        """Reject ``value`` outside ``[low, high]``; ``rule`` says why the bounds are what they are."""
        if value is not None and not low <= value <= high:
            self.fail(field, f"{value:g} is outside {low:g}-{high:g} ({rule})")

    def done(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def parse_checked(
    model: type[M], check: Callable[[M, Checks], None], data: Any, prefix: tuple[str | int, ...] = ()
) -> M:
    """Parse ``data`` as ``model`` (types, enums, unknown fields), then apply ``check`` (the clinical rules on
    values and combinations); raise ``InputError`` with every problem, each under its JSON path."""
    parsed = parse_model(model, data, prefix)
    checks = Checks(prefix)
    check(parsed, checks)
    checks.done()
    return parsed
