//! The API of a game kernel: game code compiled into the same WASM module as the core.
//!
//! A kernel is a planner, not a second executor. It reads the world through the
//! read-only functions below, writes the actions a move needs into the command buffer
//! with `Cmd`, and runs them through the core's own `exec`, exactly as if the host had
//! sent the batch. Every change therefore goes through the typed actions, their checks
//! and their invariants; the kernel only saves the host the boundary crossings and the
//! interpreter time of planning a move. A game's kernel must change the world exactly
//! as the game's Python rules would (its tests compare state hashes), or decline.
//!
//! Kernel exports return `u32`: 0 when the move was applied, `declined` when the kernel
//! left the move to the Python rules (having changed nothing), or the core's error code
//! of a failed batch; `finish` adds the core's grew bit when linear memory grew, as
//! `ht_exec` does. Kernel inputs arrive in the command buffer; read them before
//! writing commands (`Cmd` overwrites the buffer from the start).

const std = @import("std");
const io = @import("io.zig");
const w_ = @import("world.zig");
const sym = @import("sym.zig");
const core = @import("core.zig");
const List = @import("mem.zig").List;

/// Returned by a kernel that leaves the move to the host's own rules.
pub const declined: u32 = 0x40000000;

/// The command buffer, where a kernel's input arrives and its commands go.
pub fn input() []const u8 {
    return io.cmd_buf[0..];
}

/// Read the little-endian integer of type `T` at byte `at` of the input.
pub fn arg(comptime T: type, at: usize) T {
    return std.mem.readInt(T, io.cmd_buf[at..][0..@sizeOf(T)], .little);
}

/// Memory size in pages, to pass to `finish` after the move.
pub fn pages() u32 {
    return @intCast(@wasmMemorySize(0));
}

/// A kernel's return value: `code`, with the grew bit when memory grew since `before`.
pub fn finish(code: u32, before: u32) u32 {
    return if (pages() != before) code | 0x80000000 else code;
}

// ---- reading the world --------------------------------------------------------------

fn find(comptime T: type, l: List, name: []const u8) ?*T {
    const id = sym.lookup(&w_.h.syms, name);
    if (id == 0) return null;
    for (l.items(T)) |*r| {
        if (r.alive != 0 and r.name == id) return r;
    }
    return null;
}

/// The integer game property `name`, or null if it is missing or not an int.
pub fn propInt(name: []const u8) ?i64 {
    const id = sym.lookup(&w_.h.syms, name);
    if (id == 0) return null;
    const e = w_.mapGet(w_.h.props, id) orelse return null;
    if (e.tag != w_.Tag.int) return null;
    return @bitCast(e.payload);
}

/// The tokens in source `name`, bottom first (the top is the last), or null. Slices
/// into the world are valid until the next action runs.
pub fn sourceItems(name: []const u8) ?[]const u32 {
    const s = find(w_.Source, w_.h.sources, name) orelse return null;
    return s.items.items(u32);
}

/// The tokens in stack `name`, bottom first (the top is the last), or null.
pub fn stackItems(name: []const u8) ?[]const u32 {
    const s = find(w_.Stack, w_.h.stacks, name) orelse return null;
    return s.items.items(u32);
}

/// The number of tokens in stack `name`, or null.
pub fn stackLen(name: []const u8) ?u32 {
    const s = find(w_.Stack, w_.h.stacks, name) orelse return null;
    return s.items.len;
}

/// The placements of zone `name` in placement order, or null.
pub fn zonePlacements(name: []const u8) ?[]const w_.Placement {
    const z = find(w_.Zone, w_.h.zones, name) orelse return null;
    return z.placements.items(w_.Placement);
}

// ---- writing actions ------------------------------------------------------------------

/// Destination kinds, as `world.readDest` numbers them.
pub const To = enum(u32) { loose = 0, stack = 1, discards = 2, zone = 3, inventory = 4, source = 5, tray = 6 };

/// A batch of actions written into the command buffer, in the host's format (see
/// `io.zig`). Methods append one argument each; `op` starts an action and closes the
/// previous one. Running out of buffer traps (ReleaseSafe bounds checks): a kernel
/// writes a few hundred bytes per move against the megabyte buffer.
pub const Cmd = struct {
    pos: usize = 8,
    count: u32 = 0,
    /// Where the open action's arguments start (0: none open).
    start: usize = 0,

    fn put32(self: *Cmd, v: u32) void {
        std.mem.writeInt(u32, io.cmd_buf[self.pos..][0..4], v, .little);
        self.pos += 4;
    }

    fn close(self: *Cmd) void {
        if (self.start == 0) return;
        std.mem.writeInt(u32, io.cmd_buf[self.start - 4 ..][0..4], @intCast(self.pos - self.start), .little);
        self.start = 0;
    }

    /// Start the action named `name` (resolved at compile time).
    pub fn op(self: *Cmd, comptime name: []const u8) *Cmd {
        self.close();
        self.put32(comptime core.opCode(name));
        self.put32(0);
        self.start = self.pos;
        self.count += 1;
        return self;
    }

    /// A u32 argument.
    pub fn u(self: *Cmd, v: u32) *Cmd {
        self.put32(v);
        return self;
    }

    /// An i64 argument.
    pub fn i(self: *Cmd, v: i64) *Cmd {
        std.mem.writeInt(i64, io.cmd_buf[self.pos..][0..8], v, .little);
        self.pos += 8;
        return self;
    }

    /// A string argument (length, bytes, padding to 4).
    pub fn s(self: *Cmd, v: []const u8) *Cmd {
        self.put32(@intCast(v.len));
        @memcpy(io.cmd_buf[self.pos..][0..v.len], v);
        const padded = (v.len + 3) & ~@as(usize, 3);
        @memset(io.cmd_buf[self.pos + v.len ..][0 .. padded - v.len], 0);
        self.pos += padded;
        return self;
    }

    /// A typed int value (for `game.set_property`).
    pub fn int(self: *Cmd, v: i64) *Cmd {
        self.put32(w_.Tag.int);
        return self.i(v);
    }

    /// A destination: kind, face up or down (zones), at (0, 0).
    pub fn dest(self: *Cmd, kind: To, name: []const u8, face_up: bool) *Cmd {
        self.put32(@intFromEnum(kind));
        self.put32(if (face_up) 0 else 1);
        _ = self.i(0);
        _ = self.i(0);
        return self.s(name);
    }

    /// A container (for `batch.collect`).
    pub fn container(self: *Cmd, kind: To, name: []const u8) *Cmd {
        self.put32(@intFromEnum(kind));
        return self.s(name);
    }

    /// Run the batch through the core (non-atomic, as a host batch with atomic=False):
    /// 0, or the error code of the failing action with its details in the error record.
    pub fn run(self: *Cmd) u32 {
        self.close();
        std.mem.writeInt(u32, io.cmd_buf[0..4], self.count, .little);
        std.mem.writeInt(u32, io.cmd_buf[4..8], 0, .little);
        return core.execBuffer();
    }
};
