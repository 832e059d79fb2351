"""The base of the typed action families: the four result kinds and how a typed method
reaches the core.

A typed method is annotated with the TypeVar of its action's result kind, so one set of
methods serves :class:`~hypertoken.core.world.World` (which runs the action at once and
returns its result) and :class:`~hypertoken.core.batch.Batch` (which records it and
returns itself):

============  =======================================  =========  =========
TypeVar       what the action returns                  manifest   World
============  =======================================  =========  =========
``RNone``     nothing                                  ``-``      ``None``
``RInt``      one integer (a count, a total, a turn)   ``i``      ``int``
``RIds``      token ids, any number                    ``T``      ``list[int]``
``RId``       always exactly one token id              ``T``      ``int``
============  =======================================  =========  =========
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

RNone = TypeVar("RNone")
RInt = TypeVar("RInt")
RIds = TypeVar("RIds")
RId = TypeVar("RId")

#: The manifest's result letter of each result kind (the name of its TypeVar).
RESULT_LETTERS: dict[str, str] = {"RNone": "-", "RInt": "i", "RIds": "T", "RId": "T"}

Value = Any  # None (delete), bool, int, float or str


def listed(v: Any) -> Any:
    """``v`` as a list for the encoder. A string or a non-iterable passes unchanged so the
    encoder refuses it with a clear message: ``list("deck")`` would be four names."""
    if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
        return v
    return list(v)


class ActionsBase(Generic[RNone, RInt, RIds, RId]):
    """What every action family builds on. Subclasses implement :meth:`_act`."""

    __slots__ = ()

    def _act(self, op: str, *args: Any) -> Any:
        """Run (World) or record (Batch) the core action ``op`` with its core arguments."""
        raise NotImplementedError

    if TYPE_CHECKING:
        # ``_act`` as the type checker sees it, one name per result kind. At run time each
        # IS the class's ``_act`` (bound by __init_subclass__), so the typing costs nothing
        # on the hot path, and a subclass overriding ``_act`` (to count calls, say) is
        # still the one the typed methods reach.

        def _act_none(self, op: str, *args: Any) -> RNone: ...

        def _act_int(self, op: str, *args: Any) -> RInt: ...

        def _act_ids(self, op: str, *args: Any) -> RIds: ...

    def _act_id(self, op: str, *args: Any) -> RId:
        """An action whose result is always exactly one id. By default, ``_act``'s result
        (a Batch returns itself); World unwraps the one-element list."""
        result: RId = self._act(op, *args)
        return result

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        act = cls.__dict__.get("_act")
        if act is not None:
            for name in ("_act_none", "_act_int", "_act_ids"):
                setattr(cls, name, act)
