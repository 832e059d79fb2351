//! Game state and loop actions. Every time comes from the caller (the log entry),
//! never from a clock.

const std = @import("std");
const io = @import("io.zig");
const w_ = @import("world.zig");
const sym = @import("sym.zig");
const Error = io.Error;
const Reader = io.Reader;
const Writer = io.Writer;
const F = w_.GameFlags;

fn g() *w_.Game {
    return &w_.h.game;
}

fn has(flag: u32) bool {
    return (g().flags & flag) != 0;
}

fn refuse(why: []const u8) Error {
    return io.fail(.bad_state, .game, why, 0, 0, 0);
}

/// total_pause after a pause from pause_time to `t`, refusing a time before the pause
/// and i64 overflow (times come from the caller, so any i64 can arrive).
fn pauseTotal(t: i64, why: []const u8) Error!i64 {
    if (t < g().pause_time) return io.fail(.bad_argument, .game, why, 0, g().pause_time, t);
    const d = std.math.sub(i64, t, g().pause_time) catch return io.fail(.bad_argument, .game, "pause too long", 0, g().pause_time, t);
    return std.math.add(i64, g().total_pause, d) catch io.fail(.bad_argument, .game, "total pause too long", 0, g().total_pause, d);
}

/// game.start(time): start the game and its loop: turn 0, running, not ended, not
/// paused, the first active agent (if any) selected. Error while a game is in progress
/// (started, not ended); a finished game can be started again with a clean record.
pub fn start(r: *Reader, w: *Writer) Error!void {
    const t = try r.i();
    try r.end();
    if (has(F.started) and !has(F.ended)) return refuse("game already started");
    g().flags = F.started | F.running;
    g().start_time = t;
    g().end_time = 0;
    g().pause_time = 0;
    g().total_pause = 0;
    g().turn = 0;
    g().winner = 0;
    g().reason = 0;
    g().active = firstActive(0);
    _ = w;
}

/// game.end(time, winner, reason): end a started game; winner and reason are
/// free-form names ("" for none). Error if not started or already ended. Ending a
/// paused game counts the pause up to `time` (which may not be before the pause).
pub fn end(r: *Reader, w: *Writer) Error!void {
    const t = try r.i();
    const winner = try r.s();
    const reason = try r.s();
    try r.end();
    if (!has(F.started)) return refuse("game not started");
    if (has(F.ended)) return refuse("game already ended");
    if (has(F.paused)) g().total_pause = try pauseTotal(t, "end time before pause time");
    g().flags = (g().flags | F.ended) & ~(F.running | F.paused);
    g().end_time = t;
    g().winner = try sym.intern(&w_.h.syms, winner);
    g().reason = try sym.intern(&w_.h.syms, reason);
    _ = w;
}

/// game.pause(time): pause a running game. Error if not running or already paused.
pub fn pause(r: *Reader, w: *Writer) Error!void {
    const t = try r.i();
    try r.end();
    if (!has(F.started) or has(F.ended)) return refuse("game not running");
    if (has(F.paused)) return refuse("game already paused");
    g().flags |= F.paused;
    g().pause_time = t;
    _ = w;
}

/// game.resume(time): resume a paused game, adding the pause to total_pause.
pub fn resumeGame(r: *Reader, w: *Writer) Error!void {
    const t = try r.i();
    try r.end();
    if (!has(F.paused)) return refuse("game not paused");
    const total = try pauseTotal(t, "resume time before pause time");
    g().flags &= ~F.paused;
    g().total_pause = total;
    _ = w;
}

/// game.next_phase(phase): enter `phase` and advance the turn counter by one
/// (upstream's nextPhase). Use set_phase to change phase without a new turn.
pub fn nextPhase(r: *Reader, w: *Writer) Error!void {
    const phase = try r.s();
    try r.end();
    if (phase.len == 0) return io.fail(.bad_argument, .game, "a phase name is required", 0, 0, 0);
    // Checked before the phase changes: a refused action changes nothing.
    if (!has(F.running)) return refuse("game loop not running");
    g().phase = try sym.intern(&w_.h.syms, phase);
    try advanceTurn();
    try w.int(g().turn);
}

/// game.set_phase(phase): set the phase; the turn is unchanged.
pub fn setPhase(r: *Reader, w: *Writer) Error!void {
    const phase = try r.s();
    try r.end();
    if (phase.len == 0) return io.fail(.bad_argument, .game, "a phase name is required", 0, 0, 0);
    g().phase = try sym.intern(&w_.h.syms, phase);
    _ = w;
}

/// game.set_property(key, value): set (or with a none value, delete) a typed game
/// property in the world's key/value store.
pub fn setProperty(r: *Reader, w: *Writer) Error!void {
    const key = try r.s();
    if (key.len == 0) return io.fail(.bad_argument, .key, "a key is required", 0, 0, 0);
    const v = try w_.readValue(r);
    try r.end();
    try w_.mapSet(&w_.h.props, try sym.intern(&w_.h.syms, key), try w_.commitValue(v));
    _ = w;
}

/// game.add_property(key, delta): add `delta` to an integer game property (a missing
/// key counts as 0) and return the new value. A property holding another type, or an
/// overflow, is an error. Scores, chips and counters change by a few fixed amounts,
/// so this action's encoding repeats where a set_property of the new value would not.
pub fn addProperty(r: *Reader, w: *Writer) Error!void {
    const key = try r.s();
    const delta = try r.i();
    try r.end();
    if (key.len == 0) return io.fail(.bad_argument, .key, "a key is required", 0, 0, 0);
    const id = sym.lookup(&w_.h.syms, key);
    var cur: i64 = 0;
    if (id != 0) {
        if (w_.mapGet(w_.h.props, id)) |e| {
            if (e.tag != w_.Tag.int) return io.fail(.bad_type, .key, key, 0, w_.Tag.int, e.tag);
            cur = @bitCast(e.payload);
        }
    }
    const v = std.math.add(i64, cur, delta) catch return io.fail(.bad_argument, .key, key, 0, delta, cur);
    const kid = if (id != 0) id else try sym.intern(&w_.h.syms, key);
    try w_.mapSet(&w_.h.props, kid, .{ .tag = w_.Tag.int, .payload = @bitCast(v) });
    try w.int(v);
}

fn firstActive(from: u32) i32 {
    const ags = w_.h.agents.items(w_.Agent);
    if (ags.len == 0) return -1;
    var k: u32 = 0;
    while (k < ags.len) : (k += 1) {
        const i = (from + k) % @as(u32, @intCast(ags.len));
        if (ags[i].alive != 0 and ags[i].active != 0) return @intCast(i);
    }
    return -1;
}

fn advanceTurn() Error!void {
    if (!has(F.running)) return refuse("game loop not running");
    g().turn += 1;
    const cur = g().active;
    g().active = firstActive(if (cur < 0) 0 else @as(u32, @intCast(cur)) + 1);
    if (g().max_turns != 0 and g().turn >= g().max_turns) {
        g().flags = (g().flags | F.ended) & ~F.running;
        g().reason = try sym.intern(&w_.h.syms, "max_turns");
    }
}

/// game.next_turn(): turn + 1, and the next active agent (in creation order,
/// skipping inactive and removed ones) becomes the active agent. When the turn
/// reaches max_turns (if set) the game ends with reason "max_turns". Error if the
/// loop is not running. Returns the new turn.
pub fn nextTurn(r: *Reader, w: *Writer) Error!void {
    try r.end();
    try advanceTurn();
    try w.int(g().turn);
}

/// game.set_max_turns(n): 0 means unlimited. Error if n is not above the current turn.
pub fn setMaxTurns(r: *Reader, w: *Writer) Error!void {
    const n = try r.u();
    try r.end();
    if (n != 0 and n <= g().turn) return io.fail(.out_of_range, .game, "max_turns", 0, n, g().turn);
    g().max_turns = n;
    _ = w;
}

/// game.set_active_agent(name): make a live, active agent the active one.
pub fn setActiveAgent(r: *Reader, w: *Writer) Error!void {
    const name = try r.s();
    try r.end();
    const a = try w_.agentIndex(name);
    if (w_.agent(a).active == 0) return io.failNamed(.bad_state, .agent, name);
    g().active = @intCast(a);
    _ = w;
}

comptime {
    _ = std;
}
