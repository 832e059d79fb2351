"""The policy protocol, and the policies that need no game: random legal, plain functions,
and trained Stable-Baselines3 models.

A policy sees exactly what a seat sees: its observation (the game's ``player_view``) and
its legal mask (int8, 1 = legal; None when the caller has no mask). Randomness comes only
from the ``random.Random`` it is given, so a seeded caller replays a policy exactly.
"""

from __future__ import annotations

import abc
import inspect
import logging
import random
import sys
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["FunctionPolicy", "Policy", "RandomLegal", "SB3Policy", "legal_actions"]


def legal_actions(action_mask: np.ndarray | None, num_actions: int | None = None) -> list[int]:
    """The legal action ids of a mask (every id below ``num_actions`` when the mask is
    None). Raises ValueError when there is none: a policy is asked only when its seat may
    move, and an empty mask means it may not.
    """
    if action_mask is None:
        if num_actions is None:
            raise ValueError("no action mask and no action count: cannot tell the actions")
        return list(range(num_actions))
    legal: list[int] = [int(i) for i in np.flatnonzero(np.asarray(action_mask))]
    if not legal:
        raise ValueError("the action mask is empty: this seat has no legal action now")
    return legal


class Policy(abc.ABC):
    """How a seat chooses its move: ``act(observation, action_mask, rng) -> action``.

    Implementations keep any memory of the episode on the instance, clear it in
    :meth:`reset` (called when an episode starts for the seat), and return from
    :meth:`clone` an independent copy for one more seat or environment (a stateless
    policy may return itself).
    """

    #: A short name for tables and logs (the registry's name for built-ins).
    name: str = "policy"

    @abc.abstractmethod
    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """The action for this observation. ``action_mask`` (int8, 1 = legal) is None when
        the caller has none; ``rng`` is the only source of randomness a policy may use.
        """

    def reset(self) -> None:  # noqa: B027 (optional hook: most policies keep no state)
        """A new episode starts for this seat: forget the last one (default: nothing)."""

    def clone(self) -> Policy:
        """An independent copy for another seat or env (default: ``self``, stateless)."""
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    @classmethod
    def from_sb3(cls, model: Any, *, deterministic: bool = True) -> Policy:
        """Wrap a trained Stable-Baselines3 model (or any object with
        ``predict(obs, deterministic=...)``) as a policy; see :class:`SB3Policy`.
        """
        return SB3Policy(model, deterministic=deterministic)

    @classmethod
    def from_callable(
        cls,
        fn: Callable[[np.ndarray, np.ndarray | None, random.Random], int],
        *,
        name: str | None = None,
    ) -> Policy:
        """Wrap a plain function ``fn(observation, action_mask, rng) -> action`` (it must
        keep no state of its own: the policy is shared by every seat that clones it).
        """
        return FunctionPolicy(fn, name=name)


class RandomLegal(Policy):
    """Uniform over the legal actions (over all ``num_actions`` when the mask is None).

    One draw per move, ``legal[int(rng.random() * len(legal))]``: with two legal actions
    that is "the first when ``rng.random() < 0.5``", the prisoner's dilemma ``random``
    strategy's draw, so both play the same match from the same rng.
    """

    name = "random"

    def __init__(self, num_actions: int | None = None) -> None:
        #: The action count, used only when a caller passes no mask.
        self.num_actions = num_actions

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """A uniformly drawn legal action."""
        legal = legal_actions(action_mask, self.num_actions)
        return int(legal[int(rng.random() * len(legal))])


class FunctionPolicy(Policy):
    """A stateless policy from a function ``fn(observation, action_mask, rng) -> action``."""

    def __init__(
        self,
        fn: Callable[[np.ndarray, np.ndarray | None, random.Random], int],
        *,
        name: str | None = None,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"Policy.from_callable takes a function, not {fn!r}")
        self.fn = fn
        self.name = name or str(getattr(fn, "__name__", "function"))

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """The function's choice."""
        return int(self.fn(observation, action_mask, rng))


def _accepts(fn: Any, name: str) -> bool:
    """Whether ``fn`` takes a keyword argument ``name``."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _required(fn: Any) -> int | None:
    """How many arguments ``fn`` requires (None when it cannot be inspected)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in kinds and p.default is p.empty for p in params)


def _no_grad() -> AbstractContextManager[Any]:
    """torch's ``no_grad()`` if torch is loaded (a model that has tensors loaded it), so
    this layer never imports torch itself.
    """
    torch = sys.modules.get("torch")
    return torch.no_grad() if torch is not None else nullcontext()


def _numpy(x: Any) -> np.ndarray:
    """A tensor (or array) as a flat float64 numpy array."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64).reshape(-1)


class SB3Policy(Policy):
    """A trained model as a policy (:meth:`Policy.from_sb3`).

    Works with any object with ``predict(observation, deterministic=...)`` returning
    ``(action, state)`` as Stable-Baselines3 models do; nothing of stable_baselines3 or
    torch is imported here. What it adds to ``predict``:

    - **Masks.** A model whose ``predict`` takes ``action_masks`` (sb3-contrib's
      MaskablePPO) gets the mask. Otherwise, when the model's choice is outside the mask
      and the model exposes its scores (``policy.get_distribution``: PPO, A2C; ``q_net``:
      DQN), the legal action with the highest probability or Q-value is played instead;
      without scores, the lowest legal id.
    - **Seeded sampling.** With ``deterministic=False`` and a distribution available, the
      action is sampled from the masked probabilities with the policy's ``rng`` (so a
      seeded episode replays exactly); otherwise ``predict`` samples with torch's own
      generator.
    - **Dict observations.** A model trained on PettingZoo's classic
      ``{"observation", "action_mask"}`` space gets that dict.
    - **Recurrent models.** When ``predict`` takes ``state`` and ``episode_start``, the
      hidden state is kept per seat (each :meth:`clone` has its own) and cleared by
      :meth:`reset`. A policy whose distribution needs that state as well (sb3-contrib's
      RecurrentPPO) is asked through ``predict`` only: no masked fallback by probability,
      no seeded sampling.
    """

    def __init__(self, model: Any, *, deterministic: bool = True, name: str | None = None) -> None:
        predict = getattr(model, "predict", None)
        if not callable(predict):
            raise TypeError(
                f"Policy.from_sb3 needs a model with predict(obs, deterministic=...), "
                f"not {type(model).__name__}"
            )
        self.model = model
        self.deterministic = bool(deterministic)
        self.name = name or f"sb3-{type(model).__name__.lower()}"
        #: Whether ``predict`` takes ``action_masks`` (MaskablePPO): the mask is passed.
        self.passes_masks = _accepts(predict, "action_masks")
        self._recurrent = _accepts(predict, "state") and _accepts(predict, "episode_start")
        spaces = getattr(getattr(model, "observation_space", None), "spaces", None)
        self._dict_obs = isinstance(spaces, Mapping) and "action_mask" in spaces
        policy = getattr(model, "policy", None)
        distribution = getattr(policy, "get_distribution", None)
        # A recurrent policy's distribution needs its hidden state too: predict only.
        self._distribution = distribution if _required(distribution) == 1 else None
        self._q_net = getattr(model, "q_net", None) or getattr(policy, "q_net", None)
        self._to_tensor = getattr(policy, "obs_to_tensor", None)
        self._state: Any = None
        self._episode_start = True

    def reset(self) -> None:
        """Clear a recurrent model's hidden state."""
        self._state = None
        self._episode_start = True

    def clone(self) -> SB3Policy:
        """A copy sharing the model, with its own hidden state."""
        return SB3Policy(self.model, deterministic=self.deterministic, name=self.name)

    def _input(self, observation: np.ndarray, action_mask: np.ndarray | None) -> Any:
        if not self._dict_obs:
            return observation
        mask = np.ones(0, np.int8) if action_mask is None else action_mask
        return {"observation": observation, "action_mask": np.asarray(mask, dtype=np.int8)}

    def scores(self, observation: np.ndarray, action_mask: np.ndarray | None = None) -> np.ndarray:
        """The model's per-action probabilities or Q-values for one observation (raises
        TypeError for a model that exposes neither).
        """
        if self._to_tensor is None or (self._distribution is None and self._q_net is None):
            raise TypeError(f"{type(self.model).__name__} exposes no action scores")
        with _no_grad():
            obs, _ = self._to_tensor(self._input(observation, action_mask))
            if self._distribution is not None:
                dist = self._distribution(obs)
                inner = getattr(dist, "distribution", dist)
                return _numpy(inner.probs)
            assert self._q_net is not None
            return _numpy(self._q_net(obs))

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """The model's action, kept inside the mask (see the class docstring)."""
        can_score = self._to_tensor is not None and (
            self._distribution is not None or self._q_net is not None
        )
        if not self.deterministic and self._distribution is not None and can_score:
            return self._sample(observation, action_mask, rng)
        kwargs: dict[str, Any] = {"deterministic": self.deterministic}
        if self.passes_masks and action_mask is not None:
            kwargs["action_masks"] = np.asarray(action_mask, dtype=bool)
        if self._recurrent:
            kwargs["state"] = self._state
            kwargs["episode_start"] = np.array([self._episode_start])
        action, state = self.model.predict(self._input(observation, action_mask), **kwargs)
        self._state, self._episode_start = state, False
        a = int(np.asarray(action).reshape(-1)[0])
        if action_mask is None or (0 <= a < len(action_mask) and action_mask[a]):
            return a
        legal = legal_actions(action_mask)
        if not can_score:
            return legal[0]
        s = self.scores(observation, action_mask)
        return max(legal, key=lambda i: (s[i], -i))

    def _sample(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """Draw from the masked probabilities with ``rng`` (one draw, inverse CDF)."""
        probs = self.scores(observation, action_mask)
        legal = legal_actions(action_mask, len(probs))
        weights = [float(probs[i]) for i in legal]
        total = sum(weights)
        if total <= 0.0:  # every legal action has probability 0: fall back to uniform
            return legal[int(rng.random() * len(legal))]
        x = rng.random() * total
        for i, w in zip(legal, weights, strict=True):
            x -= w
            if x < 0.0:
                return i
        return legal[-1]
