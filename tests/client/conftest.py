"""Served games for the client tests: real ``hypertoken serve`` processes on loopback
(:func:`tests.kits.control.serve_process`), started once for the whole directory, so the
suite starts few processes. Every connection gets its own env, so tests sharing a server
never see each other's episodes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clientkit import TOKEN

from tests.kits.control import Served, serve_process


@pytest.fixture(scope="package")
def blackjack() -> Iterator[Served]:
    """Blackjack (one seat) on ws://, unix:// and msgpack+tcp://."""
    with serve_process("--env", "blackjack", tcp=True) as served:
        yield served


@pytest.fixture(scope="package")
def blackjack3() -> Iterator[Served]:
    """Blackjack with three seats on ws:// and unix://."""
    with serve_process("--env", "blackjack", "--agents", "3") as served:
        yield served


@pytest.fixture(scope="package")
def tictactoe() -> Iterator[Served]:
    """Tic-tac-toe (two seats, int8 observations) on ws:// and unix://."""
    with serve_process("--env", "tictactoe") as served:
        yield served


@pytest.fixture(scope="package")
def dilemma() -> Iterator[Served]:
    """The prisoner's dilemma (simultaneous) on ws:// and unix://."""
    with serve_process("--env", "prisoners_dilemma") as served:
        yield served


@pytest.fixture(scope="package")
def tokened() -> Iterator[Served]:
    """Tic-tac-toe behind :data:`TOKEN`, on ws://, unix:// and msgpack+tcp://."""
    with serve_process("--env", "tictactoe", "--token", TOKEN, tcp=True) as served:
        yield served
