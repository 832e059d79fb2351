"""Policies by name: ``make(name, game)``, ``names(game)``, ``register``.

Names are lower case with hyphens (``"tit-for-tat"``); underscores are accepted for
hyphens (``"tit_for_tat"``), so the prisoner's dilemma strategy names work as they are.
Each name says which games it plays (by ``GameInfo.name``), or plays every game:

- ``random``: every game (:class:`~hypertoken.policies.RandomLegal`);
- ``basic-strategy``: blackjack (:class:`~hypertoken.policies.BasicStrategy`, with the
  game's ``h17``);
- ``hanabi-rules``: Hanabi (:class:`~hypertoken.policies.hanabi.RuleBased`);
- ``holdem-equity``: no-limit hold'em (:class:`~hypertoken.policies.holdem.EquityPolicy`);
- ``cuttle-greedy``: Cuttle (:class:`~hypertoken.policies.cuttle.Greedy`);
- the prisoner's dilemma strategies, ``always-cooperate`` ... ``hard-majority`` and
  ``original-gradual`` (:class:`~hypertoken.policies.StrategyPolicy`, with the game's
  payoffs and rounds). Its ``random`` strategy is the ``random`` policy, which draws
  exactly as it does.

The game-specific modules are imported when a policy of theirs is first made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import games as game_registry
from hypertoken.game import Game
from hypertoken.policies.base import Policy, RandomLegal

logger = logging.getLogger(__name__)

__all__ = ["PolicySpec", "UnknownPolicyError", "make", "names", "register", "resolve"]


class UnknownPolicyError(LookupError):
    """No policy of that name plays that game (the message lists the ones that do)."""

    def __str__(self) -> str:  # LookupError's KeyError-style quoting would hide the list
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class PolicySpec:
    """One registered policy."""

    #: The canonical name (lower case, hyphens).
    name: str
    #: Builds the policy for a game instance (reading its options).
    factory: Callable[[Game], Policy]
    #: The ``GameInfo.name`` of the games it plays; None: every game.
    games: frozenset[str] | None
    #: One line for listings.
    summary: str = ""


_registry: dict[str, PolicySpec] = {}
_builtins_loaded = False


def canonical(name: str) -> str:
    """A policy name in its canonical form: stripped, lower case, hyphens."""
    return name.strip().lower().replace("_", "-")


def register(
    name: str,
    factory: Callable[[Game], Policy],
    *,
    games: str | tuple[str, ...] | None = None,
    summary: str = "",
) -> PolicySpec:
    """Register ``factory`` under ``name`` for the games named ``games`` (their
    ``GameInfo.name``; None: every game). Registering a taken name raises ValueError.
    """
    key = canonical(name)
    if not key:
        raise ValueError("a policy needs a non-empty name")
    _load_builtins()
    if key in _registry:
        raise ValueError(f"policy {key!r} is already registered")
    which = frozenset((games,) if isinstance(games, str) else games) if games is not None else None
    spec = PolicySpec(key, factory, which, summary)
    _registry[key] = spec
    return spec


def _random(game: Game) -> Policy:
    return RandomLegal(game.info.num_actions)


def _basic_strategy(game: Game) -> Policy:
    from hypertoken.policies.blackjack import BasicStrategy

    return BasicStrategy(h17=bool(getattr(game, "h17", False)))


def _hanabi_rules(game: Game) -> Policy:
    from hypertoken.policies.hanabi import RuleBased

    return RuleBased()


def _holdem_equity(game: Game) -> Policy:
    from hypertoken.policies.holdem import EquityPolicy

    policy = EquityPolicy(opponents=max(1, len(game.seats) - 1))
    policy.name = "holdem-equity"
    return policy


def _cuttle_greedy(game: Game) -> Policy:
    from hypertoken.policies.cuttle import Greedy

    return Greedy()


def _strategy(strategy_name: str) -> Callable[[Game], Policy]:
    def factory(game: Game) -> Policy:
        from games.prisoners_dilemma.strategies import get_strategy
        from hypertoken.policies.prisoners_dilemma import StrategyPolicy

        return StrategyPolicy(
            get_strategy(strategy_name),
            payoffs=getattr(game, "payoffs", None),
            rounds=getattr(game, "rounds", None),
        )

    return factory


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    from games.prisoners_dilemma.strategies import STRATEGIES

    add = _registry.setdefault
    add("random", PolicySpec("random", _random, None, "uniform over the legal actions"))
    add(
        "basic-strategy",
        PolicySpec(
            "basic-strategy", _basic_strategy, frozenset({"blackjack"}), "blackjack basic strategy"
        ),
    )
    add(
        "hanabi-rules",
        PolicySpec(
            "hanabi-rules",
            _hanabi_rules,
            frozenset({"hanabi"}),
            "Hanabi: play a card known playable, hint a playable card, discard the oldest",
        ),
    )
    add(
        "holdem-equity",
        PolicySpec(
            "holdem-equity",
            _holdem_equity,
            frozenset({"texas_holdem"}),
            "no-limit hold'em: Monte Carlo equity against random hands, then thresholds",
        ),
    )
    add(
        "cuttle-greedy",
        PolicySpec(
            "cuttle-greedy",
            _cuttle_greedy,
            frozenset({"cuttle"}),
            "Cuttle: win if it can, else scuttle, else play the highest points",
        ),
    )
    for strategy_name, cls in STRATEGIES.items():
        key = canonical(strategy_name)
        if key == "random":
            continue  # the generic random policy draws as the strategy does
        doc = (cls.__doc__ or "").strip().splitlines()
        add(
            key,
            PolicySpec(key, _strategy(strategy_name), frozenset({"prisoners_dilemma"}), *doc[:1]),
        )


def _game(game: Game | str) -> Game:
    if isinstance(game, Game):
        return game
    if isinstance(game, str):
        return game_registry.make(game)
    raise TypeError(f"policies are made for a Game or a game id, not {game!r}")


def _plays(spec: PolicySpec, game: Game) -> bool:
    return spec.games is None or game.info.name in spec.games


def specs(game: Game | str | None = None) -> list[PolicySpec]:
    """The registered policies (for ``game``: those that play it), sorted by name."""
    _load_builtins()
    g = None if game is None else _game(game)
    return [s for _, s in sorted(_registry.items()) if g is None or _plays(s, g)]


def names(game: Game | str | None = None) -> list[str]:
    """The policy names (for ``game``, a Game or a game id: those that play it), sorted."""
    return [s.name for s in specs(game)]


def make(name: str, game: Game | str) -> Policy:
    """A new policy ``name`` for ``game`` (a Game instance, whose options it follows, or a
    game id, which means the game's default options: pass the instance an environment
    plays, ``env.unwrapped.game``, when its options differ). Unknown names, and names of
    another game's policies, raise :class:`UnknownPolicyError` listing what the game offers.
    """
    if not isinstance(name, str):
        raise TypeError(f"a policy name is a str, not {name!r}")
    g = _game(game)
    _load_builtins()
    key = canonical(name)
    spec = _registry.get(key)
    offers = ", ".join(names(g))
    env_id = g.info.env_id
    if spec is None:
        raise UnknownPolicyError(f"no policy named {name!r} (policies for {env_id}: {offers})")
    if not _plays(spec, g):
        assert spec.games is not None
        plays = ", ".join(sorted(spec.games))
        raise UnknownPolicyError(
            f"policy {key!r} plays {plays} only, not {env_id} (policies for {env_id}: {offers})"
        )
    return spec.factory(g)


def resolve(policy: Policy | str, game: Game | str) -> Policy:
    """A policy given as a name (made for ``game``) or as a Policy (returned as it is)."""
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, str):
        return make(policy, game)
    raise TypeError(f"a policy is a Policy or a policy name, not {policy!r}")
