"""Policies: how a seat chooses its move, one small protocol for every consumer.

The protocol
    A :class:`Policy` has one required method,
    ``act(observation, action_mask, rng) -> int``:

    - ``observation`` is the seat's view, the game's ``player_view`` (the array an
      environment's observation space describes; never the dict of PettingZoo's classic
      format);
    - ``action_mask`` is the legal mask (``np.int8``, 1 = legal, shape ``(num_actions,)``),
      or None when the caller has none;
    - ``rng`` is a ``random.Random``, the only randomness a policy may use, so a seeded
      caller replays it exactly.

    ``reset()`` is called when an episode starts for the seat (a policy with memory clears
    it), ``clone()`` once per seat or environment that a caller drives (stateless policies
    return themselves), and ``name`` labels it in tables. Environments, the tournament
    (:mod:`hypertoken.envs.tournament`) and a room's bot all call exactly these.

The built-ins (:func:`make` by name, :func:`names` lists them per game)
    ==========================  ================  ===========================================
    name                        games             class
    ==========================  ================  ===========================================
    ``random``                  every game        :class:`RandomLegal`: uniform over the mask
    ``basic-strategy``          blackjack         :class:`BasicStrategy`, with the game's h17
    ``tit-for-tat``, ... (14)   prisoners_dilemma :class:`StrategyPolicy` around each strategy
    ==========================  ================  ===========================================

    The prisoner's dilemma names are the strategies' with hyphens: ``always-cooperate``,
    ``always-defect``, ``tit-for-tat``, ``tit-for-two-tats``, ``generous-tit-for-tat``,
    ``grudger``, ``pavlov``, ``suspicious-tit-for-tat``, ``adaptive``, ``gradual``,
    ``original-gradual``, ``prober``, ``soft-majority``, ``hard-majority``, and ``random``
    (the generic one: it draws as the strategy does). Underscores are accepted for hyphens.
    Each built-in is tested to choose what the game's own bot function chooses from the
    World: basic strategy move by move over seeded hands, every strategy over seeded
    matches with noise.

Your own policies
    Subclass :class:`Policy`, wrap a function with :meth:`Policy.from_callable`, or wrap a
    trained Stable-Baselines3 model with :meth:`Policy.from_sb3` (:class:`SB3Policy`:
    masked fallback to the best legal action, MaskablePPO's ``action_masks``, seeded
    sampling). :func:`register` adds a name to the registry.

Trained in process, played in a room unchanged
    A policy sees only what a seat sees in any mode: its observation and its mask, the
    same arrays from the training engine, an environment, or a room's fold (a room's view
    of a seat is the same ``player_view``). Nothing in a policy reaches for the World, the
    engine or the other seats. So the object that trained as an opponent in
    ``gym_env(..., opponents=policy)``, or the SB3 model wrapped by ``Policy.from_sb3``
    after ``model.learn``, is the object a peer daemon's bot calls in a room: it is asked
    ``act(observation, mask, rng)`` whenever its seat is to move, and ``reset()`` when a
    new game starts. This layer imports only the games, the game contract, the core and
    numpy (never the engine, a transport or torch), which keeps it that way.
"""

from hypertoken.policies.base import FunctionPolicy, Policy, RandomLegal, SB3Policy, legal_actions
from hypertoken.policies.blackjack import BasicStrategy
from hypertoken.policies.prisoners_dilemma import StrategyPolicy
from hypertoken.policies.registry import (
    PolicySpec,
    UnknownPolicyError,
    canonical,
    make,
    names,
    register,
    resolve,
    specs,
)

__all__ = [
    "BasicStrategy",
    "FunctionPolicy",
    "Policy",
    "PolicySpec",
    "RandomLegal",
    "SB3Policy",
    "StrategyPolicy",
    "UnknownPolicyError",
    "canonical",
    "legal_actions",
    "make",
    "names",
    "register",
    "resolve",
    "specs",
]
