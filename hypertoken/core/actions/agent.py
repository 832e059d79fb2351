"""The ``agent.*`` actions: agents with integer resources (never negative), typed meta and
inventories of tokens."""

from __future__ import annotations

from collections.abc import Sequence

from hypertoken.core.actions._base import ActionsBase, RId, RIds, RInt, RNone, Value, listed


class AgentActions(ActionsBase[RNone, RInt, RIds, RId]):
    """Typed methods of the ``agent.*`` actions."""

    __slots__ = ()

    def agent_create(self, name: str) -> RNone:
        """Create an active agent with no resources. Error if the name is taken."""
        return self._act_none("agent.create", name)

    def agent_remove(self, name: str) -> RNone:
        """Remove an agent whose inventory is empty."""
        return self._act_none("agent.remove", name)

    def agent_set_active(self, name: str, active: bool = True) -> RNone:
        """Mark the agent active or inactive (inactive agents are skipped by game_next_turn)."""
        return self._act_none("agent.set_active", name, active)

    def agent_set_meta(self, name: str, key: str, value: Value) -> RNone:
        """Set a typed meta value (None deletes the key)."""
        return self._act_none("agent.set_meta", name, key, value)

    def agent_give_resource(self, agent: str, resource: str, amount: int) -> RInt:
        """Add ``amount`` (>= 0) of a resource. Returns the new total."""
        return self._act_int("agent.give_resource", agent, resource, amount)

    def agent_take_resource(self, agent: str, resource: str, amount: int) -> RInt:
        """Remove ``amount``; more than the agent has is an error. Returns the new total."""
        return self._act_int("agent.take_resource", agent, resource, amount)

    def agent_transfer_resource(
        self, from_agent: str, to_agent: str, resource: str, amount: int
    ) -> RInt:
        """Move ``amount`` between two different agents; more than ``from_agent`` has is an
        error. Returns the amount moved.
        """
        return self._act_int("agent.transfer_resource", from_agent, to_agent, resource, amount)

    def agent_steal_resource(self, victim: str, thief: str, resource: str, amount: int) -> RInt:
        """Move min(amount, what the victim has) to another agent. Returns the amount stolen."""
        return self._act_int("agent.steal_resource", victim, thief, resource, amount)

    def agent_add_token(self, name: str, token: int) -> RNone:
        """Put a loose token into the agent's inventory."""
        return self._act_none("agent.add_token", name, token)

    def agent_remove_token(self, name: str, token: int) -> RNone:
        """Take a token out of the inventory; it becomes loose."""
        return self._act_none("agent.remove_token", name, token)

    def agent_transfer_token(self, from_agent: str, to_agent: str, token: int) -> RNone:
        """Move a token from one inventory to another."""
        return self._act_none("agent.transfer_token", from_agent, to_agent, token)

    def agent_steal_token(self, victim: str, thief: str, seed: int) -> RId:
        """Move one token chosen with mulberry32(seed) (index floor(r * n) of the victim's
        inventory) to the thief. An empty inventory errors. Returns the stolen id."""
        return self._act_id("agent.steal_token", victim, thief, seed)

    def agent_trade(
        self,
        a: str,
        b: str,
        tokens_a: Sequence[int] = (),
        tokens_b: Sequence[int] = (),
        resource_a: str = "",
        amount_a: int = 0,
        resource_b: str = "",
        amount_b: int = 0,
    ) -> RNone:
        """Atomic exchange between two different agents: ``a`` gives tokens_a and amount_a
        of resource_a to ``b``, and ``b`` gives tokens_b and amount_b of resource_b to ``a``.
        All checked first (including overflow of the receivers' totals).
        """
        return self._act_none(
            "agent.trade",
            a,
            b,
            listed(tokens_a),
            resource_a,
            amount_a,
            listed(tokens_b),
            resource_b,
            amount_b,
        )

    def agent_draw_cards(self, agent: str, stack: str, count: int = 1) -> RIds:
        """Move the top ``count`` tokens of a stack into the inventory. Returns ids, top first."""
        return self._act_ids("agent.draw_cards", agent, stack, count)

    def agent_discard_cards(self, agent: str, tokens: Sequence[int], stack: str) -> RNone:
        """Move the listed inventory tokens, in order, onto the stack's discards."""
        return self._act_none("agent.discard_cards", agent, listed(tokens), stack)
