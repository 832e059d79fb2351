"""The ``space.*`` actions: zones of placements (x, y, face up or down) that can be locked."""

from __future__ import annotations

from hypertoken.core.actions._base import ActionsBase, RId, RIds, RInt, RNone
from hypertoken.core.errors import ActionTypeError

_FLIP = {"toggle": 0, "up": 1, "down": 2}


class SpaceActions(ActionsBase[RNone, RInt, RIds, RId]):
    """Typed methods of the ``space.*`` actions."""

    __slots__ = ()

    def space_create_zone(self, name: str) -> RNone:
        """Create an empty, unlocked zone. Error if the name is taken."""
        return self._act_none("space.create_zone", name)

    def space_delete_zone(self, name: str) -> RNone:
        """Delete an empty, unlocked zone (a zone holding tokens is an error)."""
        return self._act_none("space.delete_zone", name)

    def space_clear_zone(self, name: str) -> RIds:
        """Remove every placement; the tokens become loose. Returns their ids in order."""
        return self._act_ids("space.clear_zone", name)

    def space_lock_zone(self, name: str, locked: bool = True) -> RNone:
        """Lock (or unlock) a zone; a locked zone refuses every change. Re-locking errors."""
        return self._act_none("space.lock_zone", name, locked)

    def space_place(
        self, zone: str, token: int, x: float = 0.0, y: float = 0.0, face_up: bool = True
    ) -> RNone:
        """Put a loose token on top of a zone at (x, y)."""
        return self._act_none("space.place", zone, token, x, y, face_up)

    def space_remove(self, token: int) -> RNone:
        """Take a placed token out of its zone; it becomes loose."""
        return self._act_none("space.remove", token)

    def space_move(self, token: int, to_zone: str, x: float = 0.0, y: float = 0.0) -> RNone:
        """Move a placed token to the top of ``to_zone`` at (x, y), keeping its facing."""
        return self._act_none("space.move", token, to_zone, x, y)

    def space_flip(self, token: int, mode: str = "toggle") -> RInt:
        """Turn a placed token: ``"toggle"``, ``"up"`` or ``"down"``. Returns 1 up / 0 down."""
        code = _FLIP.get(mode) if isinstance(mode, str) else None
        if code is None:
            raise ActionTypeError(
                f"space.flip: mode must be one of {sorted(_FLIP)}", op="space.flip"
            )
        return self._act_int("space.flip", token, code)

    def space_shuffle_zone(self, name: str, seed: int) -> RNone:
        """Shuffle the placement order (mulberry32 Fisher-Yates); positions stay with tokens."""
        return self._act_none("space.shuffle_zone", name, seed)

    def space_fan(
        self, name: str, x: float, y: float, radius: float, step_deg: float = 15.0
    ) -> RNone:
        """Arc layout: placement i of n at angle (i - n/2) * step_deg around (x, y).
        Coordinates that would not be finite are an error."""
        return self._act_none("space.fan", name, x, y, radius, step_deg)

    def space_spread(self, name: str, x: float, y: float, dx: float, dy: float = 0.0) -> RNone:
        """Line layout: placement i at (x + i*dx, y + i*dy). Coordinates that would not be
        finite are an error."""
        return self._act_none("space.spread", name, x, y, dx, dy)

    def space_stack(self, name: str, x: float = 0.0, y: float = 0.0) -> RNone:
        """Gather every placement of the zone at (x, y)."""
        return self._act_none("space.stack", name, x, y)

    def space_transfer(self, from_zone: str, to_zone: str) -> RInt:
        """Move all placements onto ``to_zone`` in order, keeping x, y and facing. Returns count."""
        return self._act_int("space.transfer", from_zone, to_zone)

    def space_clear(self) -> RIds:
        """Delete every zone (error if any is locked); tokens become loose. Returns their ids."""
        return self._act_ids("space.clear")
