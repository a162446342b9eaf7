"""The case document (``spec/response.md`` input, as stored and exported) parsed once into the typed case.

The one parser is the response engine's (:func:`ioguide.criteria.case_input.parse_case`): the same rules and the
same field paths as ``ioguide assess``, so a case the planner, the exports or the pages read is a case the
engine accepts. A document that names no criteria is read under RECIST 1.1, the criterion the records store
validates such a case with (``services/engine.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ioguide.criteria.case_input import parse_case
from ioguide.criteria.values import Case

#: Criteria whose rules read a case that names none (RECIST 1.1, the most common and the strictest on target
#: counts); the response itself still needs the case's criteria or an explicit choice.
DEFAULT_CRITERIA = "recist1.1"


def case_of(document: Mapping[str, Any] | Any, criteria: str | None = None) -> Case:
    """The typed case of ``document``: ``criteria`` if given, else the document's own, else RECIST 1.1.

    Raises :class:`ioguide.errors.InputError` naming every bad field.
    """
    named = isinstance(document, Mapping) and document.get("criteria") is not None
    return parse_case(document, criteria if criteria is not None else (None if named else DEFAULT_CRITERIA))
