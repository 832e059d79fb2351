"""``hypertoken play GAME``: a person plays any registered game in the terminal against bots.

The game runs in its PettingZoo AEC environment (:mod:`hypertoken.envs`), the same rules
code as a networked room; the other seats are played by policies of
:mod:`hypertoken.policies` (``random`` unless ``--bot`` names others). Each turn shows the
game as the person's seat sees it (``Game.render(world, seat)``) and the legal moves, and
reads a move as its number or its name (a unique prefix will do). Input may be piped:
``printf '1\\n' | hypertoken play blackjack``.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import click

from hypertoken.cli.options import parse_options

if TYPE_CHECKING:
    from rich.console import Console

    from hypertoken.envs import RawEnv
    from hypertoken.policies import Policy


def move_label(env: RawEnv, seat: str, action: int) -> str:
    """How ``seat``'s move reads now (``Game.describe_action``: ``hit``, ``place 4``,
    ``call 2``).
    """
    return env.game.describe_action(env.episode.engine.world, seat, action)


def parse_move(text: str, legal: dict[int, str]) -> int | None:
    """The legal move ``text`` names (its number, its label, or a unique prefix of the
    label), or None.
    """
    text = text.strip().lower()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        number = int(text)
        return number if number in legal else None
    exact = [a for a, label in legal.items() if label.lower() == text]
    if exact:
        return exact[0]
    prefixed = [a for a, label in legal.items() if label.lower().startswith(text)]
    return prefixed[0] if len(prefixed) == 1 else None


def _seat(value: str, seats: tuple[str, ...]) -> str:
    if value in seats:
        return value
    if value.isdigit() and int(value) < len(seats):
        return seats[int(value)]
    raise click.BadParameter(f"{value!r} is not a seat of this game: {', '.join(seats)}")


def _show(console: Console, env: RawEnv, seat: str, title: str) -> None:
    from rich.panel import Panel

    text = env.game.render(env.episode.engine.world, seat)
    console.print(Panel(text, title=title, expand=False), highlight=False)


def _ask(console: Console, env: RawEnv, seat: str, mask: Any) -> int:
    legal = {int(a): move_label(env, seat, int(a)) for a in mask.nonzero()[0]}
    console.print(
        "  ".join(f"[bold]{a}[/bold] {label}" for a, label in legal.items()), highlight=False
    )
    while True:
        answer = click.prompt(f"{seat}, your move", prompt_suffix="> ", show_default=False)
        action = parse_move(str(answer), legal)
        if action is not None:
            return action
        console.print(f"not a legal move: {answer!r}; type a number or a name shown above")


def play_episode(
    console: Console,
    env: RawEnv,
    human: str,
    bots: dict[str, Policy],
    seed: int,
) -> dict[str, float]:
    """Play one episode; each seat's total reward."""
    from hypertoken.envs.seeding import policy_seed

    env.reset(seed=seed)
    rngs = {seat: random.Random(policy_seed(seed, seat)) for seat in bots}
    for policy in bots.values():
        policy.reset()
    totals = dict.fromkeys(env.possible_agents, 0.0)
    for agent in env.agent_iter():
        _, _, terminated, truncated, info = env.last()
        if terminated or truncated:
            env.step(None)
            continue
        mask = info["action_mask"]
        if agent == human:
            _show(console, env, human, f"{env.game.info.env_id}: your turn ({human})")
            action = _ask(console, env, human, mask)
            console.print(f"{agent} (you): {move_label(env, agent, action)}")
        else:
            action = bots[agent].act(env.observe(agent), mask, rngs[agent])
            console.print(f"{agent} ({bots[agent].name}): {move_label(env, agent, action)}")
        env.step(action)
        for seat, reward in env.rewards.items():
            totals[seat] += reward
    _show(console, env, human, f"{env.game.info.env_id}: the end")
    return totals


def _scores(scores: dict[str, float], human: str) -> str:
    return ", ".join(f"{s}{' (you)' if s == human else ''} {r:+g}" for s, r in scores.items())


@click.command("play")
@click.argument("game")
@click.option("--players", type=click.IntRange(min=1), default=None, help="Seats. [the fewest]")
@click.option("--seat", default="player_0", show_default=True, help="Your seat (name or index).")
@click.option(
    "--bot",
    "bots",
    multiple=True,
    metavar="POLICY",
    help="The other seats' policy (repeat for one per seat, in seat order). [random]",
)
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE", help="A game option.")
@click.option("--seed", type=int, default=None, help="First episode's seed. [fresh]")
@click.option(
    "--episodes", type=click.IntRange(min=1), default=1, show_default=True, help="Episodes to play."
)
def play(
    game: str,
    players: int | None,
    seat: str,
    bots: tuple[str, ...],
    options: tuple[str, ...],
    seed: int | None,
    episodes: int,
) -> None:
    """Play GAME in the terminal against bots.

    For example `hypertoken play blackjack`, `hypertoken play poker --bot holdem-equity` or
    `hypertoken play tictactoe --seat 1`. Type a move's number or name at the prompt.
    """
    import secrets

    from rich.console import Console

    from hypertoken import policies
    from hypertoken.envs import raw_env
    from hypertoken.envs.registry import UnknownEnvError
    from hypertoken.envs.seeding import next_seed

    try:
        env = raw_env(game, num_players=players, mask_in_obs=False, **parse_options(options))
    except (UnknownEnvError, TypeError, ValueError) as exc:
        raise click.UsageError(str(exc).strip("'\"")) from None
    seats = env.game.seats
    human = _seat(seat, seats)
    others = [s for s in seats if s != human]
    names = list(bots) or ["random"]
    if len(names) not in (1, len(others)):
        raise click.UsageError(
            f"--bot takes one policy for every other seat or one per seat ({len(others)}), "
            f"not {len(names)}"
        )
    try:
        chosen = {
            s: policies.make(names[0] if len(names) == 1 else names[i], env.game)
            for i, s in enumerate(others)
        }
    except LookupError as exc:
        raise click.UsageError(str(exc)) from None
    console = Console(highlight=False)
    first = secrets.randbits(63) if seed is None else seed
    scores = dict.fromkeys(seats, 0.0)
    try:
        for k in range(episodes):
            episode_seed = first if k == 0 else next_seed(first, k)
            totals = play_episode(console, env, human, chosen, episode_seed)
            for s, r in totals.items():
                scores[s] += r
            line = ", ".join(
                f"{s}{' (you)' if s == human else ''} {r:+g}" for s, r in totals.items()
            )
            console.print(f"episode {k + 1} (seed {episode_seed}): {line}")
    except click.Abort:
        console.print("\nbye")
        return
    finally:
        env.close()
    if episodes > 1:
        console.print(
            "total: "
            + ", ".join(f"{s}{' (you)' if s == human else ''} {r:+g}" for s, r in scores.items())
        )
