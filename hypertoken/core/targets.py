"""Where actions put tokens (:class:`To`), where queries look (containers) and what
they look for (predicates).

A destination or container can be given as an object (``To.zone("table", x=1)``) or as
a short string ``"kind:name"``: ``"stack:deck"``, ``"discards:deck"``, ``"zone:table"``,
``"agent:alice"`` (inventory), ``"source:shoe"``, ``"tray:shoe"``. ``None`` (or
``"loose"``) means the token is left in no container. Strings are what log entries
store, since they are plain data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypertoken.core.errors import ActionTypeError

#: Destination/container kinds, as the core numbers them.
KINDS: dict[str, int] = {
    "loose": 0,
    "stack": 1,
    "discards": 2,
    "zone": 3,
    "agent": 4,
    "source": 5,
    "tray": 6,
    "all": 7,
}


@dataclass(frozen=True)
class To:
    """A destination for tokens. Build one with the class methods."""

    kind: str
    name: str = ""
    x: float = 0.0
    y: float = 0.0
    face_up: bool = True

    @classmethod
    def stack(cls, name: str) -> To:
        """The top of a stack."""
        return cls("stack", name)

    @classmethod
    def discards(cls, name: str) -> To:
        """The top of a stack's discards."""
        return cls("discards", name)

    @classmethod
    def zone(cls, name: str, x: float = 0.0, y: float = 0.0, face_up: bool = True) -> To:
        """A new placement on top of a zone, at (x, y), face up or down."""
        return cls("zone", name, float(x), float(y), bool(face_up))

    @classmethod
    def agent(cls, name: str) -> To:
        """An agent's inventory."""
        return cls("agent", name)

    @classmethod
    def source(cls, name: str) -> To:
        """The top of a source's shoe."""
        return cls("source", name)

    @classmethod
    def tray(cls, name: str) -> To:
        """A source's discard tray."""
        return cls("tray", name)


LOOSE = To("loose")

DestLike = To | str | None


def parse_dest(value: DestLike, *, op: str = "", allow_all: bool = False) -> To:
    """Turn a destination or container argument into a :class:`To`, or raise clearly."""
    if value is None:
        return LOOSE
    if isinstance(value, To):
        dest = value
    elif isinstance(value, str):
        kind, sep, name = value.partition(":")
        if value == "loose" or (allow_all and value == "all"):
            return To(value)
        if not sep or not name:
            raise ActionTypeError(
                f"{op}: destination {value!r} is not 'kind:name' "
                f"(kinds: {', '.join(k for k in KINDS if k not in ('loose', 'all'))})",
                op=op,
            )
        dest = To(kind, name)
    else:
        raise ActionTypeError(
            f"{op}: a destination must be a To, a 'kind:name' string or None, "
            f"not {type(value).__name__}",
            op=op,
        )
    if dest.kind not in KINDS or (dest.kind == "all" and not allow_all):
        raise ActionTypeError(f"{op}: unknown destination kind {dest.kind!r}", op=op)
    if not (math.isfinite(dest.x) and math.isfinite(dest.y)):
        raise ActionTypeError(f"{op}: destination coordinates must be finite", op=op)
    return dest


#: Predicate fields, as the core numbers them. Values are (code, needs an argument).
PREDICATES: dict[str, tuple[int, bool]] = {
    "any": (0, False),
    "kind": (1, True),
    "group": (2, True),
    "label": (3, True),
    "merged": (4, False),
    "split": (5, False),
    "face_up": (6, False),
    "face_down": (7, False),
    "has_meta": (8, True),
    "transformed": (9, False),
    "attached": (10, False),
}


def parse_predicate(where: dict[str, object], *, op: str) -> tuple[int, str]:
    """Turn query keyword arguments (at most one) into the core's (field, argument)."""
    if not where:
        return (0, "")
    if len(where) != 1:
        raise ActionTypeError(f"{op}: give at most one condition, got {sorted(where)}", op=op)
    ((key, value),) = where.items()
    if key not in PREDICATES:
        raise ActionTypeError(
            f"{op}: unknown condition {key!r} (known: {', '.join(PREDICATES)})", op=op
        )
    code, needs_arg = PREDICATES[key]
    if needs_arg:
        if not isinstance(value, str) or not value:
            raise ActionTypeError(f"{op}: condition {key}= needs a non-empty string", op=op)
        return (code, value)
    if value is not True:
        raise ActionTypeError(f"{op}: condition {key}= takes True", op=op)
    return (code, "")
