"""Fixtures for the relay tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the repo root holds the relay package (not installed in dev)
    sys.path.insert(0, str(ROOT))

from tests.kits.relay import RelayHarness, running_relay  # noqa: E402


@pytest.fixture
async def relay() -> AsyncIterator[RelayHarness]:
    """A relay with default limits."""
    async with running_relay() as harness:
        yield harness
