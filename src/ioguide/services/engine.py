"""The clinical core, as the services call it: response assessment and toxicity grading.

The services never re-implement a rule: a stored case goes through the same ``assess_json`` as ``ioguide assess``
(``spec/response.md``), and a toxicity input through the same grader as ``ioguide grade``. The core is imported
plainly: it is part of every install, and a missing module is a broken install that must fail loudly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ioguide.criteria.assess import assess_json
from ioguide.errors import InputError
from ioguide.toxicity.cirse import grade_cirse, parse_cirse
from ioguide.toxicity.crs import grade_crs, parse_crs
from ioguide.toxicity.ctcae import grade_ctcae, parse_ctcae
from ioguide.toxicity.icans import grade_icans, parse_icans

TOXICITY_KINDS = ("crs", "icans", "ctcae", "cirse")

#: Each kind's parse-then-grade, as ``ioguide grade KIND`` runs it (``spec/toxicity.md``).
_GRADERS: dict[str, Callable[[Any, tuple[str | int, ...]], dict[str, Any]]] = {
    "crs": lambda data, prefix: grade_crs(parse_crs(data, prefix)).as_dict(),
    "icans": lambda data, prefix: grade_icans(parse_icans(data, prefix)).as_dict(),
    "ctcae": lambda data, prefix: grade_ctcae(parse_ctcae(data, prefix)).as_dict(),
    "cirse": lambda data, prefix: grade_cirse(parse_cirse(data, prefix)).as_dict(),
}


def assess(case: dict[str, Any], criteria: str | None = None) -> dict[str, Any]:
    """``ioguide assess`` on a case document; raises :class:`~ioguide.errors.InputError` on a bad case."""
    return assess_json(case, criteria)


#: Criteria whose rules validate a stored case that names none (RECIST 1.1, the most common and the strictest
#: on target counts); the response itself still needs the case's criteria or ``?criteria=``.
VALIDATION_CRITERIA = "recist1.1"


def validate_case(case: Any) -> None:
    """Run the response engine's validation (the CLI's rules and messages) on a case document."""
    named = isinstance(case, dict) and case.get("criteria") is not None
    assess_json(case, None if named else VALIDATION_CRITERIA)


def grade_toxicity(kind: str, data: Any, prefix: tuple[str | int, ...] = ("input",)) -> dict[str, Any]:
    """``ioguide grade KIND`` on one input (``spec/toxicity.md``); the result has ``grade``."""
    grader = _GRADERS.get(kind)
    if grader is None:
        raise InputError.one("kind", f"{kind!r} is not one of {', '.join(TOXICITY_KINDS)}")
    return grader(data, prefix)
