"""Registers the shared database fixtures (tests/dbfixtures.py): SQLite and PostgreSQL for every ``db`` test."""

from __future__ import annotations

import pytest

import dbfixtures


def pytest_configure(config: pytest.Config) -> None:
    dbfixtures.register(config)
