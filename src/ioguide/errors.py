"""Typed input errors shared by every layer: each problem names the field's JSON path and the rule it broke.

The core raises :class:`InputError`; the CLI prints one line per problem and exits 2, the API answers 422 with
``{"errors": [{"field": ..., "message": ...}]}`` (see ``spec/README.md``, "Errors").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One rule broken by one field: ``field`` is a JSON path such as ``timepoints[2].diameters_mm.T3``."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class InputError(ValueError):
    """Input that breaks one or more rules; nothing was computed or written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, field: str, message: str) -> InputError:
        return cls([Problem(field, message)])

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        return {"errors": [p.as_dict() for p in self.problems]}


def json_path(parts: Iterable[str | int]) -> str:
    """Join path parts into the JSON path the spec uses: ``("timepoints", 2, "x")`` -> ``timepoints[2].x``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
