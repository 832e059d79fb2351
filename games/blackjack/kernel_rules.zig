//! Blackjack arithmetic for the kernel (`blackjack.zig`): card ranks, packed hand
//! summaries, the dealer's play and payouts, as in `games/blackjack_rules.py` (which
//! documents the summary's bits). Pure functions over integers.

pub const HARD: u64 = 0x1F;
pub const ACE: u64 = 1 << 5;
pub const CARDS_SHIFT = 6;
pub const PAIR_SHIFT = 11;
pub const DOUBLED: u64 = 1 << 15;
pub const SPLIT: u64 = 1 << 16;
pub const DONE: u64 = 1 << 17;
pub const SUMMARY_MASK: u64 = (1 << 18) - 1;
pub const VALUES = [13]u64{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10 };

pub fn rank(token: u32) u32 {
    return (token - 1) % 13;
}

pub fn cards(h: u64) u64 {
    return (h >> CARDS_SHIFT) & 0x1F;
}

pub fn best(h: u64) u64 {
    const hard = h & HARD;
    return if (h & ACE != 0 and hard <= 11) hard + 10 else hard;
}

pub fn isSoft(h: u64) bool {
    return h & ACE != 0 and h & HARD <= 11;
}

pub fn isBust(h: u64) bool {
    return h & HARD > 21;
}

pub fn isNatural(h: u64) bool {
    return cards(h) == 2 and best(h) == 21 and h & SPLIT == 0;
}

/// The summary after a card of rank `r` joins hand `h`; 21 or more is done.
pub fn add(h: u64, r: u32) u64 {
    const n = cards(h) + 1;
    const hard = (h & HARD) + VALUES[r];
    const ace = if (h & ACE != 0 or r == 0) ACE else 0;
    const same = n == 1 or (n == 2 and ((h >> PAIR_SHIFT) & 0xF) == r + 1);
    const pair: u64 = if (same) r + 1 else 0;
    var out = (h & (DOUBLED | SPLIT | DONE)) | @min(hard, HARD) | ace | (n << CARDS_SHIFT);
    out |= pair << PAIR_SHIFT;
    const total = if (ace != 0 and hard <= 11) hard + 10 else hard;
    return if (total >= 21) out | DONE else out;
}

pub fn two(a: u32, b: u32) u64 {
    return add(add(0, a), b);
}

pub fn dealerHits(h: u64, h17: bool) bool {
    const total = best(h);
    return total < 17 or (total == 17 and h17 and isSoft(h));
}

/// Chips handed back for a settled hand when the dealer has no blackjack.
pub fn handReturn(h: u64, bet: i64, dealer_total: u64) i64 {
    const wager = if (h & DOUBLED != 0) 2 * bet else bet;
    if (isBust(h)) return 0;
    if (isNatural(h)) return bet + @divFloor(bet * 3, 2);
    const total = best(h);
    if (dealer_total > 21 or total > dealer_total) return 2 * wager;
    return if (total == dealer_total) wager else 0;
}
