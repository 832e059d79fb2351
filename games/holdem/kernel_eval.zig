//! The best five of seven cards, for the kernel's showdowns: `evaluate` of
//! `games/holdem/evaluator.py` (the specification), giving the same scores.
//!
//! Cards are `rank * 4 + suit` (rank 0..12 for 2..A). A score is `category << 20` plus the
//! ranks that decide within the category, most significant first, four bits each: a bigger
//! score is a better hand, equal scores tie. Where Python reads tables built at import, this
//! computes the same values directly from the rank mask per suit and the rank counts.

const STRAIGHT_FLUSH: u32 = 8;
const QUADS: u32 = 7;
const FULL_HOUSE: u32 = 6;
const FLUSH: u32 = 5;
const STRAIGHT: u32 = 4;
const TRIPS: u32 = 3;
const TWO_PAIR: u32 = 2;
const PAIR: u32 = 1;
const HIGH_CARD: u32 = 0;

/// Up to five ranks, most significant first, as five nibbles (`_pack`).
const Ranks = struct {
    v: u32 = 0,
    n: u5 = 0,

    fn add(r: *Ranks, rank: u32) void {
        r.v = (r.v << 4) | rank;
        r.n += 1;
    }

    fn packed_(r: Ranks) u32 {
        return r.v << (4 * (5 - @as(u5, r.n)));
    }
};

fn score(category: u32, r: Ranks) u32 {
    return (category << 20) | r.packed_();
}

/// The top rank of the best straight in a 13-bit rank mask, or -1 (`_straight_top`).
fn straightTop(mask: u32) i32 {
    const wide = (mask << 1) | ((mask >> 12) & 1); // bit 0: the ace playing low
    var top: i32 = 13;
    while (top > 3) : (top -= 1) {
        if ((wide >> @intCast(top - 4)) & 0b11111 == 0b11111) return top - 1;
    }
    return -1;
}

/// The score of a flush's rank mask (five bits or more): its straight flush or best five.
fn flushScore(mask: u32) u32 {
    const top = straightTop(mask);
    var r = Ranks{};
    if (top >= 0) {
        r.add(@intCast(top));
        return score(STRAIGHT_FLUSH, r);
    }
    var rank: i32 = 12;
    while (rank >= 0 and r.n < 5) : (rank -= 1) {
        if ((mask >> @intCast(rank)) & 1 != 0) r.add(@intCast(rank));
    }
    return score(FLUSH, r);
}

/// The score of the best five of `hand` (five to seven distinct cards).
pub fn evaluate(hand: []const u32) u32 {
    var suits: [4]u32 = @splat(0);
    var counts: [13]u32 = @splat(0);
    for (hand) |c| {
        suits[c & 3] |= @as(u32, 1) << @intCast(c >> 2);
        counts[c >> 2] += 1;
    }
    if (hand.len >= 5) {
        for (suits) |m| {
            if (@popCount(m) >= 5) return flushScore(m);
        }
    }
    return byCounts(&counts);
}

/// The score of a hand without a flush, from its rank counts (`_score_counts`).
fn byCounts(counts: *const [13]u32) u32 {
    // The ranks of each multiplicity, high to low.
    var quads = Ranks{};
    var trips: [3]u32 = undefined;
    var nt: usize = 0;
    var pairs: [4]u32 = undefined;
    var np: usize = 0;
    var singles: [7]u32 = undefined;
    var ns: usize = 0;
    var mask: u32 = 0;
    var rank: i32 = 12;
    while (rank >= 0) : (rank -= 1) {
        const r: u32 = @intCast(rank);
        const c = counts[r];
        if (c != 0) mask |= @as(u32, 1) << @intCast(r);
        switch (c) {
            4 => quads.add(r),
            3 => {
                trips[nt] = r;
                nt += 1;
            },
            2 => {
                pairs[np] = r;
                np += 1;
            },
            1 => {
                singles[ns] = r;
                ns += 1;
            },
            else => {},
        }
    }
    var out = Ranks{};
    if (quads.n > 0) {
        const q = quads.v >> (4 * (@as(u5, quads.n) - 1)); // the highest quad rank
        out.add(q);
        // The kicker: the best rank among the other cards.
        var kick: i32 = -1;
        var r: i32 = 12;
        while (r >= 0) : (r -= 1) {
            const u: u32 = @intCast(r);
            if (u != q and counts[u] != 0) {
                kick = r;
                break;
            }
        }
        if (kick >= 0) out.add(@intCast(kick));
        return score(QUADS, out);
    }
    if (nt > 0 and (nt > 1 or np > 0)) {
        out.add(trips[0]);
        var p: u32 = 0;
        if (nt > 1) p = trips[1];
        if (np > 0) p = @max(p, pairs[0]);
        out.add(p);
        return score(FULL_HOUSE, out);
    }
    const top = straightTop(mask);
    if (top >= 0) {
        out.add(@intCast(top));
        return score(STRAIGHT, out);
    }
    // The kickers below: pairs and singles merged, high to low (each rank once).
    if (nt > 0) {
        out.add(trips[0]);
        addBest(&out, pairs[0..np], singles[0..ns], 2);
        return score(TRIPS, out);
    }
    if (np >= 2) {
        out.add(pairs[0]);
        out.add(pairs[1]);
        addBest(&out, pairs[2..np], singles[0..ns], 1);
        return score(TWO_PAIR, out);
    }
    if (np == 1) {
        out.add(pairs[0]);
        addBest(&out, &.{}, singles[0..ns], 3);
        return score(PAIR, out);
    }
    addBest(&out, &.{}, singles[0..ns], 5);
    return score(HIGH_CARD, out);
}

/// Add the `want` highest ranks of two descending lists (distinct ranks).
fn addBest(out: *Ranks, a: []const u32, b: []const u32, want: usize) void {
    var i: usize = 0;
    var j: usize = 0;
    var got: usize = 0;
    while (got < want and (i < a.len or j < b.len)) : (got += 1) {
        if (j >= b.len or (i < a.len and a[i] > b[j])) {
            out.add(a[i]);
            i += 1;
        } else {
            out.add(b[j]);
            j += 1;
        }
    }
}
