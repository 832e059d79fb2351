"""The ``source.*`` actions: shoes built from member stacks, with a tray and a reshuffle
policy."""

from __future__ import annotations

from hypertoken.core.actions._base import ActionsBase, RId, RIds, RInt, RNone
from hypertoken.core.errors import ActionTypeError
from hypertoken.core.targets import DestLike

_MODES = {"manual": 0, "auto": 1}


class SourceActions(ActionsBase[RNone, RInt, RIds, RId]):
    """Typed methods of the ``source.*`` actions."""

    __slots__ = ()

    def source_create(self, name: str) -> RNone:
        """Create an empty source (shoe) with the manual reshuffle policy."""
        return self._act_none("source.create", name)

    def source_draw(self, name: str, count: int = 1, to: DestLike = None) -> RIds:
        """Take ``count`` tokens from the top of the shoe to ``to``, policy applied per token.

        Overdraw is an error. ``to`` may not be this source's shoe, nor its tray under the
        auto policy (the tray feeds the shoe). Returns ids, top first.
        """
        return self._act_ids("source.draw", name, count, to)

    def source_shuffle(self, name: str, seed: int) -> RNone:
        """Shuffle the shoe with mulberry32(seed); later auto reshuffles continue that stream."""
        return self._act_none("source.shuffle", name, seed)

    def source_burn(self, name: str, count: int = 1) -> RIds:
        """Move the top ``count`` tokens to the tray. Returns ids, top first."""
        return self._act_ids("source.burn", name, count)

    def source_add_stack(self, name: str, stack: str) -> RInt:
        """Move a stack's tokens (bottom first) onto the shoe; the stack becomes a member.
        Returns how many tokens moved."""
        return self._act_int("source.add_stack", name, stack)

    def source_remove_stack(self, name: str, stack: str) -> RInt:
        """Send a member's own tokens in the shoe or tray back to it; it stops being a member.
        Returns how many tokens went back."""
        return self._act_int("source.remove_stack", name, stack)

    def source_reset(self, name: str) -> RInt:
        """Bring every live token created in a member stack back into the shoe, member by
        member in creation order (not shuffled). The tray ends empty; foreign tokens in the
        shoe or tray become loose. Returns the shoe size.
        """
        return self._act_int("source.reset", name)

    def source_set_reshuffle_policy(self, name: str, threshold: int, mode: str = "auto") -> RNone:
        """``"auto"``: before each draw, if the shoe holds <= threshold tokens and the tray is
        not empty, the tray returns and the shoe is reshuffled. ``"manual"``: never.
        """
        code = _MODES.get(mode) if isinstance(mode, str) else None
        if code is None:
            raise ActionTypeError(
                f"source.set_reshuffle_policy: mode must be one of {sorted(_MODES)}",
                op="source.set_reshuffle_policy",
            )
        return self._act_none("source.set_reshuffle_policy", name, threshold, code)
