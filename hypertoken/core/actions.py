"""The typed actions of the core, shared by :class:`World` (which runs each one at once
and returns its result) and :class:`Batch` (which records them to run in one call).

Each method's docstring states the action's one semantics. Positions in stacks count
from the bottom (0) and the top is the end; results listing several tokens give them
top first. Destinations (``to``) and containers are described in
:mod:`hypertoken.core.targets`. Times are milliseconds supplied by the caller; the
core never reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from hypertoken.core.targets import DestLike

R = TypeVar("R")
Value = Any  # None (delete), bool, int, float or str

_FLIP = {"toggle": 0, "up": 1, "down": 2}


def _listed(v: Any) -> Any:
    """``v`` as a list for the encoder. A string or a non-iterable passes unchanged so the
    encoder refuses it with a clear message: ``list("deck")`` would be four names."""
    if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
        return v
    return list(v)


_MODES = {"manual": 0, "auto": 1}


class Actions(Generic[R]):
    """Typed action methods. Subclasses implement :meth:`_act`."""

    def _act(self, op: str, *args: Any) -> R:
        raise NotImplementedError

    # ---- stack ------------------------------------------------------------------

    def stack_create(self, name: str) -> R:
        """Create an empty stack. Error if the name is taken."""
        return self._act("stack.create", name)

    def stack_draw(self, name: str, count: int = 1, to: DestLike = None) -> R:
        """Take the top ``count`` (>= 1) tokens to ``to``; overdraw is an error (no clamp).

        ``to`` may not be the stack itself. Returns the ids, top first.
        """
        return self._act("stack.draw", name, count, to)

    def stack_peek(self, name: str, count: int = 1) -> R:
        """Ids of the top ``count`` tokens, top first; overdraw is an error. Changes nothing."""
        return self._act("stack.peek", name, count)

    def stack_shuffle(self, name: str, seed: int) -> R:
        """Shuffle with mulberry32(seed) Fisher-Yates, bit-exact with upstream HyperToken."""
        return self._act("stack.shuffle", name, seed)

    def stack_burn(self, name: str, count: int = 1) -> R:
        """Move the top ``count`` tokens onto the stack's discards. Returns ids, top first."""
        return self._act("stack.burn", name, count)

    def stack_reset(self, name: str) -> R:
        """Bring every live token created in this stack back, in creation order.

        Tokens from elsewhere in the stack or its discards become loose; merged or split
        tokens are gone and not restored. Returns the new size.
        """
        return self._act("stack.reset", name)

    def stack_cut(self, name: str, n: int) -> R:
        """Cut: ``tokens = tokens[n:] + tokens[:n]`` (bottom ``n`` go on top); 0 < n < size."""
        return self._act("stack.cut", name, n)

    def stack_insert_at(self, name: str, position: int, token: int) -> R:
        """Insert a loose token at ``position`` (0 = bottom, size = top); out of range errors."""
        return self._act("stack.insert_at", name, position, token)

    def stack_remove_at(self, name: str, position: int) -> R:
        """Take the token at ``position`` out (it becomes loose). Returns ``[id]``."""
        return self._act("stack.remove_at", name, position)

    def stack_swap(self, name: str, i: int, j: int) -> R:
        """Exchange the tokens at positions ``i`` and ``j``."""
        return self._act("stack.swap", name, i, j)

    def stack_reverse(self, name: str) -> R:
        """Reverse the whole stack."""
        return self._act("stack.reverse", name)

    def stack_discard(self, name: str, token: int) -> R:
        """Put a loose token on top of the stack's discards."""
        return self._act("stack.discard", name, token)

    # ---- space ------------------------------------------------------------------

    def zone_create(self, name: str) -> R:
        """Create an empty, unlocked zone. Error if the name is taken."""
        return self._act("space.create_zone", name)

    def zone_delete(self, name: str) -> R:
        """Delete an empty, unlocked zone (a zone holding tokens is an error)."""
        return self._act("space.delete_zone", name)

    def zone_clear(self, name: str) -> R:
        """Remove every placement; the tokens become loose. Returns their ids in order."""
        return self._act("space.clear_zone", name)

    def zone_lock(self, name: str, locked: bool = True) -> R:
        """Lock (or unlock) a zone; a locked zone refuses every change. Re-locking errors."""
        return self._act("space.lock_zone", name, locked)

    def place(
        self, zone: str, token: int, x: float = 0.0, y: float = 0.0, face_up: bool = True
    ) -> R:
        """Put a loose token on top of a zone at (x, y)."""
        return self._act("space.place", zone, token, x, y, face_up)

    def unplace(self, token: int) -> R:
        """Take a placed token out of its zone; it becomes loose."""
        return self._act("space.remove", token)

    def move_placement(self, token: int, to_zone: str, x: float = 0.0, y: float = 0.0) -> R:
        """Move a placed token to the top of ``to_zone`` at (x, y), keeping its facing."""
        return self._act("space.move", token, to_zone, x, y)

    def flip(self, token: int, mode: str = "toggle") -> R:
        """Turn a placed token: ``"toggle"``, ``"up"`` or ``"down"``. Returns 1 up / 0 down."""
        if mode not in _FLIP:
            from hypertoken.core.errors import ActionTypeError

            raise ActionTypeError(
                f"space.flip: mode must be one of {sorted(_FLIP)}", op="space.flip"
            )
        return self._act("space.flip", token, _FLIP[mode])

    def zone_shuffle(self, name: str, seed: int) -> R:
        """Shuffle the placement order (mulberry32 Fisher-Yates); positions stay with tokens."""
        return self._act("space.shuffle_zone", name, seed)

    def zone_fan(self, name: str, x: float, y: float, radius: float, step_deg: float = 15.0) -> R:
        """Arc layout: placement i of n at angle (i - n/2) * step_deg around (x, y).
        Coordinates that would not be finite are an error."""
        return self._act("space.fan", name, x, y, radius, step_deg)

    def zone_spread(self, name: str, x: float, y: float, dx: float, dy: float = 0.0) -> R:
        """Line layout: placement i at (x + i*dx, y + i*dy). Coordinates that would not be
        finite are an error."""
        return self._act("space.spread", name, x, y, dx, dy)

    def zone_stack(self, name: str, x: float = 0.0, y: float = 0.0) -> R:
        """Gather every placement of the zone at (x, y)."""
        return self._act("space.stack", name, x, y)

    def zone_transfer(self, from_zone: str, to_zone: str) -> R:
        """Move all placements onto ``to_zone`` in order, keeping x, y and facing. Returns count."""
        return self._act("space.transfer", from_zone, to_zone)

    def space_clear(self) -> R:
        """Delete every zone (error if any is locked); tokens become loose. Returns their ids."""
        return self._act("space.clear")

    # ---- source -----------------------------------------------------------------

    def source_create(self, name: str) -> R:
        """Create an empty source (shoe) with the manual reshuffle policy."""
        return self._act("source.create", name)

    def source_draw(self, name: str, count: int = 1, to: DestLike = None) -> R:
        """Take ``count`` tokens from the top of the shoe to ``to``, policy applied per token.

        Overdraw is an error. ``to`` may not be this source's shoe, nor its tray under the
        auto policy (the tray feeds the shoe). Returns ids, top first.
        """
        return self._act("source.draw", name, count, to)

    def source_shuffle(self, name: str, seed: int) -> R:
        """Shuffle the shoe with mulberry32(seed); later auto reshuffles continue that stream."""
        return self._act("source.shuffle", name, seed)

    def source_burn(self, name: str, count: int = 1) -> R:
        """Move the top ``count`` tokens to the tray. Returns ids, top first."""
        return self._act("source.burn", name, count)

    def source_add_stack(self, name: str, stack: str) -> R:
        """Move a stack's tokens (bottom first) onto the shoe; the stack becomes a member."""
        return self._act("source.add_stack", name, stack)

    def source_remove_stack(self, name: str, stack: str) -> R:
        """Send a member's own tokens in the shoe or tray back to it; it stops being a member."""
        return self._act("source.remove_stack", name, stack)

    def source_reset(self, name: str) -> R:
        """Bring every live token created in a member stack back into the shoe, member by
        member in creation order (not shuffled). The tray ends empty; foreign tokens in the
        shoe or tray become loose. Returns the shoe size.
        """
        return self._act("source.reset", name)

    def source_set_reshuffle_policy(self, name: str, threshold: int, mode: str = "auto") -> R:
        """``"auto"``: before each draw, if the shoe holds <= threshold tokens and the tray is
        not empty, the tray returns and the shoe is reshuffled. ``"manual"``: never.
        """
        if mode not in _MODES:
            from hypertoken.core.errors import ActionTypeError

            raise ActionTypeError(
                f"source.set_reshuffle_policy: mode must be one of {sorted(_MODES)}",
                op="source.set_reshuffle_policy",
            )
        return self._act("source.set_reshuffle_policy", name, threshold, _MODES[mode])

    # ---- agent ------------------------------------------------------------------

    def agent_create(self, name: str) -> R:
        """Create an active agent with no resources. Error if the name is taken."""
        return self._act("agent.create", name)

    def agent_remove(self, name: str) -> R:
        """Remove an agent whose inventory is empty."""
        return self._act("agent.remove", name)

    def agent_set_active(self, name: str, active: bool = True) -> R:
        """Mark the agent active or inactive (inactive agents are skipped by next_turn)."""
        return self._act("agent.set_active", name, active)

    def agent_set_meta(self, name: str, key: str, value: Value) -> R:
        """Set a typed meta value (None deletes the key)."""
        return self._act("agent.set_meta", name, key, value)

    def give(self, agent: str, resource: str, amount: int) -> R:
        """Add ``amount`` (>= 0) of a resource. Returns the new total."""
        return self._act("agent.give_resource", agent, resource, amount)

    def take(self, agent: str, resource: str, amount: int) -> R:
        """Remove ``amount``; more than the agent has is an error. Returns the new total."""
        return self._act("agent.take_resource", agent, resource, amount)

    def transfer(self, from_agent: str, to_agent: str, resource: str, amount: int) -> R:
        """Move ``amount`` between two different agents; more than ``from_agent`` has is an
        error. Returns the amount moved.
        """
        return self._act("agent.transfer_resource", from_agent, to_agent, resource, amount)

    def steal(self, victim: str, thief: str, resource: str, amount: int) -> R:
        """Move min(amount, what the victim has) to another agent. Returns the amount stolen."""
        return self._act("agent.steal_resource", victim, thief, resource, amount)

    def agent_add_token(self, name: str, token: int) -> R:
        """Put a loose token into the agent's inventory."""
        return self._act("agent.add_token", name, token)

    def agent_remove_token(self, name: str, token: int) -> R:
        """Take a token out of the inventory; it becomes loose."""
        return self._act("agent.remove_token", name, token)

    def agent_transfer_token(self, from_agent: str, to_agent: str, token: int) -> R:
        """Move a token from one inventory to another."""
        return self._act("agent.transfer_token", from_agent, to_agent, token)

    def agent_steal_token(self, victim: str, thief: str, seed: int) -> R:
        """Move one token chosen with mulberry32(seed). Empty inventory errors. Returns ``[id]``."""
        return self._act("agent.steal_token", victim, thief, seed)

    def trade(
        self,
        a: str,
        b: str,
        tokens_a: Sequence[int] = (),
        tokens_b: Sequence[int] = (),
        resource_a: str = "",
        amount_a: int = 0,
        resource_b: str = "",
        amount_b: int = 0,
    ) -> R:
        """Atomic exchange between two different agents: ``a`` gives tokens_a and amount_a
        of resource_a to ``b``, and ``b`` gives tokens_b and amount_b of resource_b to ``a``.
        All checked first (including overflow of the receivers' totals).
        """
        return self._act(
            "agent.trade",
            a,
            b,
            _listed(tokens_a),
            resource_a,
            amount_a,
            _listed(tokens_b),
            resource_b,
            amount_b,
        )

    def draw_cards(self, agent: str, stack: str, count: int = 1) -> R:
        """Move the top ``count`` tokens of a stack into the inventory. Returns ids, top first."""
        return self._act("agent.draw_cards", agent, stack, count)

    def discard_cards(self, agent: str, tokens: Sequence[int], stack: str) -> R:
        """Move the listed inventory tokens, in order, onto the stack's discards."""
        return self._act("agent.discard_cards", agent, _listed(tokens), stack)

    # ---- game -------------------------------------------------------------------

    def game_start(self, time_ms: int) -> R:
        """Start the game and its loop (turn 0, first active agent). Error while a game is in
        progress; a finished game can be started again (with a clean record).
        """
        return self._act("game.start", time_ms)

    def game_end(self, time_ms: int, winner: str = "", reason: str = "") -> R:
        """End a started game, recording winner and reason ("" for none). Ending a paused
        game counts the pause up to ``time_ms``, which may not be before the pause.
        """
        return self._act("game.end", time_ms, winner, reason)

    def game_pause(self, time_ms: int) -> R:
        """Pause a running game."""
        return self._act("game.pause", time_ms)

    def game_resume(self, time_ms: int) -> R:
        """Resume a paused game; the pause adds to ``total_pause``. A time before the pause
        is an error.
        """
        return self._act("game.resume", time_ms)

    def next_phase(self, phase: str) -> R:
        """Enter ``phase`` and advance the turn by one (like next_turn). Returns the turn."""
        return self._act("game.next_phase", phase)

    def set_phase(self, phase: str) -> R:
        """Set the phase without changing the turn."""
        return self._act("game.set_phase", phase)

    def set_property(self, key: str, value: Value) -> R:
        """Set a typed game property in the key/value store (None deletes it)."""
        return self._act("game.set_property", key, value)

    def add_property(self, key: str, delta: int) -> R:
        """Add ``delta`` to an integer game property (missing counts as 0); returns the new
        value. A non-integer property or an overflow is an error. Prefer it to
        ``set_property`` for scores and counters: its encoding repeats, so it is cached.
        """
        return self._act("game.add_property", key, delta)

    def next_turn(self) -> R:
        """Turn + 1; the next active agent (creation order) becomes active; at max_turns the
        game ends with reason "max_turns". Error unless the loop is running (a pause does
        not stop it). Returns the new turn.
        """
        return self._act("game.next_turn")

    def set_max_turns(self, n: int) -> R:
        """Set the turn limit (0 = none); it must be above the current turn."""
        return self._act("game.set_max_turns", n)

    def set_active_agent(self, name: str) -> R:
        """Make a live, active agent the active one."""
        return self._act("game.set_active_agent", name)

    # ---- token ------------------------------------------------------------------

    def token_create(
        self, kind: str = "", label: str = "", group: str = "", to: DestLike = None
    ) -> R:
        """Create a token at ``to`` (in a stack, that stack is its home). Returns ``[id]``."""
        return self._act("token.create", kind, label, group, to)

    def token_set_meta(self, token: int, key: str, value: Value) -> R:
        """Set a typed meta value on a token (None deletes the key)."""
        return self._act("token.set_meta", token, key, value)

    def transform(
        self, token: int, time_ms: int, kind: str = "", label: str = "", group: str = ""
    ) -> R:
        """Change kind/label/group in place ("" keeps); records transformed_at."""
        return self._act("token.transform", token, kind, label, group, time_ms)

    def attach(self, host: int, token: int, time_ms: int, kind: str = "") -> R:
        """Attach a loose token to a host (no cycles), recording type and attached_at."""
        return self._act("token.attach", host, token, kind, time_ms)

    def detach(self, host: int, token: int) -> R:
        """Detach a token from its host; it becomes loose."""
        return self._act("token.detach", host, token)

    def merge(
        self,
        tokens: Sequence[int],
        time_ms: int,
        to: DestLike = None,
        kind: str = "",
        label: str = "",
        group: str = "",
    ) -> R:
        """Merge >= 2 live tokens into a new one at ``to``: meta united (later wins),
        merged_from = ids, merged_at = time, their attachments inherited; originals are
        consumed. Returns ``[new id]``.
        """
        return self._act("token.merge", _listed(tokens), kind, label, group, time_ms, to)

    def split(self, token: int, count: int, time_ms: int, to: DestLike = None) -> R:
        """Split a token into ``count`` (2..1024) copies at ``to`` with split_from,
        split_index and split_at; the original is consumed and its attachments become
        loose. Returns the new ids.
        """
        return self._act("token.split", token, count, time_ms, to)

    def move(self, token: int, to: DestLike = None) -> R:
        """Move a live token from wherever it is (not a locked zone) to ``to``."""
        return self._act("token.move", token, to)

    # ---- batch ------------------------------------------------------------------

    def shuffle_many(self, stacks: Sequence[str], seed: int) -> R:
        """Shuffle stack i with upstream's batch seed hash of ``f"{seed}-{i}"``."""
        return self._act("batch.shuffle", _listed(stacks), seed)

    def deal(self, source: str, rounds: int, to: Sequence[DestLike]) -> R:
        """Deal ``rounds`` rounds, one token per destination per round, from ``source``
        ("stack:name" or "source:name"). Overdraw errors first; no destination may be the
        origin. Returns ids in deal order.
        """
        from hypertoken.core.targets import KINDS, parse_dest

        src = parse_dest(source, op="batch.draw")
        return self._act("batch.draw", KINDS[src.kind], src.name, rounds, _listed(to))

    def filter(self, container: str, **where: Any) -> R:
        """Ids of the tokens in ``container`` matching one condition, bottom to top."""
        return self._act("batch.filter", container, where)

    def count(self, container: str, **where: Any) -> R:
        """How many tokens in ``container`` match one condition."""
        return self._act("batch.count", container, where)

    def find(self, container: str, **where: Any) -> R:
        """The first match from the top, as ``[id]``, or ``[]``."""
        return self._act("batch.find", container, where)

    def collect(self, containers: Sequence[str], stack: str) -> R:
        """Move every token of the containers, in order, onto the top of ``stack``."""
        return self._act("batch.collect", _listed(containers), stack)
