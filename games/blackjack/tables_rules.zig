//! The rules of blackjack's training tables (`tables.zig`): a table (what the World's
//! properties of the game hold, and the shoe's ranks), its settings, and the moves of
//! `Table` in `games/blackjack/table.py` (the specification) for one hand per episode,
//! as `kernel.zig` ports them onto the World.

const std = @import("std");
const rng = @import("rng");
const state = @import("kernel_state.zig");
const rules = @import("kernel_rules.zig");
const turns = @import("kernel_turns.zig");

const TableState = state.table_state;
const HandRecord = state.hand_record;
const Hand = state.hand;
const Phase = state.Phase;

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
pub const bit = turns.bit;

pub const MAX_SEATS = 6;
pub const MAX_HANDS = 4;
pub const MAX_CARDS = 8 * 52;

pub const HIT = 0;
pub const STAND = 1;
pub const DOUBLE = 2;
pub const SPLIT = 3;
pub const INSURANCE = 4;

const HIT_BIT: u32 = 1 << HIT;
const STAND_BIT: u32 = 1 << STAND;
const DOUBLE_BIT: u32 = 1 << DOUBLE;
const SPLIT_BIT: u32 = 1 << SPLIT;
const INSURANCE_BIT: u32 = 1 << INSURANCE;

/// Statuses of a table after a call (see `tables.zig`).
pub const PLAYED: u8 = 0;
pub const REFUSED: u8 = 1;
pub const OVER: u8 = 2;
pub const OUT_OF_RANGE: u8 = 3;
pub const BEGAN: u8 = 5;
pub const ENDED: u8 = 6;
/// A move the mask allowed found no card, or the move history is full: a bug, reported.
pub const BROKEN: u8 = 9;

/// One table: what the World's properties of the game hold, and the shoe's ranks.
pub const Table = struct {
    /// The ranks (0 ace .. 12 king) left in the shoe, bottom first: the top is
    /// `shoe[left - 1]`. A card token `t` has rank `(t - 1) % 13`, and the shuffle only
    /// permutes, so shuffling ranks deals what shuffling the tokens deals.
    shoe: [MAX_CARDS]u8,
    left: u32,
    /// The shuffle runs lazily, from the top down, as cards are taken: positions from
    /// `fixed` up hold their shuffled cards (Fisher-Yates fixes position i at its step i,
    /// and the later steps touch only positions below), the rest await the steps of
    /// `deck_rng`, which deals exactly what shuffling the whole shoe first deals.
    fixed: u32,
    deck_rng: rng.Mulberry32,
    s: u64,
    /// Bit i: seat i took insurance this hand (the property `ins`).
    ins: u64,
    bank: [MAX_SEATS]i64,
    stake: [MAX_SEATS]i64,
    rec: [MAX_SEATS][MAX_HANDS]u64,
    /// The dealer's upcard and hole card (ranks).
    up: u32,
    hole: u32,
};

pub const Config = struct {
    tables: u32 = 0,
    n: u32 = 0,
    h17: bool = false,
    splits: u32 = 0,
    bet: i64 = 0,
    bankroll: i64 = 0,
    extra: i64 = 0,
    size: u32 = 0,
    view: u32 = 0,
    strict: bool = false,
    history: u32 = 0,
    cut: u32 = 0,
};

/// The settings of every table of the instance (set once by `bt_configure`).
pub var cfg: Config = .{};

// ---- the move being planned (TableMove of games/blackjack/move.py) ------------------------

pub const Move = struct {
    t: *Table,
    /// The move looked at the shoe (its `low` is then measured afresh).
    touched: bool = false,
    hand_over: bool = false,
    broken: bool = false,

    fn remaining(m: *Move) u32 {
        m.touched = true;
        return m.t.left;
    }

    /// The top card's rank, taken from the shoe (the caller checked `remaining`).
    fn next(m: *Move) u32 {
        const t = m.t;
        t.left -= 1;
        while (t.fixed > t.left) { // the shuffle's steps down to the top card
            const i = t.fixed - 1;
            if (i > 0) {
                const j = t.deck_rng.below(i + 1);
                const tmp = t.shoe[i];
                t.shoe[i] = t.shoe[j];
                t.shoe[j] = tmp;
            }
            t.fixed = i;
        }
        return t.shoe[t.left];
    }

    /// A card for a hand: the mask allowed the draw, so the shoe holds one (the discard
    /// pile is empty in the first hand, so there is nothing to shuffle in).
    fn drawTo(m: *Move) u32 {
        if (m.remaining() == 0) {
            m.broken = true;
            return 0;
        }
        return m.next();
    }

    fn wager(m: *Move, seat: u32, chips: i64) void {
        m.t.bank[seat] -= chips;
        m.t.stake[seat] += chips;
    }

    pub fn finish(m: *Move, s: u64, old: u64) void {
        m.t.s = turns.reported(s, old, m.hand_over, m.touched, m.t.left);
    }
};


/// The bits of the available actions of the seat to move in state `s` (not over), as
/// `Table.offers` then `Table.mask` (the discard pile is empty: the shoe is all that is left).
pub fn mask(t: *const Table, s: u64) u32 {
    const seat: u32 = @intCast(TableState.seat.get(s));
    const rich = bit(TableState.rich.get(s), seat);
    var bits: u32 = 0;
    var wagers: u32 = 0;
    var chips: i64 = cfg.bet;
    var count_cards = TableState.low.get(s) != 0;
    if (TableState.phase.get(s) == .INSURE) {
        count_cards = false;
        if (rich) {
            bits = STAND_BIT | INSURANCE_BIT;
        } else {
            bits = STAND_BIT;
            wagers = INSURANCE_BIT;
            chips = @divExact(cfg.bet, 2);
        }
    } else {
        bits = HIT_BIT | STAND_BIT;
        const h = TableState.hand.get(s);
        if (Hand.cards.get(h) == 2) {
            wagers = DOUBLE_BIT;
            if (Hand.pair.get(h) != 0 and TableState.splits.get(s) < cfg.splits) wagers |= SPLIT_BIT;
        }
        if (rich) {
            bits |= wagers;
            wagers = 0;
        }
    }
    if (wagers != 0 and t.bank[seat] >= chips) bits |= wagers;
    if (count_cards) {
        if (t.left < 2) bits &= ~SPLIT_BIT;
        if (t.left < 1) bits &= ~(HIT_BIT | DOUBLE_BIT);
    }
    return bits;
}

fn firstHand(t: *const Table, seat: u32) u64 {
    return HandRecord.hand.get(t.rec[seat][0]);
}

// ---- the moves (Table in games/blackjack/table.py) ----------------------------------------

pub fn hit(m: *Move, s: u64) u64 {
    const h = add(TableState.hand.get(s), m.drawTo());
    return if (isDone(h)) handDone(m, s, h) else playOn(s, h, currentOf(s));
}

pub fn stand(m: *Move, s: u64) u64 {
    return handDone(m, s, finished(TableState.hand.get(s)));
}

pub fn double(m: *Move, s: u64) u64 {
    m.wager(seatOf(s), cfg.bet);
    const h = Hand.doubled.set(TableState.hand.get(s), 1);
    return handDone(m, s, finished(add(h, m.drawTo())));
}

pub fn split(m: *Move, s_in: u64) u64 {
    var s = s_in;
    const t = m.t;
    const seat = seatOf(s);
    const hk = currentOf(s);
    const new = splitsOf(s) + 1; // the new hand's number = the old hand count
    // A splittable hand is a pair: both cards have the pair's rank.
    const r: u32 = @intCast(Hand.pair.get(TableState.hand.get(s)) - 1);
    m.wager(seat, cfg.bet);
    const start = handOf(&.{r}, Hand.split.set(0, 1));
    var here = add(start, m.drawTo());
    var there = add(start, m.drawTo());
    if (r == 0) { // split aces take one card each and stand
        here = finished(here);
        there = finished(there);
    }
    t.rec[seat][new] = HandRecord.hand.set(0, there);
    s = TableState.splits.set(s, new);
    if (hk != 0) t.rec[seat][0] = HandRecord.splits.set(t.rec[seat][0], new);
    return if (isDone(here)) handDone(m, s, here) else playOn(s, here, hk);
}

fn handDone(m: *Move, s: u64, h: u64) u64 {
    const t = m.t;
    const seat = seatOf(s);
    const hk = currentOf(s);
    const last = splitsOf(s);
    t.rec[seat][hk] = HandRecord.splits.set(HandRecord.hand.set(0, h), if (hk == 0) last else 0);
    var later = hk + 1;
    while (later <= last) : (later += 1) {
        const h2 = HandRecord.hand.get(t.rec[seat][later]);
        if (!isDone(h2)) return playOn(s, h2, later);
    }
    var other = seat + 1;
    while (other < cfg.n) : (other += 1) {
        if (bit(TableState.seats_in.get(s), other) and !isDone(firstHand(t, other)))
            return turn(s, other, firstHand(t, other), .PLAY);
    }
    return endOfPlay(m, s);
}

pub fn insure(m: *Move, s: u64, take: bool) u64 {
    const t = m.t;
    const seat = seatOf(s);
    const half = @divExact(cfg.bet, 2);
    if (take) {
        m.wager(seat, half);
        t.ins |= @as(u64, 1) << @intCast(seat);
    }
    const in = TableState.seats_in.get(s);
    var other = seat + 1;
    while (other < cfg.n) : (other += 1) {
        if (bit(in, other)) return turn(s, other, firstHand(t, other), .INSURE);
    }
    if (VALUES[t.hole] == 10) { // ace up, ten in the hole: blackjack
        settle(m, s, true);
        return deal(m, TableState.hand_wide.of(s));
    }
    if (t.ins != 0) { // no blackjack: the insurance is lost
        for (0..cfg.n) |x| {
            if (bit(in, @intCast(x)) and bit(t.ins, @intCast(x))) t.stake[x] -= half;
        }
        t.ins = 0;
    }
    for (0..cfg.n) |x| {
        const seat_x: u32 = @intCast(x);
        if (bit(in, seat_x) and !isDone(firstHand(t, seat_x)))
            return turn(s, seat_x, firstHand(t, seat_x), .PLAY);
    }
    return endOfPlay(m, s);
}

fn endOfPlay(m: *Move, s: u64) u64 {
    settle(m, s, false);
    return deal(m, TableState.hand_wide.of(s));
}

/// Settle the hand of state `s`: the dealer draws (if a hand is still live) and the
/// seats playing it are paid; with a dealer blackjack (after the peek) only their first
/// hands count, as `Table.insure` hands them to `Table.settle`.
fn settle(m: *Move, s: u64, dealer_bj: bool) void {
    const t = m.t;
    const in = TableState.seats_in.get(s);
    var d = handOf(&.{ t.up, t.hole }, 0);
    var live = false;
    for (0..cfg.n) |x| {
        if (!bit(in, @intCast(x))) continue;
        const count: usize = if (dealer_bj) 1 else @intCast(HandRecord.splits.get(t.rec[x][0]) + 1);
        for (0..count) |hk| {
            const h = HandRecord.hand.get(t.rec[x][hk]);
            if (!isBust(h) and !isNatural(h)) live = true;
        }
    }
    if (!dealer_bj and live) d = dealerPlays(m, d);
    const dealer_total = best(d);
    const bet = cfg.bet;
    for (0..cfg.n) |x| {
        if (!bit(in, @intCast(x))) continue;
        var ret: i64 = 0;
        if (dealer_bj) {
            ret = if (isNatural(firstHand(t, @intCast(x)))) bet else 0;
            if (bit(t.ins, @intCast(x))) ret += 3 * @divExact(bet, 2);
        } else {
            const count: usize = @intCast(HandRecord.splits.get(t.rec[x][0]) + 1);
            for (0..count) |hk| ret += handReturn(HandRecord.hand.get(t.rec[x][hk]), bet, dealer_total);
        }
        t.bank[x] += ret;
        t.stake[x] = 0;
    }
    t.ins = 0;
    m.hand_over = true;
}

fn dealerPlays(m: *Move, d_in: u64) u64 {
    var d = d_in;
    while (dealerHits(d, cfg.h17)) {
        // An empty shoe in the first hand leaves nothing to shuffle in: the dealer stands.
        if (m.remaining() == 0) break;
        d = add(Hand.done.set(d, 0), m.next());
    }
    return d;
}

/// Deal the hand (Table.deal with one hand per episode): the OVER state once it is
/// played, else the state of its first decision; a hand needing none settles at once.
pub fn deal(m: *Move, keep_in: u64) u64 {
    const t = m.t;
    // After a hand (its hand-wide fields kept: never 0, the upcard is 2..11): the
    // episode's one hand is played.
    if (keep_in != 0) return TableState.phase.set(keep_in, .OVER);
    const bet = cfg.bet;
    var seats: [MAX_SEATS]u32 = undefined;
    var c: u32 = 0;
    for (0..cfg.n) |x| {
        if (t.bank[x] >= bet) {
            seats[c] = @intCast(x);
            c += 1;
        }
    }
    if (c == 0) return TableState.phase.set(0, .OVER);
    _ = m.remaining(); // the reshuffle check (never true for a full shoe: bt_configure)
    var dealt: [2 * MAX_SEATS + 2]u32 = undefined;
    for (dealt[0 .. 2 * c + 2]) |*card| card.* = m.next();
    t.up = dealt[c];
    t.hole = dealt[2 * c + 1];
    var hands: [MAX_SEATS]u64 = undefined;
    var rich: u64 = 0;
    var seats_in: u64 = 0;
    for (seats[0..c], 0..) |x, q| {
        const h = handOf(&.{ dealt[q], dealt[q + c + 1] }, 0);
        hands[q] = h;
        t.rec[x][0] = HandRecord.hand.set(0, h);
        t.bank[x] -= bet;
        t.stake[x] = bet;
        seats_in |= @as(u64, 1) << @intCast(x);
        if (t.bank[x] >= cfg.extra) rich |= @as(u64, 1) << @intCast(x);
    }
    const upcard: u64 = if (t.up == 0) 11 else VALUES[t.up];
    var keep = TableState.upcard.set(0, upcard);
    keep = TableState.rich.set(keep, rich);
    keep = TableState.seats_in.set(keep, seats_in);
    if (upcard == 11) return turn(keep, seats[0], hands[0], .INSURE);
    const dealer_bj = upcard == 10 and t.hole == 0;
    if (!dealer_bj) {
        for (0..c) |q| {
            if (!isDone(hands[q])) return turn(keep, seats[q], hands[q], .PLAY);
        }
    }
    settle(m, keep, dealer_bj);
    return TableState.phase.set(keep, .OVER);
}
