"""Bots: a :class:`~hypertoken.policies.Policy` playing through a control socket.

:func:`run_bot` (blocking) and :func:`play_policy` (asyncio) drive ``HyperTokenAECEnv``, the
same client a training script uses: against a peer daemon (:mod:`peers.control`) they play
the daemon's seat for the room's game, waiting while the other peers move; against
``hypertoken serve`` they play every agent of the env. The policy sees what it sees in
training: the seat's observation and its legal mask, so a policy trained in process plays in
a room unchanged. ``hypertoken bot`` is :func:`run_bot` on the command line.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypertoken.client import HyperTokenAECEnv
from hypertoken.envs.registry import make_game
from hypertoken.game import Game
from hypertoken.policies import Policy, resolve

__all__ = ["DEFAULT_BOT_TIMEOUT", "BotResult", "MoveHook", "game_of", "play_policy", "run_bot"]

DEFAULT_BOT_TIMEOUT = 3600.0
"""Seconds a bot waits for one answer (its turn may wait for slow players)."""


@dataclass
class BotResult:
    """What a bot played: moves per agent and each agent's return over the episodes."""

    episodes: int = 0
    moves: dict[str, int] = field(default_factory=dict)
    returns: dict[str, float] = field(default_factory=dict)
    state_hash: str = ""


def game_of(info: Mapping[str, Any]) -> Game:
    """The game an ``env_info`` answer describes (its env id and options)."""
    options = dict(info.get("env_options") or {})
    players = options.pop("num_players", None)
    return make_game(str(info["env_id"]), players, **options)


MoveHook = Callable[[str, int, Game], None]


def run_bot(
    policy: Policy | str,
    url: str,
    *,
    seed: int | None = None,
    episodes: int = 1,
    token: str | None = None,
    timeout: float = DEFAULT_BOT_TIMEOUT,
    on_move: MoveHook | None = None,
) -> BotResult:
    """Play ``policy`` (a Policy, or a name of :mod:`hypertoken.policies`) through the
    control socket at ``url`` until the game is over (blocking).

    Against a peer daemon it plays the daemon's seat for the room's one game (``episodes``
    is ignored: a room plays one game); against ``hypertoken serve`` it plays every agent
    for ``episodes`` episodes. ``seed`` seeds the policy's ``random.Random``;
    ``on_move(agent, action, game)`` is called after each move.
    """
    env = HyperTokenAECEnv(url, token=token, auto_connect=False)
    env.client.timeout = timeout
    result = BotResult()
    try:
        env.connect()
        info = env.server_info
        game = game_of(info)
        base = resolve(policy, game)
        rng = random.Random(seed)
        if info.get("mode") == "room":
            episodes = 1
        for _ in range(episodes):
            env.reset()
            seats = {a: base.clone() for a in env.possible_agents}
            for p in seats.values():
                p.reset()
            for agent in env.agent_iter():
                obs, reward, terminated, truncated, agent_info = env.last()
                result.returns[agent] = result.returns.get(agent, 0.0) + float(reward)
                if terminated or truncated:
                    env.step(None)
                    continue
                mask = agent_info.get("action_mask")
                if mask is None:
                    bools = env.action_mask(agent)
                    mask = None if bools is None else bools.astype("int8")
                action = int(seats[agent].act(obs, mask, rng))
                env.step(action)
                result.moves[agent] = result.moves.get(agent, 0) + 1
                if on_move is not None:
                    on_move(agent, action, game)
            result.episodes += 1
        result.state_hash = env.state_hash()
    finally:
        env.close()
    return result


async def play_policy(
    policy: Policy | str,
    url: str,
    *,
    seed: int | None = None,
    episodes: int = 1,
    token: str | None = None,
    timeout: float = DEFAULT_BOT_TIMEOUT,
    on_move: MoveHook | None = None,
) -> BotResult:
    """:func:`run_bot` from asyncio code (in a worker thread, so the loop keeps running)."""
    return await asyncio.to_thread(
        run_bot,
        policy,
        url,
        seed=seed,
        episodes=episodes,
        token=token,
        timeout=timeout,
        on_move=on_move,
    )
