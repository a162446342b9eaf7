"""The interface spec's worked input/output pairs (copied into ``tests/data/spec_examples``, see its README)
and the comparison every conformance test uses: everything but the wording of ``reasons``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SPEC_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "spec_examples"


def without_reasons(value: Any) -> Any:
    """``value`` with every ``reasons`` key removed, at any depth (their wording is ours, spec/examples/README)."""
    if isinstance(value, dict):
        return {k: without_reasons(v) for k, v in value.items() if k != "reasons"}
    if isinstance(value, list):
        return [without_reasons(v) for v in value]
    return value
