//! HyperToken action core: the world in WASM linear memory and its typed actions.
//!
//! The host writes a batch of actions into the command buffer and makes ONE call,
//! `ht_exec`. Results and error details come back through memory. Reads, snapshots
//! and restores need no call at all: the host reads the arena directly.
//! The manifest (ops, argument layouts, error codes, record sizes) is exported as
//! text so the host checks it speaks the same ABI.

const std = @import("std");
const mem = @import("mem.zig");
const io = @import("io.zig");
const w_ = @import("world.zig");
const sym = @import("sym.zig");
const stack = @import("ops_stack.zig");
const space = @import("ops_space.zig");
const source = @import("ops_source.zig");
const agent = @import("ops_agent.zig");
const game = @import("ops_game.zig");
const token = @import("ops_token.zig");
const batch = @import("ops_batch.zig");
const check = @import("check.zig");

/// The API game kernels build on (see kernel.zig).
pub const kernel = @import("kernel.zig");

const Handler = *const fn (*io.Reader, *io.Writer) io.Error!void;

const Op = struct {
    name: []const u8,
    /// Argument layout: u u32, i i64, f f64, b bool, s string, t token id, T id list,
    /// S string list, v typed value, d destination, D destination list (u32 count
    /// first), c container, C container list, p predicate.
    args: []const u8,
    /// Result: "-" none, "i" integer, "T" id list.
    result: []const u8,
    run: Handler,
};

/// The op table. An op's code is its index; append only, never reorder.
const ops = [_]Op{
    .{ .name = "stack.create", .args = "s", .result = "-", .run = stack.create },
    .{ .name = "stack.draw", .args = "sud", .result = "T", .run = stack.draw },
    .{ .name = "stack.peek", .args = "su", .result = "T", .run = stack.peek },
    .{ .name = "stack.shuffle", .args = "su", .result = "-", .run = stack.shuffle },
    .{ .name = "stack.burn", .args = "su", .result = "T", .run = stack.burn },
    .{ .name = "stack.reset", .args = "s", .result = "i", .run = stack.reset },
    .{ .name = "stack.cut", .args = "su", .result = "-", .run = stack.cut },
    .{ .name = "stack.insert_at", .args = "sut", .result = "-", .run = stack.insertAt },
    .{ .name = "stack.remove_at", .args = "su", .result = "T", .run = stack.removeAt },
    .{ .name = "stack.swap", .args = "suu", .result = "-", .run = stack.swap },
    .{ .name = "stack.reverse", .args = "s", .result = "-", .run = stack.reverse },
    .{ .name = "stack.discard", .args = "st", .result = "-", .run = stack.discard },
    .{ .name = "space.create_zone", .args = "s", .result = "-", .run = space.createZone },
    .{ .name = "space.delete_zone", .args = "s", .result = "-", .run = space.deleteZone },
    .{ .name = "space.clear_zone", .args = "s", .result = "T", .run = space.clearZone },
    .{ .name = "space.lock_zone", .args = "sb", .result = "-", .run = space.lockZone },
    .{ .name = "space.place", .args = "stffb", .result = "-", .run = space.place },
    .{ .name = "space.remove", .args = "t", .result = "-", .run = space.remove },
    .{ .name = "space.move", .args = "tsff", .result = "-", .run = space.move },
    .{ .name = "space.flip", .args = "tu", .result = "i", .run = space.flip },
    .{ .name = "space.shuffle_zone", .args = "su", .result = "-", .run = space.shuffleZone },
    .{ .name = "space.fan", .args = "sffff", .result = "-", .run = space.fan },
    .{ .name = "space.spread", .args = "sffff", .result = "-", .run = space.spread },
    .{ .name = "space.stack", .args = "sff", .result = "-", .run = space.stackZone },
    .{ .name = "space.transfer", .args = "ss", .result = "i", .run = space.transfer },
    .{ .name = "space.clear", .args = "", .result = "T", .run = space.clear },
    .{ .name = "source.create", .args = "s", .result = "-", .run = source.create },
    .{ .name = "source.draw", .args = "sud", .result = "T", .run = source.draw },
    .{ .name = "source.shuffle", .args = "su", .result = "-", .run = source.shuffle },
    .{ .name = "source.burn", .args = "su", .result = "T", .run = source.burn },
    .{ .name = "source.add_stack", .args = "ss", .result = "i", .run = source.addStack },
    .{ .name = "source.remove_stack", .args = "ss", .result = "i", .run = source.removeStack },
    .{ .name = "source.reset", .args = "s", .result = "i", .run = source.reset },
    .{ .name = "source.set_reshuffle_policy", .args = "suu", .result = "-", .run = source.setPolicy },
    .{ .name = "agent.create", .args = "s", .result = "-", .run = agent.create },
    .{ .name = "agent.remove", .args = "s", .result = "-", .run = agent.remove },
    .{ .name = "agent.set_active", .args = "sb", .result = "-", .run = agent.setActive },
    .{ .name = "agent.set_meta", .args = "ssv", .result = "-", .run = agent.setMeta },
    .{ .name = "agent.give_resource", .args = "ssi", .result = "i", .run = agent.giveResource },
    .{ .name = "agent.take_resource", .args = "ssi", .result = "i", .run = agent.takeResource },
    .{ .name = "agent.transfer_resource", .args = "sssi", .result = "i", .run = agent.transferResource },
    .{ .name = "agent.steal_resource", .args = "sssi", .result = "i", .run = agent.stealResource },
    .{ .name = "agent.add_token", .args = "st", .result = "-", .run = agent.addToken },
    .{ .name = "agent.remove_token", .args = "st", .result = "-", .run = agent.removeToken },
    .{ .name = "agent.transfer_token", .args = "sst", .result = "-", .run = agent.transferToken },
    .{ .name = "agent.steal_token", .args = "ssu", .result = "T", .run = agent.stealToken },
    .{ .name = "agent.trade", .args = "ssTsiTsi", .result = "-", .run = agent.trade },
    .{ .name = "agent.draw_cards", .args = "ssu", .result = "T", .run = agent.drawCards },
    .{ .name = "agent.discard_cards", .args = "sTs", .result = "-", .run = agent.discardCards },
    .{ .name = "game.start", .args = "i", .result = "-", .run = game.start },
    .{ .name = "game.end", .args = "iss", .result = "-", .run = game.end },
    .{ .name = "game.pause", .args = "i", .result = "-", .run = game.pause },
    .{ .name = "game.resume", .args = "i", .result = "-", .run = game.resumeGame },
    .{ .name = "game.next_phase", .args = "s", .result = "i", .run = game.nextPhase },
    .{ .name = "game.set_phase", .args = "s", .result = "-", .run = game.setPhase },
    .{ .name = "game.set_property", .args = "sv", .result = "-", .run = game.setProperty },
    .{ .name = "game.next_turn", .args = "", .result = "i", .run = game.nextTurn },
    .{ .name = "game.set_max_turns", .args = "u", .result = "-", .run = game.setMaxTurns },
    .{ .name = "game.set_active_agent", .args = "s", .result = "-", .run = game.setActiveAgent },
    .{ .name = "token.create", .args = "sssd", .result = "T", .run = token.create },
    .{ .name = "token.set_meta", .args = "tsv", .result = "-", .run = token.setMeta },
    .{ .name = "token.transform", .args = "tsssi", .result = "-", .run = token.transform },
    .{ .name = "token.attach", .args = "ttsi", .result = "-", .run = token.attach },
    .{ .name = "token.detach", .args = "tt", .result = "-", .run = token.detach },
    .{ .name = "token.merge", .args = "Tsssid", .result = "T", .run = token.merge },
    .{ .name = "token.split", .args = "tuid", .result = "T", .run = token.split },
    .{ .name = "token.move", .args = "td", .result = "-", .run = token.move },
    .{ .name = "batch.shuffle", .args = "Su", .result = "-", .run = batch.shuffle },
    .{ .name = "batch.draw", .args = "usuD", .result = "T", .run = batch.draw },
    .{ .name = "batch.filter", .args = "cp", .result = "T", .run = batch.filter },
    .{ .name = "batch.count", .args = "cp", .result = "i", .run = batch.count },
    .{ .name = "batch.find", .args = "cp", .result = "T", .run = batch.find },
    .{ .name = "batch.collect", .args = "Cs", .result = "i", .run = batch.collect },
    .{ .name = "game.add_property", .args = "si", .result = "i", .run = game.addProperty },
};

/// The code of the op named `name` (for kernels writing commands).
pub fn opCode(comptime name: []const u8) u32 {
    for (ops, 0..) |o, i| {
        if (std.mem.eql(u8, o.name, name)) return i;
    }
    @compileError("no core op named " ++ name);
}

/// The handlers by op code, for dispatch.
const handlers = blk: {
    var t: [ops.len]Handler = undefined;
    for (ops, 0..) |o, i| t[i] = o.run;
    break :blk t;
};

fn enumLines(comptime E: type, comptime tag: []const u8) []const u8 {
    @setEvalBranchQuota(200000);
    const info = @typeInfo(E).@"enum";
    var s: []const u8 = "";
    for (info.field_names, info.field_values) |n, v| s = s ++ std.fmt.comptimePrint("{s} {d} {s}\n", .{ tag, v, n });
    return s;
}

const error_names = enumLines(io.Code, "E") ++ enumLines(io.Kind, "K") ++ enumLines(w_.Loc, "L");

fn recordLine(comptime T: type, comptime name: []const u8) []const u8 {
    @setEvalBranchQuota(200000);
    var s: []const u8 = std.fmt.comptimePrint("R {s} {d}", .{ name, @sizeOf(T) });
    for (@typeInfo(T).@"struct".field_names) |f| s = s ++ std.fmt.comptimePrint(" {s}:{d}", .{ f, @offsetOf(T, f) });
    return s ++ "\n";
}

const manifest_text = blk: {
    @setEvalBranchQuota(200000);
    var s: []const u8 = std.fmt.comptimePrint("V {d}\nB {d}\n", .{ w_.layout_version, arena_base });
    for (ops, 0..) |op, i| s = s ++ std.fmt.comptimePrint("O {d} {s} {s} {s}\n", .{ i, op.name, if (op.args.len == 0) "_" else op.args, op.result });
    s = s ++ error_names;
    s = s ++ recordLine(w_.Header, "Header");
    s = s ++ recordLine(w_.Game, "Game");
    s = s ++ recordLine(w_.Token, "Token");
    s = s ++ recordLine(w_.Stack, "Stack");
    s = s ++ recordLine(w_.Zone, "Zone");
    s = s ++ recordLine(w_.Placement, "Placement");
    s = s ++ recordLine(w_.Source, "Source");
    s = s ++ recordLine(w_.Agent, "Agent");
    s = s ++ recordLine(w_.Entry, "Entry");
    s = s ++ recordLine(sym.SymEntry, "SymEntry");
    s = s ++ recordLine(mem.List, "List");
    s = s ++ recordLine(io.ErrInfo, "ErrInfo");
    break :blk s;
};

/// Fixed addresses the host needs, read once after instantiation.
const Layout = extern struct {
    arena_base: u32,
    max_arena: u32,
    cmd_ptr: u32,
    cmd_cap: u32,
    res_ptr: u32,
    res_cap: u32,
    err_ptr: u32,
    manifest_ptr: u32,
    manifest_len: u32,
};

var layout: Layout = undefined;
extern var __heap_base: u8;

/// The arena starts at a fixed address, above the module's static data, so that every
/// build of the core (alone, or with a game kernel's statics linked in) lays a world
/// out at the same addresses: snapshots and state hashes do not depend on the module.
pub const arena_base: u32 = 4 << 20;

fn arenaBase() u32 {
    return arena_base;
}

fn heapBase() u32 {
    return @intCast(@intFromPtr(&__heap_base));
}

/// Addresses of the buffers and the manifest.
export fn ht_layout() u32 {
    layout = .{
        .arena_base = arenaBase(),
        .max_arena = mem.max_arena,
        .cmd_ptr = @intCast(@intFromPtr(&io.cmd_buf)),
        .cmd_cap = io.cmd_cap,
        .res_ptr = @intCast(@intFromPtr(&io.res_buf)),
        .res_cap = io.res_cap,
        .err_ptr = @intCast(@intFromPtr(&io.err)),
        .manifest_ptr = @intCast(@intFromPtr(manifest_text.ptr)),
        .manifest_len = manifest_text.len,
    };
    return @intCast(@intFromPtr(&layout));
}

/// Start an empty world. Returns 0, or an error code.
export fn ht_init() u32 {
    if (heapBase() > arena_base) return @intFromEnum(io.Code.out_of_memory);
    w_.init(arenaBase()) catch return @intFromEnum(io.Code.out_of_memory);
    return 0;
}

/// An empty call: the floor of the boundary cost, for benchmarks.
export fn ht_noop() u32 {
    return 0;
}

/// Re-bind after the host wrote a snapshot back into the arena.
export fn ht_rebind() u32 {
    w_.bindExisting(arenaBase());
    return if (w_.h.magic == w_.magic and w_.h.version == w_.layout_version) 0 else @intFromEnum(io.Code.bad_state);
}

/// Check the world's invariants; 0 if they hold, else an error code with details.
export fn ht_check() u32 {
    io.err = .{};
    check.run() catch return io.err.code;
    return 0;
}

const flag_atomic: u32 = 1;
/// Set in ht_exec's return value when linear memory grew during the call, so the host
/// re-takes its view of memory only then (no extra read on the hot path).
const grew_bit: u32 = 0x80000000;

/// Execute the command buffer. Returns 0, or the error code of the failing action
/// (details in the error record), with `grew_bit` set if memory grew. With the atomic flag and more than one action,
/// the arena is copied to the shadow first and copied back on failure, so a failed
/// batch changes nothing. A single action always checks before it changes anything.
export fn ht_exec() u32 {
    const pages: u32 = @intCast(@wasmMemorySize(0));
    const code = exec();
    return if (@wasmMemorySize(0) != pages) code | grew_bit else code;
}

/// Run the batch in the command buffer (what `ht_exec` does, without the grew bit):
/// for kernels, which write their commands there.
pub fn execBuffer() u32 {
    return exec();
}

fn exec() u32 {
    io.err = .{};
    var w = io.Writer{};
    const count = std.mem.readInt(u32, io.cmd_buf[0..4], .little);
    const flags = std.mem.readInt(u32, io.cmd_buf[4..8], .little);
    const base = mem.base();
    const used = mem.top() - base;
    const shadow = base + mem.max_arena;
    const atomic = (flags & flag_atomic) != 0 and count > 1;
    if (atomic) {
        mem.ensureMemory(shadow + used) catch return @intFromEnum(io.Code.out_of_memory);
        const a: [*]u8 = @ptrFromInt(base);
        const b: [*]u8 = @ptrFromInt(shadow);
        @memcpy(b[0..used], a[0..used]);
    }
    var pos: usize = 8;
    var i: u32 = 0;
    while (i < count) : (i += 1) {
        const code = runOne(&pos, &w);
        if (code != 0) {
            io.err.code = code;
            io.err.action = i;
            if (atomic) {
                const a: [*]u8 = @ptrFromInt(base);
                const b: [*]u8 = @ptrFromInt(shadow);
                @memcpy(a[0..used], b[0..used]);
            }
            w.finish();
            return code;
        }
    }
    w.finish();
    return 0;
}

fn runOne(pos: *usize, w: *io.Writer) u32 {
    if (io.cmd_cap - pos.* < 8) return malformed("action header past the end of the buffer");
    const op = std.mem.readInt(u32, io.cmd_buf[pos.*..][0..4], .little);
    const n = std.mem.readInt(u32, io.cmd_buf[pos.* + 4 ..][0..4], .little);
    io.err.op = op;
    const start = pos.* + 8;
    if (n > io.cmd_cap - start) return malformed("action arguments past the end of the buffer");
    pos.* = start + ((@as(usize, n) + 3) & ~@as(usize, 3));
    if (op >= ops.len) {
        io.set(.unknown_action, .none, "", 0, op, ops.len);
        return @intFromEnum(io.Code.unknown_action);
    }
    // Several actions write their (small) result only after they have changed the world,
    // and a failure there would leave them half-applied in a non-atomic batch. So the
    // room for the largest such result (an i64: 16 bytes) is checked before any runs;
    // actions with longer results reserve them before changing anything.
    if (io.res_cap - w.pos < 16) {
        io.set(.result_overflow, .none, "", 0, 16, @intCast(io.res_cap - w.pos));
        return @intFromEnum(io.Code.result_overflow);
    }
    var r = io.Reader{ .buf = io.cmd_buf[start .. start + n] };
    w.wrote = false;
    const before = w.pos;
    // One indirect call through the handler table (a chain of comparisons over every op
    // would cost more than most actions themselves).
    handlers[op](&r, w) catch |e| {
        w.pos = before;
        w.count -= @intFromBool(w.wrote);
        return switch (e) {
            error.Fail => io.err.code,
            error.OutOfMemory => @intFromEnum(io.Code.out_of_memory),
        };
    };
    if (!w.wrote) w.none() catch return io.err.code;
    return 0;
}

fn malformed(why: []const u8) u32 {
    io.set(.malformed, .argument, why, 0, 0, 0);
    return @intFromEnum(io.Code.malformed);
}
