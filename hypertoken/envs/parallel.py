"""The PettingZoo Parallel environment of a simultaneous game (``GameInfo.simultaneous``:
the prisoner's dilemma): every live agent chooses at once and the round resolves.

    from hypertoken.envs import parallel_env

    env = parallel_env("prisoners_dilemma_v1", rounds=10)
    observations, infos = env.reset(seed=1)
    while env.agents:
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)

``step`` takes one action per agent in ``agents`` and plays them in seat order; rewards
are each agent's gain in that step, ``infos[agent]["action_mask"]`` its legal mask. When
the game ends every agent is terminated (truncated on the turn limit) and ``agents``
empties. Turn-based games are not Parallel environments: their error names
:func:`hypertoken.envs.aec_env`. Seeds, actions, recording and rendering are the AEC
environment's (:mod:`hypertoken.envs.aec`).
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from hypertoken.envs.aec import RENDER_MODES, check_render_mode, render_text
from hypertoken.envs.episode import Episode, EpisodeOverError
from hypertoken.envs.recording import Recorder, recorder_for
from hypertoken.envs.registry import make_game
from hypertoken.envs.spaces import action_space, masked_observation_space, observation_space
from hypertoken.game import Game

__all__ = ["ParallelGameEnv", "parallel_env"]


class ParallelGameEnv(ParallelEnv[str, Any, int]):  # type: ignore[misc]
    """A simultaneous game as a PettingZoo Parallel environment (module docstring)."""

    metadata: dict[str, Any] = {"render_modes": list(RENDER_MODES)}

    def __init__(
        self,
        game: Game,
        *,
        render_mode: str | None = None,
        mask_in_obs: bool | None = None,
        record: bool | str | os.PathLike[str] = False,
        recorder: Recorder | None = None,
    ) -> None:
        if not game.info.simultaneous:
            raise ValueError(
                f"{game.info.env_id} is turn-based, not a simultaneous game: "
                f"use hypertoken.envs.aec_env({game.info.env_id!r})"
            )
        self.game = game
        self.render_mode = check_render_mode(render_mode)
        self.mask_in_obs = False if mask_in_obs is None else bool(mask_in_obs)
        self.metadata = {**type(self).metadata, "name": game.info.env_id}
        self.episode = Episode(game, recorder_for(record, recorder))
        self.possible_agents = list(game.seats)
        self.agents: list[str] = []
        space = masked_observation_space(game) if self.mask_in_obs else observation_space(game)
        self.observation_spaces = dict.fromkeys(self.possible_agents, space)
        self.action_spaces = dict.fromkeys(self.possible_agents, action_space(game))

    def observation_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """The observation space of ``agent``."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """``Discrete(num_actions)``."""
        return self.action_spaces[agent]

    @property
    def engine(self) -> Any:
        """The LocalEngine the episode runs on (read it, never change it)."""
        return self.episode.engine

    def _observe(self, agent: str) -> Any:
        view = self.episode.view(agent)
        if not self.mask_in_obs:
            return view
        return {"observation": view, "action_mask": self.episode.mask(agent)}

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Start an episode; every agent's observation and info."""
        del options  # a game's options are fixed when it is built
        self.episode.reset(seed)
        self.agents = list(self.possible_agents)
        return (
            {a: self._observe(a) for a in self.agents},
            {a: self.episode.info(a) for a in self.agents},
        )

    def step(
        self, actions: dict[str, Any]
    ) -> tuple[
        dict[str, Any],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Play one action per live agent, in seat order."""
        if not self.agents:
            raise EpisodeOverError("every agent is done: call reset() to start the next episode")
        if not isinstance(actions, dict):
            raise TypeError(f"step() takes a dict agent -> action, not {type(actions).__name__}")
        missing = [a for a in self.agents if a not in actions]
        extra = [a for a in actions if a not in self.agents]
        if missing or extra:
            raise ValueError(
                f"step() needs one action for each of {self.agents}"
                + (f"; missing {missing}" if missing else "")
                + (f"; not playing: {extra}" if extra else "")
            )
        ep = self.episode
        checked = {a: ep.action(actions[a]) for a in self.agents}  # all checked before any moves
        for agent in self.agents:
            if ep.over:
                break
            ep.play(agent, checked[agent])
        rewards = ep.step_rewards()
        agents = self.agents
        over, truncated = ep.over, ep.truncated
        observations = {a: self._observe(a) for a in agents}
        infos = {a: ep.info(a) for a in agents}
        terminations = dict.fromkeys(agents, over and not truncated)
        truncations = dict.fromkeys(agents, truncated)
        if over:
            ep.save()
            self.agents = []
        return observations, {a: rewards[a] for a in agents}, terminations, truncations, infos

    def action_mask(self, agent: str) -> np.ndarray:
        """``agent``'s legal mask now (int8)."""
        return self.episode.mask(agent)

    def state(self) -> np.ndarray:
        """Every seat's view, concatenated (the global state of a fully observed round)."""
        return np.concatenate([self.episode.view(a) for a in self.possible_agents])

    def render(self) -> str | None:  # type: ignore[override]
        """The game's text picture."""
        return render_text(self.episode, self.render_mode)

    def close(self) -> None:
        """Write an unfinished episode's recording."""
        self.episode.close()


def parallel_env(
    env_id: str,
    *,
    num_players: int | None = None,
    render_mode: str | None = None,
    mask_in_obs: bool | None = None,
    record: bool | str | os.PathLike[str] = False,
    recorder: Recorder | None = None,
    **game_options: Any,
) -> ParallelGameEnv:
    """The Parallel environment of a simultaneous game (others: use ``aec_env``)."""
    game = make_game(env_id, num_players, **game_options)
    return ParallelGameEnv(
        game, render_mode=render_mode, mask_in_obs=mask_in_obs, record=record, recorder=recorder
    )
