"""The ``stack.*`` actions: ordered piles of tokens (top = end) with their discards."""

from __future__ import annotations

from hypertoken.core.actions._base import ActionsBase, RId, RIds, RInt, RNone
from hypertoken.core.targets import DestLike


class StackActions(ActionsBase[RNone, RInt, RIds, RId]):
    """Typed methods of the ``stack.*`` actions."""

    __slots__ = ()

    def stack_create(self, name: str) -> RNone:
        """Create an empty stack. Error if the name is taken."""
        return self._act_none("stack.create", name)

    def stack_draw(self, name: str, count: int = 1, to: DestLike = None) -> RIds:
        """Take the top ``count`` (>= 1) tokens to ``to``; overdraw is an error (no clamp).

        ``to`` may not be the stack itself. Returns the ids, top first.
        """
        return self._act_ids("stack.draw", name, count, to)

    def stack_peek(self, name: str, count: int = 1) -> RIds:
        """Ids of the top ``count`` tokens, top first; overdraw is an error. Changes nothing."""
        return self._act_ids("stack.peek", name, count)

    def stack_shuffle(self, name: str, seed: int) -> RNone:
        """Shuffle with mulberry32(seed) Fisher-Yates, bit-exact with upstream HyperToken."""
        return self._act_none("stack.shuffle", name, seed)

    def stack_burn(self, name: str, count: int = 1) -> RIds:
        """Move the top ``count`` tokens onto the stack's discards. Returns ids, top first."""
        return self._act_ids("stack.burn", name, count)

    def stack_reset(self, name: str) -> RInt:
        """Bring every live token created in this stack back, in creation order.

        Tokens from elsewhere in the stack or its discards become loose; merged or split
        tokens are gone and not restored. Returns the new size.
        """
        return self._act_int("stack.reset", name)

    def stack_cut(self, name: str, n: int) -> RNone:
        """Cut: ``tokens = tokens[n:] + tokens[:n]`` (bottom ``n`` go on top); 0 < n < size."""
        return self._act_none("stack.cut", name, n)

    def stack_insert_at(self, name: str, position: int, token: int) -> RNone:
        """Insert a loose token at ``position`` (0 = bottom, size = top); out of range errors."""
        return self._act_none("stack.insert_at", name, position, token)

    def stack_remove_at(self, name: str, position: int) -> RId:
        """Take the token at ``position`` out (it becomes loose). Returns its id."""
        return self._act_id("stack.remove_at", name, position)

    def stack_swap(self, name: str, i: int, j: int) -> RNone:
        """Exchange the tokens at positions ``i`` and ``j``."""
        return self._act_none("stack.swap", name, i, j)

    def stack_reverse(self, name: str) -> RNone:
        """Reverse the whole stack."""
        return self._act_none("stack.reverse", name)

    def stack_discard(self, name: str, token: int) -> RNone:
        """Put a loose token on top of the stack's discards."""
        return self._act_none("stack.discard", name, token)
