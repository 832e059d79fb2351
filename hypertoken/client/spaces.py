"""Gymnasium spaces to and from the control socket's space JSON.

The server describes a space as a map (see ``env_info`` and ``observation_space`` in
:mod:`hypertoken.protocol.control`):

- Discrete: ``{"n": 5, "shape": []}`` (the earlier bridge also sent ``"shape": [1]``);
- Box: ``{"shape": [7], "low": [...], "high": [...], "dtype": "float32"}``; ``low`` and
  ``high`` may be lists, single numbers or absent (then unbounded), ``dtype`` absent means
  float32.

>>> convert_space({"n": 3, "shape": []})
Discrete(3)
>>> convert_space({"shape": [2], "low": [0, 0], "high": [1, 1]})
Box(0.0, 1.0, (2,), float32)
>>> space_to_dict(convert_space({"n": 3}))
{'n': 3, 'shape': []}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces

__all__ = ["agent_spaces", "convert_space", "space_to_dict"]


def _bound(value: Any, shape: tuple[int, ...], dtype: np.dtype[Any], default: float) -> Any:
    """A Box bound as an array of ``shape`` (a missing bound is ``default``: +-inf, or the
    integer dtype's extreme, since an integer array cannot hold infinity).
    """
    if value is None:
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            value = info.min if default < 0 else info.max
        else:
            value = default
    array = np.asarray(value, dtype=dtype)
    if array.ndim == 0:
        return np.full(shape, array, dtype=dtype)
    return array.reshape(shape)


def convert_space(space: Mapping[str, Any]) -> spaces.Space[Any]:
    """The gymnasium space a server's space map describes: ``{"n"}`` is ``Discrete(n)``
    (``"start"`` honoured), ``{"shape"}`` a ``Box`` with the map's ``low``/``high`` (+-inf
    when absent) and ``dtype`` (float32 when absent). Anything else raises ValueError.
    """
    if not isinstance(space, Mapping):
        raise ValueError(f"a space must be a map with 'n' or 'shape', not {space!r}")
    if space.get("n") is not None:
        return spaces.Discrete(int(space["n"]), start=int(space.get("start", 0)))
    if space.get("shape") is not None:
        shape = tuple(int(d) for d in space["shape"])
        dtype = np.dtype(space.get("dtype") or "float32")
        low = _bound(space.get("low"), shape, dtype, -np.inf)
        high = _bound(space.get("high"), shape, dtype, np.inf)
        return spaces.Box(low=low, high=high, shape=shape, dtype=dtype.type)  # type: ignore[arg-type]
    raise ValueError(f"a space must be a map with 'n' (Discrete) or 'shape' (Box), not {space!r}")


def _plain(array: np.ndarray[Any, Any]) -> list[Any]:
    """A bound as a flat list of Python numbers (what the server sends)."""
    return [x.item() for x in array.reshape(-1)]


def space_to_dict(space: spaces.Space[Any]) -> dict[str, Any]:
    """The space map of a ``Discrete`` or ``Box`` (the inverse of :func:`convert_space`);
    other spaces raise ValueError.
    """
    if isinstance(space, spaces.Discrete):
        out: dict[str, Any] = {"n": int(space.n), "shape": []}
        if int(space.start) != 0:
            out["start"] = int(space.start)
        return out
    if isinstance(space, spaces.Box):
        return {
            "shape": list(space.shape),
            "low": _plain(space.low),
            "high": _plain(space.high),
            "dtype": str(space.dtype),
        }
    raise ValueError(f"only Discrete and Box spaces have a space map, not {space!r}")


def agent_spaces(
    info: Mapping[str, Any],
) -> tuple[dict[str, spaces.Space[Any]], dict[str, spaces.Space[Any]]]:
    """The observation and action spaces of every agent, from an ``env_info`` response."""
    return (
        {agent: convert_space(space) for agent, space in info["observation_spaces"].items()},
        {agent: convert_space(space) for agent, space in info["action_spaces"].items()},
    )
