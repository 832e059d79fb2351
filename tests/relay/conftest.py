"""Fixtures for the relay tests.

``relay`` is a relay on an in-process test server, with default limits unless the test says
otherwise with ``@pytest.mark.relay_config(**options)`` (any :class:`relay.RelayConfig`
field). ``bystanders`` is a room of two peers on that relay, for tests that check afterwards
(with :func:`tests.kits.relay.check_bystanders`) that what they did left other rooms alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.kits.relay import BYSTANDER_ROOM, Peer, RelayHarness, running_relay


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "relay_config(**options): RelayConfig options for the relay fixture"
    )


@pytest.fixture
async def relay(request: pytest.FixtureRequest) -> AsyncIterator[RelayHarness]:
    """A relay with default limits, or those of the test's ``relay_config`` marker."""
    marker = request.node.get_closest_marker("relay_config")
    options = marker.kwargs if marker is not None else {}
    async with running_relay(**options) as harness:
        yield harness


@pytest.fixture
async def bystanders(relay: RelayHarness) -> list[Peer]:
    """Two peers in their own room on ``relay``, every ``peers`` update already read."""
    return await relay.room(BYSTANDER_ROOM, 2)
