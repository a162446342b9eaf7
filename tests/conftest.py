"""Every test run gets an instance directory of its own (audit key, anchors), never the user's."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    os.environ["IOGUIDE_INSTANCE_DIR"] = tempfile.mkdtemp(prefix="ioguide-instance-")
    os.environ.pop("IOGUIDE_AUDIT_KEY_FILE", None)
