"""Registers the shared database fixtures (tests/dbfixtures.py): the demo loads on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

import dbfixtures


def pytest_configure(config: pytest.Config) -> None:
    dbfixtures.register(config)
