//! The kernel of `games.holdem`: the deal and every move of no-limit hold'em planned and
//! applied inside the WASM module, with the seats' views written to linear memory.
//!
//! This is `TexasHoldem.setup` and `TexasHoldem.apply` (after their checks) in Zig, over
//! the rules of `kernel_rules.zig` (`games/holdem/rules.py` function for function) on the
//! table of `kernel_table.zig` (the state of `games/holdem/state.py`), the evaluator of
//! `kernel_eval.zig` and the view of `kernel_view.zig`. A move loads the table from the properties, plays the rules on it
//! dealing from the `deck` stack, and writes the changed properties (in `Table.props`
//! order) and the burn of the dealt cards in one batch, as `games/holdem/table.py` does;
//! a move that starts a new hand first applies the reshuffle, where `WorldDealer.new_deck`
//! applies it. The Python rules stay the reference: `tests/games/test_holdem_kernel.py`
//! plays seeded sessions through both and compares state hashes, masks and observations
//! after every move.
//!
//! Exports (inputs little-endian in the command buffer):
//! - `th_configure`: u32 seats, u32 actions in the layout, i64 small blind, i64 big
//!   blind, i64 starting stack, i64 hands, u32[8] raise numerators, u32[8] denominators
//!   (the layout's raise sizes as fractions of the pot, by action id - 3; the last action
//!   is All-in). Settings live in the instance: the host configures it before a move.
//! - `th_setup`: u32 seed. `setup` of `games/holdem/table.py`: shuffle the deck and deal
//!   the first hand with seat 0 on the button. Declines when unconfigured.
//! - `th_step`: u32 seat, u32 action, u32 seed (the move's), u32 strict. `apply` for
//!   seat `seat`: an action outside the mask is played as Check (when legal) or Fold with
//!   its report, or with `strict` (the policies "error" and "penalty") declined for the
//!   host. Declines, changing nothing, when unconfigured, the game is over, `seat` is not
//!   to act or the action is not in the layout.
//! - `th_look`: the view of the World as it is (after a change the host made).
//! - `th_view_at`: the address of the view (`kernel_view.zig`).
//!
//! Every export but `th_configure` and `th_view_at` writes the view when it returns 0.

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const rules = @import("kernel_rules.zig");
const view = @import("kernel_view.zig");
const Report = @import("kernel_state.zig").report;

const Table = rules.Table;
const Dealer = rules.Dealer;

comptime {
    _ = core;
}

var cfg: rules.Stakes = .{};

/// Store the table's settings (see the module comment). Returns 0, or `declined` for
/// settings out of range (leaving the kernel unconfigured).
export fn th_configure() u32 {
    const n = k.arg(u32, 0);
    const actions = k.arg(u32, 4);
    if (n < 2 or n > rules.MAX_SEATS or actions < 5 or actions > 11) {
        cfg = .{};
        return k.declined;
    }
    var s = rules.Stakes{
        .n = n,
        .num_actions = actions,
        .small_blind = k.arg(i64, 8),
        .big_blind = k.arg(i64, 16),
        .starting_stack = k.arg(i64, 24),
        .hands = k.arg(i64, 32),
    };
    for (0..8) |j| {
        s.num[j] = k.arg(u32, 40 + 4 * j);
        s.den[j] = @max(1, k.arg(u32, 72 + 4 * j));
    }
    cfg = s;
    return 0;
}

/// Shuffle the deck and deal the first hand (see the module comment).
export fn th_setup() u32 {
    const before = k.pages();
    const seed = k.arg(u32, 0);
    if (cfg.n == 0 or k.stackLen("deck") == null) return k.declined;
    var c = k.Cmd{};
    _ = c.op("stack.shuffle").s("deck").u(seed);
    const code = c.run();
    if (code != 0) return k.finish(code, before);
    var t = Table{ .n = cfg.n };
    for (0..cfg.n) |i| t.stack[i] = cfg.starting_stack;
    var d = Dealer{};
    rules.startHand(&t, &cfg, &d, 0);
    if (!rules.advance(&t, &cfg, &d, seed)) @panic("holdem: a setup the rules cannot settle");
    return write(&t, null, &d, before);
}

/// Play a move (see the module comment).
export fn th_step() u32 {
    const before = k.pages();
    const seat = k.arg(u32, 0);
    var action = k.arg(u32, 4);
    const seed = k.arg(u32, 8);
    const strict = k.arg(u32, 12) != 0;
    if (cfg.n == 0 or action >= cfg.num_actions) return k.declined;
    var t = Table.load(cfg.n) orelse return k.declined;
    if (t.actor < 0 or t.actor != @as(i64, seat)) return k.declined;
    const old = t;
    t.flags &= ~rules.HAND_OVER;
    t.report = 0;
    const bits = rules.legalBits(&t, &cfg, t.actor);
    if ((bits >> @intCast(action)) & 1 == 0) {
        if (strict) return k.declined;
        const played: u32 = if ((bits >> rules.CHECK) & 1 != 0) rules.CHECK else rules.FOLD;
        var r = Report.action.set(0, action + 1);
        r = Report.seat.set(r, @intCast(t.actor));
        t.report = @bitCast(Report.played.set(r, played + 1));
        action = played;
    }
    var d = Dealer{};
    if (!rules.act(&t, &cfg, &d, action, seed)) {
        // A pot nobody may win: the host's rules raise on it. Nothing changed unless a
        // new hand was shuffled, which cannot come before it.
        if (d.shuffled) @panic("holdem: a hand the rules cannot settle after a reshuffle");
        return k.declined;
    }
    return write(&t, &old, &d, before);
}

/// Write the view of the World as it is.
export fn th_look() u32 {
    if (cfg.n == 0) return k.declined;
    const t = Table.load(cfg.n) orelse return k.declined;
    view.write(&t, &cfg);
    return 0;
}

/// The address of the view.
export fn th_view_at() u32 {
    return @intCast(@intFromPtr(&view.out));
}

/// Apply the move's properties and burn, then write the view.
fn write(t: *const Table, old: ?*const Table, d: *const Dealer, before: u32) u32 {
    if (d.failed != 0) return k.finish(d.failed, before);
    var c = k.Cmd{};
    t.save(old, &c);
    d.finish(&c);
    const code = c.run();
    if (code == 0) view.write(t, &cfg);
    return k.finish(code, before);
}
