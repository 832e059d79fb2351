//! Generated from games.hanabi.state by
//! `python -m hypertoken.game.fields games.hanabi.state`: do not edit.
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

/// The table, property `s`.
pub const table_bits = struct {
    /// The bits the layout spans, and every bit its fields use.
    pub const width = 35;
    pub const mask: u64 = 0x7ffffffff;

    /// Information tokens, 0..8. Bits 0..3.
    pub const info = Field(0, 4, 0xf, u64);

    /// Life tokens left, 0..3. Bits 4..5.
    pub const lives = Field(4, 2, 0x30, u64);

    /// Each colour's firework height (0..5), 3 bits per colour, R Y G W B. Bits 6..20.
    pub const fireworks = Field(6, 15, 0x1fffc0, u64);

    /// Cards in the deck. Bits 21..26.
    pub const deck = Field(21, 6, 0x7e00000, u64);

    /// Moves left once the deck is empty (from the player count down). Bits 27..29.
    pub const turns = Field(27, 3, 0x38000000, u64);

    /// The seat to move. Bits 30..32.
    pub const seat = Field(30, 3, 0x1c0000000, u64);

    /// The game is over. Bit 33.
    pub const over = Field(33, 1, 0x200000000, u64);

    /// The third life was lost. Bit 34.
    pub const lost = Field(34, 1, 0x400000000, u64);
};

/// A seat's hand, property `h{i}`: slot j's card token (1..50) in bits 6j..6j+5.
pub const hand_bits = struct {
    /// The bits the layout spans, and every bit its fields use.
    pub const width = 33;
    pub const mask: u64 = 0x1c0000000;

    /// How many cards the hand holds. Bits 30..32.
    pub const count = Field(30, 3, 0x1c0000000, u64);
};

/// What a seat knows of one slot from hints: 12 bits per slot of `k{i}`, slot j at bit 12j.
pub const slot_bits = struct {
    /// The bits the layout spans, and every bit its fields use.
    pub const width = 12;
    pub const mask: u64 = 0xfff;

    /// Bit c: the card may be colour c. Bits 0..4.
    pub const colours = Field(0, 5, 0x1f, u64);

    /// Bit r: the card may be rank r + 1. Bits 5..9.
    pub const ranks = Field(5, 5, 0x3e0, u64);

    /// A colour hint touched the card. Bit 10.
    pub const colour_hinted = Field(10, 1, 0x400, u64);

    /// A rank hint touched the card. Bit 11.
    pub const rank_hinted = Field(11, 1, 0x800, u64);
};

/// The last move, property `last` (see :class:`LastMove`).
pub const last_bits = struct {
    /// The bits the layout spans, and every bit its fields use.
    pub const width = 27;
    pub const mask: u64 = 0x7ffffff;

    /// 0 none, 1 play, 2 discard, 3 hint colour, 4 hint rank. Bits 0..2.
    pub const kind = Field(0, 3, 0x7, u64);

    /// The seat that moved. Bits 3..5.
    pub const mover = Field(3, 3, 0x38, u64);

    /// Hints: the seat hinted. Bits 6..8.
    pub const target = Field(6, 3, 0x1c0, u64);

    /// Hints: the colour or rank index (0..4). Bits 9..11.
    pub const value = Field(9, 3, 0xe00, u64);

    /// Hints: bit j, the hint touched slot j. Bits 12..16.
    pub const touched = Field(12, 5, 0x1f000, u64);

    /// Plays and discards: the slot. Bits 17..19.
    pub const slot = Field(17, 3, 0xe0000, u64);

    /// Plays and discards: the card's identity (colour * 5 + rank). Bits 20..24.
    pub const card = Field(20, 5, 0x1f00000, u64);

    /// The play placed the card. Bit 25.
    pub const success = Field(25, 1, 0x2000000, u64);

    /// The play completed a firework and regained a token. Bit 26.
    pub const bonus = Field(26, 1, 0x4000000, u64);
};
