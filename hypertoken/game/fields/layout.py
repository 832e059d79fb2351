"""Packed-state layouts: :class:`Layout`, :class:`Field` and :class:`Group` (see
:mod:`hypertoken.game.fields`), and their Python accessors.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, ClassVar, Generic, TypeVar, overload

V = TypeVar("V", bound=int)
E = TypeVar("E", bound=IntEnum)

#: Names a field or group may not take: the Layout's own class attributes (its Zig
#: namespace declares ``width`` and ``mask`` too).
RESERVED = frozenset(
    {"fields", "groups", "width", "mask", "bits", "pack", "replace", "unpack", "describe"}
)


class LayoutError(TypeError):
    """A layout declaration that cannot work (the message names the field and its bits)."""


def bits_text(shift: int, width: int) -> str:
    """``"bit 5"`` or ``"bits 18..19"``: where a field lies, for messages and docs."""
    return f"bit {shift}" if width == 1 else f"bits {shift}..{shift + width - 1}"


class Field(Generic[V]):
    """``width`` bits of a :class:`Layout`, named by the class attribute that holds it.

    ``width`` is a number of bits, or another Layout (nested: its fields inside this
    one). ``doc`` says what the value means; ``values`` (an ``IntEnum``) names the values
    it may hold, and :meth:`get` then returns members; ``at`` pins the lowest bit (by
    default the next free bit after the field declared before it); ``fmt`` is the format
    spec :meth:`Layout.describe` shows the value with (``"#b"`` for a set of seats).
    """

    __slots__ = (
        "_again",
        "_at",
        "_members",
        "doc",
        "fmt",
        "layout",
        "limit",
        "mask",
        "name",
        "owner",
        "shift",
        "values",
        "width",
    )

    @overload
    def __init__(
        self: Field[int],
        width: int | type[Layout],
        doc: str,
        *,
        at: int | None = None,
        fmt: str = "d",
    ) -> None: ...

    @overload
    def __init__(
        self: Field[E], width: int, doc: str, *, values: type[E], at: int | None = None
    ) -> None: ...

    def __init__(
        self,
        width: int | type[Layout],
        doc: str,
        *,
        values: type[IntEnum] | None = None,
        at: int | None = None,
        fmt: str = "d",
    ) -> None:
        self.layout: type[Layout] | None = None
        if isinstance(width, type) and issubclass(width, Layout):
            self.layout, width = width, width.width
        if type(width) is not int or width < 1:
            raise LayoutError(f"a field's width is a positive number of bits, not {width!r}")
        if not isinstance(doc, str) or not doc.strip():
            raise LayoutError("a field needs a doc: what its value means")
        if at is not None and (type(at) is not int or at < 0):
            raise LayoutError(f"a field's position (at=) is a bit number >= 0, not {at!r}")
        if values is not None and not (isinstance(values, type) and issubclass(values, IntEnum)):
            raise LayoutError(f"a field's values are an IntEnum class, not {values!r}")
        self.width = width
        self.doc = " ".join(doc.split())
        self.values = values
        self.fmt = fmt
        self.limit = (1 << width) - 1
        self._at = at
        self._again = ""  # where else the field was declared (an error)
        self._members: dict[int, IntEnum] | None = None
        self.name = ""
        self.owner: type[Layout] | None = None
        self.shift = 0
        self.mask = 0

    def __set_name__(self, owner: type, name: str) -> None:
        # Errors wait for Layout.__init_subclass__: Python 3.11 wraps this hook's own.
        if self.owner is not None:
            self._again = f"{owner.__name__}.{name}"
            return
        self.name = name
        self.owner = owner  # type: ignore[assignment]  # checked in Layout.__init_subclass__

    def get(self, packed: int) -> V:
        """This field's value in ``packed`` (an enum member for a field with values)."""
        raw = (packed >> self.shift) & self.limit
        if self._members is None:
            return raw  # type: ignore[return-value]
        try:
            return self._members[raw]  # type: ignore[return-value]
        except KeyError:
            raise ValueError(f"{self} holds {raw}, which is no {self.values.__name__}") from None  # type: ignore[union-attr]

    def set(self, packed: int, value: int) -> int:
        """``packed`` with this field holding ``value`` (a new int; refused if it does not
        fit, or for a field with values, if it is none of them).
        """
        if not 0 <= value <= self.limit:
            raise ValueError(self._misfit(value))
        if self._members is not None and value not in self._members:
            raise ValueError(f"{self} holds a {self.values.__name__}, not {value!r}")  # type: ignore[union-attr]
        return (packed & ~self.mask) | (value << self.shift)

    def __str__(self) -> str:
        owner = self.owner.__name__ if self.owner else "?"
        return f"{owner}.{self.name} ({bits_text(self.shift, self.width)})"

    def __repr__(self) -> str:
        return f"<Field {self}>"

    def _misfit(self, value: object) -> str:
        return f"{self} cannot hold {value!r}: it takes 0..{self.limit}"

    def _show(self, raw: int) -> str:
        if self._members is not None and raw in self._members:
            return f"{self.name}={self._members[raw].name}"
        if self.layout is not None:
            return f"{self.name}=({self.layout.describe(raw)})"
        if self.width == 1 and raw == 1:
            return self.name
        return f"{self.name}={raw:{self.fmt}}"


class Group:
    """Several fields of one layout taken together (``mask``, :meth:`of`, :meth:`clear`),
    for the changes a game makes to them at once, such as clearing per-move flags.
    """

    __slots__ = ("doc", "fields", "mask", "name", "owner")

    def __init__(self, *fields: Field[Any], doc: str = "") -> None:
        if not fields or not all(isinstance(f, Field) for f in fields):
            raise LayoutError("a Group takes the fields declared above it in the same layout")
        self.fields = fields
        self.doc = " ".join(doc.split())
        self.mask = 0
        self.name = ""
        self.owner: type | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.owner = name, owner

    def of(self, packed: int) -> int:
        """``packed`` with only these fields kept (the others zero)."""
        return packed & self.mask

    def clear(self, packed: int) -> int:
        """``packed`` with these fields zero."""
        return packed & ~self.mask

    def __repr__(self) -> str:
        return f"<Group {self.name}: {', '.join(f.name for f in self.fields)}>"


class Layout:
    """Base class of a packed-integer layout: subclass it and declare :class:`Field` s
    (and :class:`Group` s) as class attributes. ``bits`` (a class keyword, default 63)
    is how many bits the value may use: a World int property is a signed 64-bit int.

    The class is the layout; it is never instantiated. Its class attributes after
    creation: ``fields`` (in bit order), ``groups``, ``width`` (highest used bit + 1)
    and ``mask`` (every bit a field uses).
    """

    fields: ClassVar[tuple[Field[Any], ...]] = ()
    groups: ClassVar[tuple[Group, ...]] = ()
    width: ClassVar[int] = 0
    mask: ClassVar[int] = 0
    bits: ClassVar[int] = 63
    _named: ClassVar[dict[str, Field[Any]]] = {}

    def __new__(cls) -> Layout:
        raise TypeError(
            f"{cls.__name__} is a layout declaration: use its class attributes "
            f"({cls.__name__}.pack(...), {cls.__name__}.<field>.get(value), ...)"
        )

    def __init_subclass__(cls, *, bits: int = 63, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__name__
        if cls.__bases__ != (Layout,):
            raise LayoutError(
                f"layout {name} must subclass Layout directly (nest a layout instead)"
            )
        if type(bits) is not int or not 1 <= bits <= 64:
            raise LayoutError(f"layout {name}: bits is 1..64, not {bits!r}")
        cls.bits = bits
        declared = [v for v in vars(cls).values() if isinstance(v, Field)]
        if not declared:
            raise LayoutError(f"layout {name} declares no Field")
        nxt = used = 0
        for f in declared:
            if f._again:
                raise LayoutError(
                    f"field {f.owner.__name__}.{f.name} is also declared as {f._again}: "  # type: ignore[union-attr]
                    "declare a new Field for each place"
                )
            if f.name in RESERVED or f.name.startswith("_"):
                raise LayoutError(
                    f"{name}.{f.name}: the name is reserved (a field may not be called "
                    f"{', '.join(sorted(RESERVED))} or start with _)"
                )
            f.shift = nxt if f._at is None else f._at
            f.mask = f.limit << f.shift
            if f.shift + f.width > bits:
                raise LayoutError(
                    f"{f} overflows layout {name}: it has {bits} bits (0..{bits - 1})"
                    + (", as a World int property is a signed 64-bit int" if bits == 63 else "")
                )
            if used & f.mask:
                other = next(g for g in declared if g.mask & f.mask and g is not f)
                raise LayoutError(f"fields {other} and {f} overlap")
            used |= f.mask
            nxt = f.shift + f.width
            if f.values is not None:
                f._members = {}
                for m in f.values:
                    if not 0 <= m.value <= f.limit:
                        raise LayoutError(
                            f"{f.values.__name__}.{m.name} = {m.value} does not fit {f} "
                            f"(it holds 0..{f.limit})"
                        )
                    f._members[m.value] = m
        cls.fields = tuple(sorted(declared, key=lambda f: f.shift))
        cls._named = {f.name: f for f in declared}
        cls.mask = used
        cls.width = used.bit_length()
        cls.groups = tuple(v for v in vars(cls).values() if isinstance(v, Group))
        for g in cls.groups:
            if g.name in RESERVED or g.name.startswith("_"):
                raise LayoutError(f"{name}.{g.name}: the name is reserved")
            strangers = [f for f in g.fields if f.owner is not cls]
            if strangers:
                raise LayoutError(f"group {name}.{g.name} takes {strangers[0]}, not of {name}")
            g.mask = 0
            for f in g.fields:
                g.mask |= f.mask

    @classmethod
    def pack(cls, **values: int) -> int:
        """The packed int holding ``values`` by field name (unnamed fields are 0)."""
        return cls.replace(0, **values)

    @classmethod
    def replace(cls, packed: int, **values: int) -> int:
        """``packed`` with the named fields set to ``values`` (the others kept)."""
        named = cls._named
        for key, value in values.items():
            f = named.get(key)
            if f is None:
                raise TypeError(
                    f"layout {cls.__name__} has no field {key!r} "
                    f"(fields: {', '.join(f.name for f in cls.fields)})"
                )
            packed = f.set(packed, value)
        return packed

    @classmethod
    def unpack(cls, packed: int) -> dict[str, int]:
        """Every field's value by name (enum members for fields with values)."""
        return {f.name: f.get(packed) for f in cls.fields}

    @classmethod
    def describe(cls, packed: int) -> str:
        """The non-zero fields of ``packed``, readably (named values are always shown):
        ``"phase=PLAY seat=2 hand=(hard=12 cards=2) done"``.
        """
        parts = []
        for f in cls.fields:
            raw = (packed >> f.shift) & f.limit
            if raw or f._members is not None:
                parts.append(f._show(raw))
        stray = packed & ~cls.mask
        if stray:
            parts.append(f"undeclared={stray:#x}")
        return " ".join(parts) or "0"
