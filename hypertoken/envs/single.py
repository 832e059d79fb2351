"""The Gymnasium single-agent environment of any registered game: one learning seat, the
other seats played by policies (:mod:`hypertoken.policies`).

    import gymnasium
    import hypertoken.envs  # registers "hypertoken/Blackjack-v1" and the others

    env = gymnasium.make("hypertoken/Blackjack-v1")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(1)  # Stand

- ``seat`` (default ``player_0``) learns; ``opponents`` plays the others: a policy name
  (``"random"``), a :class:`~hypertoken.policies.Policy`, or a dict seat -> either. Each
  opponent seat gets its own ``clone()``, ``reset()`` at every episode, and draws from
  ``random.Random(policy_seed(episode_seed, seat))``, so a seeded episode is exact.
- After the learner's move the opponents move: in turn-based games until the learner is
  to move again or the game ends; in games where any seat may move, each other seat with
  a legal move once, in seat order (the prisoner's dilemma's round then resolves).
- The observation is the learner's view (``player_view``); ``info["action_mask"]`` its legal
  mask (int8), plus what the game reports. The reward is the learner's gain in the step;
  ``terminated`` when the game ends, ``truncated`` on the GameLoop's turn limit.
- An episode that needs no decision of the learner (blackjack: the dealer peeked a
  blackjack) still takes one step: ``reset`` returns ``info["no_decision"] = True`` with
  every action allowed, and the next step, whatever its action, returns the episode's
  reward with ``terminated=True``. Every episode is therefore at least one step, and its
  reward is never lost.
- Actions outside the space raise ValueError (TypeError for a wrong type). A move the
  game refuses (a taken cell; blackjack refuses nothing unless its ``illegal_action``
  option is ``"error"``) changes nothing and is handled by ``on_illegal``: ``"penalty"``
  (the default, so agents sampling without the mask still run): the step returns
  ``illegal_reward`` (default -1.0) with ``info["illegal_action"]`` and the reason, and
  the learner moves again; ``"raise"``: ``IllegalMoveError``. Stepping a finished
  episode raises; call ``reset()``. Seeds follow :mod:`hypertoken.envs.seeding`; ``record=True``
  writes episodes to Chronicle files.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np

from hypertoken import policies
from hypertoken.envs.aec import RENDER_MODES, check_render_mode, render_text
from hypertoken.envs.episode import Episode, EpisodeOverError
from hypertoken.envs.recording import Recorder, recorder_for
from hypertoken.envs.registry import make_game
from hypertoken.envs.seeding import policy_seed
from hypertoken.envs.spaces import action_space, observation_space
from hypertoken.game import Game, IllegalMoveError
from hypertoken.policies import Policy

__all__ = ["GameEnv", "Opponents", "evaluate", "gym_env", "opponent_policies"]

#: What ``opponents=`` takes.
Opponents = str | Policy | Mapping[str, str | Policy]


def opponent_policies(game: Game, seat: str, opponents: Opponents) -> dict[str, Policy]:
    """One independent policy per seat other than ``seat`` (see the module docstring)."""
    others = [s for s in game.seats if s != seat]
    if isinstance(opponents, Mapping):
        unknown = sorted(set(opponents) - set(others))
        if unknown:
            raise ValueError(f"opponents for {unknown}: the other seats are {others}")
        missing = [s for s in others if s not in opponents]
        if missing:
            raise ValueError(f"no opponent policy for {missing} (opponents= covers {others})")
        chosen = dict(opponents)
    else:
        chosen = dict.fromkeys(others, opponents)
    return {s: policies.resolve(p, game).clone() for s, p in chosen.items()}


class GameEnv(gymnasium.Env[np.ndarray, int]):
    """One seat of a game as a Gymnasium environment (module docstring). Built by
    :func:`gym_env` or ``gymnasium.make("hypertoken/<Name>-v<N>")`` (``env_id`` then comes
    from the registration).
    """

    metadata: dict[str, Any] = {"render_modes": list(RENDER_MODES)}

    def __init__(
        self,
        env_id: str,
        *,
        seat: str = "player_0",
        opponents: Opponents = "random",
        num_players: int | None = None,
        render_mode: str | None = None,
        record: bool | str | os.PathLike[str] = False,
        recorder: Recorder | None = None,
        on_illegal: str = "penalty",
        illegal_reward: float = -1.0,
        **game_options: Any,
    ) -> None:
        if on_illegal not in ("penalty", "raise"):
            raise ValueError(f"on_illegal must be 'penalty' or 'raise', not {on_illegal!r}")
        game = make_game(env_id, num_players, **game_options)
        if seat not in game.seats:
            raise ValueError(f"no seat {seat!r} in {game.info.env_id} (seats: {game.seats})")
        self.game = game
        self.seat = seat
        self.render_mode = check_render_mode(render_mode)
        self.metadata = {**type(self).metadata, "name": game.info.env_id}
        self.observation_space = observation_space(game)
        self.action_space = action_space(game)  # type: ignore[assignment]
        self.episode = Episode(game, recorder_for(record, recorder))
        self.opponents = opponent_policies(game, seat, opponents)
        self.on_illegal = on_illegal
        self.illegal_reward = float(illegal_reward)
        self._rngs: dict[str, random.Random] = {}
        self._pending = False  # an episode that ended before the learner decided
        self._done = True

    @property
    def engine(self) -> Any:
        """The LocalEngine the episode runs on (read it, never change it)."""
        return self.episode.engine

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode and play the opponents up to the learner's first decision."""
        del options  # a game's options are fixed when it is built
        ep = self.episode
        s = ep.reset(seed)
        # Gymnasium's own generator (``np_random``) follows the episode seed; the game
        # does not use it, but wrappers and checkers may.
        super().reset(seed=s if seed is not None else None)
        self._rngs = {o: random.Random(policy_seed(s, o)) for o in self.opponents}
        for p in self.opponents.values():
            p.reset()
        self._play_opponents()
        self._done = False
        self._pending = ep.over
        info = self._info()
        if self._pending:
            info["no_decision"] = True
            info["action_mask"] = np.ones(self.game.info.num_actions, dtype=np.int8)
        return ep.view(self.seat), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Play the learner's ``action``, then the opponents (module docstring)."""
        ep = self.episode
        if self._done:
            raise EpisodeOverError("the episode is over: call reset() to start the next one")
        if self._pending:
            ep.action(action)  # still checked for type and range
            self._pending = False
        else:
            try:
                ep.play(self.seat, action)
            except IllegalMoveError as exc:
                if self.on_illegal == "raise":
                    raise
                info = self._info()
                info["illegal_action"] = ep.action(action)
                info["reason"] = str(exc)
                return ep.view(self.seat), self.illegal_reward, False, False, info
            self._play_opponents()
        over = ep.over
        self._done = over
        reward = ep.step_rewards()[self.seat]
        if over:
            ep.save()
        truncated = ep.truncated
        return ep.view(self.seat), float(reward), over and not truncated, truncated, self._info()

    def _play_opponents(self) -> None:
        """Opponents move until the learner decides or the game ends."""
        ep = self.episode
        if not self.opponents:
            return
        seat, game, world = self.seat, self.game, ep.engine.world
        if ep.any_order:
            for other, policy in self.opponents.items():
                if ep.over:
                    return
                mask = ep.mask(other)
                if mask.any():
                    ep.play(
                        other, policy.act(game.player_view(world, other), mask, self._rngs[other])
                    )
            return
        while not ep.over:
            mover = ep.to_move()
            if mover is None or mover == seat:
                return
            mask = ep.mask(mover)
            action = self.opponents[mover].act(
                game.player_view(world, mover), mask, self._rngs[mover]
            )
            ep.play(mover, action)

    def _info(self) -> dict[str, Any]:
        return self.episode.info(self.seat)

    def action_masks(self) -> np.ndarray:
        """The learner's legal mask as bools (sb3-contrib's MaskablePPO reads this)."""
        if self._pending:
            return np.ones(self.game.info.num_actions, dtype=bool)
        return self.episode.mask(self.seat).astype(bool)

    def render(self) -> str | None:  # type: ignore[override]
        """The game's text picture."""
        return render_text(self.episode, self.render_mode)

    def close(self) -> None:
        """Write an unfinished episode's recording."""
        self.episode.close()


def gym_env(env_id: str, **kwargs: Any) -> GameEnv:
    """The single-agent Gymnasium environment of ``env_id`` (arguments as
    :class:`GameEnv`).
    """
    return GameEnv(env_id, **kwargs)


def evaluate(
    policy: Policy, env_id: str, episodes: int, *, seed: int = 0, **kwargs: Any
) -> np.ndarray:
    """The return of each of ``episodes`` episodes that ``policy`` plays as the learning
    seat of ``gym_env(env_id, **kwargs)``. Episode ``i`` has seed ``seed + i``, so every
    policy evaluated with the same seed meets the same deals; the policy draws from one
    ``random.Random(seed)`` and is ``reset()`` before each episode.
    """
    env = gym_env(env_id, **kwargs)
    rng = random.Random(seed)
    returns = np.empty(episodes)
    for i in range(episodes):
        policy.reset()
        observation, info = env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            action = policy.act(observation, info["action_mask"], rng)
            observation, reward, terminated, truncated, info = env.step(action)
            total += float(reward)
            done = terminated or truncated
        returns[i] = total
    env.close()
    return returns
