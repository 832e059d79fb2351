"""The peer daemon's config: TOML files, flags that override only what they set, clear
errors for typos and impossible settings, and the flag form of ICE servers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from peers.config import ConfigError, IceServer, PeerConfig, load_config
from peers.daemon import build_game

TOML = """
join = "friday"
game = "blackjack"
relay = "ws://relay.example:8080"
seat = "player_1"
players = 3
data_dir = "~/ht"

[options]
hands = 10
decks = 2

[[ice_servers]]
urls = "turn:turn.example:3478"
username = "me"
credential = "secret"
"""


def test_a_file_with_flags_on_top(tmp_path: Path) -> None:
    path = tmp_path / "peer.toml"
    path.write_text(TOML)
    config = load_config(path, relay=None, seat="player_2", options={"hands": 3}, players=None)
    assert config.join == "friday" and config.relay == "ws://relay.example:8080"
    assert config.seat == "player_2"  # the flag wins
    assert config.players == 3  # a flag left unset keeps the file's value
    assert dict(config.options) == {"hands": 3, "decks": 2}  # merged key by key
    assert config.data_dir == Path("~/ht").expanduser()
    assert config.ice_servers == (IceServer("turn:turn.example:3478", "me", "secret"),)
    game = build_game(config)
    assert len(game.seats) == 3 and game.options == {"hands": 3, "decks": 2}


def test_defaults_need_only_the_room() -> None:
    config = load_config(None, join="r1", relay="ws://127.0.0.1:8080")
    assert config.game == "blackjack" and config.webrtc and config.ice_servers == ()
    assert len(build_game(config).seats) == 2  # blackjack's minimum is 1: a room seats 2


@pytest.mark.parametrize(
    ("text", "flags", "error"),
    [
        ('join = "r"\nrelya = "ws://x"\n', {}, "unknown keys \\['relya'\\]"),
        ('relay = "ws://x"\n', {}, "--join ROOM"),
        ('join = "r"\nseat = "player_0"\nspectate = true\n', {}, "--seat or --spectate"),
        ('join = "r"\nrelay = "http://x"\n', {}, "ws:// or wss://"),
        ('join = "r"\n', {"control": ("/tmp/x.sock",)}, "unix:///path"),
        ('join = "r"\n', {"log_level": "loud"}, "--log-level"),
        ("join = [", {}, "not valid TOML"),
    ],
)
def test_mistakes_are_named(
    tmp_path: Path, text: str, flags: dict[str, object], error: str
) -> None:
    path = tmp_path / "peer.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=error):
        load_config(path, **flags)


def test_a_game_that_cannot_be_built_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--game"):
        build_game(PeerConfig(join="r", game="no-such-game"))
    with pytest.raises(ConfigError, match="blackjack with 2 players"):
        build_game(PeerConfig(join="r", options={"decks": 99}))


@pytest.mark.parametrize(
    ("flag", "server"),
    [
        ("stun:stun.example:3478", IceServer("stun:stun.example:3478")),
        ("turn:alice:pw@turn.example:3478", IceServer("turn:turn.example:3478", "alice", "pw")),
    ],
)
def test_ice_server_flags(flag: str, server: IceServer) -> None:
    assert IceServer.parse(flag) == server


def test_a_bad_ice_server_flag_says_the_form() -> None:
    with pytest.raises(ConfigError, match="stun:HOST:PORT or turn:USER:PASSWORD@HOST:PORT"):
        IceServer.parse("http://nope")
