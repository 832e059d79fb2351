//! The kernel of `games.hanabi`: a whole move, and what a seat sees, inside the WASM
//! module.
//!
//! A move is `Hanabi.apply` (its checks included) in one call: `kernel_rules.zig` ports
//! `Rules.refusal` and `Rules.apply` of `games/hanabi/rules.py` (the specification) and
//! runs the same actions, in the same order, as the Python planner's batch. The view is
//! `Rules.mask` and `observation` of `games/hanabi/view.py`, written to linear memory by
//! `kernel_view.zig` for the host to read in one go. The Python rules stay the
//! reference: `tests/games/test_hanabi_kernel.py` plays seeded games through a kernel
//! World and a plain one and compares state hashes, masks and observations after every
//! move. Packed ints are read through `kernel_state.zig`, generated from their
//! declaration in `games/hanabi/state.py` (`python -m games.kernels` regenerates it).
//!
//! Exports (inputs little-endian in the command buffer), stateless (the player count
//! comes with each call):
//! - `hb_setup`: u32 seed, u32 players. All of `Hanabi.setup`: shuffle the deck with the
//!   entry's seed and deal (`kernel_rules.setup`).
//! - `hb_step`: u32 seat, u32 action, u32 players. The move of `seat` when it is legal
//!   (its turn, the game not over, the action in the mask); otherwise it declines,
//!   changing nothing, and the host's rules refuse it with their reason.
//! - `hb_look`: u32 seat, u32 players. Write `seat`'s view (`kernel_view.zig`); never
//!   changes the World.
//! - `hb_view_at`: the address of the view.

const core = @import("core");
const k = core.kernel;
const rules = @import("kernel_rules.zig");
const view = @import("kernel_view.zig");

comptime {
    _ = core;
}

/// The layout of the call's player count, or null when it is not 2..5.
fn layoutOf(n: u32) ?rules.Layout {
    if (n < 2 or n > rules.MAX_PLAYERS) return null;
    return rules.Layout.of(n);
}

export fn hb_setup() u32 {
    const before = k.pages();
    const seed = k.arg(u32, 0);
    const l = layoutOf(k.arg(u32, 4)) orelse return k.declined;
    return k.finish(rules.setup(l, seed), before);
}

export fn hb_step() u32 {
    const before = k.pages();
    const me = k.arg(u32, 0);
    const action = k.arg(u32, 4);
    const l = layoutOf(k.arg(u32, 8)) orelse return k.declined;
    if (me >= l.n) return k.declined;
    const s = rules.prop("s") orelse return k.declined;
    if (!rules.legal(l, s, me, action)) return k.declined;
    return k.finish(rules.apply(l, me, action), before);
}

export fn hb_look() u32 {
    const me = k.arg(u32, 0);
    const l = layoutOf(k.arg(u32, 4)) orelse return k.declined;
    if (me >= l.n) return k.declined;
    view.write(l, me);
    return 0;
}

export fn hb_view_at() u32 {
    return @intCast(@intFromPtr(&view.out));
}
