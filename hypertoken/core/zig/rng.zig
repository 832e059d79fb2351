//! Deterministic randomness, bit-exact with upstream HyperToken: mulberry32 feeding a
//! Fisher-Yates shuffle with `j = floor(r * (i + 1))` for `i` from `len - 1` down to 1.

/// mulberry32 with 32-bit wrapping arithmetic.
pub const Mulberry32 = struct {
    state: u32,

    /// Next raw 32-bit output; the float `r` of the specification is `next() / 2^32`.
    pub fn next(self: *Mulberry32) u32 {
        self.state +%= 0x6D2B79F5;
        var t: u32 = self.state;
        t = (t ^ (t >> 15)) *% (t | 1);
        t ^= t +% ((t ^ (t >> 7)) *% (t | 61));
        return t ^ (t >> 14);
    }

    /// `floor(r * n)`: exact in integers because r = u / 2^32.
    pub fn below(self: *Mulberry32, n: u32) u32 {
        const u: u64 = self.next();
        return @intCast((u * n) >> 32);
    }
};

/// Shuffle `items` in place with a fresh mulberry32 seeded by `seed`; returns the
/// generator state afterwards so a later reshuffle can continue the stream.
pub fn shuffle(comptime T: type, items: []T, seed: u32) u32 {
    var r = Mulberry32{ .state = seed };
    shuffleWith(T, items, &r);
    return r.state;
}

pub fn shuffleWith(comptime T: type, items: []T, r: *Mulberry32) void {
    if (items.len < 2) return;
    var i: u32 = @intCast(items.len - 1);
    while (i > 0) : (i -= 1) {
        const j = r.below(i + 1);
        const tmp = items[i];
        items[i] = items[j];
        items[j] = tmp;
    }
}

/// Upstream's per-deck seed for batch shuffles: the Java-style string hash of
/// `"<seed>-<index>"` (h = h * 31 + c with 32-bit wrap).
pub fn batchSeed(seed: u32, index: u32) u32 {
    var buf: [24]u8 = undefined;
    var n: usize = 0;
    n += writeDec(buf[n..], seed);
    buf[n] = '-';
    n += 1;
    n += writeDec(buf[n..], index);
    var h: u32 = 0;
    for (buf[0..n]) |c| h = (h << 5) -% h +% c;
    return h;
}

fn writeDec(out: []u8, v: u32) usize {
    var tmp: [10]u8 = undefined;
    var x = v;
    var k: usize = 0;
    while (true) {
        tmp[k] = @intCast('0' + x % 10);
        k += 1;
        x /= 10;
        if (x == 0) break;
    }
    var i: usize = 0;
    while (i < k) : (i += 1) out[i] = tmp[k - 1 - i];
    return k;
}
