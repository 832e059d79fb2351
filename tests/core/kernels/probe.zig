//! A test kernel: exercises the kernel API of the core (reads, commands, decline,
//! errors, traps, memory growth).

const core = @import("core");
const k = core.kernel;

comptime {
    _ = core;
}

/// Input: u32 n. Draw n cards from source "shoe" to zone "table" face up and record
/// property "drawn" = n + the property "base" (0 if missing). Declines when the shoe
/// holds fewer than n, or n is 0.
export fn probe_draw() u32 {
    const before = k.pages();
    const n = k.arg(u32, 0);
    const items = k.sourceItems("shoe") orelse return k.declined;
    if (n == 0 or n > items.len) return k.declined;
    const base = k.propInt("base") orelse 0;
    var c = k.Cmd{};
    _ = c.op("source.draw").s("shoe").u(n).dest(.zone, "table", true);
    _ = c.op("game.set_property").s("drawn").int(base + n);
    return k.finish(c.run(), before);
}

/// Record what the read API sees: the top card of "shoe", the zone "table"'s size and
/// its first token, and stack "pile"'s size, as properties.
export fn probe_read() u32 {
    const before = k.pages();
    const items = k.sourceItems("shoe") orelse return k.declined;
    const table = k.zonePlacements("table") orelse return k.declined;
    const pile = k.stackLen("pile") orelse return k.declined;
    var c = k.Cmd{};
    _ = c.op("game.set_property").s("top").int(if (items.len > 0) items[items.len - 1] else 0);
    _ = c.op("game.set_property").s("table").int(@intCast(table.len));
    _ = c.op("game.set_property").s("first").int(if (table.len > 0) table[0].token else 0);
    _ = c.op("game.set_property").s("pile").int(pile);
    return k.finish(c.run(), before);
}

/// Two commands, the second failing: the first stays applied (non-atomic).
export fn probe_fail() u32 {
    const before = k.pages();
    var c = k.Cmd{};
    _ = c.op("game.set_property").s("before_failure").int(1);
    _ = c.op("source.draw").s("no such shoe").u(1).dest(.loose, "", true);
    return k.finish(c.run(), before);
}

/// A kernel bug: traps.
export fn probe_trap() u32 {
    @trap();
}

/// Create n stacks named "grow<i>" with a long name each (enough to grow memory when n
/// is large).
export fn probe_grow() u32 {
    const before = k.pages();
    const n = k.arg(u32, 0);
    var c = k.Cmd{};
    var name: [16]u8 = undefined;
    var i: u32 = 0;
    while (i < n) : (i += 1) {
        name = "grow0000000000000".*[0..16].*;
        var v = i;
        var j: usize = 15;
        while (v > 0) : (v /= 10) {
            name[j] = '0' + @as(u8, @intCast(v % 10));
            j -= 1;
        }
        _ = c.op("stack.create").s(&name);
    }
    return k.finish(c.run(), before);
}
