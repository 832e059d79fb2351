"""Decoding hostile msgpack and JSON within structural limits, for every wire format.

Decoding costs per value, not per byte: a 1 MiB msgpack frame of a million empty arrays
costs a hundred times what a 1 MiB string does. A wire format therefore states the biggest
structure a real message of it has (:class:`Limits`), and :func:`unpack` and
:func:`load_json` refuse anything bigger, as soon as it is seen, with :class:`OverLimit`
naming the limit:

- ``depth`` levels of nesting (the top-level container is level 1);
- ``map_len`` entries in one map and ``array_len`` elements in one array;
- ``containers`` maps and arrays in one frame, and ``items`` entries and elements in all of
  them together;
- JSON integers of at most ``json_int_chars`` characters (longer ones cost quadratic time to
  convert); no msgpack extension types.

Strings and binary data decode in time linear in their size (a copy, a UTF-8 check), so the
frame size bounds them. msgpack checks the limits as it goes (``max_array_len``,
``max_map_len``, ``max_str_len``, ``max_bin_len`` and ``max_ext_len`` refuse a container from
its header; hooks count containers and values and stop at the first one over; the depth of
the few frames with more than ``depth`` containers is then measured on what was decoded).
JSON text is bounded before it is parsed: a few ``str.find`` calls show that an ordinary
message (at most ``depth`` brackets, fewer than ``map_len`` commas) is within every limit.
Otherwise the brackets and commas outside strings are counted (escapes and strings removed
with ``str.replace`` and ``str.split``), which bounds what parsing can cost, and the parsed
value is then measured exactly against every limit.

msgpack and JSON syntax errors are not this module's: they propagate as the decoders raise
them (``msgpack.UnpackException``, ``ValueError``, ``msgpack.StackError``...), and each wire
format turns them into its own error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgpack

__all__ = ["Limits", "OverLimit", "load_json", "shape_error", "unpack"]


@dataclass(frozen=True)
class Limits:
    """The biggest structure a frame of one wire format may have (see the module docstring)."""

    depth: int
    map_len: int
    array_len: int
    containers: int
    items: int
    json_int_chars: int = 20  # 2**64 - 1 and -2**63 have 20 characters

    @property
    def too_big(self) -> str:
        """What a frame over the container or value budget holds, in words."""
        return f"more than {self.containers} maps and arrays or {self.items} values in all"

    @property
    def too_deep(self) -> str:
        """What a frame over the depth limit holds, in words."""
        return f"maps and arrays nested more than {self.depth} deep"


class OverLimit(Exception):
    """A frame's structure passed a decoding limit; the message says which."""


class _Budget:
    """msgpack hooks: count every decoded map and array; stop at the first one over budget."""

    __slots__ = ("containers", "items", "limits")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.containers = 0
        self.items = 0

    def hook(self, obj: Any) -> Any:
        self.containers += 1
        self.items += len(obj)
        limits = self.limits
        if self.containers > limits.containers or self.items > limits.items:
            raise OverLimit(limits.too_big)
        return obj


def shape_error(obj: Any, limits: Limits) -> str | None:
    """Which limit the maps and lists of ``obj`` pass, in words, or None.

    Only called on what is already bounded (by the msgpack hooks, or the JSON pre-scan), so
    it is cheap; and only for the few frames that hold more than one container.
    """
    containers = items = 0
    stack = [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.depth:
            return limits.too_deep
        if isinstance(node, dict):
            if len(node) > limits.map_len:
                return f"a map of more than {limits.map_len} entries"
            children: Any = node.values()
        elif len(node) > limits.array_len:
            return f"an array of more than {limits.array_len} elements"
        else:
            children = node
        containers += 1
        items += len(node)
        if containers > limits.containers or items > limits.items:
            return limits.too_big
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return None


def unpack(frame: bytes, limits: Limits, *, str_keys: bool = True) -> Any:
    """msgpack -> Python within ``limits`` (:class:`OverLimit` otherwise). ``str_keys``:
    map keys must be strings (``strict_map_key``).
    """
    size = len(frame)
    budget = _Budget(limits)
    hook = budget.hook
    obj = msgpack.unpackb(
        frame,
        raw=False,
        strict_map_key=str_keys,
        max_str_len=size,
        max_bin_len=size,
        max_array_len=limits.array_len,
        max_map_len=limits.map_len,
        max_ext_len=0,  # no wire format of HyperToken uses extension types
        object_hook=hook,
        list_hook=hook,
    )
    # Depth cannot exceed the number of containers: most frames (one map) skip the walk.
    if budget.containers > limits.depth:
        error = shape_error(obj, limits)
        if error is not None:
            raise OverLimit(error)
    return obj


def _count_upto(text: str, char: str, limit: int) -> int:
    """How often ``char`` occurs in ``text``, counting no further than ``limit + 1``.

    ``str.find`` runs at memchr speed, several times faster than ``str.count`` on a long
    text, and here it runs at most ``limit + 1`` times.
    """
    if len(text) < 4096:
        return text.count(char)
    found, index = 0, text.find(char)
    while index >= 0 and found <= limit:
        found += 1
        index = text.find(char, index + 1)
    return found


def _json_needs_walk(text: str, limits: Limits) -> bool:
    """Bound what parsing JSON ``text`` can cost, before parsing it.

    Raises :class:`OverLimit` if the text holds more containers or values than allowed.
    Returns False when the text is certainly within every limit (the usual case: at most
    ``depth`` brackets and fewer than ``map_len`` commas, even counting those inside
    strings), True when the parsed value must still be measured (:func:`shape_error`).
    Everything here runs at C speed: finds and counts, two replacements and one split.
    """
    brackets = _count_upto(text, "[", limits.depth) + _count_upto(text, "{", limits.depth)
    if brackets <= limits.depth and _count_upto(text, ",", limits.map_len) < limits.map_len:
        return False
    plain = text
    if "\\" in plain:  # drop escaped backslashes, then escaped quotes: the rest pair up
        plain = plain.replace("\\\\", "").replace('\\"', "")
    quotes = plain.count('"')
    if quotes > 2 * (2 * limits.items + 1):  # every string is a key or a value
        raise OverLimit(limits.too_big)
    if quotes:
        plain = "".join(plain.split('"')[::2])  # what is outside strings
    if plain.count("[") + plain.count("{") > limits.containers or plain.count(",") > limits.items:
        raise OverLimit(limits.too_big)
    return True


_DECODERS: dict[int, json.JSONDecoder] = {}


def _decoder(max_chars: int) -> json.JSONDecoder:
    """One decoder per integer limit, made once: ``json.loads`` with any option builds a new
    decoder on every call.
    """
    decoder = _DECODERS.get(max_chars)
    if decoder is None:

        def parse_int(literal: str) -> int:
            if len(literal) > max_chars:
                raise OverLimit(f"an integer of more than {max_chars} characters")
            return int(literal)

        decoder = _DECODERS[max_chars] = json.JSONDecoder(parse_int=parse_int)
    return decoder


def load_json(text: str, limits: Limits) -> Any:
    """JSON text -> Python within ``limits`` (:class:`OverLimit` otherwise)."""
    walk = _json_needs_walk(text, limits)
    try:
        obj = _decoder(limits.json_int_chars).decode(text)
    except RecursionError:  # nesting in the hundreds: far past any depth limit
        raise OverLimit(limits.too_deep) from None
    if walk and isinstance(obj, (dict, list)):
        error = shape_error(obj, limits)
        if error is not None:
            raise OverLimit(error)
    return obj
