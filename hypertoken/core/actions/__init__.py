"""The typed actions of the core, shared by :class:`~hypertoken.core.world.World` (which
runs each one at once and returns its result) and :class:`~hypertoken.core.batch.Batch`
(which records them to run in one call).

**One naming rule.** Each core action has exactly one typed method, named after it with
the dot replaced: ``stack.draw`` is :meth:`~Actions.stack_draw`, ``space.create_zone`` is
``space_create_zone``, ``batch.draw`` is ``batch_draw``. :meth:`Actions.do` runs an action
by its core name with the typed method's own arguments and defaults.

**Precise results.** Each method is annotated with its action's result kind (see
:mod:`hypertoken.core.actions._base`): a World returns ``None``, an ``int``, a
``list[int]`` of token ids, or one ``int`` id for the actions that always yield exactly
one token (:data:`ONE_ID`); a Batch returns itself.

Each method's docstring states the action's one semantics. Positions in stacks count
from the bottom (0) and the top is the end; results listing several tokens give them
top first. Destinations (``to``) and containers are described in
:mod:`hypertoken.core.targets`. Times are milliseconds supplied by the caller; the
core never reads a clock. The families live one per module, like the core's Zig
sources: :mod:`.stack`, :mod:`.space`, :mod:`.source`, :mod:`.agent`, :mod:`.game`,
:mod:`.token`, :mod:`.batch`.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

from hypertoken.core.actions._base import RESULT_LETTERS, RId, RIds, RInt, RNone
from hypertoken.core.actions.agent import AgentActions
from hypertoken.core.actions.batch import BatchActions
from hypertoken.core.actions.game import GameActions
from hypertoken.core.actions.source import SourceActions
from hypertoken.core.actions.space import SpaceActions
from hypertoken.core.actions.stack import StackActions
from hypertoken.core.actions.token import TokenActions
from hypertoken.core.encode import unknown
from hypertoken.core.errors import ActionTypeError, CoreError

__all__ = [
    "ONE_ID",
    "RENAMED",
    "RESULT_LETTERS",
    "TYPED",
    "Actions",
    "RId",
    "RIds",
    "RInt",
    "RNone",
    "method_name",
    "result_kind",
]

#: The families, in the core's order.
FAMILIES = (
    StackActions,
    SpaceActions,
    SourceActions,
    AgentActions,
    GameActions,
    TokenActions,
    BatchActions,
)


def method_name(op: str) -> str:
    """The typed method of the core action ``op``: ``"space.create_zone"`` ->
    ``"space_create_zone"``."""
    return op.replace(".", "_")


class Actions(
    StackActions[RNone, RInt, RIds, RId],
    SpaceActions[RNone, RInt, RIds, RId],
    SourceActions[RNone, RInt, RIds, RId],
    AgentActions[RNone, RInt, RIds, RId],
    GameActions[RNone, RInt, RIds, RId],
    TokenActions[RNone, RInt, RIds, RId],
    BatchActions[RNone, RInt, RIds, RId],
):
    """Typed action methods, one per core action. Subclasses implement :meth:`_act`."""

    __slots__ = ()

    def do(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """Run the action ``name``, given by its core name, with the arguments and defaults
        of its typed method: ``w.do("stack.draw", "deck", 2, to=To.agent("ann"))`` is
        ``w.stack_draw("deck", 2, to=To.agent("ann"))``. For actions named in data.
        """
        typed = TYPED.get(name)
        if typed is None:
            raise unknown(name, list(TYPED))
        method = getattr(self, typed.__name__)  # bound: a subclass's override runs
        try:
            return method(*args, **kwargs)
        except TypeError as e:
            if not isinstance(e, CoreError):
                bad = _bad_call(name, method, args, kwargs)
                if bad is not None:
                    raise bad from None
            raise

    # ---- the names before 0.2 ---------------------------------------------------
    # One release of grace: each old name = the method it became (type checkers see
    # them as exactly that method). Below the class every one is replaced by a wrapper
    # that warns (DeprecationWarning) and calls the new method; RENAMED lists them.

    zone_create = SpaceActions.space_create_zone
    zone_delete = SpaceActions.space_delete_zone
    zone_clear = SpaceActions.space_clear_zone
    zone_lock = SpaceActions.space_lock_zone
    place = SpaceActions.space_place
    unplace = SpaceActions.space_remove
    move_placement = SpaceActions.space_move
    flip = SpaceActions.space_flip
    zone_shuffle = SpaceActions.space_shuffle_zone
    zone_fan = SpaceActions.space_fan
    zone_spread = SpaceActions.space_spread
    zone_stack = SpaceActions.space_stack
    zone_transfer = SpaceActions.space_transfer
    give = AgentActions.agent_give_resource
    take = AgentActions.agent_take_resource
    transfer = AgentActions.agent_transfer_resource
    steal = AgentActions.agent_steal_resource
    trade = AgentActions.agent_trade
    draw_cards = AgentActions.agent_draw_cards
    discard_cards = AgentActions.agent_discard_cards
    next_phase = GameActions.game_next_phase
    set_phase = GameActions.game_set_phase
    set_property = GameActions.game_set_property
    add_property = GameActions.game_add_property
    next_turn = GameActions.game_next_turn
    set_max_turns = GameActions.game_set_max_turns
    set_active_agent = GameActions.game_set_active_agent
    transform = TokenActions.token_transform
    attach = TokenActions.token_attach
    detach = TokenActions.token_detach
    merge = TokenActions.token_merge
    split = TokenActions.token_split
    move = TokenActions.token_move
    shuffle_many = BatchActions.batch_shuffle
    deal = BatchActions.batch_draw
    filter = BatchActions.batch_filter
    count = BatchActions.batch_count
    find = BatchActions.batch_find
    collect = BatchActions.batch_collect


def _bad_call(
    name: str, method: Callable[..., Any], args: Any, kwargs: Any
) -> ActionTypeError | None:
    """The clear error for arguments that do not fit the (bound) typed method; None if
    they fit, so the TypeError came from inside and is re-raised as it is."""
    sig = inspect.signature(method)
    try:
        sig.bind(*args, **kwargs)
    except TypeError as e:
        params = [p.replace(annotation=p.empty) for p in sig.parameters.values()]
        return ActionTypeError(f"{name}({', '.join(map(str, params))}): {e}", op=name)
    return None


def result_kind(method: Callable[..., Any]) -> str:
    """The result kind a typed method is annotated with: "RNone", "RInt", "RIds" or "RId"."""
    kind = method.__annotations__.get("return")
    return str(getattr(kind, "__name__", kind))


def _deprecated(old: str, new: Callable[..., Any]) -> Callable[..., Any]:
    """A wrapper for the old name ``old`` of the method ``new`` that warns, then calls it."""
    message = (
        f"{old}() is deprecated and goes in 0.3: use {new.__name__}() "
        f"(named after the core action, as every typed method is)"
    )
    target = new.__name__

    @functools.wraps(new)
    def alias(self: Any, *args: Any, **kwargs: Any) -> Any:
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return getattr(self, target)(*args, **kwargs)

    alias.__name__ = old
    alias.__qualname__ = f"Actions.{old}"
    alias.__doc__ = f"Deprecated name of :meth:`{target}` (goes in 0.3)."
    return alias


def _typed() -> dict[str, Callable[..., Any]]:
    """Core action name -> its typed method, by the naming rule."""
    table: dict[str, Callable[..., Any]] = {}
    for family in FAMILIES:
        for name, fn in vars(family).items():
            if not name.startswith("_") and inspect.isfunction(fn):
                table[name.replace("_", ".", 1)] = fn
    return table


def _rename() -> dict[str, str]:
    """Replace each old name in :class:`Actions` by its warning wrapper; old -> new."""
    renamed: dict[str, str] = {}
    for old, fn in list(vars(Actions).items()):
        if inspect.isfunction(fn) and fn.__name__ != old and not old.startswith("_"):
            renamed[old] = fn.__name__
            setattr(Actions, old, _deprecated(old, fn))
    return renamed


#: Core action name -> its typed method (the function; pass the World or Batch first).
TYPED: dict[str, Callable[..., Any]] = _typed()
#: Old method name -> new, for the names deprecated in 0.2 (the old names still work and
#: warn until 0.3).
RENAMED: dict[str, str] = _rename()
#: The actions whose result is always exactly one token id: a World returns it as an int.
ONE_ID: frozenset[str] = frozenset(op for op, fn in TYPED.items() if result_kind(fn) == "RId")
