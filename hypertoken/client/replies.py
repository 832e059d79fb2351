"""What the clients make of the server's responses, shared by the synchronous and the
asyncio client (no I/O here): the errors they raise and the conversions of observations,
masks and turns to numpy.

A response with an ``"error"`` key raises :class:`ServerError`, a ``RuntimeError`` whose
message starts ``"Server error: "`` as the earlier bridge client's did, so code written for
that client keeps catching it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "ConnectionClosedError",
    "ServerError",
    "check",
    "decode_info",
    "decode_infos",
    "decode_mask",
    "decode_observation",
    "decode_turn",
]

#: The dtype masks are given in inside ``info["action_mask"]`` (what gymnasium's
#: ``Discrete.sample(mask)`` takes and the in-process envs give).
INFO_MASK_DTYPE = np.int8


class ServerError(RuntimeError):
    """The server answered a request with an error response.

    ``code`` is the protocol's error code (``"bad_field"``, ``"illegal_move"``, ...; ``None``
    from a server that sends none, as the earlier bridge did), ``field`` the request field it
    names, if any, and ``response`` the whole error response.
    """

    def __init__(self, response: Mapping[str, Any]) -> None:
        self.response = dict(response)
        self.code: str | None = response.get("code")
        self.field: str | None = response.get("field")
        super().__init__(f"Server error: {response.get('error')}")


class ConnectionClosedError(ConnectionError):
    """The server closed the connection (``code`` and ``reason``: the WebSocket close code
    and reason, e.g. 4001 "Unauthorized: Invalid API token"; None over msgpack frames).
    """

    def __init__(self, message: str, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


def check(response: object) -> dict[str, Any]:
    """``response`` as a dict, or :class:`ServerError` if it is an error response."""
    if not isinstance(response, dict):
        raise ConnectionError(f"the server sent {type(response).__name__}, not a response map")
    if "error" in response:
        raise ServerError(response)
    return response


def decode_observation(value: Any, dtype: Any = np.float32, shape: Any = None) -> np.ndarray:
    """An observation list as an array of ``dtype`` (``shape`` when given)."""
    array = np.asarray(value, dtype=dtype)
    if shape is not None:
        array = array.reshape(shape)
    return array


def decode_mask(value: Any) -> np.ndarray | None:
    """A mask list as a bool array; None for a null or empty mask (the earlier client's
    rule: "no mask" means every action may be tried).
    """
    if value is None or len(value) == 0:
        return None
    return np.asarray(value, dtype=bool)


def decode_info(info: Any) -> dict[str, Any]:
    """An agent's info, with ``"action_mask"`` as an int8 array (the in-process envs' form,
    which ``Discrete.sample(mask)`` requires).
    """
    out = dict(info) if type(info) is dict or isinstance(info, Mapping) else {}
    mask = out.get("action_mask")
    if type(mask) is list:
        out["action_mask"] = np.asarray(mask, dtype=INFO_MASK_DTYPE)
    return out


def decode_infos(infos: Any) -> dict[str, dict[str, Any]]:
    """Every agent's info (see :func:`decode_info`)."""
    if not isinstance(infos, Mapping):
        return {}
    return {agent: decode_info(info) for agent, info in infos.items()}


def decode_turn(
    turn: Mapping[str, Any], dtype: Any = np.float32, shape: Any = None
) -> dict[str, Any]:
    """A ``turn`` (the combined reply of reset/step) with numpy values: ``observation`` an
    array, ``mask`` a bool array or None, ``info`` as :func:`decode_info`, ``reward`` a float.
    """
    get = turn.get
    out = dict(turn)
    out["observation"] = decode_observation(get("observation", []), dtype, shape)
    out["mask"] = decode_mask(get("mask"))
    out["info"] = decode_info(get("info"))
    out["reward"] = float(get("reward", 0.0))
    out["terminated"] = bool(get("terminated", False))
    out["truncated"] = bool(get("truncated", False))
    out["agents"] = list(get("agents", []))
    cumulative = get("cumulative")
    if cumulative is not None and isinstance(cumulative, Mapping):
        out["cumulative"] = {str(a): float(r) for a, r in cumulative.items()}
    finished = get("finished")
    if finished and isinstance(finished, Mapping):
        out["finished"] = {
            str(a): decode_turn({**last, "agent": a}, dtype, shape)
            for a, last in finished.items()
            if isinstance(last, Mapping)
        }
    return out
