"""Source actions: a multi-deck shoe built from member stacks, a tray, and the reshuffle
policy (manual never reshuffles; auto reshuffles the tray back in, continuing the stream)."""

from __future__ import annotations

from collections.abc import Iterator

from hypertoken.core import To, World, mulberry32, shuffle_order
from hypertoken.core.errors import (
    ActionTypeError,
    BadArgumentError,
    ExistsError,
    LockedError,
    NotFoundError,
    OverdrawError,
)
from tests.kits.core import ids, make_stack, refused


def shoe_of(w: World, n: int = 10) -> list[int]:
    """A source "shoe" holding one member stack "deck" of ``n`` tokens."""
    deck = make_stack(w, "deck", n)
    w.source_create("shoe")
    assert w.source_add_stack("shoe", "deck") == n
    return deck


def fisher_yates(items: list[int], rand: Iterator[float]) -> None:
    """Upstream's shuffle with an existing generator (the stream continues)."""
    for i in range(len(items) - 1, 0, -1):
        j = int(next(rand) * (i + 1))
        items[i], items[j] = items[j], items[i]


def test_create_and_names(w: World) -> None:
    w.source_create("shoe")
    assert w.sources() == ["shoe"]
    assert ids(w.shoe("shoe")) == []
    with refused(w, ExistsError, "source.create", "'shoe'"):
        w.source_create("shoe")


def test_add_stack_moves_the_stack_bottom_first(w: World) -> None:
    deck = shoe_of(w, 4)
    assert ids(w.shoe("shoe")) == deck
    assert ids(w.stack("deck")) == []
    assert w.token(1).location == "source"
    assert w.token(1).where == "shoe"
    more = make_stack(w, "more", 2)
    assert w.source_add_stack("shoe", "more") == 2
    assert ids(w.shoe("shoe")) == deck + more
    with refused(w, ExistsError, "source.add_stack", "'deck'"):
        w.source_add_stack("shoe", "deck")
    with refused(w, NotFoundError, "source.add_stack", "'nope'"):
        w.source_add_stack("shoe", "nope")


def test_draw_is_top_first_and_overdraw_errors(w: World) -> None:
    shoe_of(w, 5)
    w.agent_create("bob")
    assert w.source_draw("shoe", 2, To.agent("bob")) == [5, 4]
    assert ids(w.inventory("bob")) == [5, 4]
    assert w.source_draw("shoe") == [3]
    with refused(w, OverdrawError, "source.draw", "'shoe'", "cannot take 3", "holds 2"):
        w.source_draw("shoe", 3)
    with refused(w, BadArgumentError, "source.draw", "shoe"):
        w.source_draw("shoe", 0)


def test_draw_into_its_own_shoe_is_refused(w: World) -> None:
    shoe_of(w, 3)
    with refused(w, BadArgumentError, "source.draw", "'shoe'", "itself"):
        w.source_draw("shoe", 2, "source:shoe")


def test_burn_goes_to_the_tray(w: World) -> None:
    shoe_of(w, 5)
    assert w.source_burn("shoe", 2) == [5, 4]
    assert ids(w.tray("shoe")) == [5, 4]
    assert w.token(4).location == "tray"
    with refused(w, OverdrawError, "source.burn", "'shoe'", "holds 3"):
        w.source_burn("shoe", 4)


def test_shuffle_matches_the_reference(w: World) -> None:
    deck = shoe_of(w, 12)
    w.source_shuffle("shoe", 99)
    assert ids(w.shoe("shoe")) == shuffle_order(deck, 99)


def test_manual_policy_never_reshuffles(w: World) -> None:
    shoe_of(w, 6)
    w.source_burn("shoe", 3)
    assert w.source_draw("shoe", 3) == [3, 2, 1]
    assert ids(w.tray("shoe")) == [6, 5, 4]
    with refused(w, OverdrawError, "source.draw", "holds 0"):
        w.source_draw("shoe", 1)


def test_auto_policy_reshuffles_the_tray_back_when_low(w: World) -> None:
    deck = shoe_of(w, 10)
    w.source_shuffle("shoe", 7)
    w.source_set_reshuffle_policy("shoe", 2, "auto")
    burned = w.source_burn("shoe", 4)

    # The model: the shoe after the shuffle, with the generator continuing afterwards.
    rand = mulberry32(7)
    shoe = list(deck)
    fisher_yates(shoe, rand)
    tray = []
    for _ in range(4):
        tray.append(shoe.pop())
    assert burned == tray  # top first: the order they left the shoe
    drawn = []
    for _ in range(7):
        if len(shoe) <= 2 and tray:
            shoe += tray
            tray = []
            fisher_yates(shoe, rand)
        drawn.append(shoe.pop())

    assert w.source_draw("shoe", 7) == drawn
    assert ids(w.shoe("shoe")) == shoe
    assert ids(w.tray("shoe")) == []
    assert len(shoe) == 3  # 6 before the reshuffle at 2 left, +4 from the tray, -7 drawn


def test_auto_policy_counts_the_tray_as_available(w: World) -> None:
    shoe_of(w, 4)
    w.source_set_reshuffle_policy("shoe", 0, "auto")
    w.source_burn("shoe", 3)
    # The shoe holds 1 but the tray rejoins it when it runs out: 4 can be drawn.
    with refused(w, OverdrawError, "source.draw", "cannot take 5", "holds 4"):
        w.source_draw("shoe", 5)
    got = w.source_draw("shoe", 4)
    assert sorted(got) == [1, 2, 3, 4]
    assert got[0] == 1  # the shoe's own top first; the tray is reshuffled in only at 0


def test_auto_policy_refuses_drawing_into_its_own_tray(w: World) -> None:
    shoe_of(w, 4)
    w.source_set_reshuffle_policy("shoe", 1, "auto")
    with refused(w, BadArgumentError, "source.draw", "'shoe'"):
        w.source_draw("shoe", 1, To.tray("shoe"))
    # Under the manual policy it is just a burn.
    w.source_set_reshuffle_policy("shoe", 1, "manual")
    assert w.source_draw("shoe", 1, To.tray("shoe")) == [4]
    assert ids(w.tray("shoe")) == [4]


def test_policy_mode_is_checked(w: World) -> None:
    w.source_create("shoe")
    with refused(w, ActionTypeError, "source.set_reshuffle_policy", "mode"):
        w.source_set_reshuffle_policy("shoe", 1, "sometimes")


def test_remove_stack_returns_its_own_tokens(w: World) -> None:
    deck = shoe_of(w, 4)
    other = make_stack(w, "other", 2)  # 5, 6
    w.source_add_stack("shoe", "other")
    w.source_burn("shoe", 3)  # 6, 5, 4 go to the tray
    stranger = w.token_create("gem", "", "", "source:shoe")
    assert w.source_remove_stack("shoe", "deck") == 4
    assert ids(w.stack("deck")) == [1, 2, 3, 4]  # shoe order, then tray order
    assert ids(w.shoe("shoe")) == [stranger]
    assert ids(w.tray("shoe")) == list(reversed(other))
    with refused(w, NotFoundError, "source.remove_stack", "'deck'"):
        w.source_remove_stack("shoe", "deck")
    assert deck == [1, 2, 3, 4]


def test_reset_brings_member_tokens_back_in_creation_order(w: World) -> None:
    deck = shoe_of(w, 5)
    other = make_stack(w, "other", 2)
    w.source_add_stack("shoe", "other")
    w.source_shuffle("shoe", 3)
    w.agent_create("ann")
    w.source_draw("shoe", 2, "agent:ann")
    w.source_burn("shoe", 2)
    stranger = w.token_create("gem", "", "", "tray:shoe")
    assert w.source_reset("shoe") == 7
    assert ids(w.shoe("shoe")) == deck + other
    assert ids(w.tray("shoe")) == []
    assert ids(w.inventory("ann")) == []
    assert w.token(stranger).location == "loose"


def test_reset_refuses_when_a_member_token_is_locked_in_a_zone(w: World) -> None:
    shoe_of(w, 3)
    w.space_create_zone("table")
    w.source_draw("shoe", 1, "zone:table")
    w.space_lock_zone("table")
    with refused(w, LockedError, "source.reset", "'table'"):
        w.source_reset("shoe")


def test_unknown_source_is_named(w: World) -> None:
    with refused(w, NotFoundError, "source.draw", "no source named 'nope'"):
        w.source_draw("nope")


def test_auto_reshuffle_before_any_shuffle_uses_the_seed_0_stream(w: World) -> None:
    shoe_of(w, 6)
    w.source_set_reshuffle_policy("shoe", 1, "auto")
    assert w.source_burn("shoe", 3) == [6, 5, 4]
    shoe = [1, 6, 5, 4]  # the last shoe token, then the tray bottom first
    fisher_yates(shoe, mulberry32(0))
    assert w.source_draw("shoe", 3) == [3, 2, shoe[-1]]
    assert ids(w.shoe("shoe")) == shoe[:-1]
