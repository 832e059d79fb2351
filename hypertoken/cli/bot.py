"""``hypertoken bot``: a policy of :mod:`hypertoken.policies` playing through a control socket.

Against a peer daemon (``hypertoken peer``) it plays the daemon's seat for the room's game,
waiting while the other peers move, and exits 0 once the game is over; against
``hypertoken serve`` it plays every agent of the env for ``--episodes`` episodes. With
``-v`` it prints one line per move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from hypertoken.cli.serve import TOKEN_VAR

if TYPE_CHECKING:
    from hypertoken.game import Game

CONTROL_VAR = "HYPERTOKEN_CONTROL"
"""The environment variable ``--control`` defaults to."""


@click.command("bot")
@click.option(
    "--policy",
    "policy_name",
    required=True,
    help="A policy name: random, basic-strategy, tit-for-tat, ... (the game's policies).",
)
@click.option(
    "--control",
    "url",
    envvar=CONTROL_VAR,
    show_envvar=True,
    required=True,
    help="The control socket: unix:///path (a peer daemon's), ws://host:port, msgpack+tcp://.",
)
@click.option("--seed", type=int, default=None, help="Seed of the policy's random draws.")
@click.option(
    "--episodes",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Episodes against hypertoken serve (a room plays its one game).",
)
@click.option(
    "--token", envvar=TOKEN_VAR, show_envvar=True, default=None, help="The socket's API token."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=3600.0,
    show_default=True,
    help="Seconds to wait for one answer (the seat's turn included).",
)
@click.option("-v", "--verbose", count=True, help="Print one line per move.")
def bot(
    policy_name: str,
    url: str,
    seed: int | None,
    episodes: int,
    token: str | None,
    timeout: float,
    verbose: int,
) -> None:
    """Attach a policy to a peer daemon's seat (or a served env) until the game is over."""
    from hypertoken.client import ServerError
    from hypertoken.policies import UnknownPolicyError
    from peers.control import run_bot

    def show(agent: str, action: int, game: Game) -> None:
        move, args = game.move_name(action)
        shown = move if not args else f"{move} {' '.join(map(str, args))}"
        click.echo(f"{agent}: {action} ({shown})")

    try:
        result = run_bot(
            policy_name,
            url,
            seed=seed,
            episodes=episodes,
            token=token,
            timeout=timeout,
            on_move=show if verbose else None,
        )
    except UnknownPolicyError as exc:
        raise click.BadParameter(str(exc), param_hint="--policy") from None
    except ValueError as exc:  # a URL no transport speaks
        raise click.BadParameter(str(exc), param_hint="--control") from None
    except (ConnectionError, TimeoutError, ServerError) as exc:
        raise click.ClickException(str(exc)) from None
    returns = ", ".join(f"{a} {r:+g}" for a, r in sorted(result.returns.items()))
    moves = sum(result.moves.values())
    click.echo(
        f"game over: {result.episodes} episode(s), {moves} moves; returns {returns}; "
        f"state {result.state_hash[:16]}"
    )
