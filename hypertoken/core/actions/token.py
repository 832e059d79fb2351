"""The ``token.*`` actions: creating tokens and changing them (meta, transform, attach,
detach, merge, split, move), with provenance recorded."""

from __future__ import annotations

from collections.abc import Sequence

from hypertoken.core.actions._base import ActionsBase, RId, RIds, RInt, RNone, Value, listed
from hypertoken.core.targets import DestLike


class TokenActions(ActionsBase[RNone, RInt, RIds, RId]):
    """Typed methods of the ``token.*`` actions."""

    __slots__ = ()

    def token_create(
        self, kind: str = "", label: str = "", group: str = "", to: DestLike = None
    ) -> RId:
        """Create a token at ``to`` (in a stack, that stack is its home). Returns its id."""
        return self._act_id("token.create", kind, label, group, to)

    def token_set_meta(self, token: int, key: str, value: Value) -> RNone:
        """Set a typed meta value on a token (None deletes the key)."""
        return self._act_none("token.set_meta", token, key, value)

    def token_transform(
        self, token: int, time_ms: int, kind: str = "", label: str = "", group: str = ""
    ) -> RNone:
        """Change kind/label/group in place ("" keeps); records transformed_at."""
        return self._act_none("token.transform", token, kind, label, group, time_ms)

    def token_attach(self, host: int, token: int, time_ms: int, kind: str = "") -> RNone:
        """Attach a loose token to a host (no cycles), recording type and attached_at."""
        return self._act_none("token.attach", host, token, kind, time_ms)

    def token_detach(self, host: int, token: int) -> RNone:
        """Detach a token from its host; it becomes loose."""
        return self._act_none("token.detach", host, token)

    def token_merge(
        self,
        tokens: Sequence[int],
        time_ms: int,
        to: DestLike = None,
        kind: str = "",
        label: str = "",
        group: str = "",
    ) -> RId:
        """Merge >= 2 live tokens into a new one at ``to``: meta united (later wins),
        merged_from = ids, merged_at = time, their attachments inherited; originals are
        consumed. Returns the new id.
        """
        return self._act_id("token.merge", listed(tokens), kind, label, group, time_ms, to)

    def token_split(self, token: int, count: int, time_ms: int, to: DestLike = None) -> RIds:
        """Split a token into ``count`` (2..1024) copies at ``to`` with split_from,
        split_index and split_at; the original is consumed and its attachments become
        loose. Returns the new ids.
        """
        return self._act_ids("token.split", token, count, time_ms, to)

    def token_move(self, token: int, to: DestLike = None) -> RNone:
        """Move a live token from wherever it is (not a locked zone) to ``to``."""
        return self._act_none("token.move", token, to)
