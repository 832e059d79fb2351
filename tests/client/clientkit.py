"""Helpers of the client tests: URLs of a served game by transport, and the in-process
env that a served episode is compared with, move for move.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hypertoken.envs import RawEnv
from tests.kits.control import Served

TOKEN = "client-test-token"
"""The API token of the ``tokened`` server (conftest)."""

TRANSPORTS = ("ws", "unix")
"""The transports every remote env test runs over (msgpack+tcp frames are unix's)."""


def url_of(served: Served, transport: str) -> str:
    """``served``'s URL for ``transport`` ("ws", "unix" or "tcp")."""
    url = {"ws": served.ws_url, "unix": served.unix_url, "tcp": served.tcp_url}[transport]
    assert url is not None, f"the server was started without a {transport} listener"
    return url


def choose(mask: Any, step: int, seed: int) -> int:
    """A deterministic legal action that varies with the step and the seed (the first
    action when the mask allows none, as a game without masks does).
    """
    legal = np.flatnonzero(np.asarray(mask)) if mask is not None else np.array([0])
    if legal.size == 0:
        return 0
    return int(legal[(step * 7 + seed) % legal.size])


def local_hash(env: RawEnv) -> str:
    """The in-process env's world hash, as the server's ``state_hash`` reports it."""
    digest: bytes = env.episode.engine.state_hash()
    return digest.hex()
