"""Turning the core's error record into an exception that names the action, the
object and the reason, with a hint at the fix.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from hypertoken.core.errors import ERRORS, CoreError

if TYPE_CHECKING:
    from hypertoken.core._runtime import Manifest

_ERR = struct.Struct("<8Iqq")


class FailedWorld(Protocol):
    """What a failure is read from: the :class:`~hypertoken.core.world.World` it happened
    in (its manifest, its view of linear memory and the address of the error record)."""

    manifest: Manifest
    _mv: memoryview
    _err: int

    def describe(self, loc_kind: int, loc: int) -> str:
        """Words for a token location."""
        ...


def _bad_argument(kind: str, name: str, want: int, have: int) -> str:
    if want == have == -1:  # io.failSame: the same object on both sides of the action
        return f"cannot move from {kind} {name!r} to itself"
    if want == 1 and have == 0 and kind in ("stack", "source"):  # checkCount's count 0
        return f"count must be at least 1 (taking from {kind} {name!r})"
    return f"bad argument for {kind}: {name or 'value'} (got {have}, limit {want})"


def describe_failure(world: FailedWorld, code: int, ops: Sequence[str]) -> CoreError:
    """Build the exception for a failed call from the error record in linear memory."""
    m = world.manifest
    (_ecode, action, op_code, kind_code, token, loc_kind, loc, name_len, want, have) = (
        _ERR.unpack_from(world._mv, world._err)
    )
    name_at = world._err + _ERR.size
    name = bytes(world._mv[name_at : name_at + name_len]).decode("utf-8", "replace")
    codename = m.codes.get(code, f"error {code}")
    kind = m.kinds.get(kind_code, "object")
    if ops == ("check",):
        op = "check"
    elif 0 <= op_code < len(m.ops_by_code):
        op = m.ops_by_code[op_code].name
    else:
        op = f"action code {op_code}"
    at = f" (action {action + 1} of {len(ops)})" if len(ops) > 1 else ""
    where = world.describe(loc_kind, loc)
    messages = {
        "unknown_action": f"unknown action code {want} (the core has {have} actions)",
        "malformed": f"malformed arguments: {name}",
        "bad_type": f"bad argument: {name} (got {have})",
        "not_found": f"no {kind} named {name!r} (create it first)",
        "exists": f"a {kind} named {name!r} already exists",
        "no_token": f"token {token} does not exist",
        "consumed": f"token {token} no longer exists: it was "
        + (f"merged into token {have}" if want == 8 else "split up"),
        "not_loose": f"token {token} is in {where}; take it out first or use token_move()",
        "not_here": f"token {token} is not in that {kind}{f' {name!r}' if name else ''} "
        f"(it is {'in ' if where not in ('loose', 'split') else ''}{where})",
        "overdraw": f"cannot take {want} token(s) from {kind} {name!r}: it holds {have}",
        "out_of_range": f"position {want} is out of range for {kind} {name!r} (size {have})",
        "locked": f"zone {name!r} is locked; unlock it first",
        "not_empty": f"{kind} {name!r} still holds {have} token(s); move them out first",
        "insufficient": f"not enough {name!r}: needs {want}, has {have}",
        "bad_state": f"{name}"
        if kind in ("game", "token", "none")
        else f"{kind} {name!r} is not in a state that allows this",
        "bad_argument": _bad_argument(kind, name, want, have),
        "out_of_memory": "the world outgrew the core's 64 MiB arena",
        "result_overflow": "the results do not fit the result buffer; split the batch",
    }
    message = f"{op}{at}: {messages.get(codename, codename)}"
    if codename == "bad_state" and kind == "zone":
        message = f"{op}{at}: zone {name!r} is already {'locked' if want else 'unlocked'}"
    cls = ERRORS.get(codename, CoreError)
    return cls(message, op=op, index=action, obj=name, token=token, want=want, have=have)
