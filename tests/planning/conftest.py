"""Shared fixtures for the planning tests: the shipped agent protocols."""

from __future__ import annotations

import pytest

from ioguide.planning.catalog import load_agents
from ioguide.planning.protocol import AgentProtocol


@pytest.fixture(scope="session")
def tvec() -> AgentProtocol:
    return load_agents()["talimogene_laherparepvec"]


@pytest.fixture(scope="session")
def agents() -> dict[str, AgentProtocol]:
    return load_agents()
