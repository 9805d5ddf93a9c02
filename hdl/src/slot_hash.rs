//! `SlotHash`: the H3 slot hash of `aggnic_spec::hash`, one registered stage.
//!
//! Output bit `i` is the parity of the hash key ANDed with `H3_MASKS[i]`. The key
//! (`hash_key(tenant, seq, salt)`) is a concatenation, so the AND-and-parity splits into one
//! parity per input field: `^(tenant & mt[i]) ^ ^(seq & ms[i]) ^ ^(salt & mz[i])`, where the
//! per-field masks are cut out of `H3_MASKS` at construction by asking `hash_key` where each input
//! bit lands. Neither the masks nor the key layout are restated here.
//!
//! Latency: one clock (`hash` is a register). The slot index is `hash & (slots - 1)`: the low bits.

use aggnic_spec::hash::{H3_MASKS, HASH_BITS, hash_key};
use rust_hdl::prelude::*;

/// The part of `H3_MASKS[i]` that covers one input field of `width` bits, as a mask over that
/// field: bit `b` is set when the key bit that field bit `b` lands on (per `key_of`) is in the mask.
fn field_mask(i: usize, width: usize, key_of: impl Fn(u64) -> u64) -> u64 {
    (0..width).fold(0, |m, b| {
        let key_bit = key_of(1 << b);
        assert_eq!(
            key_bit.count_ones(),
            1,
            "hash_key maps each input bit to one key bit"
        );
        if H3_MASKS[i] & key_bit != 0 { m | 1 << b } else { m }
    })
}

/// Registered H3 hash: `hash` = `aggnic_spec::hash::hash16(tenant, seq, salt)` of the previous clock.
#[derive(LogicBlock, Debug)]
pub struct SlotHash {
    pub clock: Signal<In, Clock>,
    pub tenant: Signal<In, Bits<8>>,
    pub seq: Signal<In, Bits<32>>,
    pub salt: Signal<In, Bits<16>>,
    /// The 16-bit hash of the inputs sampled at the last rising edge.
    pub hash: Signal<Out, Bits<HASH_BITS>>,
    tenant_masks: [Constant<Bits<8>>; HASH_BITS],
    seq_masks: [Constant<Bits<32>>; HASH_BITS],
    salt_masks: [Constant<Bits<16>>; HASH_BITS],
    /// `acc[i + 1]` is `acc[i]` with bit `i` set: the hash assembled one bit at a time, because
    /// `#[hdl_gen]` cannot assign single bits of a signal.
    acc: [Signal<Local, Bits<HASH_BITS>>; HASH_BITS + 1],
    out: DFF<Bits<HASH_BITS>>,
}

impl Default for SlotHash {
    fn default() -> Self {
        let masks = |width, key_of: fn(u64) -> u64| -> [u64; HASH_BITS] {
            std::array::from_fn(|i| field_mask(i, width, key_of))
        };
        let tenant = masks(8, |x| hash_key(x as u8, 0, 0));
        let seq = masks(32, |x| hash_key(0, x as u32, 0));
        let salt = masks(16, |x| hash_key(0, 0, x as u16));
        SlotHash {
            clock: Default::default(),
            tenant: Default::default(),
            seq: Default::default(),
            salt: Default::default(),
            hash: Default::default(),
            tenant_masks: tenant.map(|m| Constant::new(m.to_bits())),
            seq_masks: seq.map(|m| Constant::new(m.to_bits())),
            salt_masks: salt.map(|m| Constant::new(m.to_bits())),
            acc: Default::default(),
            out: Default::default(),
        }
    }
}

impl Logic for SlotHash {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, out);
        self.acc[0].next = 0.into();
        for i in 0..HASH_BITS {
            self.acc[i + 1].next = self.acc[i].val().replace_bit(
                i,
                ((self.tenant.val() & self.tenant_masks[i].val()).xor())
                    ^ ((self.seq.val() & self.seq_masks[i].val()).xor())
                    ^ ((self.salt.val() & self.salt_masks[i].val()).xor()),
            );
        }
        // A one-pass loop: array indices in `#[hdl_gen]` must be literals or loop variables.
        for n in HASH_BITS..(HASH_BITS + 1) {
            self.out.d.next = self.acc[n].val();
        }
        self.hash.next = self.out.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, tick, yosys_check};
    use aggnic_spec::hash::hash16;

    fn run(uut: &mut SlotHash, tenant: u8, seq: u32, salt: u16) -> u16 {
        uut.tenant.next = tenant.to_bits();
        uut.seq.next = seq.to_bits();
        uut.salt.next = salt.to_bits();
        tick(uut, |u| &mut u.clock);
        uut.hash.val().to_u16()
    }

    #[test]
    fn matches_spec_hash16_on_random_and_corner_inputs() {
        let mut uut = SlotHash::default();
        uut.connect_all();
        let mut rng = Rng::new(0x5107_4a54);
        let mut cases: Vec<(u8, u32, u16)> = vec![(0, 0, 0), (0xff, u32::MAX, 0xffff)];
        // Single-bit inputs exercise every mask bit on its own.
        cases.extend((0..8).map(|b| (1u8 << b, 0, 0)));
        cases.extend((0..32).map(|b| (0, 1u32 << b, 0)));
        cases.extend((0..16).map(|b| (0, 0, 1u16 << b)));
        cases.extend((0..400).map(|_| {
            let r = rng.next_u64();
            (r as u8, (r >> 8) as u32, (r >> 40) as u16)
        }));
        for (tenant, seq, salt) in cases {
            let got = run(&mut uut, tenant, seq, salt);
            assert_eq!(
                got,
                hash16(tenant, seq, salt),
                "tenant {tenant} seq {seq} salt {salt}"
            );
        }
    }

    #[test]
    fn output_is_registered() {
        let mut uut = SlotHash::default();
        uut.connect_all();
        let first = run(&mut uut, 3, 1000, 7);
        uut.seq.next = 1001u32.to_bits();
        crate::testing::settle(&mut uut);
        assert_eq!(
            uut.hash.val().to_u16(),
            first,
            "hash must not change before the clock edge"
        );
    }

    #[test]
    fn synthesizes() {
        yosys_check("aggnic_hdl_slot_hash", &mut SlotHash::default());
    }
}
