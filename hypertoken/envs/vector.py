"""N tables of one game as a ``gymnasium.vector.VectorEnv``: :func:`vector_env`.

    import hypertoken.envs as envs

    env = envs.vector_env("blackjack_v1", num_envs=64)
    obs, infos = env.reset(seed=0)             # obs: (64, 7) float32
    mask = infos["action_mask"]                # (64, 5) bool
    obs, rewards, terminated, truncated, infos = env.step(actions)

Each table is the single-agent environment of :func:`hypertoken.envs.gym_env`: one
learning seat (``seat``), the other seats played by policies (``opponents``), per-step
rewards of the learner, ``terminated`` when the game ends and ``truncated`` on the
GameLoop's turn limit. An episode that needs no decision of the learner (blackjack: the
dealer peeked a blackjack) still takes one step, as in the gym env: its reset has
``infos["no_decision"]`` set and every action allowed, and the next step returns the
episode's reward with ``terminated``. Rewards are counted from the start of the episode,
so a reward settled in the setup is handed out by that step.

Autoreset follows Gymnasium's modes (``metadata["autoreset_mode"]``): ``NEXT_STEP`` (the
default) resets a finished table on the next ``step``, ignoring its action and returning
reward 0; ``SAME_STEP`` resets it in the step that finished it, with the last observation
in ``infos["final_obs"]`` (and ``infos["_final_obs"]``); ``DISABLED`` leaves it to
``reset(options={"reset_mask": mask})``, and stepping a finished table raises.

Seeds (:mod:`hypertoken.envs.seeding`): ``reset(seed=s)`` starts table ``i`` on episode
seed ``s + i``, the episode ``LocalEngine(game, seed=s + i)`` plays; table ``i``'s k-th
episode after that has seed ``next_seed(s + i, k)``. ``reset(seed=[s0, s1, ...])`` seeds
each table itself. Without a seed the first reset draws from the OS.

The arrays returned are fresh copies; ``copy=False`` hands out the env's own buffers
instead (overwritten by the next call), which saves the copies.

Recording: ``record=True`` (or a directory, or ``recorder=``) writes every table's
episodes to Chronicle files as they end (:mod:`hypertoken.envs.recording`); recording
tables take the generic path.

Speed: a one-seat game with training tables (:mod:`hypertoken.game.tables`; blackjack
with one hand per episode) keeps every table in one kernel instance
(:mod:`hypertoken.envs.vector_tables`): a step of all of them is one call, and the
observations, masks and rewards are a few numpy operations over the kernel's arrays.
``engines[i]`` then replays table ``i`` on a LocalEngine when asked. Other games and
options run one :class:`~hypertoken.engine.LocalEngine` per table, in a Python loop.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from typing import Any

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode

from hypertoken.engine import LocalEngine
from hypertoken.envs.episode import EpisodeOverError
from hypertoken.envs.recording import Recorder, recorder_for
from hypertoken.envs.registry import make_game
from hypertoken.envs.seeding import check_seed, entropy_seed, next_seed, policy_seed
from hypertoken.envs.single import Opponents, opponent_policies
from hypertoken.envs.spaces import action_space, observation_space
from hypertoken.envs.vector_tables import Replays, TablesPath
from hypertoken.game import Game, IllegalMoveError, TrainingTables, TurnOrder
from hypertoken.policies import Policy

__all__ = ["VectorGameEnv", "vector_env"]

_MODES = {m.value: m for m in AutoresetMode}


def _mode(mode: object) -> AutoresetMode:
    if isinstance(mode, AutoresetMode):
        return mode
    if isinstance(mode, str):
        found = _MODES.get(mode) or AutoresetMode.__members__.get(mode.upper())
        if found is not None:
            return found
    raise ValueError(
        f"autoreset_mode must be a gymnasium.vector.AutoresetMode "
        f"({', '.join(m.name for m in AutoresetMode)}), not {mode!r}"
    )


class VectorGameEnv(TablesPath, gymnasium.vector.VectorEnv[np.ndarray, np.ndarray, np.ndarray]):
    """``num_envs`` tables of one game (see the module docstring). Built by
    :func:`vector_env`.
    """

    def __init__(
        self,
        env_id: str,
        num_envs: int = 64,
        *,
        seat: str = "player_0",
        opponents: Opponents = "random",
        num_players: int | None = None,
        render_mode: str | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        on_illegal: str = "penalty",
        illegal_reward: float = -1.0,
        copy: bool = True,
        record: bool | str | os.PathLike[str] = False,
        recorder: Recorder | None = None,
        **game_options: Any,
    ) -> None:
        if type(num_envs) is not int or num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, not {num_envs!r}")
        if on_illegal not in ("penalty", "raise"):
            raise ValueError(f"on_illegal must be 'penalty' or 'raise', not {on_illegal!r}")
        game = make_game(env_id, num_players, **game_options)
        if seat not in game.seats:
            raise ValueError(f"no seat {seat!r} in {game.info.env_id} (seats: {game.seats})")
        self.game: Game = game
        self.seat = seat
        self.num_envs = num_envs
        self.autoreset_mode = _mode(autoreset_mode)
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', not {render_mode!r}")
        self.metadata = {
            "autoreset_mode": self.autoreset_mode,
            "name": game.info.env_id,
            "render_modes": ["ansi"],
        }
        self.render_mode = render_mode
        self.on_illegal = on_illegal
        self.illegal_reward = float(illegal_reward)
        self.copy = copy
        self.single_observation_space = observation_space(game)
        self.single_action_space = action_space(game)
        self.observation_space = gymnasium.vector.utils.batch_space(
            self.single_observation_space, num_envs
        )
        self.action_space = gymnasium.vector.utils.batch_space(self.single_action_space, num_envs)
        n, a = num_envs, game.info.num_actions
        self._num_actions = a
        self._seat_index = game.seats.index(seat)
        self._any_order = game.info.turn_order is TurnOrder.ANY
        #: Writes each table's episodes to Chronicle files (``record=``; generic path).
        self.recorder = recorder_for(record, recorder)
        recording = self.recorder is not None
        #: A one-seat game's training tables (:mod:`hypertoken.envs.vector_tables`), when
        #: it has them for its options: every table in one kernel instance.
        self._tables: TrainingTables | None = None  # type: ignore[assignment]
        if len(game.seats) == 1 and not recording:
            self._tables = game.training_tables(n, self._seat_index)  # type: ignore[assignment]
        #: One engine per table (read them, never change them); on training tables each
        #: is replayed when indexed.
        self.engines: Sequence[LocalEngine] = (
            [LocalEngine(game, record=recording) for _ in range(n)]
            if self._tables is None
            else Replays(game, self._tables)
        )
        self._unsaved = [False] * n
        self._opponents: list[dict[str, Policy]] = [
            opponent_policies(game, seat, opponents) for _ in range(n)
        ]
        self._rngs: list[dict[str, random.Random]] = [{} for _ in range(n)]
        # Per table: its first seed, episodes since, and where its episode is.
        self._first = [0] * n
        self._k = [0] * n
        self._seeds_l = [0] * n
        self._obs = np.zeros(
            (n, *self.single_observation_space.shape), dtype=self.single_observation_space.dtype
        )
        self._masks = np.zeros((n, a), dtype=bool)
        self._rewards = np.zeros(n, dtype=np.float64)
        self._totals = np.zeros(n, dtype=np.float64)
        self._terminated = np.zeros(n, dtype=bool)
        self._truncated = np.zeros(n, dtype=bool)
        self._pending = np.zeros(n, dtype=bool)  # no decision in this episode
        self._done = np.ones(n, dtype=bool)  # finished (or never started)
        self._started = False
        self._closed = False
        self._all_true = np.ones(n, dtype=bool)

    # ---- episodes ------------------------------------------------------------------

    def reset(
        self,
        *,
        seed: int | Sequence[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode on every table (or those in ``options["reset_mask"]``)."""
        self._check_open()
        n = self.num_envs
        which = np.ones(n, dtype=bool)
        if options and "reset_mask" in options:
            which = np.asarray(options["reset_mask"])
            if which.shape != (n,) or which.dtype != np.bool_:
                raise ValueError(f"reset_mask must be a bool array of shape ({n},)")
        if seed is None:
            seeds: list[int | None] = [None] * n
            if not self._started:
                first = entropy_seed() % (2**63 - n)
                seeds = [first + i for i in range(n)]
        elif isinstance(seed, (list, tuple, np.ndarray)):
            if len(seed) != n:
                raise ValueError(f"reset(seed=...) takes one seed or {n} of them, not {len(seed)}")
            seeds = [check_seed(s) for s in seed]
        else:
            base = check_seed(seed)
            if base + n > 2**63:
                raise ValueError(f"a seed must leave room for {n} tables below 2**63, not {seed}")
            seeds = [base + i for i in range(n)]
        super().reset(seed=None if seed is None else int(seeds[0] or 0))
        if self._tables is not None:
            self._begin_tables(which, seeds)
        else:
            for i in np.flatnonzero(which).tolist():
                self._reset_table(i, seeds[i])
        self._started = True
        self._rewards[which] = 0.0
        self._terminated[which] = False
        self._truncated[which] = False
        return self._out_obs(), self._infos(None)

    def _next(self, i: int, seed: int | None) -> int:
        if seed is not None:
            self._first[i] = seed
            self._k[i] = 0
            return seed
        self._k[i] += 1
        return next_seed(self._first[i], self._k[i])

    def _reset_table(self, i: int, seed: int | None) -> None:
        """Start table ``i``'s next episode (generic path)."""
        engine = self.engines[i]
        self._save(i)
        s = self._seeds_l[i] = self._next(i, seed)
        engine.reset(s)
        self._unsaved[i] = self.recorder is not None
        opponents = self._opponents[i]
        if opponents:
            self._rngs[i] = {o: random.Random(policy_seed(s, o)) for o in opponents}
            for p in opponents.values():
                p.reset()
            self._play_opponents(i)
        self._pending[i] = engine.is_over
        self._view(i)
        self._totals[i] = 0.0
        self._done[i] = False

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Play one action per table (see the module docstring for autoreset)."""
        self._check_open()
        if not self._started:
            raise EpisodeOverError("call reset() before step()")
        arr = self._actions(actions)
        n = self.num_envs
        mode = self.autoreset_mode
        done = self._done
        if mode is AutoresetMode.DISABLED and done.any():
            raise EpisodeOverError(
                f"tables {np.flatnonzero(done).tolist()} have finished: reset them "
                "(reset(options={'reset_mask': ...})) before stepping"
            )
        if self._tables is not None:
            illegal, final = self._step_tables(arr)
        else:
            illegal, final = self._step_generic(arr.tolist())
        infos = self._infos(final)
        if illegal:
            flags = np.zeros(n, dtype=bool)
            which = np.full(n, -1, dtype=np.int64)
            for i, a in illegal.items():
                flags[i], which[i] = True, a
            infos["illegal_action"], infos["_illegal_action"] = which, flags
        rewards, term, trunc = self._rewards, self._terminated, self._truncated
        if self.copy:
            rewards, term, trunc = rewards.copy(), term.copy(), trunc.copy()
        return self._out_obs(), rewards, term, trunc, infos

    def _step_generic(self, acts: list[int]) -> tuple[dict[int, int], Any]:
        """Every table's step on its engine; as :meth:`_step_tables` returns."""
        n, mode, done = self.num_envs, self.autoreset_mode, self._done
        resetting = done.copy() if mode is AutoresetMode.NEXT_STEP else None
        illegal: dict[int, int] = {}
        engines, seat, pending = self.engines, self.seat, self._pending
        for i in range(n):
            if done[i]:  # NEXT_STEP: this table starts its next episode instead
                self._reset_table(i, None)
                continue
            a = acts[i]
            if pending[i]:  # the step of an episode without a decision: it ends
                pending[i] = False
                done[i] = True
                self._view(i)
                continue
            try:
                engines[i].step(a, seat)
            except IllegalMoveError:
                if self.on_illegal == "raise":
                    raise
                illegal[i] = a
                continue
            self._play_opponents(i)
            self._view(i)
            done[i] = engines[i].is_over
        self._rewards_generic(resetting)
        if self.recorder is not None:
            for i in np.flatnonzero(done).tolist():
                self._save(i)
        for i in illegal:
            self._rewards[i] = self.illegal_reward
        if resetting is not None:
            self._rewards[resetting] = 0.0
        self._terminated[:] = done
        self._truncated[:] = False
        for i in np.flatnonzero(done).tolist():
            if engines[i].truncated:
                self._terminated[i] = False
                self._truncated[i] = True
        final: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if mode is AutoresetMode.SAME_STEP and done.any():
            ended = done.copy()
            final = (ended, self._obs.copy(), self._masks.copy())
            for i in np.flatnonzero(ended).tolist():
                self._reset_table(i, None)
        return illegal, final

    def _actions(self, actions: Any) -> np.ndarray:
        """The actions as an int array in range, or a TypeError/ValueError saying what is
        wrong.
        """
        arr = np.asarray(actions)
        n, a = self.num_envs, self._num_actions
        if arr.shape != (n,):
            raise ValueError(f"step() takes {n} actions (shape ({n},)), not shape {arr.shape}")
        if arr.dtype.kind not in "iu":
            raise TypeError(f"actions must be integers in 0..{a - 1}, not dtype {arr.dtype}")
        if n and (int(arr.min()) < 0 or int(arr.max()) >= a):
            bad = np.flatnonzero((arr < 0) | (arr >= a)).tolist()
            raise ValueError(f"actions of tables {bad} are outside 0..{a - 1}")
        return arr

    # ---- the generic path ------------------------------------------------------------

    def _play_opponents(self, i: int) -> None:
        """Table ``i``'s opponents move until the learner decides or the game ends."""
        opponents = self._opponents[i]
        if not opponents:
            return
        engine, game, rngs = self.engines[i], self.game, self._rngs[i]
        world = engine.world
        if self._any_order:
            for other, policy in opponents.items():
                if engine.is_over:
                    return
                mask = engine.legal_mask(other)
                if mask.any():
                    engine.step(
                        policy.act(game.player_view(world, other), mask, rngs[other]), other
                    )
            return
        while not engine.is_over:
            mover = engine.current_player()
            if mover is None or mover == self.seat:
                return
            mask = engine.legal_mask(mover)
            engine.step(
                opponents[mover].act(game.player_view(world, mover), mask, rngs[mover]), mover
            )

    def _view(self, i: int) -> None:
        """Table ``i``'s observation and mask into the buffers (generic path)."""
        engine = self.engines[i]
        self._obs[i] = self.game.player_view(engine.world, self.seat)
        if self._pending[i]:
            self._masks[i] = True
        else:
            self._masks[i] = engine.legal_mask(self.seat)

    def _rewards_generic(self, resetting: np.ndarray | None) -> None:
        seat = self.seat
        for i, engine in enumerate(self.engines):
            if resetting is not None and resetting[i]:
                continue
            total = engine.rewards()[seat]
            self._rewards[i] = total - self._totals[i]
            self._totals[i] = total

    # ---- output ----------------------------------------------------------------------

    def _out_obs(self) -> np.ndarray:
        out: np.ndarray = self._obs.copy() if self.copy else self._obs
        return out

    def _infos(self, final: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> dict[str, Any]:
        infos: dict[str, Any] = {
            "action_mask": self._masks.copy() if self.copy else self._masks,
            "_action_mask": self._all_true,
            "no_decision": self._pending.copy(),
            "_no_decision": self._all_true,
        }
        if final is not None:
            ended, obs, masks = final
            objs = np.full(self.num_envs, None, dtype=object)
            for i in np.flatnonzero(ended).tolist():
                objs[i] = obs[i]
            infos["final_obs"] = objs
            infos["_final_obs"] = ended
            infos["final_info"] = {"action_mask": masks, "_action_mask": ended}
            infos["_final_info"] = ended
        return infos

    def render(self) -> tuple[str, ...] | None:
        """Each table's text picture (``render_mode="ansi"``), else None."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() was called without render_mode='ansi'")
            return None
        return tuple(self.game.render(e.world) for e in self.engines)

    @property
    def seeds(self) -> np.ndarray:
        """Each table's episode seed (a copy)."""
        if self._tables is not None:
            out: np.ndarray = self._tables.episode.copy()
            return out
        return np.array(self._seeds_l, dtype=np.uint64)

    def state_hash(self, i: int) -> bytes:
        """Table ``i``'s state hash (its engine's)."""
        return self.engines[i].state_hash()

    def action_masks(self) -> np.ndarray:
        """The learners' legal masks, (num_envs, num_actions) bool (a copy)."""
        out: np.ndarray = self._masks.copy()
        return out

    def _save(self, i: int) -> None:
        """Write table ``i``'s episode, if it records one not yet written."""
        if self._unsaved[i] and self.recorder is not None:
            self._unsaved[i] = False
            self.recorder.save(self.engines[i], self._seeds_l[i])

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this vector env is closed")

    def close_extras(self, **kwargs: Any) -> None:
        """Write unfinished recorded episodes and release the tables."""
        for i in range(len(self.engines)):
            self._save(i)
        self._closed = True
        self.engines = []


def vector_env(env_id: str, num_envs: int = 64, **kwargs: Any) -> VectorGameEnv:
    """``num_envs`` tables of ``env_id`` as one ``gymnasium.vector.VectorEnv`` (arguments as
    :class:`VectorGameEnv`: ``seat``, ``opponents``, ``num_players``, ``render_mode``
    (None or ``"ansi"``), ``autoreset_mode``,
    ``on_illegal``, ``illegal_reward``, ``copy`` and the game's options).
    """
    return VectorGameEnv(env_id, num_envs, **kwargs)
