//! Arena allocator and growable lists living in WASM linear memory.
//!
//! Every byte of the world lives in one arena that starts at `base` (the module's
//! `__heap_base`). The arena's own bookkeeping (bump pointer and free lists) lives in
//! the world header at the start of the arena, so a byte copy of `[base, top)` is a
//! complete snapshot and writing it back is a complete restore. Nothing is ever read
//! from a clock or from uninitialised memory, so the same actions always produce the
//! same bytes.

const std = @import("std");

/// The largest arena we allow. The rollback shadow for atomic batches lives right
/// above it, at `base + max_arena`.
pub const max_arena: u32 = 64 << 20;
const page: u32 = 65536;
/// Size classes are powers of two starting at 16 bytes.
pub const n_classes = 24;

pub const OomError = error{OutOfMemory};

/// A growable array stored in the arena: address, length and capacity in elements.
pub const List = extern struct {
    ptr: u32 = 0,
    len: u32 = 0,
    cap: u32 = 0,

    /// The elements as a slice of `T`. Invalidated by anything that can reallocate.
    pub fn items(self: List, comptime T: type) []T {
        if (self.ptr == 0) return &[_]T{};
        const p: [*]T = @ptrFromInt(self.ptr);
        return p[0..self.len];
    }

    /// Make room for `extra` more elements, reallocating by doubling.
    pub fn reserve(self: *List, comptime T: type, extra: u32) OomError!void {
        const need = self.len + extra;
        if (need <= self.cap) return;
        var cap: u32 = if (self.cap == 0) 4 else self.cap * 2;
        while (cap < need) cap *= 2;
        const bytes = cap * @sizeOf(T);
        const np = try alloc(bytes);
        if (self.ptr != 0) {
            const old: [*]u8 = @ptrFromInt(self.ptr);
            const new: [*]u8 = @ptrFromInt(np);
            @memcpy(new[0 .. self.len * @sizeOf(T)], old[0 .. self.len * @sizeOf(T)]);
            free(self.ptr, self.cap * @sizeOf(T));
        }
        self.ptr = np;
        self.cap = cap;
    }

    pub fn append(self: *List, comptime T: type, v: T) OomError!void {
        try self.reserve(T, 1);
        const p: [*]T = @ptrFromInt(self.ptr);
        p[self.len] = v;
        self.len += 1;
    }

    /// Insert at `idx` (0 = bottom), shifting later elements up.
    pub fn insert(self: *List, comptime T: type, idx: u32, v: T) OomError!void {
        try self.reserve(T, 1);
        const s: [*]T = @ptrFromInt(self.ptr);
        var i = self.len;
        while (i > idx) : (i -= 1) s[i] = s[i - 1];
        s[idx] = v;
        self.len += 1;
    }

    /// Remove the element at `idx`, keeping the order of the rest.
    pub fn removeAt(self: *List, comptime T: type, idx: u32) T {
        const s = self.items(T);
        const v = s[idx];
        var i = idx;
        while (i + 1 < self.len) : (i += 1) s[i] = s[i + 1];
        self.len -= 1;
        s[self.len] = std.mem.zeroes(T);
        return v;
    }

    /// Drop every element and give the storage back.
    pub fn release(self: *List, comptime T: type) void {
        if (self.ptr != 0) free(self.ptr, self.cap * @sizeOf(T));
        self.* = .{};
    }
};

/// Arena bookkeeping, stored inside the world header.
pub const ArenaState = extern struct {
    top: u32,
    _pad: u32,
    free: [n_classes]u32,
};

var state: *ArenaState = undefined;
var arena_base: u32 = 0;

/// Point the allocator at the arena; `st` lives in the header at `base`.
pub fn bind(at: u32, st: *ArenaState) void {
    arena_base = at;
    state = st;
}

pub fn base() u32 {
    return arena_base;
}

pub fn top() u32 {
    return state.top;
}

fn classOf(size: u32) u32 {
    var c: u32 = 0;
    var s: u32 = 16;
    while (s < size) : (s <<= 1) c += 1;
    return c;
}

/// Make sure linear memory reaches `end` (exclusive), growing it if needed.
pub fn ensureMemory(end: u32) OomError!void {
    const have: u32 = @intCast(@wasmMemorySize(0));
    const need_pages = (end + page - 1) / page;
    if (need_pages > have) {
        if (@wasmMemoryGrow(0, need_pages - have) < 0) return error.OutOfMemory;
    }
}

/// Allocate `size` zeroed bytes (16-byte aligned) and return their address.
pub fn alloc(size: u32) OomError!u32 {
    const c = classOf(if (size == 0) 1 else size);
    if (c >= n_classes) return error.OutOfMemory;
    const bsize: u32 = @as(u32, 16) << @intCast(c);
    var addr: u32 = state.free[c];
    if (addr != 0) {
        const next: *u32 = @ptrFromInt(addr);
        state.free[c] = next.*;
    } else {
        addr = state.top;
        if (addr + bsize - arena_base > max_arena) return error.OutOfMemory;
        try ensureMemory(addr + bsize);
        state.top = addr + bsize;
    }
    const p: [*]u8 = @ptrFromInt(addr);
    @memset(p[0..bsize], 0);
    return addr;
}

/// Return a block of `size` bytes (the size it was allocated with) to its free list.
pub fn free(addr: u32, size: u32) void {
    const c = classOf(if (size == 0) 1 else size);
    const bsize: u32 = @as(u32, 16) << @intCast(c);
    const p: [*]u8 = @ptrFromInt(addr);
    @memset(p[0..bsize], 0);
    const next: *u32 = @ptrFromInt(addr);
    next.* = state.free[c];
    state.free[c] = addr;
}
