"""RoomConfig.for_game reads what a room records from the game itself (name, version,
seats, options, core digest); a direct construction must name its core, and the log layer
knows games only through the small GameLike protocol.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from hypertoken.log.config import GameLike, RoomConfig
from hypertoken.log.errors import ChronicleError
from tests.kits.engine import IDS


@dataclasses.dataclass(frozen=True)
class _Info:
    name: str = "fake"
    version: int = 3


class _FakeGame:
    """Just what for_game reads: the log layer needs no real game."""

    info = _Info()
    seats: Sequence[str] = ("player_0", "player_1")
    options: Mapping[str, Any] = {"rounds": 2}

    def core_digest(self) -> bytes:
        return bytes(range(32))


def test_for_game_takes_name_version_seats_options_and_core_from_the_game() -> None:
    game: GameLike = _FakeGame()
    config = RoomConfig.for_game(game, [IDS[0], IDS[1].public_key], room="r", epoch_size=8)
    assert (config.game, config.game_version, config.options) == ("fake", 3, {"rounds": 2})
    assert config.seats == {"player_0": IDS[0].public_key, "player_1": IDS[1].public_key}
    assert config.core == bytes(range(32)).hex() and config.epoch_size == 8
    assert config == RoomConfig(
        room="r",
        game="fake",
        game_version=3,
        seats=config.seats,
        options={"rounds": 2},
        epoch_size=8,
        core=bytes(range(32)).hex(),
    )
    same_holder = RoomConfig.for_game(game, [IDS[0], IDS[0]], room="r")
    assert same_holder.seats_of(IDS[0].peer_id) == ["player_0", "player_1"]


def test_for_game_refuses_the_wrong_number_of_holders_and_keyless_open_rooms() -> None:
    with pytest.raises(ChronicleError, match="one holder per seat"):
        RoomConfig.for_game(_FakeGame(), [IDS[0]], room="r")
    with pytest.raises(ChronicleError, match="needs the holder of each seat"):
        RoomConfig.for_game(_FakeGame(), room="r")
    local = RoomConfig.for_game(_FakeGame(), room="local/fake_v3", trust="local")
    assert local.seats == {"player_0": b"", "player_1": b""}


def test_a_direct_construction_names_its_core() -> None:
    seats = {"player_0": IDS[0].public_key}
    with pytest.raises(TypeError, match="core"):
        RoomConfig(room="r", game="g", game_version=1, seats=seats)  # type: ignore[call-arg]
    for bad in ("", "xyz", "AB" * 32, "ab" * 31):
        with pytest.raises(ChronicleError, match="for_game"):
            RoomConfig(room="r", game="g", game_version=1, seats=seats, core=bad)
    assert RoomConfig(room="r", game="g", game_version=1, seats=seats, core="ab" * 32)
