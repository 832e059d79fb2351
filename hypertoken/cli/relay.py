"""``hypertoken relay``: the signalling and data relay server (:mod:`relay`)."""

from __future__ import annotations

import click


@click.command("relay")
@click.option("--host", default=None, help="Address to listen on. [default: 127.0.0.1]")
@click.option("--port", type=int, default=None, help="TCP port. [default: 8080]")
@click.option(
    "--token", default=None, help="Relay-wide auth token for hello. [env HYPERTOKEN_RELAY_TOKEN]"
)
@click.option(
    "--room-token",
    "room_tokens",
    multiple=True,
    metavar="ROOM=TOKEN",
    help="Make ROOM private with TOKEN (repeatable).",
)
@click.option("--max-message-bytes", type=int, default=None, help="Largest frame. [1 MiB]")
@click.option("--rate", type=float, default=None, help="Messages/s per peer. [100]")
@click.option("--burst", type=int, default=None, help="Burst above the rate. [200]")
@click.option("--max-peers-per-room", type=int, default=None, help="Room size. [64]")
@click.option("--max-rooms", type=int, default=None, help="Rooms on the relay. [10000]")
@click.option("--max-peers", type=int, default=None, help="Open connections. [10000]")
@click.option("--max-rooms-per-peer", type=int, default=None, help="Rooms per peer. [16]")
@click.option(
    "--max-connections",
    type=int,
    default=None,
    help="TCP connections, counted at accept. [0: --max-peers + 100]",
)
@click.option(
    "--max-connections-per-address",
    type=int,
    default=None,
    help="TCP connections from one client address (IPv6: a /64). [64; 0: no cap]",
)
@click.option(
    "--max-rooms-per-address",
    type=int,
    default=None,
    help="Rooms created from one client address that still exist. [64; 0: no cap]",
)
@click.option(
    "--connect-rate",
    type=float,
    default=None,
    help="New connections/s from one client address. [20; 0: no limit]",
)
@click.option("--connect-burst", type=int, default=None, help="Connect burst per address. [64]")
@click.option("--join-rate", type=float, default=None, help="Joins and leaves/s per peer. [2]")
@click.option("--join-burst", type=int, default=None, help="Join/leave burst. [20]")
@click.option("--heartbeat", type=float, default=None, help="Ping a quiet peer after s. [20]")
@click.option("--idle-timeout", type=float, default=None, help="Close a silent peer after s. [60]")
@click.option("--hello-timeout", type=float, default=None, help="Seconds to complete hello. [10]")
@click.option(
    "--http-timeout", type=float, default=None, help="Seconds to complete an HTTP request. [10]"
)
@click.option("--send-queue-bytes", type=int, default=None, help="Per-peer backlog. [8 MiB]")
@click.option(
    "--write-timeout",
    type=float,
    default=None,
    help="Seconds a write may wait for a peer to read before it is cut off. [10]",
)
@click.option("--shutdown-timeout", type=float, default=None, help="Grace period, s. [5]")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None, help="[text]")
@click.option("--log-level", default=None, help="debug, info, warning or error. [info]")
def relay_command(room_tokens: tuple[str, ...], **options: object) -> None:
    """Run the signalling and data relay server (aiohttp WebSocket at /ws).

    Every option can also come from HYPERTOKEN_RELAY_<OPTION> environment variables; options
    given here win. See `python -m relay --help` for the same flags.
    """
    from relay.config import from_env, parse_room_tokens
    from relay.server import run

    try:
        config = from_env()
        if room_tokens:
            options["room_tokens"] = {**config.room_tokens, **parse_room_tokens(room_tokens)}
        config = config.with_overrides(**options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    run(config)
