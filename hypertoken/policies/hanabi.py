"""A rule-based Hanabi bot, read from the seat's observation alone.

:class:`RuleBased` plays, in order of preference:

1. a card of its own it **knows** is playable: every colour and rank its hint knowledge
   still allows (observation section "knowledge", offset 0) is the next card of that
   colour's firework;
2. a **hint** that shows another player a playable card they do not yet know is
   playable: the next player first, then the others in turn order; it prefers a hint
   after which that card is known playable (rank or colour, whichever does it), else
   the attribute the player does not know yet;
3. a **discard** of its oldest card that no hint has touched;
4. else a legal action: a hint (it costs a token but risks nothing), else a discard of
   the oldest card, else the first legal action.

It plays a card only when its knowledge proves the card playable, so it never loses a
life. Everything it reads is in the observation (the layout of
:class:`games.hanabi.view.ObservationLayout`, found from the observation's length); the
mask, when given, is only checked, and without one the legal moves are read from the
observation too.
"""

from __future__ import annotations

import logging
import random

import numpy as np

from games.hanabi.actions import ActionLayout
from games.hanabi.state import HINT_COLOUR, HINT_RANK, MAX_INFO, NUM_COLOURS, NUM_RANKS
from games.hanabi.view import ObservationLayout, layout_for_size
from hypertoken.policies.base import Policy, legal_actions

logger = logging.getLogger(__name__)

__all__ = ["RuleBased", "certainly_playable"]


def certainly_playable(colours: list[int], ranks: list[int], fireworks: list[int]) -> bool:
    """Whether every card a slot may still be (any of ``colours`` with any of ``ranks``)
    is the next card of its colour's firework.
    """
    return bool(colours) and bool(ranks) and all(fireworks[c] == r for c in colours for r in ranks)


class _Slot:
    """One slot's knowledge, read from the observation."""

    __slots__ = ("colour_hinted", "colours", "holds", "rank_hinted", "ranks")

    def __init__(self, obs: np.ndarray, at: int) -> None:
        self.colours = [c for c in range(NUM_COLOURS) if obs[at + c] > 0.5]
        self.ranks = [r for r in range(NUM_RANKS) if obs[at + 5 + r] > 0.5]
        self.colour_hinted = obs[at + 10] > 0.5
        self.rank_hinted = obs[at + 11] > 0.5
        self.holds = obs[at + 12] > 0.5


class RuleBased(Policy):
    """The rule-based bot (see the module docstring). Stateless."""

    name = "hanabi-rules"

    def __init__(self) -> None:
        self._layouts: dict[int, tuple[ObservationLayout, ActionLayout]] = {}

    def _layout(self, size: int) -> tuple[ObservationLayout, ActionLayout]:
        got = self._layouts.get(size)
        if got is None:
            view = layout_for_size(size)
            got = self._layouts[size] = (view, ActionLayout(view.num_players))
        return got

    def act(
        self, observation: np.ndarray, action_mask: np.ndarray | None, rng: random.Random
    ) -> int:
        """The bot's move (``rng`` is not used: the bot is deterministic)."""
        obs = np.asarray(observation, dtype=np.float32).reshape(-1)
        view, actions = self._layout(obs.shape[0])
        n, h = view.num_players, view.hand_size
        fireworks = [
            int(obs[view.fireworks + 5 * c : view.fireworks + 5 * c + 5].sum()) for c in range(5)
        ]
        info = int(obs[view.info : view.info + MAX_INFO].sum())
        knows = [[_Slot(obs, view.knowledge_at(o, j)) for j in range(h)] for o in range(n)]
        cards = [[self._card(obs, view, o, j) for j in range(h)] for o in range(n)]
        if action_mask is None:
            legal = set(self._legal(actions, info, knows[0], cards))
        else:
            legal = set(legal_actions(action_mask))

        for j, slot in enumerate(knows[0]):  # 1. a card known playable
            known = slot.holds and certainly_playable(slot.colours, slot.ranks, fireworks)
            if known and actions.play(j) in legal:
                return actions.play(j)
        for o in range(1, n):  # 2. show someone a playable card
            hint = self._hint(actions, o, knows[o], cards[o], fireworks, legal)
            if hint is not None:
                return hint
        for j, slot in enumerate(knows[0]):  # 3. the oldest untouched card
            untouched = slot.holds and not (slot.colour_hinted or slot.rank_hinted)
            if untouched and actions.discard(j) in legal:
                return actions.discard(j)
        hints = sorted(a for a in legal if a >= actions.colour_base)
        if hints:
            return hints[0]
        if actions.discard(0) in legal:
            return actions.discard(0)
        return min(legal)

    @staticmethod
    def _card(obs: np.ndarray, view: ObservationLayout, o: int, j: int) -> int | None:
        """The card another player holds in slot ``j`` (None for the seat itself or an
        empty slot).
        """
        if o == 0:
            return None
        at = view.card_at(o, j)
        hot = np.flatnonzero(obs[at : at + 25] > 0.5)
        return int(hot[0]) if hot.size else None

    @staticmethod
    def _hint(
        actions: ActionLayout,
        o: int,
        knows: list[_Slot],
        cards: list[int | None],
        fireworks: list[int],
        legal: set[int],
    ) -> int | None:
        """A hint to player ``o`` about a playable card it does not know is playable."""
        for slot, card in zip(knows, cards, strict=True):
            if card is None:
                continue
            colour, rank = divmod(card, 5)
            if fireworks[colour] != rank:
                continue
            if certainly_playable(slot.colours, slot.ranks, fireworks):
                continue  # they know already
            by_rank = actions.hint(o, HINT_RANK, rank)
            by_colour = actions.hint(o, HINT_COLOUR, colour)
            if certainly_playable(slot.colours, [rank], fireworks) and by_rank in legal:
                return by_rank
            if certainly_playable([colour], slot.ranks, fireworks) and by_colour in legal:
                return by_colour
            choice = by_rank if len(slot.ranks) > 1 else by_colour
            if choice in legal:
                return choice
        return None

    @staticmethod
    def _legal(
        actions: ActionLayout, info: int, own: list[_Slot], cards: list[list[int | None]]
    ) -> list[int]:
        """The legal moves, read from the observation (for callers without a mask)."""
        out: list[int] = []
        for j, slot in enumerate(own):
            if slot.holds:
                out.append(actions.play(j))
                if info < MAX_INFO:
                    out.append(actions.discard(j))
        if info > 0:
            for o in range(1, len(cards)):
                for card in cards[o]:
                    if card is not None:
                        out.append(actions.hint(o, HINT_COLOUR, card // 5))
                        out.append(actions.hint(o, HINT_RANK, card % 5))
        return sorted(set(out))
