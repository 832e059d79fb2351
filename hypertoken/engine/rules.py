"""Engine-level rules: the RuleEngine (condition-triggered actions) and the GameLoop
(turns, phases, max turns, turn timeouts).

Both are configuration that does not change during play. Whatever they must remember
(which ``once`` rules fired, the turn, the phase) lives in the World, so a snapshot, a
state hash or a replay covers it like the rest of the game.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hypertoken.core import World
from hypertoken.game import MoveContext, Rule

logger = logging.getLogger(__name__)

#: The World property prefix that records a fired ``once`` rule.
FIRED_PREFIX = "rule.fired."


class RuleEngine:
    """Evaluates rules deterministically after each accepted entry.

    Order: priority high to low, then name. Each rule is considered once per evaluation and
    sees the World as the rules before it left it. A rule whose action raises makes the
    whole entry fail (the engine restores the World and records the reason), so a rule is
    never half applied.
    """

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        given = list(rules)
        for r in given:
            if not isinstance(r, Rule):
                raise TypeError(f"a rule is a hypertoken.game.Rule, not {type(r).__name__}")
        ordered = sorted(given, key=lambda r: (-r.priority, r.name))
        names = [r.name for r in ordered]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"rule names must be unique; repeated: {dupes}")
        self._rules: tuple[Rule, ...] = tuple(ordered)
        self._has_once = any(r.once for r in ordered)

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules in evaluation order."""
        return self._rules

    def __len__(self) -> int:
        return len(self._rules)

    def evaluate(self, world: World, ctx: MoveContext) -> list[str]:
        """Run every rule whose condition holds; return the names that fired, in order."""
        if not self._rules:
            return []
        props = world.properties() if self._has_once else {}
        fired: list[str] = []
        for rule in self._rules:
            if rule.once and props.get(FIRED_PREFIX + rule.name):
                continue
            if rule.condition(world):
                rule.action(world, ctx)
                if rule.once:
                    world.game_set_property(FIRED_PREFIX + rule.name, True)
                fired.append(rule.name)
        return fired


@dataclass(frozen=True)
class GameLoop:
    """Turns, phases, a turn limit and a turn timeout, on top of the World's game loop.

    A turn timeout cannot be read from a clock (the fold must give every peer the same
    result), so it is *claimed*: any seated peer appends a ``turn.timeout`` entry naming
    the seat to move, and the fold accepts it when the entry's time is at least
    ``turn_timeout_ms`` after the entry that began the turn. The game's
    ``default_action`` is then played for that seat; a game without one refuses the
    claim. Entry times are the signers' claims, which bounds how far this can be trusted.
    """

    #: Turns after which the World ends the game with reason "max_turns" (0: none).
    max_turns: int = 0
    #: Milliseconds a seat may take before a timeout claim is accepted (0: no timeouts).
    turn_timeout_ms: int = 0
    #: Named phases; the game starts in the first (games move on with ``game_next_phase``).
    phases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if type(self.max_turns) is not int or self.max_turns < 0:
            raise ValueError("GameLoop.max_turns must be an int >= 0")
        if type(self.turn_timeout_ms) is not int or self.turn_timeout_ms < 0:
            raise ValueError("GameLoop.turn_timeout_ms must be an int >= 0")

    def start(self, world: World, seats: Sequence[str], time_ms: int) -> None:
        """Create one agent per seat (in seat order) and start the World's game loop."""
        for seat in seats:
            world.agent_create(seat)
        world.game_start(time_ms)
        if self.max_turns:
            world.game_set_max_turns(self.max_turns)
        if self.phases:
            world.game_set_phase(self.phases[0])

    def advance(self, world: World) -> bool:
        """End the current turn (ROUND_ROBIN). Returns True if the turn limit ended the game."""
        turn = world.game_next_turn()
        return bool(self.max_turns) and turn >= self.max_turns

    def reached_limit(self, world: World) -> bool:
        """Whether the World's game ended on its turn limit (for games that move turns)."""
        return bool(self.max_turns) and world.game_state().ended

    def timed_out(self, turn_started_ms: int, now_ms: int) -> bool:
        """Whether a timeout claimed at ``now_ms`` is due."""
        return bool(self.turn_timeout_ms) and now_ms - turn_started_ms >= self.turn_timeout_ms
