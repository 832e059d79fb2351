//! The kernel of `games.blackjack`: every move planned and applied inside the WASM module.
//!
//! This is the game's Python planner (`Table` in `games/blackjack/table.py`, the
//! specification, and `TableMove` in `games/blackjack/move.py`) in Zig, function for
//! function: a move reads the table state `s`, the properties and the shoe, collects
//! core actions and property changes, and applies them in one batch (in several only
//! when the shoe is reshuffled or the discard pile comes back in, exactly where the
//! Python planner applies its parts). The differential tests
//! (`tests/games/test_blackjack_engine.py`, `tests/games/test_blackjack_rules.py`) play
//! the same games through both and compare state hashes after every move.
//!
//! This file holds the table (its settings, the exports and the moves of `Table`);
//! `kernel_rules.zig` the hand arithmetic and `kernel_move.zig` the move being planned,
//! mirroring the Python modules. The packed ints (the table state `s`, hand summaries,
//! hand records) are read and written through `kernel_state.zig`, generated from their
//! declaration in `games/blackjack/state.py` (`python -m games.kernels` regenerates it).
//!
//! Exports (inputs little-endian in the command buffer):
//! - `bj_configure`: u32 seats, u32 h17, u32 cut, u32 hands per seat (splits + 1),
//!   i64 bet, i64 hands, i64 extra. Settings live in the instance (not in the world):
//!   the host configures each instance before its first move.
//! - `bj_move`: u32 action (0 Hit, 1 Stand, 2 Double, 3 Split, 4 Insurance), u32 seed
//!   (the move's shuffle seed), u64 report (fields `illegal` and `mover` of the new
//!   state: an unavailable action played as Stand). The host has checked the seat and
//!   that the action is available; it declines (changing nothing) only when unconfigured
//!   or the game is over.
//! - `bj_deal`: u32 0, u32 seed. Deal the first hand of a game (`Blackjack.setup`).
//! - `bj_start`: u32 seed. All of `Blackjack.setup` in one call: shuffle the shoe with
//!   `seed`, then deal as `bj_deal`.
//!
//! Training runs one-hand episodes on the game's training tables instead (`tables.zig`,
//! a module of its own that holds no World).

const std = @import("std");
const core = @import("core");
const k = core.kernel;
const state = @import("kernel_state.zig");
const rules = @import("kernel_rules.zig");
const move = @import("kernel_move.zig");
const turns = @import("kernel_turns.zig");

const TableState = state.table_state;
const HandRecord = state.hand_record;
const Hand = state.hand;
const Phase = state.Phase;
const Move = move.Move;
const MAX_SEATS = move.MAX_SEATS;
const MAX_HANDS = move.MAX_HANDS;
const bank_key = move.bank_key;
const stake_key = move.stake_key;
const record_key = move.record_key;
const hand_zone = move.hand_zone;

const rank = rules.rank;
const best = rules.best;
const isBust = rules.isBust;
const isNatural = rules.isNatural;
const isDone = rules.isDone;
const finished = rules.finished;
const add = rules.add;
const handOf = rules.handOf;
const dealerHits = rules.dealerHits;
const handReturn = rules.handReturn;
const VALUES = rules.VALUES;
const turn = turns.turn;
const playOn = turns.playOn;
const seatOf = turns.seatOf;
const currentOf = turns.currentOf;
const splitsOf = turns.splitsOf;
const playing = turns.playing;
const bit = turns.bit;

comptime {
    _ = core;
}

const Config = struct {
    n: u32 = 0,
    h17: bool = false,
    cut: u32 = 0,
    /// Hand zones per seat (splits + 1), for clearing the table.
    zones: u32 = 1,
    bet: i64 = 0,
    hands: i64 = 0,
    extra: i64 = 0,
};

var cfg: Config = .{};

/// Store the table's settings in this instance. Returns 0, or `declined` for settings
/// out of range (which leaves the kernel unconfigured).
export fn bj_configure() u32 {
    const n = k.arg(u32, 0);
    const zones = k.arg(u32, 12);
    if (n == 0 or n > MAX_SEATS or zones == 0 or zones > MAX_HANDS) {
        cfg = .{};
        return k.declined;
    }
    cfg = .{
        .n = n,
        .h17 = k.arg(u32, 4) != 0,
        .cut = k.arg(u32, 8),
        .zones = zones,
        .bet = k.arg(i64, 16),
        .hands = k.arg(i64, 24),
        .extra = k.arg(i64, 32),
    };
    return 0;
}

const HIT = 0;
const STAND = 1;
const DOUBLE = 2;
const SPLIT = 3;
const INSURANCE = 4;

/// Play `action` for the seat to move (see the module comment).
export fn bj_move() u32 {
    const before = k.pages();
    const action = k.arg(u32, 0);
    const seed = k.arg(u32, 4);
    const report = k.arg(u64, 8);
    if (cfg.n == 0 or action > INSURANCE) return k.declined;
    const s: u64 = @bitCast(k.propInt("s") orelse return k.declined);
    const phase = TableState.phase.get(s);
    if (phase == .OVER) return k.declined;
    var m = Move{ .seed0 = seed };
    const s2 = if (phase == .INSURE)
        insure(&m, s, action == INSURANCE)
    else switch (action) {
        HIT => hit(&m, s),
        STAND => stand(&m, s),
        DOUBLE => double(&m, s),
        SPLIT => split(&m, s),
        else => return k.declined, // Insurance outside the insurance round
    };
    m.finish(s2 | report, s); // a new state's report fields are clear
    return k.finish(m.failed, before);
}

/// Deal the first hand (after setup shuffled the shoe): what `Blackjack.setup` does once
/// the shoe is shuffled. Input: u32 0, u32 seed (for a reshuffle should the shoe be short).
export fn bj_deal() u32 {
    const before = k.pages();
    if (cfg.n == 0) return k.declined;
    var m = Move{ .seed0 = k.arg(u32, 4) };
    m.finish(deal(&m, 0), 0);
    return k.finish(m.failed, before);
}

/// Setup in one call (see the module comment).
export fn bj_start() u32 {
    const before = k.pages();
    if (cfg.n == 0) return k.declined;
    const seed = k.arg(u32, 0);
    var m = Move{ .seed0 = seed };
    _ = m.cmd.op("source.shuffle").s("shoe").u(seed);
    m.run();
    m.finish(deal(&m, 0), 0);
    return k.finish(m.failed, before);
}

// ---- the table state (module functions of games/blackjack/table.py) -----------------------

/// The summary of `seat`'s first hand, as the move has left it.
fn firstHand(m: *Move, seat: u32) u64 {
    return HandRecord.hand.get(m.propU(record_key[seat][0]));
}

// ---- the table's moves (Table in games/blackjack/table.py) --------------------------------

/// Take a card.
fn hit(m: *Move, s: u64) u64 {
    const zone = hand_zone[seatOf(s)][currentOf(s)];
    const h = add(TableState.hand.get(s), rank(m.drawTo(zone)));
    return if (isDone(h)) handDone(m, s, h) else playOn(s, h, currentOf(s));
}

/// End the hand.
fn stand(m: *Move, s: u64) u64 {
    return handDone(m, s, finished(TableState.hand.get(s)));
}

/// Double the wager and take exactly one card.
fn double(m: *Move, s: u64) u64 {
    const seat = seatOf(s);
    m.wager(seat, cfg.bet);
    const h = Hand.doubled.set(TableState.hand.get(s), 1);
    const drawn = add(h, rank(m.drawTo(hand_zone[seat][currentOf(s)])));
    return handDone(m, s, finished(drawn));
}

/// Split the pair: the second card starts a new hand; each hand gets a card.
fn split(m: *Move, s_in: u64) u64 {
    var s = s_in;
    const seat = seatOf(s);
    const hk = currentOf(s);
    const new = splitsOf(s) + 1; // the new hand's number = the old hand count
    const zone = hand_zone[seat][hk];
    const new_zone = hand_zone[seat][new];
    const cards_here = k.zonePlacements(zone) orelse @panic("blackjack: no hand zone");
    const first = cards_here[0].token;
    const second = cards_here[1].token;
    m.wager(seat, cfg.bet);
    _ = m.cmd.op("token.move").u(second).dest(.zone, new_zone, true);
    const start = handOf(&.{rank(first)}, Hand.split.set(0, 1));
    var here = add(start, rank(m.drawTo(zone)));
    var there = add(start, rank(m.drawTo(new_zone)));
    if (rank(first) == 0) { // split aces take one card each and stand
        here = finished(here);
        there = finished(there);
    }
    m.setu(record_key[seat][new], HandRecord.hand.set(0, there));
    s = TableState.splits.set(s, new);
    if (hk != 0) { // hand 0 is finished: its record keeps the hand count
        m.setu(record_key[seat][0], HandRecord.splits.set(m.propU(record_key[seat][0]), new));
    }
    return if (isDone(here)) handDone(m, s, here) else playOn(s, here, hk);
}

/// Record the finished hand `h` and move on: the seat's next hand, the next seat, or
/// the dealer.
fn handDone(m: *Move, s: u64, h: u64) u64 {
    const seat = seatOf(s);
    const hk = currentOf(s);
    const last = splitsOf(s); // the seat's last hand
    const record = HandRecord.splits.set(HandRecord.hand.set(0, h), if (hk == 0) last else 0);
    m.setu(record_key[seat][hk], record);
    var later = hk + 1;
    while (later <= last) : (later += 1) {
        const h2 = HandRecord.hand.get(m.propU(record_key[seat][later]));
        if (!isDone(h2)) return playOn(s, h2, later);
    }
    var other = seat + 1;
    while (other < cfg.n) : (other += 1) {
        if (playing(s, other) and !isDone(firstHand(m, other)))
            return turn(s, other, firstHand(m, other), .PLAY);
    }
    return endOfPlay(m, s);
}

/// One seat's insurance decision; after the last one the dealer peeks.
fn insure(m: *Move, s: u64, take: bool) u64 {
    const seat = seatOf(s);
    const half = @divExact(cfg.bet, 2);
    if (take) {
        m.wager(seat, half);
        m.setp("ins", m.prop("ins") | (@as(i64, 1) << @intCast(seat)));
    }
    var other = seat + 1;
    while (other < cfg.n) : (other += 1) {
        if (playing(s, other)) return turn(s, other, firstHand(m, other), .INSURE);
    }
    const dealer = k.zonePlacements("dealer") orelse @panic("blackjack: no dealer zone");
    const up = dealer[0].token;
    const hole = dealer[1].token;
    const insured = m.prop("ins");
    var table = Hands{};
    var i: u32 = 0;
    while (i < cfg.n) : (i += 1) {
        if (playing(s, i)) table.add(i, &.{firstHand(m, i)});
    }
    if (VALUES[rank(hole)] == 10) { // ace up, ten in the hole: blackjack
        settle(m, &table, up, hole, true, insured);
        return deal(m, TableState.hand_wide.of(s));
    }
    if (insured != 0) { // no blackjack: the insurance is lost
        for (table.seat[0..table.n]) |x| {
            if (bit(insured, x)) m.setp(stake_key[x], m.prop(stake_key[x]) - half);
        }
        m.setp("ins", 0);
    }
    for (table.seat[0..table.n]) |x| {
        if (!isDone(firstHand(m, x))) return turn(s, x, firstHand(m, x), .PLAY);
    }
    return endOfPlay(m, s);
}

/// The seats in a hand and their hands' summaries.
const Hands = struct {
    n: usize = 0,
    seat: [MAX_SEATS]u32 = undefined,
    count: [MAX_SEATS]usize = undefined,
    hands: [MAX_SEATS][MAX_HANDS]u64 = undefined,

    fn add(t: *Hands, seat: u32, hs: []const u64) void {
        t.seat[t.n] = seat;
        t.count[t.n] = hs.len;
        @memcpy(t.hands[t.n][0..hs.len], hs);
        t.n += 1;
    }
};

/// Every seat has played: the dealer plays, the hand settles, the next is dealt.
fn endOfPlay(m: *Move, s: u64) u64 {
    const dealer = k.zonePlacements("dealer") orelse @panic("blackjack: no dealer zone");
    var table = Hands{};
    var i: u32 = 0;
    while (i < cfg.n) : (i += 1) {
        if (!playing(s, i)) continue;
        const count: u32 = @intCast(HandRecord.splits.get(m.propU(record_key[i][0])) + 1);
        var hs: [MAX_HANDS]u64 = undefined;
        for (0..count) |hk| hs[hk] = HandRecord.hand.get(m.propU(record_key[i][hk]));
        table.add(i, hs[0..count]);
    }
    settle(m, &table, dealer[0].token, dealer[1].token, false, 0);
    return deal(m, TableState.hand_wide.of(s));
}

/// Reveal the hole card, let the dealer draw (if a hand is still live) and pay the hands.
fn settle(m: *Move, table: *const Hands, up: u32, hole: u32, dealer_bj: bool, insured: i64) void {
    m.hole = hole; // turned up if the cards stay on the table (see deal)
    var d = handOf(&.{ rank(up), rank(hole) }, 0);
    var live = false;
    for (0..table.n) |x| {
        for (table.hands[x][0..table.count[x]]) |h| {
            if (!isBust(h) and !isNatural(h)) live = true;
        }
    }
    if (!dealer_bj and live) d = dealerPlays(m, d);
    const total = best(d);
    const bet = cfg.bet;
    for (0..table.n) |x| {
        const seat = table.seat[x];
        var ret: i64 = 0;
        if (dealer_bj) {
            ret = if (isNatural(table.hands[x][0])) bet else 0;
            if (bit(insured, seat)) ret += 3 * @divExact(bet, 2);
        } else {
            for (table.hands[x][0..table.count[x]]) |h| ret += handReturn(h, bet, total);
        }
        m.setp(bank_key[seat], m.prop(bank_key[seat]) + ret);
        m.setp(stake_key[seat], 0);
    }
    if (insured != 0) m.setp("ins", 0);
    m.hand_over = true;
}

/// The dealer draws to `d` until it stands; its final hand.
fn dealerPlays(m: *Move, d_in: u64) u64 {
    var d = d_in;
    var drawn: u32 = 0; // cards taken from the shoe as it is, drawn in one action
    while (dealerHits(d, cfg.h17)) {
        var card: u32 = undefined;
        if (m.remaining() > 0) {
            card = m.nextCard();
            drawn += 1;
        } else { // the shoe is empty: draw what was taken, then draw the slow way
            if (drawn > 0) {
                _ = m.cmd.op("source.draw").s("shoe").u(drawn).dest(.zone, "dealer", true);
                drawn = 0;
            }
            card = m.tryDraw("dealer") orelse break; // no card left anywhere: it stands
        }
        d = add(Hand.done.set(d, 0), rank(card));
    }
    if (drawn > 0) _ = m.cmd.op("source.draw").s("shoe").u(drawn).dest(.zone, "dealer", true);
    return d;
}

/// Deal the next hand and return the state of its first decision. Hands that need no
/// decision (the dealer peeks a blackjack, or every seat has one) settle at once and the
/// next is dealt. Returns the OVER state when the hands are played or nobody can bet.
/// `keep_in`: the hand-wide fields of the hand before (0 for the first).
fn deal(m: *Move, keep_in: u64) u64 {
    var keep = keep_in;
    const n = cfg.n;
    const bet = cfg.bet;
    while (true) {
        const number = m.prop("hand");
        var banks: [MAX_SEATS]i64 = undefined;
        var seats: [MAX_SEATS]u32 = undefined;
        var c: u32 = 0;
        var i: u32 = 0;
        while (i < n) : (i += 1) {
            banks[i] = m.prop(bank_key[i]);
            if (banks[i] >= bet) {
                seats[c] = i;
                c += 1;
            }
        }
        if (number >= cfg.hands or c == 0) {
            if (m.hole != 0) _ = m.cmd.op("space.flip").u(m.hole).u(1); // the last hand stays: show the hole card
            return TableState.phase.set(keep, .OVER);
        }
        var clear = number > 0; // the last hand's cards are still on the table
        if (m.remaining() < @max(cfg.cut, 2 * c + 2)) {
            if (clear) collect(m);
            clear = false;
            m.reshuffle();
        }
        m.setp("hand", number + 1);
        if (clear) collect(m);
        // One card to each seat, the upcard, one more each, the hole card (face down).
        for ([_]bool{ true, false }) |face_up| {
            _ = m.cmd.op("batch.draw").u(5).s("shoe").u(1).u(c + 1);
            for (seats[0..c]) |x| _ = m.cmd.dest(.zone, hand_zone[x][0], true);
            _ = m.cmd.dest(.zone, "dealer", face_up);
        }
        var dealt: [2 * MAX_SEATS + 2]u32 = undefined;
        _ = m.remaining();
        for (dealt[0 .. 2 * c + 2]) |*t| t.* = m.nextCard();
        const up = dealt[c];
        const hole = dealt[2 * c + 1];
        var hands: [MAX_SEATS]u64 = undefined;
        var rich: u64 = 0;
        var seats_in: u64 = 0;
        for (seats[0..c], 0..) |x, q| {
            const h = handOf(&.{ rank(dealt[q]), rank(dealt[q + c + 1]) }, 0);
            hands[q] = h;
            m.setu(record_key[x][0], HandRecord.hand.set(0, h));
            m.setp(bank_key[x], banks[x] - bet);
            m.setp(stake_key[x], bet);
            seats_in |= @as(u64, 1) << @intCast(x);
            if (banks[x] - bet >= cfg.extra) rich |= @as(u64, 1) << @intCast(x);
        }
        const upcard: u64 = if (rank(up) == 0) 11 else VALUES[rank(up)];
        keep = TableState.upcard.set(0, upcard);
        keep = TableState.rich.set(keep, rich);
        keep = TableState.seats_in.set(keep, seats_in);
        if (upcard == 11) // ace up: the insurance round comes first
            return turn(keep, seats[0], hands[0], .INSURE);
        const dealer_bj = upcard == 10 and rank(hole) == 0;
        if (!dealer_bj) {
            for (0..c) |q| {
                if (!isDone(hands[q])) return turn(keep, seats[q], hands[q], .PLAY);
            }
        }
        var table = Hands{};
        for (seats[0..c], 0..) |x, q| table.add(x, &.{hands[q]});
        settle(m, &table, up, hole, dealer_bj, 0);
    }
}

/// Clear the table into the discard pile.
fn collect(m: *Move) void {
    _ = m.cmd.op("batch.collect").u(1 + cfg.n * cfg.zones).container(.zone, "dealer");
    var i: u32 = 0;
    while (i < cfg.n) : (i += 1) {
        var h: u32 = 0;
        while (h < cfg.zones) : (h += 1) _ = m.cmd.container(.zone, hand_zone[i][h]);
    }
    _ = m.cmd.s("discard");
}
