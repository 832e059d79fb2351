"""``hypertoken serve``: a local training server on the control socket (:mod:`hypertoken.control`).

One process hosts one env type; by default every connection gets its own env, with
``--shared`` all connections drive one. It prints one ``serving ENV_ID on URL (...)`` line per
listener to stdout, so scripts and tests can read the URLs (``--port 0`` picks a free port).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from hypertoken.cli.options import parse_options

TOKEN_VAR = "HYPERTOKEN_API_KEY"
"""The environment variable the token defaults to (as the old bridge)."""


def _show_logs() -> None:
    # One line per connection open and close is the server's only routine output on stderr;
    # -v/-vv on the group may already ask for more.
    control = logging.getLogger("hypertoken.control")
    if control.getEffectiveLevel() > logging.INFO:
        control.setLevel(logging.INFO)
    if not logging.getLogger().handlers:  # called outside the `hypertoken` group
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.command("serve")
@click.option(
    "--env",
    "env_name",
    default="blackjack",
    show_default=True,
    help="The env to serve: a registered name (blackjack) or versioned id (blackjack_v1).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=9999,
    show_default=True,
    help="WebSocket (JSON) port; 0 picks a free one.",
)
@click.option(
    "--host", "host_addr", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option(
    "--agents", type=click.IntRange(min=1), default=None, help="Players (the game's num_players)."
)
@click.option("--decks", type=click.IntRange(min=1), default=None, help="Decks (option decks).")
@click.option("--seed", type=int, default=None, help="Seed of the first reset of each env.")
@click.option(
    "--unix",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also serve msgpack frames on this Unix socket (the fast path).",
)
@click.option(
    "--msgpack-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Also serve msgpack frames on this TCP port (0 picks a free one).",
)
@click.option(
    "--token",
    envvar=TOKEN_VAR,
    show_envvar=True,
    default=None,
    help="Require this token (?token= or x-api-token; msgpack: a first auth frame).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Open connections on all transports together (0: no cap).",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Messages per second per connection (0: no limit).",
)
@click.option("--shared", is_flag=True, help="Every connection drives one env (default: one each).")
@click.option(
    "--record",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write every episode to a Chronicle file in this directory (hypertoken replay).",
)
@click.option(
    "--option",
    "option_pairs",
    multiple=True,
    metavar="K=V",
    help="A game option (repeatable); V is read as JSON when it parses.",
)
def serve(
    env_name: str,
    port: int,
    host_addr: str,
    agents: int | None,
    decks: int | None,
    seed: int | None,
    unix: Path | None,
    msgpack_port: int | None,
    token: str | None,
    max_connections: int,
    rate_limit: int,
    shared: bool,
    record: Path | None,
    option_pairs: tuple[str, ...],
) -> None:
    """Serve an env to bots and training code over the control socket.

    WebSocket JSON on ws://HOST:PORT (the old bridge's commands), plus msgpack frames on
    --unix and --msgpack-port. GET /health and /ready answer on the WebSocket port. Stops
    cleanly on SIGINT or SIGTERM.
    """
    from hypertoken.control.host import EnvHost
    from hypertoken.control.servers import ControlServer, run
    from hypertoken.envs.registry import UnknownEnvError

    options = parse_options(option_pairs)
    if decks is not None:
        options["decks"] = decks
    if agents is None and isinstance(options.get("num_players"), int):
        agents = options.pop("num_players")  # --option num_players=N is --agents N
    try:
        host = EnvHost(
            env_name,
            num_players=agents,
            options=options,
            seed=seed,
            shared=shared,
            record=None if record is None else str(record),
        )
    except UnknownEnvError as exc:
        raise click.BadParameter(str(exc).strip("'\""), param_hint="--env") from None
    except (TypeError, ValueError) as exc:
        given = {**options, **({"num_players": agents} if agents is not None else {})}
        raise click.UsageError(f"cannot build {env_name!r} with {given}: {exc}") from None
    _show_logs()
    mode = "one env for every connection" if shared else "one env per connection"
    server = ControlServer(
        host,
        host_addr=host_addr,
        port=port,
        unix=unix,
        msgpack_port=msgpack_port,
        token=token or None,
        max_connections=max_connections,
        rate_limit=rate_limit,
    )

    def announce(urls: list[str]) -> None:
        for url in urls:
            click.echo(f"serving {host.env_id} on {url} ({mode})")
        sys.stdout.flush()

    try:
        run(server, on_start=announce)
    except OSError as exc:
        raise click.ClickException(f"cannot listen: {exc}") from None
