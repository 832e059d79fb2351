//! One blackjack move being planned in the kernel: `TableMove` of
//! `games/blackjack/move.py` (the specification). It collects core actions and property
//! changes and applies them in one batch when it finishes (in several only where the
//! Python planner applies its parts: a reshuffle, the discard pile coming back in).
//! The World's names (properties and zones) are here too, as `games/blackjack/state.py`
//! spells them.

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const turns = @import("kernel_turns.zig");

pub const MAX_SEATS = 6;
pub const MAX_HANDS = 4;

fn perSeat(comptime fmt: []const u8) [MAX_SEATS][]const u8 {
    var out: [MAX_SEATS][]const u8 = undefined;
    for (0..MAX_SEATS) |i| out[i] = std.fmt.comptimePrint(fmt, .{i});
    return out;
}

fn perHand(comptime fmt: []const u8) [MAX_SEATS][MAX_HANDS][]const u8 {
    var out: [MAX_SEATS][MAX_HANDS][]const u8 = undefined;
    for (0..MAX_SEATS) |i| {
        for (0..MAX_HANDS) |h| out[i][h] = std.fmt.comptimePrint(fmt, .{ i, h });
    }
    return out;
}

/// Property names by seat: `BANK`, `STAKE` and `RECORD` (by seat and hand) in state.py.
pub const bank_key = perSeat("bank{d}");
pub const stake_key = perSeat("stake{d}");
pub const record_key = perHand("r{d}.{d}");
/// Zone names of the seats' hands, by seat and hand (`HAND_ZONE`).
pub const hand_zone = perHand("p{d}h{d}");

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

    /// An (int) property as this move has left it so far (0 if unset).
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

    /// Set a property (when the move is applied).
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

    /// Apply the planned actions, then the properties that changed: the others in the
    /// order first set, then the bankrolls and the hand count (as the Python planner).
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

    /// Set the new table state `s` and apply the move. `old` is the state before it: its
    /// `low` stands when the move did not look at the shoe.
    pub fn finish(m: *Move, s: u64, old: u64) void {
        const left = if (m.touched) m.remaining() else 0;
        m.setu("s", turns.reported(s, old, m.hand_over, m.touched, left));
        m.flush();
    }
};
