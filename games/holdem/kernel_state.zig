//! Generated from games.holdem.state by
//! `python -m hypertoken.game.fields games.holdem.state`: do not edit.
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

/// A seat's status bits, property `st{i}`.
pub const status = struct {
    /// The bits the layout spans, and every bit its fields use.
    pub const width = 4;
    pub const mask: u64 = 0xf;

    /// The seat was dealt in this hand (it had chips). Bit 0.
    pub const dealt_in = Field(0, 1, 0x1, u64);

    /// The seat folded this hand. Bit 1.
    pub const folded = Field(1, 1, 0x2, u64);

    /// The seat has no chips behind (it bet them all). Bit 2.
    pub const all_in = Field(2, 1, 0x4, u64);

    /// The seat has acted on this street. Bit 3.
    pub const acted = Field(3, 1, 0x8, u64);
};

/// The last move's unavailable action, property `report` (0: the action was legal).
pub const report = struct {
    /// The bits the layout spans, and every bit its fields use.
    pub const width = 24;
    pub const mask: u64 = 0xffffff;

    /// The action sent + 1. Bits 0..7.
    pub const action = Field(0, 8, 0xff, u64);

    /// The seat that sent it. Bits 8..15.
    pub const seat = Field(8, 8, 0xff00, u64);

    /// What it was played as + 1 (0: penalised, ``illegal_action="penalty"``). Bits 16..23.
    pub const played = Field(16, 8, 0xff0000, u64);
};
