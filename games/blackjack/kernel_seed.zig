//! The seeds of a training episode, derived in the kernel exactly as the host derives
//! them, so a driver of many tables needs no hashing in Python per reset or move:
//!
//! - `nextSeed`: `hypertoken.envs.seeding.next_seed` (the k-th episode after a seeded one);
//! - `roomSeed`: `hypertoken.engine.state.training_seed` of an int episode seed;
//! - `seedAt`: `Referee.seed_at` (the 32-bit seed of the entry at (epoch, index)).
//!
//! The host's functions are the specification; tests compare both on many inputs.

const std = @import("std");
const blake2 = std.crypto.hash.blake2;

/// `next_seed(first, k)`, with `k == 0` meaning the seeded episode itself (`first`).
pub fn nextSeed(first: u64, k: u64) u64 {
    if (k == 0) return first;
    var msg: [20]u8 = undefined;
    @memcpy(msg[0..4], "next");
    std.mem.writeInt(u64, msg[4..12], first, .big);
    std.mem.writeInt(u64, msg[12..20], k, .big);
    var out: [8]u8 = undefined;
    blake2.Blake2b(64).hash(&msg, &out, .{ .context = "hypertoken.env\x00\x00".* });
    return std.mem.readInt(u64, &out, .big) >> 1;
}

const domain = "hypertoken/room-seed/1/local\x00";

/// `training_seed(seed)`: BLAKE2b-256 of the domain and the seed in decimal.
pub fn roomSeed(seed: u64) [32]u8 {
    var msg: [domain.len + 20]u8 = undefined;
    @memcpy(msg[0..domain.len], domain);
    var digits: [20]u8 = undefined;
    var n: usize = 0;
    var x = seed;
    while (true) {
        digits[n] = @intCast('0' + x % 10);
        n += 1;
        x /= 10;
        if (x == 0) break;
    }
    for (0..n) |i| msg[domain.len + i] = digits[n - 1 - i];
    var out: [32]u8 = undefined;
    blake2.Blake2b(256).hash(msg[0 .. domain.len + n], &out, .{});
    return out;
}

/// `seed_at(epoch, index)` of a room seed: BLAKE2b-32 of the seed, epoch and index.
pub fn seedAt(room: *const [32]u8, epoch: u64, index: u64) u32 {
    var msg: [48]u8 = undefined;
    @memcpy(msg[0..32], room);
    std.mem.writeInt(u64, msg[32..40], epoch, .big);
    std.mem.writeInt(u64, msg[40..48], index, .big);
    var out: [4]u8 = undefined;
    blake2.Blake2b(32).hash(&msg, &out, .{});
    return std.mem.readInt(u32, &out, .big);
}
