"""The ``batch.*`` actions: one action over many stacks or destinations (shuffle several
stacks, deal round-robin, gather containers) and queries over a container's tokens.

Not to be confused with :class:`~hypertoken.core.batch.Batch`, which records any actions
(these included) to run in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypertoken.core.actions._base import ActionsBase, RId, RIds, RInt, RNone, listed
from hypertoken.core.targets import KINDS, ContainerLike, DestLike, parse_dest


class BatchActions(ActionsBase[RNone, RInt, RIds, RId]):
    """Typed methods of the ``batch.*`` actions."""

    __slots__ = ()

    def batch_shuffle(self, stacks: Sequence[str], seed: int) -> RNone:
        """Shuffle stack i with upstream's batch seed hash of ``f"{seed}-{i}"``."""
        return self._act_none("batch.shuffle", listed(stacks), seed)

    def batch_draw(self, source: ContainerLike, rounds: int, to: Sequence[DestLike]) -> RIds:
        """Deal ``rounds`` rounds, one token per destination per round (a casino deal), from
        ``source``: ``To.stack(name)`` or ``To.source(name)`` (whose reshuffle policy
        applies per token). Overdraw errors first; no destination may be the origin.
        Returns ids in deal order.
        """
        src = parse_dest(source, op="batch.draw")
        return self._act_ids("batch.draw", KINDS[src.kind], src.name, rounds, listed(to))

    def batch_filter(self, container: ContainerLike, **where: Any) -> RIds:
        """Ids of the tokens in ``container`` matching at most one condition (see
        :data:`~hypertoken.core.targets.PREDICATES`), bottom to top."""
        return self._act_ids("batch.filter", container, where)

    def batch_count(self, container: ContainerLike, **where: Any) -> RInt:
        """How many tokens in ``container`` match at most one condition."""
        return self._act_int("batch.count", container, where)

    def batch_find(self, container: ContainerLike, **where: Any) -> RIds:
        """The first match from the top, as ``[id]``, or ``[]`` when nothing matches."""
        return self._act_ids("batch.find", container, where)

    def batch_collect(self, containers: Sequence[ContainerLike], stack: str) -> RInt:
        """Move every token of the containers, in order (bottom first), onto the top of
        ``stack``. Zones must be unlocked; ``To.all()`` is refused. Returns how many moved."""
        return self._act_int("batch.collect", listed(containers), stack)
