"""The ``game.*`` actions: the game loop (turn, phase, active agent, turn limit, start, end
and pause times) and the typed key/value store of game properties."""

from __future__ import annotations

from hypertoken.core.actions._base import ActionsBase, RId, RIds, RInt, RNone, Value


class GameActions(ActionsBase[RNone, RInt, RIds, RId]):
    """Typed methods of the ``game.*`` actions."""

    __slots__ = ()

    def game_start(self, time_ms: int) -> RNone:
        """Start the game and its loop (turn 0, first active agent). Error while a game is in
        progress; a finished game can be started again (with a clean record).
        """
        return self._act_none("game.start", time_ms)

    def game_end(self, time_ms: int, winner: str = "", reason: str = "") -> RNone:
        """End a started game, recording winner and reason ("" for none). Ending a paused
        game counts the pause up to ``time_ms``, which may not be before the pause.
        """
        return self._act_none("game.end", time_ms, winner, reason)

    def game_pause(self, time_ms: int) -> RNone:
        """Pause a running game."""
        return self._act_none("game.pause", time_ms)

    def game_resume(self, time_ms: int) -> RNone:
        """Resume a paused game; the pause adds to ``total_pause``. A time before the pause
        is an error.
        """
        return self._act_none("game.resume", time_ms)

    def game_next_phase(self, phase: str) -> RInt:
        """Enter ``phase`` and advance the turn by one (like game_next_turn). Returns the
        turn."""
        return self._act_int("game.next_phase", phase)

    def game_set_phase(self, phase: str) -> RNone:
        """Set the phase without changing the turn."""
        return self._act_none("game.set_phase", phase)

    def game_set_property(self, key: str, value: Value) -> RNone:
        """Set a typed game property in the key/value store (None deletes it)."""
        return self._act_none("game.set_property", key, value)

    def game_add_property(self, key: str, delta: int) -> RInt:
        """Add ``delta`` to an integer game property (missing counts as 0); returns the new
        value. A non-integer property or an overflow is an error. Prefer it to
        ``game_set_property`` for scores and counters: its encoding repeats, so it is cached.
        """
        return self._act_int("game.add_property", key, delta)

    def game_next_turn(self) -> RInt:
        """Turn + 1; the next active agent (creation order) becomes active; at max_turns the
        game ends with reason "max_turns". Error unless the loop is running (a pause does
        not stop it). Returns the new turn.
        """
        return self._act_int("game.next_turn")

    def game_set_max_turns(self, n: int) -> RNone:
        """Set the turn limit (0 = none); it must be above the current turn."""
        return self._act_none("game.set_max_turns", n)

    def game_set_active_agent(self, name: str) -> RNone:
        """Make a live, active agent the active one."""
        return self._act_none("game.set_active_agent", name)
