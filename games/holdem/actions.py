"""The actions of :mod:`games.holdem`: the two layouts (ids as the upstream PokerAEC's
clients use them), their names and raise sizes, the policies for an unavailable action,
and turning what a client sent into an action id or a clear refusal. The betting rules
of each action are in the game's docstring.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from fractions import Fraction

from hypertoken.game import IllegalMove

FOLD, CHECK, CALL = 0, 1, 2
#: What an unavailable action does (the option ``illegal_action``): played as Check when
#: checking is possible, else as Fold (default); refused; or a penalty and a move again.
ILLEGAL_POLICIES = ("check_fold", "error", "penalty")
#: Reward taken from a seat per refused action under ``illegal_action="penalty"`` (big blinds).
PENALTY = 0.1


@dataclass(frozen=True)
class Layout:
    """An action layout: names, and for each raise id its size as a fraction of the pot
    (None for All-in). Ids 0..2 are always Fold, Check, Call.
    """

    name: str
    names: tuple[str, ...]
    #: Raise fractions of the pot, by action id from 3; None = all-in.
    sizes: tuple[Fraction | None, ...]

    @property
    def num_actions(self) -> int:
        """How many action ids the layout has."""
        return len(self.names)

    @property
    def all_in(self) -> int:
        """The All-in action's id (the last)."""
        return len(self.names) - 1


DEFAULT = Layout(
    "default",
    ("fold", "check", "call", "raise_half_pot", "raise_pot", "all_in"),
    (Fraction(1, 2), Fraction(1), None),
)
EXTENDED = Layout(
    "extended",
    (
        "fold",
        "check",
        "call",
        "raise_third_pot",
        "raise_half_pot",
        "raise_two_thirds_pot",
        "raise_pot",
        "raise_1.5_pot",
        "raise_2_pot",
        "all_in",
    ),
    (
        Fraction(1, 3),
        Fraction(1, 2),
        Fraction(2, 3),
        Fraction(1),
        Fraction(3, 2),
        Fraction(2),
        None,
    ),
)
LAYOUTS = {"default": DEFAULT, "extended": EXTENDED}


def action_id(action: object, layout: Layout) -> int:
    """``action`` as an int id of ``layout`` (numpy integers accepted), or a clear refusal."""
    n = layout.num_actions
    if type(action) is int and 0 <= action < n:
        return action
    table = ", ".join(f"{i} {name}" for i, name in enumerate(layout.names))
    if type(action) is not int:
        if isinstance(action, bool) or not hasattr(action, "__index__"):
            raise IllegalMove(
                f"a hold'em action is an int 0..{n - 1} ({table}), "
                f"not {type(action).__name__} {action!r}"
            )
        action = operator.index(action)  # type: ignore[call-overload]
    if not 0 <= action < n:  # type: ignore[operator]
        raise IllegalMove(f"hold'em action {action} is outside 0..{n - 1} ({table})")
    return action  # type: ignore[return-value]


def refusal(action: int, mask: int, layout: Layout) -> str:
    """Why ``action`` is refused when only the actions in ``mask`` (bits) are legal."""
    legal = ", ".join(layout.names[a] for a in range(layout.num_actions) if mask >> a & 1)
    return f"{layout.names[action]} is not legal now (legal: {legal})"


__all__ = [
    "CALL",
    "CHECK",
    "DEFAULT",
    "EXTENDED",
    "FOLD",
    "ILLEGAL_POLICIES",
    "LAYOUTS",
    "PENALTY",
    "Layout",
    "action_id",
    "refusal",
]
