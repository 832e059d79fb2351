//! Blackjack arithmetic for the kernel: card ranks, hand summaries, the dealer's play and
//! payouts, as in `games/blackjack/rules.py` (the specification). A hand summary is a
//! `state.hand` (fields declared in `games/blackjack/state.py`). Pure functions.

const state = @import("kernel_state.zig");
const Hand = state.hand;

pub const VALUES = [13]u64{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10 };

pub fn rank(token: u32) u32 {
    return (token - 1) % 13;
}

pub fn cards(h: u64) u64 {
    return Hand.cards.get(h);
}

pub fn best(h: u64) u64 {
    const hard = Hand.hard.get(h);
    return if (Hand.ace.get(h) != 0 and hard <= 11) hard + 10 else hard;
}

pub fn isSoft(h: u64) bool {
    return Hand.ace.get(h) != 0 and Hand.hard.get(h) <= 11;
}

pub fn isBust(h: u64) bool {
    return Hand.hard.get(h) > 21;
}

pub fn isNatural(h: u64) bool {
    return cards(h) == 2 and best(h) == 21 and Hand.split.get(h) == 0;
}

pub fn isDone(h: u64) bool {
    return Hand.done.get(h) != 0;
}

/// The hand marked done.
pub fn finished(h: u64) u64 {
    return Hand.done.set(h, 1);
}

/// The summary after a card of rank `r` joins hand `h`; 21 or more is done.
pub fn add(h: u64, r: u32) u64 {
    const count = cards(h) + 1;
    const pair = count == 1 or (count == 2 and Hand.pair.get(h) == r + 1);
    var out = Hand.flags.of(h);
    out = Hand.hard.set(out, @min(Hand.hard.get(h) + VALUES[r], Hand.hard.limit));
    out = Hand.ace.set(out, if (Hand.ace.get(h) != 0 or r == 0) 1 else 0);
    out = Hand.cards.set(out, count);
    out = Hand.pair.set(out, if (pair) r + 1 else 0);
    return if (best(out) >= 21) finished(out) else out;
}

/// The summary of a hand holding `ranks` (in deal order), from the summary `flags`.
pub fn handOf(ranks: []const u32, flags: u64) u64 {
    var h = flags;
    for (ranks) |r| h = add(h, r);
    return h;
}

pub fn dealerHits(h: u64, h17: bool) bool {
    const total = best(h);
    return total < 17 or (total == 17 and h17 and isSoft(h));
}

/// Chips handed back for a settled hand when the dealer has no blackjack.
pub fn handReturn(h: u64, bet: i64, dealer_total: u64) i64 {
    const wager = if (Hand.doubled.get(h) != 0) 2 * bet else bet;
    if (isBust(h)) return 0;
    if (isNatural(h)) return bet + @divFloor(bet * 3, 2);
    const total = best(h);
    if (dealer_total > 21 or total > dealer_total) return 2 * wager;
    return if (total == dealer_total) wager else 0;
}
