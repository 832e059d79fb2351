"""Read views (no call into the core) reflect every action: names, stack/zone/shoe/tray/inventory
arrays, token records with provenance, agents, the game, properties and the token table."""

from __future__ import annotations

import numpy as np
import pytest

from hypertoken.core import AgentInfo, Batch, CoreError, GameState, To, TokenInfo, World
from hypertoken.core.errors import NoSuchTokenError, NotFoundError
from tests.kits.core import ids, make_stack


def test_names_follow_creation_and_removal(w: World) -> None:
    assert (w.stacks(), w.zones(), w.sources(), w.agents()) == ([], [], [], [])
    for name in ("b", "a", "c"):
        w.stack_create(name)
        w.space_create_zone(name)
        w.source_create(name)
        w.agent_create(name)
    assert w.stacks() == w.zones() == w.sources() == w.agents() == ["b", "a", "c"]
    w.space_delete_zone("a")
    w.agent_remove("b")
    assert w.zones() == ["b", "c"]
    assert w.agents() == ["a", "c"]
    w.space_clear()
    assert w.zones() == []
    for view in (w.stack, w.zone, w.shoe, w.inventory):
        with pytest.raises(NotFoundError, match="'nope'"):
            view("nope")
    with pytest.raises(NotFoundError, match="'b'"):
        w.agent("b")


def test_names_after_a_rolled_back_batch_and_a_restore(w: World) -> None:
    w.stack_create("kept")
    assert w.stacks() == ["kept"]
    with pytest.raises(CoreError):
        w.apply(Batch().stack_create("ghost").stack_draw("ghost", 1))
    assert w.stacks() == ["kept"]
    snap = w.snapshot()
    w.stack_create("later")
    assert w.stacks() == ["kept", "later"]
    w.restore(snap)
    assert w.stacks() == ["kept"]
    # Another world with the same number of structural changes but other names: the
    # cached name table must not survive the restore.
    other = World()
    other.stack_create("other")
    w.restore(other.snapshot())
    assert w.stacks() == ["other"]
    assert ids(w.stack("other")) == []


def test_id_views_are_uint32_arrays_bottom_to_top(w: World) -> None:
    make_stack(w, "deck", 6)
    view = w.stack("deck")
    assert isinstance(view, np.ndarray)
    assert view.dtype == np.dtype("<u4")
    assert view.tolist() == [1, 2, 3, 4, 5, 6]
    w.stack_burn("deck", 2)
    w.source_create("shoe")
    w.token_create("x", "", "", "source:shoe")
    w.token_create("x", "", "", "tray:shoe")
    w.agent_create("ann")
    w.agent_draw_cards("ann", "deck", 2)
    assert w.stack("deck").tolist() == [1, 2]
    assert w.discards("deck").tolist() == [6, 5]
    assert w.inventory("ann").tolist() == [4, 3]
    assert w.shoe("shoe").tolist() == [7]
    assert w.tray("shoe").tolist() == [8]
    w.stack_draw("deck", 2)
    assert w.stack("deck").tolist() == []
    assert w.stack("deck").dtype == np.dtype("<u4")


def test_zone_view_has_token_facing_and_position(w: World) -> None:
    w.space_create_zone("t")
    w.token_create("x", "", "", To.zone("t", 1.25, -2, face_up=False))
    w.token_create("x", "", "", "zone:t")
    z = w.zone("t")
    assert z.dtype.names == ("token", "face_up", "x", "y")
    assert z["token"].tolist() == [1, 2]
    assert z["face_up"].tolist() == [0, 1]
    assert z["x"].tolist() == [1.25, 0.0]
    assert z["y"].tolist() == [-2.0, 0.0]
    w.space_flip(1)
    w.space_spread("t", 10, 20, 1)
    z = w.zone("t")
    assert z["face_up"].tolist() == [1, 1]
    assert z["x"].tolist() == [10.0, 11.0]
    assert not w.zone_locked("t")
    w.space_lock_zone("t")
    assert w.zone_locked("t")


def test_token_info_for_every_location(w: World) -> None:
    make_stack(w, "deck", 3)
    w.space_create_zone("t")
    w.agent_create("ann")
    w.source_create("shoe")
    w.stack_burn("deck", 1)  # 3 -> discards
    w.stack_draw("deck", 1, "zone:t")  # 2 -> zone
    w.token_move(1, "agent:ann")
    s = w.token_create("s", "", "", "source:shoe")  # 4
    tr = w.token_create("r", "", "", "tray:shoe")  # 5
    host = w.token_create("h")  # 6
    att = w.token_create("a")  # 7
    w.token_attach(host, att, 9, "gear")
    x, y = w.token_create("x"), w.token_create("y")  # 8, 9
    m = w.token_merge([x, y], 10)  # 10
    parts = w.token_split(m, 2, 11)  # 11, 12
    where = {t: (w.token(t).location, w.token(t).where) for t in range(1, 13)}
    assert where == {
        1: ("agent", "ann"),
        2: ("zone", "t"),
        3: ("discards", "deck"),
        s: ("source", "shoe"),
        tr: ("tray", "shoe"),
        host: ("loose", None),
        att: ("attached", host),
        x: ("merged", m),
        y: ("merged", m),
        m: ("split", None),
        parts[0]: ("loose", None),
        parts[1]: ("loose", None),
    }
    info = w.token(m)
    assert isinstance(info, TokenInfo)
    assert (info.merged_from, info.merged_at, info.split_from) == ([x, y], 10, None)
    assert w.token(parts[1]).split_index == 1
    assert w.token(att).attach_type == "gear"
    assert w.token(host).attachments == [att]
    assert w.token_count() == 12
    with pytest.raises(NoSuchTokenError):
        w.token(13)
    with pytest.raises(NoSuchTokenError):
        w.token(True)  # type: ignore[arg-type]


def test_agent_info_is_a_copy(w: World) -> None:
    w.agent_create("ann")
    w.agent_give_resource("ann", "gold", 4)
    w.agent_set_meta("ann", "seat", 2)
    w.token_create("x", "", "", "agent:ann")
    info = w.agent("ann")
    assert info == AgentInfo("ann", True, {"gold": 4}, {"seat": 2}, [1])
    w.agent_take_resource("ann", "gold", 1)
    w.agent_set_active("ann", False)
    assert info.resources == {"gold": 4}  # the old copy is unchanged
    assert w.agent("ann") == AgentInfo("ann", False, {"gold": 3}, {"seat": 2}, [1])


def test_game_state_reflects_the_loop(w: World) -> None:
    w.agent_create("ann")
    w.agent_create("ben")
    w.game_set_property("pot", 5)
    w.game_start(10)
    w.game_next_phase("bid")
    w.game_pause(20)
    g = w.game_state()
    assert isinstance(g, GameState)
    assert g == GameState(
        turn=1,
        phase="bid",
        active_agent="ben",
        max_turns=0,
        started=True,
        ended=False,
        paused=True,
        running=True,
        winner="",
        reason="",
        start_time=10,
        end_time=0,
        pause_time=20,
        total_pause=0,
        properties={"pot": 5},
    )
    w.game_resume(25)
    w.game_end(30, "ann", "score")
    g = w.game_state()
    assert (g.ended, g.running, g.paused, g.winner, g.total_pause, g.end_time) == (
        True,
        False,
        False,
        "ann",
        5,
        30,
    )


def test_token_table_and_sizes(w: World) -> None:
    make_stack(w, "deck", 4)
    table = w.tokens_array()
    assert table["id"].tolist() == [1, 2, 3, 4]
    assert table["home"].tolist() == [1, 1, 1, 1]
    assert len(w.snapshot()) == len(w._snap_prefix) + w.arena_bytes
    before = w.arena_bytes
    make_stack(w, "more", 100)
    assert w.arena_bytes > before


@pytest.mark.parametrize("atomic", [True, False])
def test_views_follow_memory_growth(w: World, atomic: bool) -> None:
    b = Batch().stack_create("big")
    for i in range(15000):
        b.token_create("card", str(i), "", "stack:big")
    pages_before = len(w._mv)
    w.apply(b, atomic=atomic)  # atomic also touches the rollback shadow above the arena
    assert len(w._mv) > pages_before
    view = w.stack("big")
    assert view[0] == 1
    assert view[-1] == 15000
    assert w.token(15000).label == "14999"
    assert w.stack_draw("big", 2) == [15000, 14999]
    w.check()


def test_fork_is_independent(w: World) -> None:
    make_stack(w, "deck", 5)
    f = w.fork()
    assert f.state_hash() == w.state_hash()
    f.stack_shuffle("deck", 1)
    assert f.state_hash() != w.state_hash()
    assert w.stack("deck").tolist() == [1, 2, 3, 4, 5]


def test_restore_into_a_fresh_world_grows_its_memory(w: World) -> None:
    b = Batch().stack_create("big")
    for i in range(12000):
        b.token_create("card", str(i), "", "stack:big")
    w.apply(b, atomic=False)
    fresh = World()
    assert len(fresh._mv) < w._base + w.arena_bytes  # too small to hold the snapshot
    fresh.restore(w.snapshot(), verify=True)
    assert fresh.state_hash() == w.state_hash()
    assert fresh.stack("big")[-1] == 12000
    assert fresh.stack_draw("big", 1) == [12000]


def test_property_reads_one_key_and_defaults() -> None:
    w = World()
    w.game_set_property("round", 3)
    w.game_set_property("name", "final")
    assert w.property("round") == 3
    assert w.property("name") == "final"
    assert w.property("missing") is None
    assert w.property("missing", 7) == 7
    w.game_set_property("round", None)
    assert w.property("round", "gone") == "gone"


def test_active_agent_matches_game_state() -> None:
    w = World()
    assert w.active_agent() is None
    w.agent_create("a")
    w.agent_create("b")
    w.game_start(0)
    assert w.active_agent() == w.game_state().active_agent == "a"
    w.game_next_turn()
    assert w.active_agent() == "b"


def test_numpy_ids_from_views_are_accepted() -> None:
    w = World()
    w.stack_create("deck")
    for r in range(3):
        w.token_create("card", str(r), "", "stack:deck")
    w.agent_create("a")
    top = w.stack("deck")[-1]  # a numpy uint32
    w.stack_draw("deck", 1, "loose")
    w.agent_add_token("a", top)
    assert w.inventory("a").tolist() == [int(top)]
    w.agent_discard_cards("a", w.inventory("a").copy(), "deck")
    assert w.discards("deck").tolist() == [int(top)]
