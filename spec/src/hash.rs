//! The slot hash: (tenant, seq, salt) -> slot index.
//!
//! An H3 hash (Carter and Wegman's class of linear maps over GF(2)): output bit `i` is the parity of
//! the 56-bit key ANDed with a fixed random mask. In hardware each bit is one XOR tree, one cycle,
//! no multiplier. The masks are random but for a unit lower-triangular block over the low 16 sequence
//! bits, so 2^k consecutive fragments starting at a multiple of 2^k fill 2^k distinct slots of a pool
//! of at least 2^k: one tenant's aligned window never collides with itself.
//! The core computes the hash, so a worker cannot aim at another tenant's slot.

/// Bits of hash output. The pool size is a power of two up to `1 << HASH_BITS`.
pub const HASH_BITS: usize = 16;

/// Bit layout of the hash key: `salt << 40 | seq << 8 | tenant`.
pub const fn hash_key(tenant: u8, seq: u32, salt: u16) -> u64 {
    (salt as u64) << 40 | (seq as u64) << 8 | tenant as u64
}

const fn splitmix64(state: u64) -> (u64, u64) {
    let s = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = s;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (s, z ^ (z >> 31))
}

const fn make_masks() -> [u64; HASH_BITS] {
    let mut masks = [0u64; HASH_BITS];
    let mut state = 0x6167_676e_6963_0001; // "aggnic" v1
    let mut i = 0;
    while i < HASH_BITS {
        let (s, z) = splitmix64(state);
        state = s;
        // Low 16 sequence bits (key bits 8..24): unit lower-triangular, so the low k output bits are
        // a bijection of the low k sequence bits and any 2^k aligned consecutive fragments spread.
        let above = (0xffffu64 << (8 + i + 1)) & (0xffff << 8);
        masks[i] = (z & ((1 << 56) - 1) & !above) | 1 << (8 + i);
        i += 1;
    }
    masks
}

/// Mask of output bit `i`: the hardware's XOR trees are generated from this table.
pub const H3_MASKS: [u64; HASH_BITS] = make_masks();

/// The full 16-bit hash.
pub fn hash16(tenant: u8, seq: u32, salt: u16) -> u16 {
    let key = hash_key(tenant, seq, salt);
    H3_MASKS.iter().enumerate().fold(0u16, |acc, (i, m)| {
        acc | (((key & m).count_ones() & 1) as u16) << i
    })
}

/// The slot a fragment lives in, for a pool of `slots` (a power of two, at most 65536).
pub fn slot_index(tenant: u8, seq: u32, salt: u16, slots: u32) -> u32 {
    debug_assert!(slots.is_power_of_two() && slots <= 1 << HASH_BITS);
    u32::from(hash16(tenant, seq, salt)) & (slots - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_fragments_of_a_window_never_share_a_slot() {
        // 64 consecutive fragments (one window) of one tenant and salt land in 64 distinct slots
        // of any pool of at least 64 slots, from any 64-aligned start.
        for slots in [64u32, 1024, 4096, 65536] {
            for tenant in [0u8, 1, 7, 63] {
                for base in [0u32, 64, 1 << 20, u32::MAX - 63] {
                    let mut seen = std::collections::HashSet::new();
                    for seq in base..=base.wrapping_add(63).max(base) {
                        assert!(
                            seen.insert(slot_index(tenant, seq, 0, slots)),
                            "{slots} {tenant} {base} {seq}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn salt_moves_a_fragment() {
        let moved = (1..=16u16)
            .filter(|s| slot_index(3, 1000, *s, 4096) != slot_index(3, 1000, 0, 4096))
            .count();
        assert!(moved >= 15, "only {moved} of 16 salts moved the fragment");
    }

    #[test]
    fn tenants_spread_evenly() {
        let slots = 256u32;
        let mut load = vec![0u32; slots as usize];
        for tenant in 0..16u8 {
            for seq in 0..1024u32 {
                load[slot_index(tenant, seq, 0, slots) as usize] += 1;
            }
        }
        let (min, max) = (*load.iter().min().unwrap(), *load.iter().max().unwrap());
        assert!(min >= 32 && max <= 96, "uneven load: {min}..{max} around 64");
    }
}
