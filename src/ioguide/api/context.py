"""The request context, now shared with the pages: see :mod:`ioguide.serving.context` (kept importable here)."""

from ioguide.serving.context import ApiContext, get_context

__all__ = ["ApiContext", "get_context"]
