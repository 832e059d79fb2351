"""RoomConfig.for_game reads what a room records from the game itself (name, version,
seats, options, core digest); a direct construction must name its core, and the log layer
knows games only through the small GameLike protocol. The room is its genesis: a digest of
the canonical encoding, so any difference (seat order included) is another room; keys
nobody owns and timeouts one clock would decide are refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import msgpack
import pytest

from hypertoken.log.config import GameLike, RoomConfig
from hypertoken.log.errors import ChronicleError
from hypertoken.log.identity import Verifier, weak_public_key
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


# ---- the genesis: encoding, decoding, equality ----------------------------------------------

#: Small-order Ed25519 points (the 8-torsion: order 1, 2, 4 and 8), and non-canonical
#: encodings of them. None is a key anyone owns.
SMALL_ORDER_KEYS = [
    bytes(32),  # all zero: y = 0, order 4
    bytes.fromhex("01" + "00" * 31),  # the identity point, order 1
    bytes.fromhex("ec" + "ff" * 30 + "7f"),  # y = -1, order 2
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
    bytes.fromhex("00" * 31 + "80"),  # y = 0 with the sign bit set
    bytes.fromhex("01" + "00" * 30 + "80"),  # the identity with the sign bit: non-canonical
]

_CORE = "ab" * 32


def _config(**kw: Any) -> RoomConfig:
    fields: dict[str, Any] = {
        "room": "r",
        "game": "g",
        "game_version": 1,
        "seats": {"player_0": IDS[0].public_key, "player_1": IDS[1].public_key},
        "core": _CORE,
    }
    fields.update(kw)
    return RoomConfig(**fields)


def test_encode_and_decode_round_trip_every_field() -> None:
    configs = [
        _config(),
        _config(
            seats={"a": IDS[0].public_key, "b": IDS[1].public_key, "c": IDS[2].public_key},
            epoch_size=0,
            options={"rounds": 3, "deck": "short", "fast": True, "bias": 0.25},
            max_turns=40,
            turn_timeout_ms=30_000,
            phases=("bid", "play"),
            seed_timeout_ms=5_000,
        ),
        _config(turn_timeout_ms=1, witness=IDS[3].public_key),
        _config(seats={"player_0": b"", "player_1": b""}, trust="local"),
    ]
    for config in configs:
        data = config.encode()
        again = RoomConfig.decode(data)
        assert again == config and again.encode() == data
        assert dataclasses.asdict(again) == dataclasses.asdict(config)
        assert again.genesis == config.genesis and len(config.genesis) == 32
    assert len({c.genesis for c in configs}) == len(configs)


def _pack(fields: list[Any]) -> bytes:
    out: bytes = msgpack.packb(fields, use_bin_type=True)
    return out


def _canonical(change: dict[int, Any] | None = None) -> list[Any]:
    """The fields of a valid config's encoding (a list), with some replaced by index."""
    fields: list[Any] = msgpack.unpackb(
        _config(options={"a": 1, "b": 2}).encode(), raw=False, use_list=True
    )
    for index, value in (change or {}).items():
        fields[index] = value
    return fields


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not bytes", "64 KiB of msgpack bytes"),
        (None, "64 KiB of msgpack bytes"),
        (b"\x00" * 70_000, "64 KiB of msgpack bytes"),
        (b"", "malformed room config"),
        (b"\xc1", "malformed room config"),
        (_config().encode()[:-1], "malformed room config"),  # truncated
        (_config().encode() + b"\x00", "malformed room config"),  # trailing bytes
        (_pack([1, 2, 3]), "malformed room config"),
        (_pack(_canonical()[:-1]), "malformed room config"),
        (_pack(_canonical({0: "hypertoken.room/1"})), "malformed room config"),
        (_pack(_canonical({7: [["player_0", IDS[0].public_key, 1]]})), "malformed room config"),
        (_pack(_canonical({1: ""})), "room must be a non-empty str"),
        (_pack(_canonical({7: [["player_0", b"short"]]})), "32 bytes"),
        # Values a valid config holds, in a form its encode() never writes:
        (_pack(_canonical({8: [["b", 2], ["a", 1]]})), "not in canonical form"),  # unsorted
        (
            _pack(_canonical({7: [["player_0", IDS[0].public_key]] * 2})),  # a seat twice
            "not in canonical form",
        ),
        (_pack(_canonical({11: "ab"})), "not in canonical form"),  # phases as a str
        (
            # game_version 1 as a 64-bit int: the same value, other bytes
            _config().encode().replace(b"\xa1g\x01", b"\xa1g\xcf" + (1).to_bytes(8, "big")),
            "not in canonical form",
        ),
    ],
)
def test_decode_refuses_malformed_and_non_canonical_bytes(data: object, message: str) -> None:
    with pytest.raises(ChronicleError, match=message):
        RoomConfig.decode(data)


def test_equality_is_the_genesis_and_seat_order_matters() -> None:
    a = _config()
    assert a == _config() and hash(a) == hash(_config())
    swapped = _config(seats={"player_1": IDS[1].public_key, "player_0": IDS[0].public_key})
    assert dict(swapped.seats) == dict(a.seats)  # the same seats and keys, as a dict...
    assert swapped != a and swapped.genesis != a.genesis  # ...but not the same room
    assert list(swapped.peers) == [IDS[1].peer_id, IDS[0].peer_id]
    assert a != "r" and a != object()


@pytest.mark.parametrize(
    "change",
    [
        {"options": {"rounds": 2}},
        {"options": {"rounds": 2.0}},
        {"options": {"rounds": True}},
        {"game": "g2"},
        {"game_version": 2},
        {"epoch_size": 8},
        {"max_turns": 1},
        {"phases": ("play",)},
        {"core": "cd" * 32},
        {"seats": {"player_0": IDS[0].public_key, "player_1": IDS[2].public_key}},
        {"seats": {"player_0": IDS[0].public_key, "p1": IDS[1].public_key}},
        {"witness": IDS[3].public_key},
        {"turn_timeout_ms": 1, "witness": IDS[3].public_key},
        {"seed_timeout_ms": 1, "witness": IDS[3].public_key},
        {"seats": {"player_0": b"", "player_1": b""}, "trust": "local"},
    ],
)
def test_the_same_room_id_with_other_options_is_another_genesis(change: dict[str, Any]) -> None:
    base = _config(options={"rounds": 1})
    other = dataclasses.replace(base, **change)
    assert other.room == base.room
    assert other.genesis != base.genesis and other != base
    assert RoomConfig.decode(other.encode()) == other


def test_options_bool_int_and_float_are_told_apart() -> None:
    assert len({_config(options={"x": v}).genesis for v in (1, 1.0, True, "1")}) == 4


# ---- keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", SMALL_ORDER_KEYS, ids=lambda k: k.hex()[:8] + k.hex()[-2:])
def test_small_order_keys_are_refused_as_seat_keys_and_as_witness(key: bytes) -> None:
    assert weak_public_key(key)
    with pytest.raises(ChronicleError, match="small-order Ed25519 key"):
        _config(seats={"player_0": key, "player_1": IDS[1].public_key})
    with pytest.raises(ChronicleError, match="the witness: a small-order Ed25519 key"):
        _config(witness=key)
    with pytest.raises(ChronicleError, match="small-order"):
        RoomConfig.for_game(_FakeGame(), [IDS[0], key], room="r")


def test_why_small_order_keys_are_refused_they_verify_forged_signatures() -> None:
    identity_point = SMALL_ORDER_KEYS[1]
    forged = bytes.fromhex("01" + "00" * 31) + bytes(32)  # R = identity, S = 0
    v = Verifier()
    assert v.verify(identity_point, forged, b"any message at all")
    assert v.verify(identity_point, forged, b"and another")
    for ident in IDS:
        assert not weak_public_key(ident.public_key)
        assert not v.verify(ident.public_key, forged, b"any message at all")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (b"", "32 bytes"),
        (b"\x01" * 31, "32 bytes"),
        (b"\x01" * 33, "32 bytes"),
        (b"\xff" * 32, "small-order"),  # y >= p: not a canonical point
        (bytes.fromhex("02" + "00" * 31), "small-order"),  # y = 2 is not on the curve
    ],
)
def test_malformed_keys_are_refused(key: bytes, message: str) -> None:
    with pytest.raises(ChronicleError, match=message):
        _config(seats={"player_0": key, "player_1": IDS[1].public_key})


def test_the_witness_holds_no_seat() -> None:
    with pytest.raises(ChronicleError, match="must not hold a seat"):
        _config(witness=IDS[1].public_key)
    config = _config(witness=IDS[3].public_key)
    assert config.witness_id == IDS[3].peer_id
    assert list(config.authors) == [IDS[0].peer_id, IDS[1].peer_id, IDS[3].peer_id]
    assert list(config.peers) == [IDS[0].peer_id, IDS[1].peer_id]


# ---- timeouts -------------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", ["turn_timeout_ms", "seed_timeout_ms"])
def test_timeouts_in_a_two_holder_room_need_a_witness(timeout: str) -> None:
    with pytest.raises(
        ChronicleError,
        match=r"timeouts need a witness \(RoomConfig.witness\) or at least three seat "
        r"holders: with 2, one peer's clock alone would decide",
    ):
        _config(**{timeout: 1000})
    one_holder = {"player_0": IDS[0].public_key, "player_1": IDS[0].public_key}
    with pytest.raises(ChronicleError, match="with 1, one peer's clock"):
        _config(seats=one_holder, **{timeout: 1000})
    assert _config(witness=IDS[3].public_key, **{timeout: 1000})
    three = {f"p{i}": IDS[i].public_key for i in range(3)}
    assert _config(seats=three, **{timeout: 1000})
    local = _config(seats={"player_0": b"", "player_1": b""}, trust="local", **{timeout: 1000})
    assert getattr(local, timeout) == 1000
    timeouts: dict[str, Any] = {timeout: 1000}
    with pytest.raises(ChronicleError, match="timeouts need a witness"):
        RoomConfig.for_game(_FakeGame(), [IDS[0], IDS[1]], room="r", **timeouts)


def test_epoch_of_follows_the_epoch_size() -> None:
    assert [_config(epoch_size=4).epoch_of(lam) for lam in (0, 1, 3, 4, 7, 8)] == [0, 0, 0, 1, 1, 2]
    assert _config(epoch_size=0).epoch_of(10**9) == 0
