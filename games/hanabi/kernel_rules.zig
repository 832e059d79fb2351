//! The rules of `games.hanabi` for the kernel: the cards, the action layout, reading the
//! position, legality and the move. This is `Rules.refusal` and `Rules.apply` of
//! `games/hanabi/rules.py` (the specification) in Zig: a move reads the game properties
//! (and the deck's top card when a card is drawn) and runs one batch with the same
//! actions, in the same order, as the Python planner's batch, so both Worlds end with the
//! same bytes. The packed ints are read and written through `kernel_state.zig`, generated
//! from `games/hanabi/state.py`.

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const state = @import("kernel_state.zig");

const TableBits = state.table_bits;
const HandBits = state.hand_bits;
const SlotBits = state.slot_bits;
const LastBits = state.last_bits;

pub const MAX_PLAYERS = 5;
pub const MAX_HAND = 5;
pub const MAX_INFO: u64 = 8;
pub const NUM_RANKS = 5;
pub const MAX_SCORE: u64 = 25;
/// A card nobody has hinted: every colour and rank possible (`FRESH`).
pub const FRESH: u64 = SlotBits.colours.mask | SlotBits.ranks.mask;

/// Kinds of move in `last` (`NONE, PLAY, DISCARD, HINT_COLOUR, HINT_RANK` of state.py).
pub const PLAY: u64 = 1;
pub const DISCARD: u64 = 2;
pub const HINT_COLOUR: u64 = 3;
pub const HINT_RANK: u64 = 4;

/// Property and seat names by seat index (`HAND`, `KNOW`, `seat_names`).
pub const hand_key = names("h{d}");
pub const know_key = names("k{d}");
pub const seat_name = names("player_{d}");

fn names(comptime fmt: []const u8) [MAX_PLAYERS][]const u8 {
    var out: [MAX_PLAYERS][]const u8 = undefined;
    for (0..MAX_PLAYERS) |i| out[i] = std.fmt.comptimePrint(fmt, .{i});
    return out;
}

/// The identity (colour * 5 + rank) of card token `t` (1..50; `CARD` of state.py): tokens
/// are created colour by colour, each colour's ranks 1 1 1 2 2 3 3 4 4 5.
pub fn card(t: u64) u32 {
    const rank_order = [10]u32{ 0, 0, 0, 1, 1, 2, 2, 3, 3, 4 };
    const i: u32 = @intCast((t -% 1) % 50);
    return (i / 10) * 5 + rank_order[i % 10];
}

/// The action layout of an `n`-player game (`ActionLayout` of actions.py).
pub const Layout = struct {
    n: u32,
    /// The hand size H: 5 for 2 or 3 players, 4 for 4 or 5.
    h: u32,
    colour_base: u32,
    rank_base: u32,
    num_actions: u32,

    pub fn of(n: u32) Layout {
        const h: u32 = if (n <= 3) 5 else 4;
        const colour_base = 2 * h;
        const rank_base = colour_base + 5 * (n - 1);
        return .{ .n = n, .h = h, .colour_base = colour_base, .rank_base = rank_base, .num_actions = rank_base + 5 * (n - 1) };
    }
};

/// A packed hand, unpacked: its card tokens by slot, oldest first.
pub const Hand = struct {
    len: u32 = 0,
    tokens: [MAX_HAND]u64 = @splat(0),

    pub fn unpack(x: u64) Hand {
        var out = Hand{ .len = @intCast(@min(HandBits.count.get(x), MAX_HAND)) };
        for (0..out.len) |j| out.tokens[j] = (x >> @intCast(6 * j)) & 63;
        return out;
    }

    pub fn pack(self: Hand) u64 {
        var x: u64 = @as(u64, self.len) << HandBits.count.shift;
        for (0..self.len) |j| x |= self.tokens[j] << @intCast(6 * j);
        return x;
    }
};

/// Slot `j`'s 12 bits of packed knowledge `x`.
pub fn slotOf(x: u64, j: usize) u64 {
    return (x >> @intCast(12 * j)) & SlotBits.mask;
}

/// A property as a u64 (null when missing or not an int, so the kernel declines).
pub fn prop(key: []const u8) ?u64 {
    const v = k.propInt(key) orelse return null;
    return @bitCast(v);
}

/// Whether `hand` holds a card of colour `value` (`colour`) or of rank `value`.
pub fn touches(hand: Hand, colour: bool, value: u64) bool {
    for (hand.tokens[0..hand.len]) |t| {
        const c = card(t);
        if ((if (colour) c / 5 else c % 5) == value) return true;
    }
    return false;
}

/// A slot's knowledge after a hint that touched it or not (`hinted` of rules.py).
fn hinted(slot: u64, colour: bool, value: u64, touched: bool) u64 {
    if (colour) {
        if (touched) return (slot & ~SlotBits.colours.mask) | (@as(u64, 1) << @intCast(value)) | SlotBits.colour_hinted.mask;
        return slot & ~(@as(u64, 1) << @intCast(value));
    }
    if (touched) return (slot & ~SlotBits.ranks.mask) | (@as(u64, 1) << @intCast(5 + value)) | SlotBits.rank_hinted.mask;
    return slot & ~(@as(u64, 1) << @intCast(5 + value));
}

fn sumFireworks(s: u64) u64 {
    var total: u64 = 0;
    for (0..5) |c| total += (TableBits.fireworks.get(s) >> @intCast(3 * c)) & 7;
    return total;
}

/// Whether seat `me` may take `action` in table state `s` (`Rules.refusal` == "").
pub fn legal(l: Layout, s: u64, me: u32, action: u32) bool {
    if (TableBits.over.get(s) != 0 or TableBits.seat.get(s) != me) return false;
    if (action >= l.num_actions) return false;
    const info = TableBits.info.get(s);
    if (action < 2 * l.h) {
        const mine = prop(hand_key[me]) orelse return false;
        if (action % l.h >= HandBits.count.get(mine)) return false;
        return action >= l.h or info < MAX_INFO;
    }
    if (info == 0) return false;
    const colour = action < l.rank_base;
    const rel = action - (if (colour) l.colour_base else l.rank_base);
    const target = (me + 1 + rel / 5) % l.n;
    const theirs = prop(hand_key[target]) orelse return false;
    return touches(Hand.unpack(theirs), colour, rel % 5);
}

/// `Hanabi.setup`: shuffle the deck with `seed` (one batch, as `world.stack_shuffle`),
/// then deal each seat its hand from the top and write the starting properties (a
/// second batch, in the Python batch's order). Declines, changing nothing, when the
/// deck cannot deal every hand.
pub fn setup(l: Layout, seed: u32) u32 {
    const len = k.stackLen("deck") orelse return k.declined;
    if (len < l.n * l.h or len > 50) return k.declined;
    var c = k.Cmd{};
    _ = c.op("stack.shuffle").s("deck").u(seed);
    const code = c.run();
    if (code != 0) return code;
    const items = k.stackItems("deck") orelse return k.declined;
    var deal: [MAX_PLAYERS]Hand = undefined;
    for (0..l.n) |i| {
        deal[i] = .{ .len = l.h };
        for (0..l.h) |j| deal[i].tokens[j] = items[items.len - 1 - i * l.h - j];
    }
    var fresh: u64 = 0;
    for (0..l.h) |j| fresh |= FRESH << @intCast(12 * j);
    c = k.Cmd{};
    for (0..l.n) |i| {
        _ = c.op("stack.draw").s("deck").u(l.h).dest(.inventory, seat_name[i], true);
        _ = c.op("game.set_property").s(hand_key[i]).int(@bitCast(deal[i].pack()));
        _ = c.op("game.set_property").s(know_key[i]).int(@bitCast(fresh));
    }
    var s = TableBits.info.set(0, MAX_INFO);
    s = TableBits.lives.set(s, 3);
    s = TableBits.deck.set(s, 50 - l.n * l.h);
    s = TableBits.turns.set(s, l.n);
    _ = c.op("game.set_property").s("s").int(@bitCast(s));
    _ = c.op("game.set_property").s("d").int(0);
    _ = c.op("game.set_property").s("last").int(0);
    return c.run();
}

/// Seat `me`'s `action` (legal: the caller checked), planned into one batch and run
/// (`Rules.apply`): 0, a core error code, or `declined` for a position the Python rules
/// must judge (a property missing, a last round with no move left, a misplay with no
/// life left: positions only a hand-made World holds). It declines before writing any
/// command, so a declined move changes nothing.
pub fn apply(l: Layout, me: u32, action: u32) u32 {
    var s = prop("s") orelse return k.declined;
    var info = TableBits.info.get(s);
    var deck = TableBits.deck.get(s);
    var turns = TableBits.turns.get(s);
    var fireworks = TableBits.fireworks.get(s);
    var lives = TableBits.lives.get(s);
    var lost = TableBits.lost.get(s);
    if (deck == 0) {
        if (turns == 0) return k.declined; // not a position play reaches
        turns -= 1; // the last round: every seat moves once more after the last draw
    }
    var c = k.Cmd{};
    var last: u64 = 0;
    if (action < 2 * l.h) {
        const slot = action % l.h;
        const is_play = action >= l.h;
        var hand = Hand.unpack(prop(hand_key[me]) orelse return k.declined);
        const know = prop(know_key[me]) orelse return k.declined;
        const token = hand.tokens[slot];
        const id = card(token);
        const colour = id / 5;
        const rank = id % 5;
        // The hand and its knowledge without the slot (the newer cards move down one).
        var slots: [MAX_HAND]u64 = @splat(0);
        var m: u32 = 0;
        for (0..hand.len) |j| {
            if (j == slot) continue;
            hand.tokens[m] = hand.tokens[j];
            slots[m] = slotOf(know, j);
            m += 1;
        }
        hand.len = m;
        const shift: u6 = @intCast(3 * colour);
        var success = false;
        var bonus = false;
        if (is_play and ((fireworks >> shift) & 7) == rank) {
            success = true;
            fireworks += @as(u64, 1) << shift;
            if (rank == NUM_RANKS - 1 and info < MAX_INFO) {
                bonus = true;
                info += 1;
            }
            _ = c.op("token.move").u(@intCast(token)).dest(.stack, "fireworks", true);
        } else {
            if (is_play) {
                if (lives == 0) return k.declined; // not a position play reaches
                lives -= 1;
                lost = @intFromBool(lives == 0);
            } else {
                info += 1;
            }
            const d = prop("d") orelse return k.declined;
            _ = c.op("token.move").u(@intCast(token)).dest(.stack, "discard", true);
            _ = c.op("game.set_property").s("d").int(@bitCast(d + (@as(u64, 1) << @intCast(2 * id))));
        }
        if (deck > 0) {
            const items = k.stackItems("deck") orelse return k.declined;
            if (items.len == 0) return k.declined;
            hand.tokens[hand.len] = items[items.len - 1];
            slots[hand.len] = FRESH;
            hand.len += 1;
            deck -= 1;
            _ = c.op("stack.draw").s("deck").u(1).dest(.inventory, seat_name[me], true);
        }
        var packed_know: u64 = 0;
        for (0..hand.len) |j| packed_know |= slots[j] << @intCast(12 * j);
        _ = c.op("game.set_property").s(hand_key[me]).int(@bitCast(hand.pack()));
        _ = c.op("game.set_property").s(know_key[me]).int(@bitCast(packed_know));
        last = LastBits.kind.set(0, if (is_play) PLAY else DISCARD);
        last = LastBits.slot.set(last, slot);
        last = LastBits.card.set(last, id);
        last = LastBits.success.set(last, @intFromBool(success));
        last = LastBits.bonus.set(last, @intFromBool(bonus));
    } else {
        const colour = action < l.rank_base;
        const rel = action - (if (colour) l.colour_base else l.rank_base);
        const value: u64 = rel % 5;
        const target = (me + 1 + rel / 5) % l.n;
        const hand = Hand.unpack(prop(hand_key[target]) orelse return k.declined);
        const know = prop(know_key[target]) orelse return k.declined;
        var touched: u64 = 0;
        var packed_know: u64 = 0;
        for (0..hand.len) |j| {
            const id = card(hand.tokens[j]);
            const hit = (if (colour) id / 5 else id % 5) == value;
            if (hit) touched |= @as(u64, 1) << @intCast(j);
            packed_know |= hinted(slotOf(know, j), colour, value, hit) << @intCast(12 * j);
        }
        info -= 1;
        _ = c.op("game.set_property").s(know_key[target]).int(@bitCast(packed_know));
        last = LastBits.kind.set(0, if (colour) HINT_COLOUR else HINT_RANK);
        last = LastBits.target.set(last, target);
        last = LastBits.value.set(last, value);
        last = LastBits.touched.set(last, touched);
    }
    last = LastBits.mover.set(last, me);
    s = TableBits.info.set(s, info);
    s = TableBits.lives.set(s, lives);
    s = TableBits.fireworks.set(s, fireworks);
    s = TableBits.deck.set(s, deck);
    s = TableBits.turns.set(s, turns);
    s = TableBits.seat.set(s, (me + 1) % l.n);
    s = TableBits.lost.set(s, lost);
    const over = lost != 0 or sumFireworks(s) == MAX_SCORE or (deck == 0 and turns == 0);
    s = TableBits.over.set(s, @intFromBool(over));
    _ = c.op("game.set_property").s("s").int(@bitCast(s));
    _ = c.op("game.set_property").s("last").int(@bitCast(last));
    return c.run();
}
