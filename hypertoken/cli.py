"""The ``hypertoken`` command line.

Each subcommand imports what it needs lazily, so ``hypertoken --help`` stays fast and the
relay container does not import the action core or aiortc.
"""

from __future__ import annotations

import logging

import click

from hypertoken import __version__


@click.group()
@click.version_option(__version__, prog_name="hypertoken")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """HyperToken: serverless multiplayer games and multi-agent environments."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command("world-demo")
@click.option("--seed", default=42, show_default=True, help="Shuffle seed.")
@click.option("--players", default=3, show_default=True, type=click.IntRange(1, 6))
@click.option("--decks", default=1, show_default=True, type=click.IntRange(1, 8))
def world_demo(seed: int, players: int, decks: int) -> None:
    """Build a seeded World, shuffle a shoe, deal a hand, and print provenance."""
    from hypertoken.demo import run_world_demo

    run_world_demo(seed=seed, players=players, decks=decks)


@main.command("relay")
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
@click.option("--heartbeat", type=float, default=None, help="Ping a quiet peer after s. [20]")
@click.option("--idle-timeout", type=float, default=None, help="Close a silent peer after s. [60]")
@click.option("--hello-timeout", type=float, default=None, help="Seconds to complete hello. [10]")
@click.option("--send-queue-bytes", type=int, default=None, help="Per-peer backlog. [8 MiB]")
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


@main.command("replay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def replay(file: str) -> None:
    """Replay a saved chronicle: every entry with actor, seat, time, move and verdict,
    then the final state hash."""
    from hypertoken.chronicle import ChronicleError
    from hypertoken.replay import replay_file

    try:
        for line in replay_file(file):
            click.echo(line)
    except ChronicleError as exc:
        raise click.ClickException(f"{file}: {exc}") from None


@main.group()
def tournament() -> None:
    """Round-robin tournaments between bots, played through the real game engine."""


@tournament.command("prisoners-dilemma")
@click.option(
    "--repetitions",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many times every pairing is played.",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Tournament seed (drives noise and the random strategies).",
)
@click.option(
    "--rounds",
    default=100,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="Rounds per match.",
)
@click.option(
    "--noise",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Probability that a choice is flipped.",
)
@click.option(
    "--strategies",
    default=None,
    metavar="NAME,NAME,...",
    help="A comma-separated subset of the 14 strategies. [default: all]",
)
@click.option(
    "--self-play/--no-self-play",
    default=True,
    show_default=True,
    help="Also play each strategy against a copy of itself.",
)
def tournament_prisoners_dilemma(
    strategies: str | None, rounds: int, repetitions: int, seed: int, noise: float, self_play: bool
) -> None:
    """Round robin of the classic iterated prisoner's dilemma strategies, with a ranked
    table of mean scores. Strategies: always_cooperate, always_defect, random,
    tit_for_tat, tit_for_two_tats, generous_tit_for_tat, grudger, pavlov,
    suspicious_tit_for_tat, adaptive, gradual, prober, soft_majority, hard_majority.
    """
    from hypertoken.tournament import run_cli

    try:
        run_cli(
            strategies,
            rounds=rounds,
            repetitions=repetitions,
            seed=seed,
            noise=noise,
            self_play=self_play,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.group()
def bench() -> None:
    """Quick measurements of the built-in games."""


@bench.command("blackjack-ev")
@click.option(
    "--hands",
    default=100_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rounds to play (each seat plays one hand per round).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Shoe seed.")
@click.option(
    "--players",
    default=1,
    show_default=True,
    type=click.IntRange(1, 6),
    help="Seats at the table, each played by the bot.",
)
@click.option(
    "--decks", default=6, show_default=True, type=click.IntRange(1, 8), help="Decks in the shoe."
)
@click.option("--h17", is_flag=True, help="The dealer hits soft 17 (default: stands).")
def bench_blackjack_ev(hands: int, seed: int, players: int, decks: int, h17: bool) -> None:
    """Basic strategy's mean return per hand (in bets, with its standard error) over
    seeded hands of blackjack_v1 from one shoe, reshuffled at the cut card.
    """
    import time
    from collections.abc import Callable

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from games.blackjack_strategy import EVResult, simulate

    def run(progress: Callable[[int], None] | None = None) -> EVResult:
        return simulate(hands, seed=seed, players=players, decks=decks, h17=h17, progress=progress)

    start = time.perf_counter()
    if hands >= 20_000:  # a long run: show progress (on stderr, gone when done)
        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("blackjack hands", total=hands)
            result = run(lambda done: bar.update(task, completed=done))
    else:
        result = run()
    took = time.perf_counter() - start
    click.echo(
        f"blackjack_v1 basic strategy: {players} seat(s), {decks} deck(s), "
        f"{'H17' if h17 else 'S17'}, seed {seed}"
    )
    click.echo(
        f"mean return per hand: {result.mean:+.4f} bets "
        f"(standard error {result.stderr:.4f}) over {result.hands} hands "
        f"({result.moves} moves, {took:.1f} s)"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
