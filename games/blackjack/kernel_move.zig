//! One blackjack move being planned in the kernel: `TableMove` of
//! `games/blackjack_move.py`. It collects core actions and property changes and applies
//! them in one batch when it finishes (in several only where the Python planner applies
//! its parts: a reshuffle, the discard pile coming back in).

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const table = @import("kernel.zig");
const bank_key = table.bank_key;
const stake_key = table.stake_key;
const HAND_OVER = table.HAND_OVER;
const LOW = table.LOW;

const Prop = struct { key: []const u8, value: i64 };

pub const Move = struct {
    cmd: k.Cmd = .{},
    /// Properties set by the move, in the order first set (written when it flushes).
    props: [48]Prop = undefined,
    np: usize = 0,
    /// The shoe as read (bottom first) and how many of its top cards the plan took.
    shoe: []const u32 = &.{},
    have_shoe: bool = false,
    taken: usize = 0,
    touched: bool = false,
    hand_over: bool = false,
    /// The hole card of the last hand settled (0: none).
    hole: u32 = 0,
    shuffles: u32 = 0,
    seed0: u32,
    /// The error code of a batch the core refused (0: none).
    failed: u32 = 0,

    pub fn prop(m: *Move, key: []const u8) i64 {
        var i = m.np;
        while (i > 0) {
            i -= 1;
            if (std.mem.eql(u8, m.props[i].key, key)) return m.props[i].value;
        }
        return k.propInt(key) orelse 0;
    }

    pub fn propU(m: *Move, key: []const u8) u64 {
        return @bitCast(m.prop(key));
    }

    pub fn setp(m: *Move, key: []const u8, value: i64) void {
        for (m.props[0..m.np]) |*p| {
            if (std.mem.eql(u8, p.key, key)) {
                p.value = value;
                return;
            }
        }
        m.props[m.np] = .{ .key = key, .value = value };
        m.np += 1;
    }

    pub fn setu(m: *Move, key: []const u8, value: u64) void {
        m.setp(key, @bitCast(value));
    }

    /// Move `chips` of seat `i` from its bankroll to the table.
    pub fn wager(m: *Move, i: u32, chips: i64) void {
        m.setp(bank_key[i], m.prop(bank_key[i]) - chips);
        m.setp(stake_key[i], m.prop(stake_key[i]) + chips);
    }

    /// Cards left in the shoe once the planned draws are made.
    pub fn remaining(m: *Move) usize {
        m.touched = true;
        if (!m.have_shoe) {
            m.shoe = k.sourceItems("shoe") orelse &.{};
            m.have_shoe = true;
            m.taken = 0;
        }
        return m.shoe.len - m.taken;
    }

    /// The next card for a draw the caller plans (checked by `remaining`).
    pub fn nextCard(m: *Move) u32 {
        m.taken += 1;
        return m.shoe[m.shoe.len - m.taken];
    }

    /// Plan drawing one card face up to `zone` and return it; when the shoe is empty the
    /// discard pile is shuffled in first; with no card left anywhere, null.
    pub fn tryDraw(m: *Move, zone: []const u8) ?u32 {
        if (m.remaining() == 0) {
            m.flush();
            const pile = k.stackItems("discard") orelse &.{};
            if (pile.len == 0) return null;
            for (pile) |t| _ = m.cmd.op("token.move").u(t).dest(.source, "shoe", true);
            _ = m.cmd.op("source.shuffle").s("shoe").u(m.seed());
            m.run();
            _ = m.remaining();
        }
        _ = m.cmd.op("source.draw").s("shoe").u(1).dest(.zone, zone, true);
        return m.nextCard();
    }

    /// `tryDraw` where the mask allowed a draw (so a card exists).
    pub fn drawTo(m: *Move, zone: []const u8) u32 {
        return m.tryDraw(zone) orelse @panic("blackjack: no card left to draw, yet a draw was allowed");
    }

    /// Bring every card back into the shoe and shuffle it (the cut card came out).
    pub fn reshuffle(m: *Move) void {
        _ = m.cmd.op("source.reset").s("shoe");
        _ = m.cmd.op("source.shuffle").s("shoe").u(m.seed());
        m.flush();
    }

    /// A fresh shuffle seed: the move's own, then `MoveContext.seed_for(n)`.
    pub fn seed(m: *Move) u32 {
        m.shuffles += 1;
        if (m.shuffles == 1) return m.seed0;
        var x: u32 = m.seed0 ^ (m.shuffles *% 0x9E3779B1);
        x = (x ^ (x >> 16)) *% 0x45D9F3B;
        return x ^ (x >> 16);
    }

    /// Apply the planned actions, then the property changes (the ones that differ from
    /// the world: bankrolls and the hand count last, as the Python planner orders them).
    pub fn flush(m: *Move) void {
        for ([_]bool{ false, true }) |money| {
            for (m.props[0..m.np]) |p| {
                const is_money = p.key[0] == 'b' or std.mem.eql(u8, p.key, "hand");
                if (is_money != money) continue;
                const now = k.propInt(p.key);
                if (now == null or now.? != p.value) _ = m.cmd.op("game.set_property").s(p.key).int(p.value);
            }
        }
        m.np = 0;
        m.run();
    }

    /// Run the commands written so far (a failure is kept; later batches are skipped).
    pub fn run(m: *Move) void {
        if (m.cmd.count > 0 and m.failed == 0) m.failed = m.cmd.run();
        m.cmd = .{};
        m.have_shoe = false;
    }

    /// Set the new table state and apply the move. `old` is the state before it (its LOW
    /// bit stands when the move did not look at the shoe).
    pub fn finish(m: *Move, s_in: u64, old: u64) void {
        var s = s_in;
        if (m.hand_over) s |= HAND_OVER;
        if (m.touched) {
            if (m.remaining() < 2) s |= LOW;
        } else s |= old & LOW;
        m.setu("s", s);
        m.flush();
    }
};
