"""The Game contract that every game implements, in the style of OpenSpiel and boardgame.io.

A game is declarative: a :class:`GameInfo` (metadata as data), a turn-order preset, and
narrow hooks that read and change a :class:`~hypertoken.core.World`. The Engine owns
everything else: seats, turns, randomness, the log, rejections, snapshots and replay.

The one rule: **all state that changes during play lives in the World** (stacks, tokens,
agents, the game loop, properties). A game object holds only its static configuration
(player count, options), so snapshot, state hash, fork and replay cover the whole game.

Games import only this module and the World API (``hypertoken.core``): never asyncio,
automerge or a transport.

Seats are named ``player_0`` ... ``player_{n-1}`` (PettingZoo's names). Before ``setup``
the Engine has created one World agent per seat, in seat order, and started the World's
game loop, so a round-robin game's current player is the World's active agent.

Actions are ints in ``range(info.num_actions)``. In the log a move appears as a name and
arguments (``move_name``), which makes logs readable; ``parse_move`` is its inverse.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hypertoken.core import World, core_digest
from hypertoken.game.tables import TrainingTables


class Information(enum.Enum):
    """What the players can see (OpenSpiel's information type)."""

    PERFECT = "perfect"
    IMPERFECT = "imperfect"


class TurnOrder(enum.Enum):
    """Turn-order presets. The Engine enforces them; games rarely need more."""

    #: One seat at a time in seat order; the Engine advances the World's turn after every
    #: accepted move. ``current_player`` is the World's active agent.
    ROUND_ROBIN = "round_robin"
    #: One seat at a time, chosen by the game: it overrides ``current_player`` and moves
    #: the turn on itself inside ``apply``.
    CUSTOM = "custom"
    #: Any seat may move at any time (simultaneous or free-for-all play); the legal mask
    #: of the moving seat decides.
    ANY = "any"


@dataclass(frozen=True)
class GameInfo:
    """A game's metadata, declared as data."""

    #: Registry name, e.g. ``"tictactoe"``; with ``version`` it makes the env id.
    name: str
    #: Bumped whenever the rules or the observation change (old logs then refuse to load).
    version: int
    min_players: int
    max_players: int
    #: Size of the discrete action space (actions are ``range(num_actions)``).
    num_actions: int
    #: Shape of ``player_view``'s array.
    observation_shape: tuple[int, ...]
    information: Information = Information.PERFECT
    #: The smallest and largest reward one seat can receive in a game.
    reward_range: tuple[float, float] = (-1.0, 1.0)
    #: The most moves a game can take (0: unbounded).
    max_length: int = 0
    turn_order: TurnOrder = TurnOrder.ROUND_ROBIN
    #: Whether the game uses randomness (``MoveContext.seed``).
    chance: bool = False
    #: Simultaneous moves (with ``TurnOrder.ANY``): within a round every seat chooses
    #: blind, and no seat's view shows another's choice until the round resolves. Such a
    #: game is also a PettingZoo Parallel environment. Free-for-all games (moves public at
    #: once) leave it False.
    simultaneous: bool = False
    #: The numpy dtype of ``player_view``'s array (an environment's observation space).
    observation_dtype: str = "float32"
    #: The smallest and largest value of any observation entry (the space's bounds).
    observation_range: tuple[float, float] = (0.0, 1.0)

    @property
    def env_id(self) -> str:
        """The versioned id, e.g. ``"tictactoe_v1"``."""
        return f"{self.name}_v{self.version}"


class IllegalMoveError(Exception):
    """A move refused by the rules. The one exception for an illegal move, at every layer:

    - a game hook raises it to refuse a move; the message is the reason every peer records,
      and the engine restores the World to its state before the move;
    - :meth:`hypertoken.engine.RoomEngine.submit` and
      :meth:`hypertoken.engine.LocalEngine.step` raise it (with the fold's reason) for a
      move they refuse, having changed nothing.

    It is not an :class:`~hypertoken.engine.EngineError`: the engine worked, the move is
    what the rules refuse.
    """


#: Deprecated alias of :class:`IllegalMoveError` (goes in 0.3): games raising it keep
#: working, new code raises :class:`IllegalMoveError`.
IllegalMove = IllegalMoveError


@dataclass(frozen=True, slots=True)
class MoveContext:
    """What a hook may know about the entry being applied, besides the World."""

    #: Milliseconds, from the log entry (never a clock: the fold must be deterministic).
    time_ms: int
    #: Where the entry is in the log: epoch and index within the epoch.
    epoch: int
    index: int
    #: A 32-bit seed for shuffles, derived from the room seed and this position.
    seed: int

    def seed_for(self, salt: int) -> int:
        """Another 32-bit seed for the same entry (for a second shuffle, say)."""
        x = (self.seed ^ (salt * 0x9E3779B1)) & 0xFFFFFFFF
        x = ((x ^ (x >> 16)) * 0x45D9F3B) & 0xFFFFFFFF
        return (x ^ (x >> 16)) & 0xFFFFFFFF


@dataclass(frozen=True)
class Rule:
    """A condition-triggered action, run by the Engine's RuleEngine after every accepted
    entry (see :mod:`hypertoken.engine.rules`). Rules with higher ``priority`` run first; ties run
    in name order. A ``once`` rule fires at most once per game (recorded in the World).
    """

    name: str
    condition: Callable[[World], bool]
    action: Callable[[World, MoveContext], None]
    priority: int = 0
    once: bool = False


def check_int_option(game: str, name: str, value: object, lo: int, hi: int) -> int:
    """``value`` if it is an int (not a bool) in ``lo..hi``; else a ValueError naming the
    game's option and its range.
    """
    if type(value) is not int or not lo <= value <= hi:
        raise ValueError(f"{game} {name} must be an int in {lo}..{hi}, not {value!r}")
    return value


def seat_names(n: int) -> tuple[str, ...]:
    """The seat names of an ``n``-player game."""
    return tuple(f"player_{i}" for i in range(n))


class Game(abc.ABC):
    """Base class of every game. Subclasses set ``info`` and implement the hooks.

    The constructor takes the player count and static options only.
    """

    #: Set on the class; an instance may refine it from its options (e.g. max_length).
    info: GameInfo

    def __init__(self, num_players: int | None = None, **options: Any) -> None:
        n = self.info.min_players if num_players is None else num_players
        if type(n) is not int or not self.info.min_players <= n <= self.info.max_players:
            raise ValueError(
                f"{self.info.env_id} takes {self.info.min_players}..{self.info.max_players} "
                f"players, not {num_players!r}"
            )
        if options:
            raise TypeError(f"{self.info.env_id} has no options {sorted(options)}")
        self.num_players = n
        self.seats = seat_names(n)
        self.options: dict[str, Any] = {}

    # ---- hooks every game implements ---------------------------------------------

    def new_world(self) -> World:
        """A fresh, empty World to play this game in. The default runs the plain core; a
        game with a kernel (game code compiled into the WASM module, see
        ``hypertoken/core/zig/kernel.zig``) returns a World of its own module, whose moves
        then run there. Either World gives the same states, hashes and snapshots.
        """
        return World()

    def prepare(self, world: World) -> None:
        """Build the parts of the initial position that depend on neither the seed nor the
        seats (card tokens, containers, fixed properties) in an empty World. The Engine runs
        it once, when it is created, and every start and every training reset begins from a
        copy of the result, so this work is not repeated per episode. ``setup`` does the
        rest. The default prepares nothing.
        """
        del world  # nothing to prepare by default

    @abc.abstractmethod
    def setup(self, world: World, ctx: MoveContext) -> None:
        """Build the initial position (seat agents exist and the game loop has started)."""

    @abc.abstractmethod
    def legal_actions(self, world: World, seat: str) -> np.ndarray:
        """A bool mask of shape ``(num_actions,)``: which actions ``seat`` may take now."""

    @abc.abstractmethod
    def apply(self, world: World, seat: str, action: int, ctx: MoveContext) -> None:
        """Apply a legal action (raise :class:`IllegalMoveError` to refuse it)."""

    @abc.abstractmethod
    def player_view(self, world: World, seat: str) -> np.ndarray:
        """The observation of ``seat``: the ONLY way an observation is produced, so it must
        hold nothing that seat may not see.
        """

    @abc.abstractmethod
    def rewards(self, world: World) -> dict[str, float]:
        """Each seat's reward so far (cumulative for the game)."""

    @abc.abstractmethod
    def is_over(self, world: World) -> bool:
        """Whether the game has ended."""

    # ---- hooks with defaults ---------------------------------------------------------

    def current_player(self, world: World) -> str | None:
        """The seat to move, or None when any seat may move (``TurnOrder.ANY``) or the game
        is over. ROUND_ROBIN games get the World's active agent; CUSTOM games override.
        """
        order = self.info.turn_order
        if order is TurnOrder.ANY:
            return None
        if order is TurnOrder.CUSTOM:
            raise NotImplementedError(
                f"{self.info.env_id} uses CUSTOM turns: override current_player"
            )
        return world.active_agent()

    def is_legal(self, world: World, seat: str, action: int) -> bool:
        """Whether ``seat`` may take ``action`` now. Override when a cheaper check exists."""
        return 0 <= action < self.info.num_actions and bool(self.legal_actions(world, seat)[action])

    def tolerates(self, world: World, seat: str, action: int) -> bool:
        """Whether ``seat`` may still send ``action`` although it is outside the legal mask:
        the game accepts it and ``apply`` handles it by a documented policy (blackjack
        plays an unavailable action as Stand, as clients that sample without the mask
        expect). The mask stays the legal moves. The default tolerates nothing.
        """
        return False

    def render(self, world: World, seat: str | None = None) -> str:
        """Text picture of the game (from ``seat``'s view when given)."""
        return f"<{self.info.env_id}>"

    def default_action(self, world: World, seat: str) -> int | None:
        """The move made for ``seat`` when its turn times out (None: no default, so a
        timeout claim is rejected).
        """
        return None

    def hand_over(self, world: World) -> bool:
        """Whether a hand just ended (starts a new epoch when the room asks for that)."""
        return False

    def hidden_variants(self, world: World) -> list[tuple[str, World]]:
        """Worlds that differ from ``world`` only in what a seat may not see, paired with
        that seat (for example the dealer's face-down card swapped with another). The
        contract suite checks ``player_view`` is the same in each; games with hidden state
        should provide some. The default has none.
        """
        return []

    def core_digest(self) -> bytes:
        """The SHA-256 of the action core (``core.wasm``) this game's rooms run: what
        :meth:`hypertoken.log.RoomConfig.for_game` records as ``RoomConfig.core``, and what
        an engine checks a room against (peers on another core would diverge). A game's
        kernel is game code, versioned with the game, so the default is the plain core's
        digest whatever :meth:`new_world` returns.
        """
        return core_digest()

    def rules(self) -> tuple[Rule, ...]:
        """Condition-triggered rules the Engine runs after every accepted entry."""
        return ()

    def training_tables(self, count: int, seat: int) -> TrainingTables | None:
        """``count`` tables of this game seen from seat index ``seat``, held and stepped
        by the game's kernel without a World (:mod:`hypertoken.game.tables`), for the
        training environments; None (the default) when the game has none for these
        options, and the environments play on engines.
        """
        return None

    def move_name(self, action: int) -> tuple[str, tuple[Any, ...]]:
        """How an action appears in the log: a move name and its arguments."""
        return ("act", (action,))

    def seat_index(self, seat: str) -> int:
        """``seat``'s index (``player_2`` -> 2); a ValueError naming the seats for a name
        that is not one of this game's.
        """
        try:
            return self.seats.index(seat)
        except ValueError:
            raise ValueError(
                f"no seat {seat!r} in this {len(self.seats)}-seat {self.info.name} "
                f"(seats: {', '.join(self.seats)})"
            ) from None

    def describe_action(self, world: World, seat: str, action: int) -> str:
        """How a person reads ``action`` for ``seat`` now (the move menus of
        ``hypertoken play``): by default its log name and arguments (``hit``,
        ``place 4``); a game may say what the move costs or does in this position (a
        poker raise: the chips it puts in).
        """
        name, args = self.move_name(action)
        return " ".join([str(name), *(str(a) for a in args)])

    def parse_move(self, move: str, args: tuple[Any, ...]) -> int:
        """The action of a logged move; raise :class:`IllegalMoveError` if it is not one."""
        if move == "act" and len(args) == 1 and type(args[0]) is int:
            return int(args[0])
        raise IllegalMoveError(f"{self.info.env_id} has no move {move}{list(args)}")
