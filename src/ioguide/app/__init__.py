"""The application factory: the one entrance of the server (``ioguide serve``, the tests, the benchmarks)."""

from ioguide.app.factory import create_app

__all__ = ["create_app"]
