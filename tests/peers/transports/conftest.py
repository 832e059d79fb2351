"""Fixtures for the transport tests: a real relay, and a fake one the test scripts.

``relay_url`` is a real relay (:func:`relay.server.serve` on 127.0.0.1, port 0) with the
options of the test's ``@pytest.mark.relay_options(**options)`` marker (any
:class:`relay.RelayConfig` field). ``fake_relay`` is a bare WebSocket server that hands the
test each connection (:class:`FakeConnection`), so a test can play the relay's part frame by
frame, including frames no real relay would send (see
:class:`tests.peers.transports.transport_kit.FakeRelay`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.peers.transports.transport_kit import FakeRelay, running_relay


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "relay_options(**options): RelayConfig options for the relay_url fixture"
    )


@pytest.fixture
async def relay_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The ``ws://`` URL of a real relay with default limits, or the marker's options."""
    marker = request.node.get_closest_marker("relay_options")
    options = marker.kwargs if marker is not None else {}
    async with running_relay(**options) as url:
        yield url


@pytest.fixture
async def fake_relay() -> AsyncIterator[FakeRelay]:
    """A fake relay on 127.0.0.1 (port 0); see :class:`FakeRelay`."""
    fake = FakeRelay()
    app = web.Application()
    app.router.add_get("/ws", fake.handler)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    address: Any = runner.addresses[0]
    fake.url = f"ws://127.0.0.1:{address[1]}/ws"
    try:
        yield fake
    finally:
        fake.finish()
        await runner.cleanup()
