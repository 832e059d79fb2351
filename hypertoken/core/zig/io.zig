//! The call boundary: the command buffer reader, the result writer and error details.
//!
//! Command buffer: `u32 count, u32 flags`, then per action `u32 op, u32 nbytes` and
//! `nbytes` of arguments (padded to 4). Strings are `u32 len` + bytes padded to 4.
//! Result buffer: `u32 count, u32 memory pages`, then per action `u32 kind, u32 n` and the payload
//! (kind 0 none, 1 one i64, 2 `n` u32 ids).

const std = @import("std");

pub const cmd_cap: u32 = 1 << 20;
pub const res_cap: u32 = 1 << 20;
pub var cmd_buf: [cmd_cap]u8 align(16) = undefined;
pub var res_buf: [res_cap]u8 align(16) = undefined;

/// Error codes shared with the Python facade (names come from the manifest).
pub const Code = enum(u32) {
    ok = 0,
    unknown_action = 1,
    malformed = 2,
    bad_type = 3,
    not_found = 4,
    exists = 5,
    no_token = 6,
    consumed = 7,
    not_loose = 8,
    not_here = 9,
    overdraw = 10,
    out_of_range = 11,
    locked = 12,
    not_empty = 13,
    insufficient = 14,
    bad_state = 15,
    bad_argument = 16,
    out_of_memory = 17,
    result_overflow = 18,
};

/// What an error is about.
pub const Kind = enum(u32) {
    none = 0,
    stack = 1,
    zone = 2,
    source = 3,
    agent = 4,
    token = 5,
    resource = 6,
    key = 7,
    game = 8,
    discards = 9,
    tray = 10,
    inventory = 11,
    argument = 12,
};

/// Error details for the facade; `name` holds the object's name or argument name.
pub const ErrInfo = extern struct {
    code: u32 = 0,
    action: u32 = 0,
    op: u32 = 0,
    kind: u32 = 0,
    token: u32 = 0,
    /// For not_loose: the location kind and container index the token is in.
    loc_kind: u32 = 0,
    loc: u32 = 0,
    name_len: u32 = 0,
    want: i64 = 0,
    have: i64 = 0,
    name: [120]u8 = undefined,
};

pub var err: ErrInfo = .{};

pub const Error = error{ Fail, OutOfMemory };

/// Record an error and return `error.Fail`.
pub fn fail(code: Code, kind: Kind, name: []const u8, token: u32, want: i64, have: i64) Error {
    set(code, kind, name, token, want, have);
    return error.Fail;
}

/// Record error details without returning an error.
pub fn set(code: Code, kind: Kind, name: []const u8, token: u32, want: i64, have: i64) void {
    err.code = @intFromEnum(code);
    err.kind = @intFromEnum(kind);
    err.token = token;
    err.want = want;
    err.have = have;
    const n = @min(name.len, err.name.len);
    @memcpy(err.name[0..n], name[0..n]);
    err.name_len = @intCast(n);
}

/// Shorthand for errors about one named object.
pub fn failNamed(code: Code, kind: Kind, name: []const u8) Error {
    return fail(code, kind, name, 0, 0, 0);
}

pub fn failToken(code: Code, token: u32) Error {
    return fail(code, .token, "", token, 0, 0);
}

/// `bad_argument` for an action whose origin and destination are the same object (a
/// stack drawn onto itself, an agent paying itself). want = have = -1 is the marker
/// the facade turns into a sentence naming the object.
pub fn failSame(kind: Kind, name: []const u8) Error {
    return fail(.bad_argument, kind, name, 0, -1, -1);
}

/// Reads one action's arguments, failing with `malformed` instead of overrunning.
pub const Reader = struct {
    buf: []const u8,
    pos: usize = 0,

    fn need(self: *Reader, n: usize) Error!void {
        if (self.buf.len - self.pos < n) return fail(.malformed, .argument, "truncated arguments", 0, @intCast(n), @intCast(self.buf.len - self.pos));
    }

    pub fn u(self: *Reader) Error!u32 {
        try self.need(4);
        const v = std.mem.readInt(u32, self.buf[self.pos..][0..4], .little);
        self.pos += 4;
        return v;
    }

    pub fn i(self: *Reader) Error!i64 {
        try self.need(8);
        const v = std.mem.readInt(i64, self.buf[self.pos..][0..8], .little);
        self.pos += 8;
        return v;
    }

    pub fn f(self: *Reader) Error!f64 {
        const bits: u64 = @bitCast(try self.i());
        const v: f64 = @bitCast(bits);
        if (std.math.isNan(v) or std.math.isInf(v)) return fail(.bad_type, .argument, "coordinate must be finite", 0, 0, 0);
        return v;
    }

    pub fn b(self: *Reader) Error!bool {
        const v = try self.u();
        if (v > 1) return fail(.bad_type, .argument, "boolean must be 0 or 1", 0, 0, @intCast(v));
        return v == 1;
    }

    pub fn s(self: *Reader) Error![]const u8 {
        const n = try self.u();
        if (n > self.buf.len) return fail(.malformed, .argument, "string longer than the arguments", 0, n, @intCast(self.buf.len));
        const padded = (@as(usize, n) + 3) & ~@as(usize, 3);
        try self.need(padded);
        const out = self.buf[self.pos .. self.pos + n];
        self.pos += padded;
        return out;
    }

    /// A list of u32 (token ids): `u32 count` then the values.
    pub fn ids(self: *Reader) Error![]align(1) const u32 {
        const n = try self.u();
        if (n > self.buf.len / 4) return fail(.malformed, .argument, "id list longer than the arguments", 0, n, @intCast(self.buf.len));
        try self.need(@as(usize, n) * 4);
        const p: [*]align(1) const u32 = @ptrCast(self.buf[self.pos..].ptr);
        self.pos += @as(usize, n) * 4;
        return p[0..n];
    }

    /// Every argument must be consumed: extra bytes mean the caller's layout is wrong.
    pub fn end(self: *Reader) Error!void {
        if (self.pos != self.buf.len) return fail(.malformed, .argument, "unexpected extra argument bytes", 0, @intCast(self.pos), @intCast(self.buf.len));
    }
};

/// Writes result records into `res_buf` (after the `u32 count, u32 memory pages` head).
pub const Writer = struct {
    pos: usize = 8,
    count: u32 = 0,
    wrote: bool = false,

    fn room(self: *Writer, n: usize) Error!void {
        if (res_cap - self.pos < n) return fail(.result_overflow, .none, "", 0, @intCast(n), @intCast(res_cap - self.pos));
    }

    fn head(self: *Writer, kind: u32, n: u32) void {
        std.mem.writeInt(u32, res_buf[self.pos..][0..4], kind, .little);
        std.mem.writeInt(u32, res_buf[self.pos + 4 ..][0..4], n, .little);
        self.pos += 8;
        self.count += 1;
        self.wrote = true;
    }

    pub fn none(self: *Writer) Error!void {
        try self.room(8);
        self.head(0, 0);
    }

    pub fn int(self: *Writer, v: i64) Error!void {
        try self.room(16);
        self.head(1, 1);
        std.mem.writeInt(i64, res_buf[self.pos..][0..8], v, .little);
        self.pos += 8;
    }

    /// Start an id list of exactly `n` entries; fill the returned slice.
    pub fn ids(self: *Writer, n: u32) Error![]align(1) u32 {
        try self.room(8 + @as(usize, n) * 4);
        self.head(2, n);
        const p: [*]align(1) u32 = @ptrCast(res_buf[self.pos..].ptr);
        self.pos += @as(usize, n) * 4;
        return p[0..n];
    }

    /// Shrink the id list just written to `n` entries (n <= the reserved count).
    pub fn truncateIds(self: *Writer, reserved: u32, n: u32) void {
        self.pos -= @as(usize, reserved - n) * 4;
        std.mem.writeInt(u32, res_buf[self.pos - 4 - @as(usize, n) * 4 ..][0..4], n, .little);
    }

    /// Write the head: the record count and the memory size in pages (so the host
    /// notices growth without a call).
    pub fn finish(self: *Writer) void {
        std.mem.writeInt(u32, res_buf[0..4], self.count, .little);
        std.mem.writeInt(u32, res_buf[4..8], @intCast(@wasmMemorySize(0)), .little);
    }
};
