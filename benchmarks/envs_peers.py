"""The peers' loops for ``benchmarks/bench_envs.py``: each peer's fastest honest random-play
loop through its own public API.

Every ``*_loop()`` function builds its environment and resets it once (outside the
timing), then returns a :class:`Loop`, whose ``run(n)`` plays at least ``n`` decisions
and returns how many it played (a run may stop mid-episode; the next goes on from there). Resets
between episodes happen inside ``run``, so they are inside the timing, as they are on our
side. A peer that is not installed raises :class:`Unavailable` with the install hint.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import random
from collections.abc import Callable
from typing import Any, NamedTuple

#: Play at least n decisions, return how many were played.
Run = Callable[[int], int]


class Loop(NamedTuple):
    """One side of a row, ready to time."""

    #: Plays at least ``n`` decisions and returns how many.
    run: Run
    #: Settings worth printing in the row (autoreset mode, threads...).
    info: dict[str, Any]


BENCH_HINT = "pip install 'hypertoken[bench]'"


class Unavailable(Exception):
    """One side of a row cannot run here (a peer not installed, a factory not built yet);
    the message says why, and the row prints with a null ratio.
    """


def need(module: str, hint: str = BENCH_HINT) -> Any:
    """Import ``module`` or raise :class:`Unavailable` saying how to install it."""
    if module.startswith("pettingzoo"):
        # pygame (which PettingZoo's classic games import) greets on stdout otherwise, and
        # stdout carries the JSON rows.
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise Unavailable(f"{module} is not importable ({exc}); {hint}") from exc


def version(dist: str) -> str | None:
    """The installed version of distribution ``dist``, or None."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def gymnasium_blackjack_loop() -> Loop:
    """gymnasium's ``Blackjack-v1`` via ``gym.make`` (with the wrappers ``make`` adds): a
    random action per step (both actions are always legal), ``reset`` when an episode ends.
    """
    gym = need("gymnasium", "pip install gymnasium")
    env = gym.make("Blackjack-v1")
    env.reset(seed=0)
    rng = random.Random(1)
    actions = (0, 1)

    def run(steps: int) -> int:
        step, reset, choice = env.step, env.reset, rng.choice
        done = 0
        while done < steps:
            done += 1
            _, _, terminated, truncated, _ = step(choice(actions))
            if terminated or truncated:
                reset()
        return done

    return Loop(run, {})


def rlcard_loop(name: str) -> Loop:
    """An RLCard game (``rlcard.make(name)``) through its own env API: ``reset``, then a
    random one of ``state["legal_actions"]`` per ``step`` until ``is_over``. This is RLCard's
    own env API without its agents and trajectory bookkeeping (``env.run`` does more work
    per step), so it is the fastest loop the API offers.
    """
    rlcard = need("rlcard")
    env = rlcard.make(name, config={"seed": 0})
    rng = random.Random(1)

    def run(steps: int) -> int:
        reset, step, is_over, choice = env.reset, env.step, env.is_over, rng.choice
        done = 0
        while done < steps:
            state, _ = reset()
            while not is_over():
                state, _ = step(choice(tuple(state["legal_actions"])))
                done += 1
        return done

    return Loop(run, {})


def rlcard_blackjack_loop() -> Loop:
    """RLCard's blackjack (one player), see :func:`rlcard_loop`."""
    return rlcard_loop("blackjack")


def envpool_blackjack_loop(num_envs: int = 64) -> Loop:
    """envpool's ``Blackjack-v1`` (``envpool.make_gymnasium``, ``num_envs`` tables, its
    default threads and batch size): one batch of random actions per ``step`` (numpy, both
    actions always legal). envpool resets a finished table on its next step, so, as with
    gymnasium's vector envs, a step counts ``num_envs`` env-steps, resets included.
    """
    envpool = need("envpool")
    import numpy as np

    env = envpool.make_gymnasium("Blackjack-v1", num_envs=num_envs, seed=0)
    env.reset()
    rng = np.random.default_rng(1)
    config = env.config
    info = {
        "num_envs": num_envs,
        "num_threads": int(config["num_threads"]),
        "batch_size": int(config["batch_size"]),
    }

    def run(steps: int) -> int:
        step, integers = env.step, rng.integers
        calls = max(1, -(-steps // num_envs))
        for _ in range(calls):
            step(integers(0, 2, num_envs, dtype=np.int32))
        return calls * num_envs

    return Loop(run, info)


def pettingzoo_rps_loop() -> Loop:
    """PettingZoo's ``rps_v2`` Parallel env (``pettingzoo.classic.rps_v2.parallel_env()``,
    its default 15 cycles): a random action for every live agent per ``step``, ``reset``
    when no agent is left. Counts one decision per agent per step.
    """
    rps_v2 = need("pettingzoo.classic.rps_v2", "pip install pettingzoo pygame-ce")
    env = rps_v2.parallel_env()
    env.reset(seed=0)
    rng = random.Random(1)
    actions = (0, 1, 2)

    def run(steps: int) -> int:
        step, reset, choice = env.step, env.reset, rng.choice
        done = 0
        while done < steps:
            agents = env.agents
            if not agents:
                reset()
                continue
            done += len(agents)
            step({agent: choice(actions) for agent in agents})
        return done

    return Loop(run, {})


def _masked_aec_run(env: Any, rng: random.Random) -> Run:
    """The standard PettingZoo AEC loop over an env whose observations carry
    ``"action_mask"`` (PettingZoo classic's): a random legal action per decision,
    ``step(None)`` for finished agents, ``reset`` when no agent is left.
    """
    import numpy as np

    legal: dict[bytes, tuple[int, ...]] = {}

    def run(steps: int) -> int:
        last, step, agent_iter, choice = env.last, env.step, env.agent_iter, rng.choice
        done = 0
        while done < steps:
            for _agent in agent_iter():
                obs, _, terminated, truncated, _ = last()
                if terminated or truncated:
                    step(None)
                    continue
                mask = obs["action_mask"]
                key = mask.tobytes()
                ids = legal.get(key)
                if ids is None:
                    ids = legal[key] = tuple(int(i) for i in np.flatnonzero(mask))
                step(choice(ids))
                done += 1
            env.reset()
        return done

    return run


def pettingzoo_holdem_loop(num_players: int = 2) -> Loop:
    """PettingZoo's ``texas_holdem_no_limit_v6`` AEC env with ``num_players`` seats (it
    needs rlcard): random legal actions from the mask in the observation.
    """
    module = need("pettingzoo.classic.texas_holdem_no_limit_v6", BENCH_HINT)
    env = module.env(num_players=num_players)
    env.reset(seed=0)
    return Loop(_masked_aec_run(env, random.Random(1)), {"num_players": num_players})


def rlcard_nolimit_loop() -> Loop:
    """RLCard's ``no-limit-holdem`` (two players), see :func:`rlcard_loop`."""
    return rlcard_loop("no-limit-holdem")


def pettingzoo_hanabi_loop(players: int = 2) -> Loop:
    """PettingZoo's ``hanabi_v5`` AEC env (OpenSpiel's Hanabi through Shimmy), ``players``
    seats: random legal actions from the mask in the observation.
    """
    module = need("pettingzoo.classic.hanabi_v5", f"{BENCH_HINT} (open_spiel, shimmy)")
    env = module.env(players=players)
    env.reset(seed=0)
    return Loop(_masked_aec_run(env, random.Random(1)), {"players": players})


def openspiel_hanabi_loop(players: int = 2) -> Loop:
    """OpenSpiel's raw ``hanabi`` game: per decision the player's ``observation_tensor()``
    (what an agent reads) and a random legal action; chance nodes (deals) are sampled.
    """
    pyspiel = need("pyspiel", f"{BENCH_HINT} (open_spiel)")
    game = pyspiel.load_game("hanabi", {"players": players})
    rng = random.Random(1)

    def run(steps: int) -> int:
        choice, draw = rng.choice, rng.random
        done = 0
        while done < steps:
            state = game.new_initial_state()
            while not state.is_terminal():
                if state.is_chance_node():
                    outcomes = state.chance_outcomes()
                    r, acc = draw(), 0.0
                    pick = outcomes[-1][0]
                    for outcome, p in outcomes:
                        acc += p
                        if r <= acc:
                            pick = outcome
                            break
                    state.apply_action(pick)
                    continue
                state.observation_tensor(state.current_player())
                state.apply_action(choice(state.legal_actions()))
                done += 1
        return done

    return Loop(run, {"players": players})


def no_peer(what: str) -> Callable[[], Loop]:
    """A side for rows that report our speed alone."""

    def make() -> Loop:
        raise Unavailable(f"no peer: this row reports {what}")

    return make
