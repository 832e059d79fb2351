"""Where actions put tokens, where they take them from and where queries look (all named
with :class:`To`), and what queries look for (predicates).

One way to name a place, everywhere: a :class:`To`. ``To.stack("deck")`` is the top of a
stack, whether an action puts tokens there (``stack_draw(..., to=...)``), deals from it
(``batch_draw``'s source) or looks into it (``batch_filter``, ``batch_collect``):

=====================  ====================  ==========================================
object                 string                the place
=====================  ====================  ==========================================
``To.stack(name)``     ``"stack:name"``      a stack
``To.discards(name)``  ``"discards:name"``   a stack's discards
``To.zone(name, ...)`` ``"zone:name"``       a zone (as a destination: a new placement
                                             at x, y, face up or down)
``To.agent(name)``     ``"agent:name"``      an agent's inventory
``To.source(name)``    ``"source:name"``     a source's shoe
``To.tray(name)``      ``"tray:name"``       a source's tray
``LOOSE`` or ``None``  ``"loose"``           no container (destinations only)
``To.all()``           ``"all"``             every live token (queries only)
=====================  ====================  ==========================================

The ``"kind:name"`` strings are the same places spelled as plain data (what log entries
and configs store). They are accepted wherever a :class:`To` is, alike, and mean exactly
the same; code should prefer the objects. Arguments that can only be one kind of object
(``stack_draw``'s stack, ``source_add_stack``'s stack) take the bare name instead.
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

    @classmethod
    def all(cls) -> To:
        """Every live token, as a container for queries (never a destination)."""
        return cls("all")


#: No container: a token sent here is loose (``None`` means the same).
LOOSE = To("loose")

#: A destination: a :class:`To`, its ``"kind:name"`` string, or None (loose).
DestLike = To | str | None
#: A container (or ``batch_draw``'s source): a :class:`To` or its ``"kind:name"`` string.
ContainerLike = To | str


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
    if dest.kind == "all" and not allow_all:
        raise ActionTypeError(f"{op}: 'all' is a container for queries, not a destination", op=op)
    if dest.kind not in KINDS:
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
