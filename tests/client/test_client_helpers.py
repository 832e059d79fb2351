"""The earlier package's helpers: :func:`convert_space` / :func:`space_to_dict` (no server),
:func:`wait_for_server` and :func:`measure_latency` (a real server), and the exports.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest
from gymnasium import spaces

import hypertoken.client as client
from hypertoken.client import (
    HyperTokenClient,
    convert_space,
    measure_latency,
    space_to_dict,
    wait_for_server,
)
from tests.kits.control import Served


def test_discrete_spaces() -> None:
    assert convert_space({"n": 5, "shape": []}) == spaces.Discrete(5)
    assert convert_space({"n": 2, "shape": [1]}) == spaces.Discrete(2)  # the bridge's other form
    assert convert_space({"n": 3, "start": 1}) == spaces.Discrete(3, start=1)
    assert space_to_dict(spaces.Discrete(5)) == {"n": 5, "shape": []}
    assert space_to_dict(spaces.Discrete(3, start=1)) == {"n": 3, "shape": [], "start": 1}


def test_box_spaces() -> None:
    box = convert_space({"shape": [3], "low": [0, 0, 0], "high": [1, 2, 3]})
    assert isinstance(box, spaces.Box) and box.dtype == np.float32 and box.shape == (3,)
    np.testing.assert_array_equal(box.high, [1, 2, 3])
    unbounded = convert_space({"shape": [2]})
    assert isinstance(unbounded, spaces.Box)
    assert np.isinf(unbounded.low).all() and np.isinf(unbounded.high).all()
    ints = convert_space({"shape": [2, 2], "low": 0, "high": 1, "dtype": "int8"})
    assert isinstance(ints, spaces.Box)
    assert ints.dtype == np.int8 and ints.shape == (2, 2) and ints.high.max() == 1
    flat_bounds = convert_space({"shape": [2, 2], "low": [0] * 4, "high": [1] * 4})
    assert isinstance(flat_bounds, spaces.Box) and flat_bounds.low.shape == (2, 2)
    for space in (box, ints, flat_bounds):
        assert convert_space(space_to_dict(space)) == space


def test_spaces_that_are_neither_are_refused() -> None:
    with pytest.raises(ValueError, match=r"'n'.*'shape'"):
        convert_space({"kind": "dict"})
    with pytest.raises(ValueError, match="Discrete and Box"):
        space_to_dict(spaces.MultiBinary(3))


def test_the_spaces_of_a_served_game_round_trip(tictactoe: Served) -> None:
    with HyperTokenClient(tictactoe.ws_url) as c:
        sent = c.observation_space("player_0")
    space = convert_space(sent)
    assert isinstance(space, spaces.Box) and space.dtype == np.int8
    assert space_to_dict(space) == sent


def test_wait_for_server(blackjack: Served) -> None:
    assert wait_for_server(blackjack.ws_url, timeout=10.0)
    assert wait_for_server(blackjack.unix_url or "", timeout=10.0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert not wait_for_server(f"ws://127.0.0.1:{port}", timeout=0.3, poll_interval=0.1)
    with pytest.raises(ValueError, match="unsupported server URL"):
        wait_for_server("http://127.0.0.1:1")


def test_measure_latency(blackjack: Served) -> None:
    stats = measure_latency(blackjack.tcp_url or "", samples=10)
    assert set(stats) == {"min", "max", "mean", "median", "samples"}
    assert stats["samples"] == 10
    assert 0 < stats["min"] <= stats["median"] <= stats["max"]
    assert stats["min"] <= stats["mean"] <= stats["max"]
    with pytest.raises(ValueError, match="at least 1"):
        measure_latency(blackjack.ws_url, samples=0)


def test_the_package_exports() -> None:
    for name in client.__all__:
        assert getattr(client, name) is not None
    assert issubclass(client.ServerError, RuntimeError)
    assert issubclass(client.ConnectionClosedError, ConnectionError)
