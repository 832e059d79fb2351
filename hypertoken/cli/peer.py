"""``hypertoken peer --join ROOM``: run a peer daemon (see :mod:`peers.daemon`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from pathlib import Path

import click

from hypertoken.cli.options import parse_options

__all__ = ["peer_command"]


@click.command("peer")
@click.option("--join", "join", metavar="ROOM", help="The room to join (or create).")
@click.option("--game", default=None, help="The game a new room plays (default blackjack).")
@click.option(
    "--option", "options", multiple=True, metavar="KEY=VALUE", help="A game option of a new room."
)
@click.option(
    "--players",
    type=int,
    default=None,
    help="Seats in a new room (default: the game's minimum, at least 2).",
)
@click.option(
    "--seat", default=None, metavar="NAME", help="The seat to claim (default: any free seat)."
)
@click.option("--spectate", is_flag=True, default=None, help="Watch without a seat.")
@click.option("--relay", default=None, metavar="URL", help="The relay, e.g. ws://127.0.0.1:8080.")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Identity and room files (default: an automatic profile).",
)
@click.option(
    "--control",
    "control",
    multiple=True,
    metavar="unix:///PATH",
    help="Control socket for bots (default: DATA/control.sock).",
)
@click.option(
    "--control-port",
    type=int,
    default=None,
    help="Also serve the control socket as WebSocket JSON on this port.",
)
@click.option(
    "--ice-server",
    "ice_servers",
    multiple=True,
    metavar="URL",
    help="STUN/TURN server: stun:HOST:PORT or turn:USER:PASS@HOST:PORT (repeatable).",
)
@click.option(
    "--token", default=None, envvar="HYPERTOKEN_RELAY_TOKEN", help="The relay's access token."
)
@click.option(
    "--no-webrtc",
    "no_webrtc",
    is_flag=True,
    default=False,
    help="Send everything through the relay.",
)
@click.option(
    "--ice-host",
    "ice_hosts",
    multiple=True,
    metavar="ADDR",
    help="Offer only these host addresses as ICE candidates (127.0.0.1 for peers on one machine).",
)
@click.option(
    "--connect-timeout",
    type=float,
    default=None,
    help="Seconds before a peer pair gives up on WebRTC and uses the relay (default 10).",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A TOML config file; flags override it.",
)
def peer_command(
    join: str | None,
    game: str | None,
    options: tuple[str, ...],
    players: int | None,
    seat: str | None,
    spectate: bool | None,
    relay: str | None,
    data_dir: Path | None,
    control: tuple[str, ...],
    control_port: int | None,
    ice_servers: tuple[str, ...],
    token: str | None,
    no_webrtc: bool,
    ice_hosts: tuple[str, ...],
    connect_timeout: float | None,
    log_level: str | None,
    config_file: Path | None,
) -> None:
    """Run a peer: join ROOM, sync its Chronicle with the other peers, serve bots.

    The first peer in a room creates it (its game, options and seats); later peers claim
    free seats, or watch with --spectate. Prints one JSON line when ready, with the control
    socket's URL for `hypertoken bot --control URL`.
    """
    from peers.config import ConfigError, IceServer, load_config
    from peers.daemon import Ready, run

    try:
        config = load_config(
            config_file,
            join=join,
            game=game,
            options=parse_options(options) if options else None,
            players=players,
            seat=seat,
            spectate=spectate,
            relay=relay,
            data_dir=data_dir,
            control=control or None,
            control_port=control_port,
            ice_servers=tuple(IceServer.parse(s) for s in ice_servers) or None,
            token=token,
            webrtc=False if no_webrtc else None,
            ice_host_addresses=ice_hosts or None,
            connect_timeout=connect_timeout,
            log_level=log_level,
        )
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    logging.getLogger().setLevel(config.log_level.upper())
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def ready(info: Ready) -> None:
        print(json.dumps(info.as_dict()), flush=True)

    async def main() -> None:
        shutdown = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, shutdown.set)
        await run(config, shutdown=shutdown, on_ready=ready)

    try:
        try:
            import uvloop
        except ImportError:
            asyncio.run(main())
        else:
            uvloop.run(main())
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    except Exception as exc:  # a clear line, not a traceback, for what the user can fix
        from peers.storage import DataDirLocked
        from peers.transports.base import TransportError

        if isinstance(exc, (DataDirLocked, TransportError, OSError)):
            click.echo(f"hypertoken peer: {exc}", err=True)
            sys.exit(1)
        raise
