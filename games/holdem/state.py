"""The state of :mod:`games.holdem` in the World: every game property, declared once.

All of it is game properties (ints), read in one ``world.properties()`` call into a
:class:`Table` and written back as one batch of the properties that changed. The cards are
52 tokens in the stack ``deck`` (token id = card id + 1, created in card order); a card
dealt moves onto the deck's discards (burns included), and which card went where is in the
properties below. Cards are packed six bits each, ``card + 1`` (0 = no card).

==============  ==============================================================
``hand``        hands dealt so far (the current hand's number, from 1)
``button``      the button's seat
``street``      0 pre-flop, 1 flop, 2 turn, 3 river, 4 showdown (hand settled at a
                showdown), 5 complete (settled without one)
``actor``       the seat to act, -1 when nobody is (the game is over)
``bet``         the street's bet to match (per seat, this street)
``minr``        the minimum raise: the size of the street's last full bet or raise
``board``       the board cards, packed (first card in the low bits)
``flags``       bit 0: the last move ended a hand (``hand_over``)
``report``      the last move's unavailable action: ``(action + 1) | seat << 8``, or 0
``stk{i}``      seat i's chips behind (not yet bet)
``sb{i}``       seat i's bet on this street
``tot{i}``      seat i's chips put in this hand (this street's included)
``st{i}``       seat i's status bits: IN dealt in, FOLDED, ALL_IN, ACTED (this street)
``hc{i}``       seat i's hole cards, packed (0 when not dealt in)
``won{i}``      chips seat i took from the pots at the last settlement
``pen{i}``      penalties of seat i (only under ``illegal_action="penalty"``)
==============  ==============================================================

The packed ints the kernel (``kernel.zig``) reads and writes besides the cards are declared
as layouts below (:class:`Status`, :class:`Report`); ``kernel_state.zig`` is generated from
them (``python -m games.kernels`` regenerates it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypertoken.core import Batch, World
from hypertoken.game.fields import Field, Layout

#: The generated Zig declarations of the layouts below, beside this module (for the kernel).
ZIG_FILE = "kernel_state.zig"


class Status(Layout):
    """A seat's status bits, property ``st{i}``."""

    dealt_in = Field(1, "the seat was dealt in this hand (it had chips)")
    folded = Field(1, "the seat folded this hand")
    all_in = Field(1, "the seat has no chips behind (it bet them all)")
    acted = Field(1, "the seat has acted on this street")


class Report(Layout):
    """The last move's unavailable action, property ``report`` (0: the action was legal)."""

    action = Field(8, "the action sent + 1")
    seat = Field(8, "the seat that sent it")
    played = Field(8, 'what it was played as + 1 (0: penalised, ``illegal_action="penalty"``)')


IN, FOLDED, ALL_IN, ACTED = (
    f.mask for f in (Status.dealt_in, Status.folded, Status.all_in, Status.acted)
)
PREFLOP, FLOP, TURN, RIVER, SHOWDOWN, COMPLETE = range(6)
STREET_NAMES = ("pre-flop", "flop", "turn", "river", "showdown", "complete")
HAND_OVER = 1
MAX_SEATS = 10

STK = tuple(f"stk{i}" for i in range(MAX_SEATS))
SB = tuple(f"sb{i}" for i in range(MAX_SEATS))
TOT = tuple(f"tot{i}" for i in range(MAX_SEATS))
ST = tuple(f"st{i}" for i in range(MAX_SEATS))
HC = tuple(f"hc{i}" for i in range(MAX_SEATS))
WON = tuple(f"won{i}" for i in range(MAX_SEATS))
PEN = tuple(f"pen{i}" for i in range(MAX_SEATS))
_SCALARS = ("hand", "button", "street", "actor", "bet", "minr", "board", "flags", "report")


def pack(cards: list[int]) -> int:
    """Cards as six bits each, ``card + 1``, first card lowest."""
    v = 0
    for k, c in enumerate(cards):
        v |= (c + 1) << (6 * k)
    return v


def unpack(v: int) -> list[int]:
    """Inverse of :func:`pack`."""
    out: list[int] = []
    while v:
        out.append((v & 63) - 1)
        v >>= 6
    return out


@dataclass
class Table:
    """The whole changing state of a table, as plain Python values (see the module
    docstring for each field). Load with :meth:`load`, write back with :meth:`save`.
    """

    n: int
    hand: int = 0
    button: int = 0
    street: int = PREFLOP
    actor: int = -1
    bet: int = 0
    minr: int = 0
    board: list[int] = field(default_factory=list)
    flags: int = 0
    report: int = 0
    stack: list[int] = field(default_factory=list)
    sbet: list[int] = field(default_factory=list)
    total: list[int] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    hole: list[list[int]] = field(default_factory=list)
    won: list[int] = field(default_factory=list)
    #: The properties as loaded (what :meth:`save` compares against).
    loaded: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def new(cls, n: int, starting_stack: int) -> Table:
        """A table before the first deal: every seat with ``starting_stack`` chips."""
        return cls(
            n,
            stack=[starting_stack] * n,
            sbet=[0] * n,
            total=[0] * n,
            status=[0] * n,
            hole=[[] for _ in range(n)],
            won=[0] * n,
        )

    @classmethod
    def load(cls, world: World, n: int) -> Table:
        """The table as the World holds it."""
        p = world.properties()
        return cls.from_props(p, n)

    @classmethod
    def from_props(cls, p: dict[str, Any], n: int) -> Table:
        """The table from a properties dict."""
        return cls(
            n,
            hand=p["hand"],
            button=p["button"],
            street=p["street"],
            actor=p["actor"],
            bet=p["bet"],
            minr=p["minr"],
            board=unpack(p["board"]),
            flags=p["flags"],
            report=p["report"],
            stack=[p[STK[i]] for i in range(n)],
            sbet=[p[SB[i]] for i in range(n)],
            total=[p[TOT[i]] for i in range(n)],
            status=[p[ST[i]] for i in range(n)],
            hole=[unpack(p[HC[i]]) for i in range(n)],
            won=[p[WON[i]] for i in range(n)],
            loaded=p,
        )

    def props(self) -> dict[str, int]:
        """Every property this table sets, by name."""
        out = {
            "hand": self.hand,
            "button": self.button,
            "street": self.street,
            "actor": self.actor,
            "bet": self.bet,
            "minr": self.minr,
            "board": pack(self.board),
            "flags": self.flags,
            "report": self.report,
        }
        for i in range(self.n):
            out[STK[i]] = self.stack[i]
            out[SB[i]] = self.sbet[i]
            out[TOT[i]] = self.total[i]
            out[ST[i]] = self.status[i]
            out[HC[i]] = pack(self.hole[i])
            out[WON[i]] = self.won[i]
        return out

    def save(self, batch: Batch) -> Batch:
        """Add to ``batch`` a property action for every value that changed since loading."""
        old = self.loaded
        for key, value in self.props().items():
            if old.get(key) != value:
                batch.game_set_property(key, value)
        return batch

    # ---- questions the rules ask -------------------------------------------------------

    def live(self, i: int) -> bool:
        """Seat i holds cards in this hand (dealt in, not folded)."""
        return self.status[i] & (IN | FOLDED) == IN

    def can_act(self, i: int) -> bool:
        """Seat i holds cards and chips behind (it may still bet)."""
        return self.status[i] & (IN | FOLDED | ALL_IN) == IN

    def next_seat(self, i: int, pred: Any) -> int:
        """The first seat after ``i`` (clockwise, ``i`` itself last) with ``pred(seat)``,
        or -1.
        """
        for k in range(1, self.n + 1):
            j = (i + k) % self.n
            if pred(j):
                return j
        return -1

    def pot(self) -> int:
        """Every chip put in this hand (the pots and the street's bets)."""
        return sum(self.total)

    def to_call(self, i: int) -> int:
        """What seat i must add to match the bet (before its stack caps it)."""
        return max(0, self.bet - self.sbet[i])


__all__ = [
    "ACTED",
    "ALL_IN",
    "COMPLETE",
    "FLOP",
    "FOLDED",
    "HAND_OVER",
    "HC",
    "IN",
    "MAX_SEATS",
    "PEN",
    "PREFLOP",
    "RIVER",
    "SHOWDOWN",
    "STK",
    "STREET_NAMES",
    "TOT",
    "TURN",
    "Table",
    "pack",
    "unpack",
]
