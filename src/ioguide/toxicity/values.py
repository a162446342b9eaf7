"""The shape every toxicity grade shares in its output (``spec/toxicity.md``): grade, scale, the scale's own
fields, drivers (the inputs that set the grade) and reasons (rule, source, numbers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def result_dict(
    grade: int | None,
    scale: str,
    extra: Mapping[str, Any],
    drivers: Iterable[str],
    reasons: Iterable[str],
) -> dict[str, Any]:
    return {"grade": grade, "scale": scale, **extra, "drivers": list(drivers), "reasons": list(reasons)}
