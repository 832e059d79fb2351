"""Encoding actions into the core's command-buffer format.

Every action is ``u32 op, u32 nbytes`` followed by its arguments, padded to 4 bytes.
The argument layout of each op comes from the core's manifest, so this module holds
no per-action knowledge: one encoder per argument letter.
"""

from __future__ import annotations

import math
import operator
import struct
from collections.abc import Callable, Sequence
from math import copysign
from typing import Any

from hypertoken.core.errors import ActionTypeError, UnknownActionError
from hypertoken.core.targets import KINDS, To, parse_dest, parse_predicate

_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_HEAD = struct.Struct("<II")
_DEST = struct.Struct("<IIdd")
_TAGGED_INT = struct.Struct("<Iq").pack
_PAD = (b"", b"\0\0\0", b"\0\0", b"\0")

_str_cache: dict[str, bytes] = {}

#: Typed value tags.
TAG_NONE, TAG_INT, TAG_FLOAT, TAG_BOOL, TAG_STR = range(5)


def _bad(op: str, arg: int, what: str, value: object) -> ActionTypeError:
    return ActionTypeError(
        f"{op}: argument {arg + 1} must be {what}, not {type(value).__name__} {value!r:.60}",
        op=op,
    )


def enc_str(value: str) -> bytes:
    """A string argument: u32 length + UTF-8 bytes, padded to 4."""
    cached = _str_cache.get(value)
    if cached is not None:
        return cached
    raw = value.encode("utf-8")
    out = _U32.pack(len(raw)) + raw + _PAD[len(raw) & 3]
    if len(_str_cache) < 4096:
        _str_cache[value] = out
    return out


def _as_int(v: Any) -> Any:
    """``v`` as a Python int if it is an integer (numpy integers from the views included,
    bools excluded); otherwise ``v`` unchanged, which the caller then refuses.
    """
    if type(v) is int or isinstance(v, bool) or not hasattr(v, "__index__"):
        return v
    try:
        return operator.index(v)
    except TypeError:
        return v


def _u32(op: str, i: int, v: Any) -> bytes:
    if type(v) is not int:
        v = _as_int(v)
    if type(v) is not int or not 0 <= v <= 0xFFFFFFFF:
        raise _bad(op, i, "an int in 0..2**32-1", v)
    return _U32.pack(v)


def _i64(op: str, i: int, v: Any) -> bytes:
    if type(v) is not int:
        v = _as_int(v)
    if type(v) is not int or not -(2**63) <= v < 2**63:
        raise _bad(op, i, "a 64-bit int", v)
    return _I64.pack(v)


def _f64(op: str, i: int, v: Any) -> bytes:
    if type(v) not in (int, float) or not math.isfinite(v):
        raise _bad(op, i, "a finite number", v)
    return _F64.pack(float(v))


def _bool(op: str, i: int, v: Any) -> bytes:
    if type(v) is not bool:
        raise _bad(op, i, "a bool", v)
    return _U32.pack(int(v))


def _str(op: str, i: int, v: Any) -> bytes:
    if type(v) is not str:
        raise _bad(op, i, "a str", v)
    return enc_str(v)


def _ids(op: str, i: int, v: Any) -> bytes:
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        raise _bad(op, i, "a list of token ids", v)
    v = [x if type(x) is int else _as_int(x) for x in v]
    for x in v:
        if type(x) is not int or not 0 <= x <= 0xFFFFFFFF:
            raise _bad(op, i, "a list of token ids", v)
    return _U32.pack(len(v)) + struct.pack(f"<{len(v)}I", *v)


def _strs(op: str, i: int, v: Any) -> bytes:
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        raise _bad(op, i, "a list of names", v)
    if any(type(x) is not str for x in v):
        raise _bad(op, i, "a list of names", v)
    return _U32.pack(len(v)) + b"".join(enc_str(x) for x in v)


def enc_value(op: str, i: int, v: Any) -> bytes:
    """A typed value: None deletes; bool, int (64-bit), float (not NaN) or str."""
    if v is None:
        return _U32.pack(TAG_NONE)
    if type(v) is bool:
        return _U32.pack(TAG_BOOL) + _I64.pack(int(v))
    if type(v) is int:
        if not -(2**63) <= v < 2**63:
            raise _bad(op, i, "a 64-bit int", v)
        return _TAGGED_INT(TAG_INT, v)
    if type(v) is float:
        if math.isnan(v):
            raise _bad(op, i, "a float that is not NaN", v)
        return _U32.pack(TAG_FLOAT) + _F64.pack(v)
    if type(v) is str:
        return _U32.pack(TAG_STR) + enc_str(v)
    raise _bad(op, i, "None, bool, int, float or str", v)


def _dest(op: str, i: int, v: Any) -> bytes:
    d = parse_dest(v, op=op)
    return _DEST.pack(KINDS[d.kind], 0 if d.face_up else 1, d.x, d.y) + enc_str(d.name)


def _dests(op: str, i: int, v: Any) -> bytes:
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        raise _bad(op, i, "a list of destinations", v)
    return _U32.pack(len(v)) + b"".join(_dest(op, i, x) for x in v)


def _container(op: str, i: int, v: Any) -> bytes:
    d = parse_dest(v, op=op, allow_all=True)
    if d.kind == "loose":
        raise _bad(op, i, "a container ('stack:name', 'zone:name', ..., or 'all')", v)
    return _U32.pack(KINDS[d.kind]) + enc_str(d.name)


def _containers(op: str, i: int, v: Any) -> bytes:
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        raise _bad(op, i, "a list of containers", v)
    return _U32.pack(len(v)) + b"".join(_container(op, i, x) for x in v)


def _pred(op: str, i: int, v: Any) -> bytes:
    if not isinstance(v, dict):
        raise _bad(op, i, "a condition dict", v)
    code, arg = parse_predicate(v, op=op)
    return _U32.pack(code) + enc_str(arg)


_ENCODERS: dict[str, Callable[[str, int, Any], bytes]] = {
    "u": _u32,
    "i": _i64,
    "f": _f64,
    "b": _bool,
    "s": _str,
    "t": _u32,
    "T": _ids,
    "S": _strs,
    "v": enc_value,
    "d": _dest,
    "D": _dests,
    "c": _container,
    "C": _containers,
    "p": _pred,
}

Encoder = Callable[..., bytes]


#: Argument types whose equal values always encode to equal bytes, so an action made only
#: of them can be memoised. Floats are left out on purpose: -0.0 == 0.0 but their bytes
#: differ, and a memo must never change what reaches the core.
_MEMO_TYPES = frozenset({str, int, bool, type(None)})
#: A :class:`To` is hashable, and equal To's encode alike save for a coordinate of -0.0
#: (equal to 0.0): actions naming places are memoised too, unless a coordinate is negative.
_MEMO_WITH_TO = _MEMO_TYPES | {To}
_MEMO_SIZE = 4096
#: Ints beyond this size (bankrolls, counters) rarely repeat: memoising them only churns.
_MEMO_INT = 1 << 12


def make_encoder(name: str, code: int, layout: str) -> Encoder:
    """Build the encoder of one action from its manifest layout.

    Games repeat the same actions with the same arguments all the time (the same property
    set to the same value, the same draw to the same hand), so encodings of plain
    str/int/bool/None and :class:`To` arguments (small ints only) are memoised per action,
    keyed by value AND type (True and 1 are equal in Python but encode differently).
    """
    encs = tuple(_ENCODERS[c] for c in layout)
    n = len(encs)
    memo: dict[tuple[tuple[Any, ...], tuple[type, ...]], bytes] = {}
    head = _HEAD.pack

    def slow(args: tuple[Any, ...]) -> bytes:
        if len(args) != n:
            raise ActionTypeError(f"{name} takes {n} arguments, got {len(args)}", op=name)
        if n == 2:  # the commonest shape (name + value), without the generic loop
            body = encs[0](name, 0, args[0]) + encs[1](name, 1, args[1])
        else:
            body = b"".join(
                [enc(name, k, a) for k, (enc, a) in enumerate(zip(encs, args, strict=True))]
            )
        return head(code, len(body)) + body

    def encode(*args: Any) -> bytes:
        types = tuple(map(type, args))
        if not _MEMO_TYPES.issuperset(types):
            if To not in types or not _MEMO_WITH_TO.issuperset(types):
                return slow(args)
            for a in args:  # not memoised: a place with a negative coordinate (or -0.0)
                if type(a) is To and not copysign(1.0, a.x) == copysign(1.0, a.y) == 1.0:
                    return slow(args)
        key = (args, types)
        out = memo.get(key)
        if out is None:
            out = slow(args)
            if int not in types or all(
                -_MEMO_INT < a < _MEMO_INT for a, t in zip(args, types, strict=True) if t is int
            ):
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[key] = out
        return out

    return encode


def unknown(name: str, known: Sequence[str]) -> UnknownActionError:
    """The error for an action name the core does not have, listing the names it might
    have meant: the actions of the same family, or else the families."""
    dotted = name.replace("_", ".", 1) if "." not in name else name  # a method's name
    close = [k for k in known if k == dotted or k.split(".")[-1] == name.split(".")[-1]]
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    family = dotted.split(".")[0]
    same = [k for k in known if k.split(".")[0] == family]
    if same:
        listing = f"; the {family} actions are {', '.join(same)}"
    else:
        families = dict.fromkeys(k.split(".")[0] for k in known)
        listing = f"; actions are named family.action, the families being {', '.join(families)}"
    return UnknownActionError(f"unknown action {name!r}{hint}{listing}", op=name)
