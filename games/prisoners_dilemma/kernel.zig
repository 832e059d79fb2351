//! The kernel of `games.prisoners_dilemma`: a seat's choice, and the round it resolves,
//! planned and applied inside the WASM module.
//!
//! This is `PrisonersDilemma.apply` (after its checks) in Zig: the first choice of a
//! round only records it in `choices`; the second resolves the round in the same batch
//! (noise flips, the next round or the end of the match, the history block, the outcome
//! tally), with the same actions in the same order as the Python rules, which stay the
//! reference (`tests/games/test_prisoners_dilemma.py` compares state hashes after every
//! move). Property layouts are documented in `games/prisoners_dilemma.py`.
//!
//! Export (input little-endian in the command buffer), stateless:
//! - `pd_choose`: u32 seat (0 or 1), u32 action (0 cooperate, 1 defect), u32 seed (the
//!   move's), u32 0, u64 rounds, f64 flip threshold (a seat's choice flips when its
//!   32-bit draw is below it; 0 without noise). Declines, changing nothing, when the
//!   choice is not allowed now (the host checks that first).

const std = @import("std");
const core = @import("core");
const k = core.kernel;

comptime {
    _ = core;
}

const BITS = 20;
const MASK: u64 = (1 << BITS) - 1;
const BLOCK = 19;
/// `choices` once the match is over: both "chosen" bits set.
const OVER: u64 = 0b11010;

/// `MoveContext.seed_for(salt)`.
fn seedFor(seed: u32, salt: u32) u32 {
    var x: u32 = seed ^ (salt *% 0x9E3779B1);
    x = (x ^ (x >> 16)) *% 0x45D9F3B;
    return x ^ (x >> 16);
}

export fn pd_choose() u32 {
    const before = k.pages();
    const i = k.arg(u32, 0);
    const action = k.arg(u32, 4);
    const seed = k.arg(u32, 8);
    const rounds = k.arg(u64, 16);
    const flip_below: f64 = @bitCast(k.arg(u64, 24));
    if (i > 1 or action > 1) return k.declined;
    const shift: u6 = @intCast(2 * i);
    var choices: u64 = @bitCast(k.propInt("choices") orelse return k.declined);
    if (choices == OVER or choices & (@as(u64, 2) << shift) != 0) return k.declined;
    choices |= (2 | @as(u64, action)) << shift;
    var c = k.Cmd{};
    if (choices & (@as(u64, 2) << @intCast(2 * (1 - i))) == 0) { // the other seat has yet to choose
        _ = c.op("game.set_property").s("choices").int(@bitCast(choices));
        return k.finish(c.run(), before);
    }
    var a0 = choices & 1;
    var a1 = (choices >> 2) & 1;
    if (flip_below != 0) {
        if (@as(f64, @floatFromInt(seedFor(seed, 1))) < flip_below) a0 ^= 1;
        if (@as(f64, @floatFromInt(seedFor(seed, 2))) < flip_below) a1 ^= 1;
    }
    const match: u64 = @bitCast(k.propInt("match") orelse return k.declined);
    const played = match & MASK;
    var block = match >> BITS;
    _ = c.op("game.set_property").s("choices").int(if (played + 1 >= rounds) @bitCast(OVER) else 0);
    const pos = played % BLOCK;
    if (pos == 0 and played > 0) { // the block is full: file it and start the next
        var name: [24]u8 = undefined;
        const key = std.fmt.bufPrint(&name, "hist.{d}", .{played / BLOCK - 1}) catch unreachable;
        _ = c.op("game.set_property").s(key).int(@bitCast(block));
        block = 0;
    }
    block |= (a0 | a1 << 1) << @intCast(2 * pos);
    const next: u64 = (played + 1) | block << BITS;
    _ = c.op("game.add_property").s("match").i(@as(i64, @bitCast(next)) - @as(i64, @bitCast(match)));
    const outcome = 2 * a0 + a1;
    if (outcome < 3) { // DD is not counted: it is the rest
        _ = c.op("game.add_property").s("tally").i(@as(i64, 1) << @intCast(BITS * outcome));
    }
    return k.finish(c.run(), before);
}
