"""HyperToken's loops for ``benchmarks/bench_envs.py``: random legal play through the
environments of :mod:`hypertoken.envs`, the way their users write it.

The same contract as :mod:`envs_peers`: every ``*_loop()`` builds its env and resets it
once with a seed (outside the timing) and returns a :class:`~envs_peers.Loop` whose
``run(n)`` plays at least ``n`` decisions (an action taken by a seat), resets included.
A factory that :mod:`hypertoken.envs` does not have yet raises
:class:`~envs_peers.Unavailable` ("not built yet").

A random legal action is ``random.Random.choice`` over the mask's legal ids, which are
computed once per distinct mask (keyed by its bytes), so the choice costs about what the
peers' ``choice`` over their fixed action tuples costs.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from typing import Any

import numpy as np
from envs_peers import Loop, Unavailable

BLACKJACK = "blackjack_v1"
PRISONERS_DILEMMA = "prisoners_dilemma_v1"

#: Legal action ids for each mask (by its bytes).
_LEGAL: dict[bytes, tuple[int, ...]] = {}


def legal(mask: np.ndarray) -> tuple[int, ...]:
    """The legal action ids of ``mask`` (nonzero entries), cached per distinct mask."""
    key = mask.tobytes()
    ids = _LEGAL.get(key)
    if ids is None:
        ids = _LEGAL[key] = tuple(int(i) for i in np.flatnonzero(mask))
        if not ids:
            raise RuntimeError(f"a live agent's mask has no legal action: {mask!r}")
    return ids


def factory(name: str) -> Callable[..., Any]:
    """``hypertoken.envs.<name>``, or :class:`~envs_peers.Unavailable` if not built yet."""
    try:
        envs = importlib.import_module("hypertoken.envs")
    except ImportError as exc:
        raise Unavailable(f"not built yet: hypertoken.envs does not import ({exc})") from exc
    made = getattr(envs, name, None)
    if made is None:
        raise Unavailable(f"not built yet: hypertoken.envs has no {name}")
    return made  # type: ignore[no-any-return]


def make_env(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``hypertoken.envs.<name>(*args, **kwargs)``. A factory that exists but imports
    a module of :mod:`hypertoken.envs` that is not written yet (factories import their
    module lazily) is "not built yet" too, not a failure.
    """
    made = factory(name)
    try:
        return made(*args, **kwargs)
    except LookupError as exc:  # UnknownEnvError: a game that is not registered yet
        if type(exc).__name__ != "UnknownEnvError":
            raise
        raise Unavailable(f"not built yet: {exc}") from exc
    except ImportError as exc:
        if "hypertoken.envs" not in str(exc):
            raise
        raise Unavailable(f"not built yet: {name} raised {exc}") from exc


def _mask_reader(obs: Any, info: Any) -> Callable[[Any, Any], np.ndarray]:
    """How this env hands out its mask: in the observation (PettingZoo classic's
    ``{"observation", "action_mask"}``) or in the info dict. Decided once, at reset.
    """
    if isinstance(obs, dict) and "action_mask" in obs:
        return lambda o, i: o["action_mask"]  # type: ignore[no-any-return]
    if isinstance(info, dict) and "action_mask" in info:
        return lambda o, i: i["action_mask"]  # type: ignore[no-any-return]
    raise RuntimeError("the env hands out no action mask (neither in obs nor in info)")


def aec_loop(env_id: str = BLACKJACK, **options: Any) -> Loop:
    """The standard PettingZoo AEC loop on ``aec_env(env_id, **options)``: ``agent_iter``,
    ``last``, a random legal action from the mask (``step(None)`` for a dead agent),
    ``reset`` when no agent is left. Counts the steps that take an action.
    """
    env = make_env("aec_env", env_id, **options)
    env.reset(seed=0)
    obs, _, _, _, info = env.last()
    mask_of = _mask_reader(obs, info)
    rng = random.Random(1)

    def run(steps: int) -> int:
        last, step, agent_iter, choice = env.last, env.step, env.agent_iter, rng.choice
        done = 0
        while done < steps:
            for _agent in agent_iter():
                obs, _, terminated, truncated, info = last()
                if terminated or truncated:
                    step(None)
                    continue
                step(choice(legal(mask_of(obs, info))))
                done += 1
            env.reset()
        return done

    return Loop(run, {"mask_in": "obs" if isinstance(obs, dict) else "info"})


def gym_loop(env_id: str = BLACKJACK, *, via_make: bool = False) -> Loop:
    """``gym_env(env_id)`` (or ``gymnasium.make`` of its Gymnasium id, with the wrappers
    ``make`` adds, when ``via_make``): a random legal action from ``info["action_mask"]``
    per step, ``reset`` when an episode ends.
    """
    if via_make:
        import gymnasium

        gym_id = factory("gym_id")(env_id)
        env = gymnasium.make(gym_id)
    else:
        env = make_env("gym_env", env_id)
    obs, info = env.reset(seed=0)
    mask_of = _mask_reader(obs, info)
    rng = random.Random(1)
    state = [obs, info]

    def run(steps: int) -> int:
        step, reset, choice = env.step, env.reset, rng.choice
        obs, info = state
        done = 0
        while done < steps:
            obs, _, terminated, truncated, info = step(choice(legal(mask_of(obs, info))))
            done += 1
            if terminated or truncated:
                obs, info = reset()
        state[:] = obs, info
        return done

    return Loop(run, {})


def vector_loop(env_id: str = BLACKJACK, num_envs: int = 64) -> Loop:
    """``vector_env(env_id, num_envs)``: per step one batch of random legal actions drawn
    with numpy from the ``(num_envs, num_actions)`` mask (the argmax of uniform noise over
    the legal entries). Counts ``num_envs`` env-steps per step, as for envpool.
    """
    env = make_env("vector_env", env_id, num_envs=num_envs)
    _, info = env.reset(seed=0)
    if isinstance(info, dict) and "action_mask" in info:
        from_info = True
    elif hasattr(env, "action_masks"):
        from_info = False
    else:
        raise RuntimeError("the vector env hands out no mask (info['action_mask'])")
    rng = np.random.default_rng(1)
    mask = np.asarray(info["action_mask"] if from_info else env.action_masks(), dtype=bool)
    state = [mask]
    autoreset = getattr(env, "metadata", {}).get("autoreset_mode")
    autoreset = getattr(autoreset, "value", autoreset)

    def run(steps: int) -> int:
        step, uniform = env.step, rng.random
        (mask,) = state
        calls = max(1, -(-steps // num_envs))
        for _ in range(calls):
            # A table with no legal action (a next-step reset) gets action 0, ignored.
            actions = (uniform(mask.shape) * mask).argmax(axis=1)
            _, _, _, _, info = step(actions)
            mask = info["action_mask"] if from_info else env.action_masks()
        state[0] = mask
        return calls * num_envs

    return Loop(run, {"num_envs": num_envs, "autoreset_mode": str(autoreset)})


def parallel_loop(env_id: str = PRISONERS_DILEMMA) -> Loop:
    """``parallel_env(env_id)``: a random legal action for every live agent per ``step``
    (each from its own mask), ``reset`` when no agent is left. Counts one decision per
    agent per step.
    """
    env = make_env("parallel_env", env_id)
    observations, infos = env.reset(seed=0)
    first = env.agents[0]
    in_obs = isinstance(observations[first], dict) and "action_mask" in observations[first]
    if not in_obs and "action_mask" not in infos.get(first, {}):
        raise RuntimeError("the parallel env hands out no action mask")
    rng = random.Random(1)
    state = [observations, infos]

    def run(steps: int) -> int:
        step, reset, choice = env.step, env.reset, rng.choice
        observations, infos = state
        done = 0
        while done < steps:
            agents = env.agents
            if not agents:
                observations, infos = reset()
                continue
            where = observations if in_obs else infos
            done += len(agents)
            observations, _, _, _, infos = step(
                {agent: choice(legal(where[agent]["action_mask"])) for agent in agents}
            )
        state[:] = observations, infos
        return done

    return Loop(run, {"mask_in": "obs" if in_obs else "info"})
