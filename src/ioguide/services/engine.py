"""The clinical core, as the services call it: response assessment and toxicity grading.

The services never re-implement a rule: a stored case goes through the same ``assess_json`` as ``ioguide assess``
(``spec/response.md``), and a toxicity input through the same grader as ``ioguide grade``.
"""

from __future__ import annotations

import importlib
from typing import Any

from ioguide.services.errors import UnavailableError

TOXICITY_KINDS = ("crs", "icans", "ctcae", "cirse")


def _assess_json() -> Any:
    try:
        module = importlib.import_module("ioguide.criteria.assess")
    except ImportError:
        return None
    return getattr(module, "assess_json", None)


def assess(case: dict[str, Any], criteria: str | None = None) -> dict[str, Any]:
    """``ioguide assess`` on a case document; raises :class:`~ioguide.errors.InputError` on a bad case."""
    engine = _assess_json()
    if engine is None:
        raise UnavailableError("the response engine (ioguide.criteria.assess) is not installed")
    result: dict[str, Any] = engine(case, criteria)
    return result


#: Criteria whose rules validate a stored case that names none (RECIST 1.1, the most common and the strictest
#: on target counts); the response itself still needs the case's criteria or ``?criteria=``.
VALIDATION_CRITERIA = "recist1.1"


def validate_case(case: Any) -> None:
    """Run the response engine's validation (the CLI's rules and messages) on a case; no-op without it."""
    engine = _assess_json()
    if engine is not None:
        named = isinstance(case, dict) and case.get("criteria") is not None
        engine(case, None if named else VALIDATION_CRITERIA)


def grade_toxicity(kind: str, data: Any, prefix: tuple[str | int, ...] = ("input",)) -> dict[str, Any]:
    """``ioguide grade KIND`` on one input (``spec/toxicity.md``); the result has ``grade``."""
    try:
        module = importlib.import_module(f"ioguide.toxicity.{kind}")
        parse = getattr(module, f"parse_{kind}")
        grade = getattr(module, f"grade_{kind}")
    except (ImportError, AttributeError):
        raise UnavailableError(f"grading of {kind} (ioguide.toxicity.{kind}) is not installed") from None
    result: dict[str, Any] = grade(parse(data, prefix)).as_dict()
    return result
