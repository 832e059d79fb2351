"""``hypertoken bench``: quick measurements of the built-in games."""

from __future__ import annotations

import click


@click.group()
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

    from games.blackjack import EVResult, simulate

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
