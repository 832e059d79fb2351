"""The PettingZoo AEC environment of any registered game.

``aec_env("blackjack_v1", **options)`` is the environment PettingZoo users expect (wrapped
in PettingZoo's order-enforcing wrapper, as its classic environments are); ``raw_env``
is the same without the wrapper. Every registered game is one, with its options::

    from hypertoken.envs import aec_env

    env = aec_env("tictactoe_v1")
    env.reset(seed=42)
    for agent in env.agent_iter():
        obs, reward, terminated, truncated, info = env.last()
        action = None if terminated or truncated else int(info["action_mask"].nonzero()[0][0])
        env.step(action)

Conventions (PettingZoo's):

- ``possible_agents`` are the seats (``player_0`` ...); ``agents`` the seats still in the
  episode; ``agent_selection`` the seat to decide. In games where any seat may move (the
  prisoner's dilemma, grab) seats decide in seat order, each after the last mover, among
  those with a legal move. A seat may decide several times in a row (blackjack's hands).
- ``observe(agent)`` is ``{"observation", "action_mask"}`` when ``mask_in_obs`` (the
  default, as PettingZoo classic does), else the bare view. ``infos[agent]`` always holds
  ``"action_mask"`` (int8), besides what the game reports (blackjack: bankroll, stake,
  an illegal action's handling).
- ``rewards`` are the last step's, for every seat; ``_cumulative_rewards`` what each seat
  earned since it last acted, which ``last()`` returns, the terminal reward included.
- When the game ends every seat is terminated (or truncated on the turn limit); each then
  steps ``None`` once and leaves ``agents``. A game that ends in its setup (blackjack: the
  dealer peeked a blackjack) still takes one step: after ``reset`` the first seat is
  selected with every action allowed and ``infos[agent]["no_decision"]``, and its step,
  whatever the action, ends the episode with the rewards the setup settled.
- Actions are ints (Python or numpy) in the action space. One outside it raises
  ValueError, a wrong type TypeError; an illegal move follows the game's rules (blackjack's
  ``illegal_action`` option; otherwise ``IllegalMoveError``) and a refused one changes
  nothing.
- ``reset(seed=s)`` plays the episode ``LocalEngine(game, seed=s)`` plays (see
  :mod:`hypertoken.envs.seeding`). ``record=True`` writes episodes to Chronicle files
  (:mod:`hypertoken.envs.recording`).
- ``render()`` is the game's text picture (``render_mode="ansi"`` returns it, ``"human"``
  prints it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import AECEnv
from pettingzoo.utils import wrappers

from hypertoken.envs.episode import Episode, EpisodeOverError
from hypertoken.envs.recording import Recorder, recorder_for
from hypertoken.envs.registry import make_game
from hypertoken.envs.spaces import action_space, masked_observation_space, observation_space
from hypertoken.game import Game

__all__ = ["RENDER_MODES", "OrderEnforcing", "RawEnv", "aec_env", "raw_env"]

RENDER_MODES = ("ansi", "human")


def check_render_mode(render_mode: str | None) -> str | None:
    """``render_mode`` if it is None or one of :data:`RENDER_MODES`, else ValueError."""
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise ValueError(f"render_mode must be None, 'ansi' or 'human', not {render_mode!r}")
    return render_mode


def render_text(episode: Episode, render_mode: str | None) -> str | None:
    """What ``render()`` returns for a render mode (printing it in ``"human"`` mode)."""
    if render_mode is None:
        gymnasium.logger.warn(
            "render() was called without a render_mode: pass render_mode='ansi' or 'human'"
        )
        return None
    text = episode.game.render(episode.engine.world)
    if render_mode == "human":
        print(text)
        return None
    return text


class RawEnv(AECEnv[str, Any, int | None]):  # type: ignore[misc]
    """A game as a PettingZoo AEC environment (see the module docstring). Build it with
    :func:`raw_env` or :func:`aec_env`; ``game`` is the game instance to play.
    """

    metadata: dict[str, Any] = {"render_modes": list(RENDER_MODES), "is_parallelizable": False}

    def __init__(
        self,
        game: Game,
        *,
        render_mode: str | None = None,
        mask_in_obs: bool | None = None,
        record: bool | str | os.PathLike[str] = False,
        recorder: Recorder | None = None,
    ) -> None:
        super().__init__()
        self.game = game
        self.render_mode = check_render_mode(render_mode)
        self.mask_in_obs = True if mask_in_obs is None else bool(mask_in_obs)
        self.metadata = {
            **type(self).metadata,
            "name": game.info.env_id,
            "is_parallelizable": game.info.simultaneous,
        }
        self.episode = Episode(game, recorder_for(record, recorder))
        self.possible_agents = list(game.seats)
        self.agents: list[str] = []
        self._obs_space = (
            masked_observation_space(game) if self.mask_in_obs else observation_space(game)
        )
        self._act_space = action_space(game)
        self.observation_spaces = dict.fromkeys(self.possible_agents, self._obs_space)
        self.action_spaces = dict.fromkeys(self.possible_agents, self._act_space)
        self.rewards: dict[str, float] = {}
        self._cumulative_rewards: dict[str, float] = {}
        self.terminations: dict[str, bool] = {}
        self.truncations: dict[str, bool] = {}
        self.infos = {}
        self.agent_selection = self.possible_agents[0]
        self._pending = False
        self._skip_agent_selection: str | None = None
        self._infos_cache: dict[str, dict[str, Any]] | None = None
        #: Infos built one at a time (``last()`` needs only the agent to move's) since the
        #: last change; ``infos`` completes them into the cache.
        self._infos_part: dict[str, dict[str, Any]] = {}

    # ---- spaces ----------------------------------------------------------------------

    def observation_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """The observation space of ``agent`` (the same for every seat)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """``Discrete(num_actions)`` for every seat."""
        return self.action_spaces[agent]

    # ---- the episode ------------------------------------------------------------------

    @property
    def engine(self) -> Any:
        """The LocalEngine the episode runs on (read it, never change it)."""
        return self.episode.engine

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        """Start an episode (``seed``: see :mod:`hypertoken.envs.seeding`)."""
        del options  # no reset-time options: a game's options are fixed when it is built
        ep = self.episode
        ep.reset(seed)
        self.agents = list(self.possible_agents)
        self.rewards = dict.fromkeys(self.agents, 0.0)  # the setup's, after _after_move
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        # PettingZoo's memory of who was selected before finished agents stepped out: a
        # reset in the middle of stepping out must not carry it into the next episode.
        self._skip_agent_selection = None
        # A game over in its setup (blackjack: the dealer peeked a blackjack) still takes
        # one step, so every episode has a decision for trainers that act right after reset.
        self._pending = ep.over
        if self._pending:
            self.agent_selection = self.possible_agents[0]
            self._infos_cache = None
            self._infos_part.clear()
            return
        self._after_move()

    def step(self, action: int | None) -> None:
        """Play ``action`` for ``agent_selection`` (``None`` for a finished seat)."""
        if not self.agents:
            raise EpisodeOverError("every agent is done: call reset() to start the next episode")
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        if action is None:
            raise ValueError(f"{agent} is still playing: None is only for a finished agent")
        if self._pending:  # the step of an episode over at its setup: any action ends it
            self.episode.action(action)  # still checked for type and range
            self._pending = False
        else:
            self.episode.play(agent, action)
        self._cumulative_rewards[agent] = 0.0
        self._after_move()

    def _after_move(self) -> None:
        """Rewards, ends and the next agent after a move (or a reset)."""
        ep = self.episode
        step = ep.step_rewards()
        self.rewards = step
        cumulative = self._cumulative_rewards
        for seat, r in step.items():
            cumulative[seat] += r
        if ep.over:
            agents = self.agents
            done = dict.fromkeys(agents, True)
            if ep.truncated:
                self.truncations = done
            else:
                self.terminations = done
            if ep.recorder is not None:
                ep.save()
            selected = self.agent_selection
            nxt = selected if selected in agents else agents[0]
        else:
            mover = ep.to_move()
            if mover is None:
                raise EpisodeOverError(f"{self.game.info.env_id}: no seat can move, yet not over")
            nxt = mover
        self.agent_selection = nxt
        self._infos_cache = None
        self._infos_part.clear()

    def _was_dead_step(self, action: int | None) -> None:
        """PettingZoo's step of a finished agent (``AECEnv._was_dead_step``: the agent
        leaves every dict and ``agents``; a finished agent left is selected next, else the
        one selected before them), without building the other agents' infos first.
        """
        if action is not None:
            raise ValueError("when an agent is dead, the only valid action is None")
        agent = self.agent_selection
        terminations, truncations = self.terminations, self.truncations
        del terminations[agent], truncations[agent], self.rewards[agent]
        del self._cumulative_rewards[agent]
        if self._infos_cache is not None:
            del self._infos_cache[agent]
        else:
            self._infos_part.pop(agent, None)
        self.agents.remove(agent)
        dead = [a for a in self.agents if terminations[a] or truncations[a]]
        if dead:
            if self._skip_agent_selection is None:
                self._skip_agent_selection = agent
            self.agent_selection = dead[0]
        else:
            skipped = self._skip_agent_selection
            if skipped is not None:
                self.agent_selection = skipped
            self._skip_agent_selection = None
        rewards = self.rewards
        for a in rewards:
            rewards[a] = 0

    # ---- what agents see ---------------------------------------------------------------

    def observe(self, agent: str) -> Any:
        """``agent``'s observation (with its mask when ``mask_in_obs``)."""
        ep = self.episode
        view = ep.view(agent)
        if not self.mask_in_obs:
            return view
        mask = self._all_actions() if self._pending else ep.mask(agent)
        return {"observation": view, "action_mask": mask}

    def action_mask(self, agent: str) -> np.ndarray:
        """``agent``'s legal mask now (int8; all 0 when it may not move; all 1 in the step
        of an episode that ended at its setup).
        """
        return self._all_actions() if self._pending else self.episode.mask(agent)

    def _all_actions(self) -> np.ndarray:
        """The mask of the step of an episode that ended at its setup: every action."""
        return np.ones(self.game.info.num_actions, dtype=np.int8)

    @property  # type: ignore[override]
    def infos(self) -> dict[str, dict[str, Any]]:
        """Per agent: the game's info and ``"action_mask"`` (built when read)."""
        cache = self._infos_cache
        if cache is None:
            part = self._infos_part
            cache = {a: part[a] if a in part else self._build_info(a) for a in self.agents}
            self._infos_cache = cache
            part.clear()
        return cache

    @infos.setter
    def infos(self, value: dict[str, dict[str, Any]]) -> None:
        self._infos_cache = value
        self._infos_part = {}

    def _build_info(self, agent: str) -> dict[str, Any]:
        info = self.episode.info(agent)
        if self._pending:
            info["action_mask"] = self.action_mask(agent)
            info["no_decision"] = True
        return info

    def _info(self, agent: str) -> dict[str, Any]:
        """``infos[agent]``, building only that agent's when ``infos`` was not read since
        the last change (the same object ``infos`` then holds).
        """
        cache = self._infos_cache
        if cache is not None:
            return cache[agent]
        part = self._infos_part
        info = part.get(agent)
        if info is None:
            if agent not in self.agents:
                raise KeyError(agent)
            info = part[agent] = self._build_info(agent)
        return info

    def last(self, observe: bool = True) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Observation, cumulative reward, terminated, truncated and info of
        ``agent_selection``.
        """
        agent: str = self.agent_selection
        return (
            self.observe(agent) if observe else None,
            self._cumulative_rewards[agent],
            self.terminations[agent],
            self.truncations[agent],
            self._info(agent),
        )

    def render(self) -> str | None:  # type: ignore[override]
        """The game's text picture (see the module docstring)."""
        return render_text(self.episode, self.render_mode)

    def close(self) -> None:
        """Write an unfinished episode's recording."""
        self.episode.close()

    def __repr__(self) -> str:
        return f"<hypertoken AEC env {self.game.info.env_id}>"


def raw_env(
    env_id: str,
    *,
    num_players: int | None = None,
    render_mode: str | None = None,
    mask_in_obs: bool | None = None,
    record: bool | str | os.PathLike[str] = False,
    recorder: Recorder | None = None,
    **game_options: Any,
) -> RawEnv:
    """The unwrapped AEC environment of ``env_id`` with the game's options."""
    game = make_game(env_id, num_players, **game_options)
    return RawEnv(
        game, render_mode=render_mode, mask_in_obs=mask_in_obs, record=record, recorder=recorder
    )


class OrderEnforcing(wrappers.OrderEnforcingWrapper):  # type: ignore[misc]
    """PettingZoo's order-enforcing wrapper (the same errors before ``reset``), with the
    attributes a training loop reads every step forwarded directly instead of through
    ``__getattr__``.
    """

    env: RawEnv

    def _ready(self, name: str) -> RawEnv:
        if not self._has_reset:
            raise AttributeError(f"{name} cannot be accessed before reset")
        return self.env

    @property
    def agents(self) -> list[str]:
        """The raw env's ``agents``."""
        return self._ready("agents").agents

    @property
    def agent_selection(self) -> str:
        """The raw env's ``agent_selection``."""
        return self._ready("agent_selection").agent_selection

    @property
    def rewards(self) -> dict[str, float]:
        """The raw env's ``rewards``."""
        return self._ready("rewards").rewards

    @property
    def terminations(self) -> dict[str, bool]:
        """The raw env's ``terminations``."""
        return self._ready("terminations").terminations

    @property
    def truncations(self) -> dict[str, bool]:
        """The raw env's ``truncations``."""
        return self._ready("truncations").truncations

    @property
    def infos(self) -> dict[str, dict[str, Any]]:
        """The raw env's ``infos``."""
        return self._ready("infos").infos

    def last(self, observe: bool = True) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """The raw env's ``last``."""
        if not self._has_reset:
            wrappers.order_enforcing.EnvLogger.error_observe_before_reset()
        return self.env.last(observe)

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        """The raw env's ``reset`` (and the wrapper's memory that it was reset)."""
        self._has_reset = True
        self._has_updated = True
        self.env.reset(seed=seed, options=options)

    def step(self, action: int | None) -> None:
        """The raw env's ``step`` (after ``reset``; a warning once every agent is done)."""
        if self._has_reset and self.env.agents:
            self._has_updated = True
            self.env.step(action)
        else:
            super().step(action)

    def action_mask(self, agent: str) -> np.ndarray:
        """The raw env's ``action_mask``."""
        return self.env.action_mask(agent)

    def agent_iter(self, max_iter: int = 2**63) -> Iterator[str]:
        """PettingZoo's order-enforcing agent iterator (the same checks), reading the raw
        env directly.
        """
        if not self._has_reset:
            wrappers.order_enforcing.EnvLogger.error_agent_iter_before_reset()
        return _AgentIterator(self, max_iter)


class _AgentIterator:
    """``agent_selection`` while agents are left (at most ``left`` times), asserting, as
    PettingZoo's order-enforcing iterator does, that each was stepped.
    """

    __slots__ = ("left", "raw", "wrapper")

    def __init__(self, wrapper: OrderEnforcing, left: int) -> None:
        self.wrapper, self.raw, self.left = wrapper, wrapper.env, left

    def __iter__(self) -> _AgentIterator:
        return self

    def __next__(self) -> str:
        raw = self.raw
        if not raw.agents or self.left <= 0:
            raise StopIteration
        self.left -= 1
        wrapper = self.wrapper
        assert wrapper._has_updated, "need to call step() or reset() in a loop over `agent_iter`"
        wrapper._has_updated = False
        return raw.agent_selection


def aec_env(env_id: str, **kwargs: Any) -> OrderEnforcing:
    """The AEC environment of ``env_id`` in PettingZoo's order-enforcing wrapper
    (arguments as :func:`raw_env`).
    """
    return OrderEnforcing(raw_env(env_id, **kwargs))
