"""Where two JSON documents differ, value by value: lists of dated or labelled items are matched by their
``date`` or ``id`` (a timepoint by its date, a lesion by its label), so a difference is named by what it is about
(``timepoints[2026-01-05].diameters_mm.T1``), not by a list position."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Stands for a value one side does not have.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "missing"})()


def _keyed(items: list[Any]) -> bool:
    return all(isinstance(i, dict) and ("date" in i or "id" in i) for i in items)


def _by_key(items: list[Any]) -> dict[str, Any]:
    return {f"[{item.get('date', item.get('id'))}]": item for item in items}


def differences(left: Any, right: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Each ``(path, left value, right value)`` where the documents differ (:data:`MISSING` on the side lacking it)."""
    if isinstance(left, list) and isinstance(right, list) and _keyed(left) and _keyed(right):
        left, right = _by_key(left), _by_key(right)
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            step = f"{path}{key}" if str(key).startswith("[") else f"{path}.{key}" if path else str(key)
            yield from differences(left.get(key, MISSING), right.get(key, MISSING), step)
        return
    if left != right:
        yield path, left, right
