"""``hypertoken tournament``: round robins between bots, with a progress bar and a ranked table.

The tournaments themselves live with their games (:mod:`games.prisoners_dilemma.tournament`)
and, for policies over any game, in :mod:`hypertoken.envs.tournament`; this module runs
them and prints.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from hypertoken.cli.options import parse_options

if TYPE_CHECKING:
    from rich.console import Console

    from games.prisoners_dilemma.tournament import TournamentResult


@click.group()
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
    help="A comma-separated subset of the strategies. [default: all]",
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
    table of mean scores. The strategies are those of games.prisoners_dilemma.strategies
    (an unknown name in --strategies lists them all).
    """
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


def report(result: TournamentResult, console: Console) -> None:
    """Print the ranked table of mean scores."""
    from rich.table import Table

    console.print(
        f"Prisoner's dilemma round robin: {len(result.strategies)} strategies, "
        f"{result.rounds} rounds, {result.repetitions} repetition"
        f"{'s' if result.repetitions != 1 else ''}, noise {result.noise:g}, "
        f"seed {result.seed}, self-play {'on' if result.self_play else 'off'}",
        soft_wrap=True,
        highlight=False,
    )
    table = Table()
    table.add_column("Rank", justify="right")
    table.add_column("Strategy")
    table.add_column("Mean score", justify="right")
    table.add_column("Per round", justify="right")
    table.add_column("W", justify="right")
    table.add_column("D", justify="right")
    table.add_column("L", justify="right")
    for s in result.standings:
        table.add_row(
            str(s.rank),
            s.name,
            f"{s.mean_score:.2f}",
            f"{s.per_round:.3f}",
            str(s.wins),
            str(s.draws),
            str(s.losses),
        )
    console.print(table)


def run_cli(
    strategies: str | None,
    *,
    rounds: int,
    repetitions: int,
    seed: int,
    noise: float,
    self_play: bool,
) -> TournamentResult:
    """The ``hypertoken tournament prisoners-dilemma`` command: a rich progress bar on
    stderr while the matches run, then the table on stdout. Bad input raises ValueError.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from games.prisoners_dilemma.tournament import parse_strategies, round_robin, schedule

    names = parse_strategies(strategies)
    total = len(schedule(names, self_play=self_play)) * repetitions
    started = time.perf_counter()
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("matches", total=total)
        result = round_robin(
            names,
            rounds=rounds,
            repetitions=repetitions,
            seed=seed,
            noise=noise,
            self_play=self_play,
            on_match=lambda _: progress.advance(task),
        )
    elapsed = time.perf_counter() - started
    console = Console()
    report(result, console)
    played = len(result.matches) * rounds
    console.print(
        f"{len(result.matches)} matches, {played} rounds in {elapsed:.2f} s "
        f"({played / max(elapsed, 1e-9):,.0f} rounds/s through the engine)",
        soft_wrap=True,
        highlight=False,
    )
    return result


@tournament.command("policies")
@click.argument("game")
@click.option(
    "--policies",
    "names",
    default=None,
    metavar="NAME,NAME,...",
    help="Policies to pair up (hypertoken.policies names). [default: every one the game has]",
)
@click.option("--repetitions", default=3, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, type=int, help="Tournament seed.")
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A game option (repeatable), e.g. --option rounds=50.",
)
@click.option("--self-play/--no-self-play", default=True, show_default=True)
def tournament_policies(
    game: str,
    names: str | None,
    repetitions: int,
    seed: int,
    options: tuple[str, ...],
    self_play: bool,
) -> None:
    """Round robin of policies (the bots environments and rooms use) over any GAME,
    played with two seats, e.g. `hypertoken tournament policies blackjack --option
    hands=200 --policies basic-strategy,random`. Without --policies every policy the game
    has plays.
    """
    from rich.console import Console
    from rich.table import Table

    from hypertoken import policies
    from hypertoken.envs.registry import UnknownEnvError, make_game
    from hypertoken.envs.tournament import round_robin

    try:
        built = make_game(game, 2, **parse_options(options))
        chosen = names.split(",") if names else policies.names(built)
        players = {n: policies.make(n.strip(), built) for n in chosen}
    except (ValueError, TypeError, LookupError, UnknownEnvError) as exc:
        raise click.UsageError(str(exc)) from None
    started = time.perf_counter()
    with Console(stderr=True).status(f"playing {built.info.env_id} matches"):
        result = round_robin(
            built, players, repetitions=repetitions, seed=seed, self_play=self_play
        )
    elapsed = time.perf_counter() - started
    console = Console()
    console.print(
        f"{built.info.env_id} round robin: {len(players)} policies, {repetitions} "
        f"repetition{'s' if repetitions != 1 else ''}, seed {seed}; "
        f"{len(result.matches)} matches in {elapsed:.2f} s",
        soft_wrap=True,
        highlight=False,
    )
    table = Table()
    for title, justify in (("Rank", "right"), ("Policy", "left"), ("Mean score", "right")):
        table.add_column(title, justify=justify)  # type: ignore[arg-type]
    for title in ("95% CI", "W", "D", "L"):
        table.add_column(title, justify="right")
    for s in result.standings:
        table.add_row(
            str(s.rank),
            s.name,
            f"{s.mean_score:.2f}",
            f"±{s.ci95:.2f}",
            str(s.wins),
            str(s.draws),
            str(s.losses),
        )
    console.print(table)
