//! Generated from games.blackjack.state by
//! `python -m hypertoken.game.fields games.blackjack.state`: do not edit.
//! Change the declaration and run the command; its `--check` (CI) fails while this
//! file is stale.

const std = @import("std");

/// `width` bits at `shift` of a u64, read and written as `T` (u64, or an enum of them).
fn Field(comptime shift_: u6, comptime width_: u7, comptime mask_: u64, comptime T: type) type {
    return struct {
        pub const shift = shift_;
        pub const width = width_;
        pub const mask: u64 = mask_;
        /// The largest value the field holds.
        pub const limit: u64 = mask_ >> shift_;
        pub inline fn get(x: u64) T {
            const v = (x & mask) >> shift;
            return if (T == u64) v else @enumFromInt(v);
        }
        pub inline fn set(x: u64, value: T) u64 {
            const v: u64 = if (T == u64) value else @intFromEnum(value);
            std.debug.assert(v <= limit);
            return (x & ~mask) | (v << shift);
        }
    };
}

/// Several fields of one layout: keep only them (`of`) or zero them (`clear`).
fn Group(comptime mask_: u64) type {
    return struct {
        pub const mask: u64 = mask_;
        pub inline fn of(x: u64) u64 {
            return x & mask;
        }
        pub inline fn clear(x: u64) u64 {
            return x & ~mask;
        }
    };
}

/// Where the game is.
pub const Phase = enum(u64) {
    PLAY = 0,
    INSURE = 1,
    OVER = 2,
};

/// A hand summary: what the rules need to know about one hand.
pub const hand = struct {
    /// The bits the layout spans, and every bit its fields use.
    pub const width = 18;
    pub const mask: u64 = 0x3ffff;

    /// The total with every ace counted 1 (at most 30: a hand stops at 21). Bits 0..4.
    pub const hard = Field(0, 5, 0x1f, u64);

    /// The hand holds an ace. Bit 5.
    pub const ace = Field(5, 1, 0x20, u64);

    /// How many cards the hand holds. Bits 6..10.
    pub const cards = Field(6, 5, 0x7c0, u64);

    /// While the hand has one card: that card's rank + 1; with two cards of the same rank:
    /// that rank + 1 (a splittable pair); otherwise 0. Bits 11..14.
    pub const pair = Field(11, 4, 0x7800, u64);

    /// The hand was doubled (its wager is two bets). Bit 15.
    pub const doubled = Field(15, 1, 0x8000, u64);

    /// The hand came from a split (a two-card 21 is then not a blackjack). Bit 16.
    pub const split = Field(16, 1, 0x10000, u64);

    /// The hand takes no more decisions (stood, doubled, 21, bust, split aces). Bit 17.
    pub const done = Field(17, 1, 0x20000, u64);

    /// What a card joining the hand leaves as it was. Fields doubled, split, done.
    pub const flags = Group(0x38000);
};

/// A seat's hand as kept in its property `r{i}.{k}`.
pub const hand_record = struct {
    /// The bits the layout spans, and every bit its fields use.
    pub const width = 20;
    pub const mask: u64 = 0xfffff;

    /// The hand's summary (a `hand`). Bits 0..17.
    pub const hand = Field(0, 18, 0x3ffff, u64);

    /// In hand 0's record, once the seat has played past it: how many times the seat split
    /// this hand (its hand count - 1); 0 in the other hands' records. Bits 18..19.
    pub const splits = Field(18, 2, 0xc0000, u64);
};

/// The table state, property `s`: everything a decision needs in one read.
pub const table_state = struct {
    /// The bits the layout spans, and every bit its fields use.
    pub const width = 51;
    pub const mask: u64 = 0x7ffffffffffff;

    /// The summary of the hand being played (the insurance round: the seat's first hand) (a
    /// `hand`). Bits 0..17.
    pub const hand = Field(0, 18, 0x3ffff, u64);

    /// Where the game is. Bits 18..19.
    pub const phase = Field(18, 2, 0xc0000, Phase);

    /// The seat to move (an index into the seats). Bits 20..22.
    pub const seat = Field(20, 3, 0x700000, u64);

    /// Which of its hands the seat to move plays (0 until it splits). Bits 23..24.
    pub const current = Field(23, 2, 0x1800000, u64);

    /// How many times the seat to move has split this hand. Bits 25..26.
    pub const splits = Field(25, 2, 0x6000000, u64);

    /// The dealer's upcard value, 2..11 (an ace is 11). Bits 27..30.
    pub const upcard = Field(27, 4, 0x78000000, u64);

    /// Bit i: seat i's bankroll covers every extra wager it could make this hand, so the
    /// mask needs no bankroll read. Bits 31..36.
    pub const rich = Field(31, 6, 0x1f80000000, u64);

    /// The last move ended a hand (it settled). Bit 37.
    pub const hand_over = Field(37, 1, 0x2000000000, u64);

    /// The last move's action + 1 when it was outside the mask (played as Stand, or
    /// penalised); 0 when it was available. Bits 38..40.
    pub const illegal = Field(38, 3, 0x1c000000000, u64);

    /// The seat that made that unavailable move. Bits 41..43.
    pub const mover = Field(41, 3, 0xe0000000000, u64);

    /// Fewer than 2 cards were left in the shoe after the last move that looked at it (the
    /// mask then counts the discard pile too). Bit 44.
    pub const low = Field(44, 1, 0x100000000000, u64);

    /// Bit i: seat i plays this hand (it could bet). Bits 45..50.
    pub const seats_in = Field(45, 6, 0x7e00000000000, u64);

    /// What stays the same for the whole hand (set by the deal). Fields upcard, rich,
    /// seats_in.
    pub const hand_wide = Group(0x7e01ff8000000);

    /// What each move reports afresh about itself. Fields hand_over, illegal, mover, low.
    pub const per_move = Group(0x1fe000000000);
};
