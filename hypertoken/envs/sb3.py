"""Stable-Baselines3's ``VecEnv`` over the vector env's tables: :func:`sb3_vec_env`.

    from stable_baselines3 import PPO
    import hypertoken.envs as envs

    venv = envs.sb3_vec_env("blackjack_v1", num_envs=64)
    PPO("MlpPolicy", venv).learn(100_000)

SB3 trains on it as it is, without ``DummyVecEnv``: the tables of
:class:`~hypertoken.envs.vector.VectorGameEnv` (same episodes, seeds and rewards), stepped
with SB3's conventions. ``step_async`` then ``step_wait``; a finished table resets in the
same step, its last observation in ``infos[i]["terminal_observation"]`` and
``infos[i]["TimeLimit.truncated"]`` set when the turn limit ended it; ``reset()`` returns
the observations alone (the infos are in ``reset_infos``); ``seed(s)`` seeds the next
``reset()`` (table ``i`` plays seed ``s + i``). ``action_masks()`` (and
``env_method("action_masks")``, which sb3-contrib's ``MaskablePPO`` calls) give the legal
masks; every info has its table's ``action_mask`` too. Attributes read with ``get_attr``
are the vector env's (shared by every table); ``env_method`` runs the table-level
methods ``action_masks`` and ``state_hash``, or a method of the vector env.

Needs the ``sb3`` extra (``pip install "hypertoken[sb3]"``): importing this module
without Stable-Baselines3 raises an ImportError that says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

try:
    from stable_baselines3.common.vec_env import VecEnv
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "hypertoken.envs.sb3 needs Stable-Baselines3: pip install 'hypertoken[sb3]' "
        "(install torch first, e.g. pip install torch==2.13.0 for the CPU build)"
    ) from exc

from gymnasium.vector import AutoresetMode

from hypertoken.envs.vector import VectorGameEnv

__all__ = ["HyperTokenVecEnv", "sb3_vec_env"]

#: Methods ``env_method`` runs per table (the others are the vector env's).
_PER_TABLE = ("action_masks", "state_hash")


class HyperTokenVecEnv(VecEnv):
    """SB3's ``VecEnv`` over a :class:`VectorGameEnv` (module docstring). Built by
    :func:`sb3_vec_env`.
    """

    def __init__(self, core: VectorGameEnv) -> None:
        if core.autoreset_mode is not AutoresetMode.SAME_STEP:
            raise ValueError("the SB3 adapter needs a vector env with autoreset SAME_STEP")
        self.core = core
        super().__init__(core.num_envs, core.single_observation_space, core.single_action_space)
        self._actions: np.ndarray | None = None
        self._closed = False

    # ---- stepping --------------------------------------------------------------------

    def reset(self) -> np.ndarray:
        """Start an episode on every table; the seeds set by :meth:`seed` apply once."""
        seeds = self._seeds
        seed = None if all(s is None for s in seeds) else [int(s or 0) for s in seeds]
        obs, infos = self.core.reset(seed=seed)
        self._reset_seeds()
        self._reset_options()
        masks = infos["action_mask"]
        none = infos["no_decision"]
        self.reset_infos = [
            {"action_mask": masks[i], "no_decision": bool(none[i])} for i in range(self.num_envs)
        ]
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        """Take the actions for the next :meth:`step_wait`."""
        self._actions = actions

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """Step every table with the actions of :meth:`step_async` (module docstring)."""
        if self._actions is None:
            raise RuntimeError("step_wait() without step_async(actions) first")
        actions, self._actions = self._actions, None
        arr = np.asarray(actions)
        if arr.ndim == 2 and arr.shape[1] == 1:  # SB3 hands Discrete actions as (n, 1) sometimes
            arr = arr[:, 0]
        obs, rewards, terminated, truncated, info = self.core.step(arr)
        dones = terminated | truncated
        masks = info["action_mask"]
        infos: list[dict[str, Any]] = [{"action_mask": masks[i]} for i in range(self.num_envs)]
        if dones.any():
            final = info["final_obs"]
            for i in np.flatnonzero(dones).tolist():
                infos[i]["terminal_observation"] = final[i]
                infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        if "illegal_action" in info:
            for i in np.flatnonzero(info["_illegal_action"]).tolist():
                infos[i]["illegal_action"] = int(info["illegal_action"][i])
        return obs, rewards.astype(np.float32), dones, infos

    def action_masks(self) -> np.ndarray:
        """Every table's legal mask, (num_envs, num_actions) bool."""
        return self.core.action_masks()

    # ---- SB3's per-env access ----------------------------------------------------------

    def _indices(self, indices: Any) -> list[int]:
        out = list(self._get_indices(indices))
        for i in out:
            if not 0 <= i < self.num_envs:
                raise IndexError(f"no table {i} (there are {self.num_envs})")
        return out

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        """The vector env's attribute ``attr_name``, once per table in ``indices``."""
        value = getattr(self.core, attr_name)  # AttributeError when it has none
        return [value for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        """Set the vector env's attribute (shared by every table, so ``indices`` must be all)."""
        if sorted(self._indices(indices)) != list(range(self.num_envs)):
            raise ValueError("the tables share their attributes: set them for every table")
        setattr(self.core, attr_name, value)

    def env_method(
        self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any
    ) -> list[Any]:
        """``action_masks`` / ``state_hash`` per table, or a method of the vector env."""
        which = self._indices(indices)
        if method_name == "action_masks":
            masks = self.core.action_masks()
            return [masks[i] for i in which]
        if method_name == "state_hash":
            return [self.core.state_hash(i) for i in which]
        method = getattr(self.core, method_name)
        return [method(*method_args, **method_kwargs) for _ in which]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        """No table is a wrapped gymnasium env."""
        return [False for _ in self._indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        """The tables render as text, not images."""
        return [None for _ in range(self.num_envs)]

    def close(self) -> None:
        """Close the tables."""
        if not self._closed:
            self._closed = True
            self.core.close()

    def _get_indices(self, indices: Any) -> Iterable[int]:
        if indices is None:
            return range(self.num_envs)
        if isinstance(indices, int):
            return [indices]
        return [int(i) for i in indices]


def sb3_vec_env(env_id: str, num_envs: int = 64, **kwargs: Any) -> HyperTokenVecEnv:
    """SB3's ``VecEnv`` of ``num_envs`` tables of ``env_id`` (arguments as
    :class:`~hypertoken.envs.vector.VectorGameEnv`, whose autoreset is SAME_STEP here).
    """
    if "autoreset_mode" in kwargs:
        raise TypeError("sb3_vec_env resets finished tables in the same step (SB3's convention)")
    core = VectorGameEnv(
        env_id, num_envs, autoreset_mode=AutoresetMode.SAME_STEP, copy=True, **kwargs
    )
    return HyperTokenVecEnv(core)
