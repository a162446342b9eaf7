"""The server's settings, now shared with the pages: see :mod:`ioguide.serving.settings` (kept importable here)."""

from ioguide.serving.settings import ApiSettings

__all__ = ["ApiSettings"]
