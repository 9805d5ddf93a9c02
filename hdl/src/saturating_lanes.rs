//! `SaturatingLanes<N>`: `N` int32 lanes added with saturation, combinational.
//!
//! Lane `i`: `sum[i]`, `sat[i]` = `aggnic_spec::model::saturating_add(a[i], b[i])`, and `overflow`
//! is the OR of the `sat` flags (what the model ORs into a slot's overflow bit). The addition stays
//! at 32 bits (two's complement wraps), and overflow is read from the signs: the operands agree
//! in sign and the wrapped sum does not. On overflow the lane takes `i32::MIN` if the operands are
//! negative, `i32::MAX` if not. No arithmetic is done at a wider width than its operands (see
//! the `bit_cast` pitfall in `docs/hardware.md`).
//!
//! Lane ports are arrays: in Verilog they are `a$0` .. `a$<N-1>` (rust-hdl's naming).

use rust_hdl::prelude::*;

/// `N` saturating int32 adders. Construct with `SaturatingLanes::<N>::default()`.
#[derive(LogicBlock, Debug)]
pub struct SaturatingLanes<const N: usize> {
    pub a: [Signal<In, Bits<32>>; N],
    pub b: [Signal<In, Bits<32>>; N],
    pub sum: [Signal<Out, Bits<32>>; N],
    /// Lane `i` saturated.
    pub sat: [Signal<Out, Bit>; N],
    /// Some lane saturated.
    pub overflow: Signal<Out, Bit>,
    min: Constant<Bits<32>>,
    max: Constant<Bits<32>>,
    raw: [Signal<Local, Bits<32>>; N],
    ovf: [Signal<Local, Bit>; N],
    /// `any[i]`: one of lanes `i`, `i - 4`, `i - 8`, ... saturated: four interleaved chains,
    /// ORed at the end, so the overflow is about N / 4 + 1 ORs deep, not N (synthesis maps a
    /// chain as written; the 16-lane chain was on the routed critical path, into the sticky bit).
    any: [Signal<Local, Bit>; N],
}

impl<const N: usize> Default for SaturatingLanes<N> {
    fn default() -> Self {
        assert!(N >= 4, "the overflow OR takes four chains");
        SaturatingLanes {
            a: std::array::from_fn(|_| Default::default()),
            b: std::array::from_fn(|_| Default::default()),
            sum: std::array::from_fn(|_| Default::default()),
            sat: std::array::from_fn(|_| Default::default()),
            overflow: Default::default(),
            min: Constant::new((i32::MIN as u32).to_bits()),
            max: Constant::new((i32::MAX as u32).to_bits()),
            raw: std::array::from_fn(|_| Default::default()),
            ovf: std::array::from_fn(|_| Default::default()),
            any: std::array::from_fn(|_| Default::default()),
        }
    }
}

impl<const N: usize> Logic for SaturatingLanes<N> {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..N {
            self.raw[i].next = self.a[i].val() + self.b[i].val();
            self.ovf[i].next = (self.a[i].val().get_bit(31) == self.b[i].val().get_bit(31))
                & (self.raw[i].val().get_bit(31) != self.a[i].val().get_bit(31));
            self.sum[i].next = self.raw[i].val();
            if self.ovf[i].val() {
                if self.a[i].val().get_bit(31) {
                    self.sum[i].next = self.min.val();
                } else {
                    self.sum[i].next = self.max.val();
                }
            }
            self.sat[i].next = self.ovf[i].val();
        }
        for i in 0..4 {
            self.any[i].next = self.ovf[i].val();
        }
        for i in 4..N {
            self.any[i].next = self.any[i - 4].val() | self.ovf[i].val();
        }
        // A one-pass loop: array indices in `#[hdl_gen]` must be literals or loop variables.
        for n in (N - 1)..N {
            self.overflow.next =
                self.any[n].val() | self.any[n - 1].val() | self.any[n - 2].val() | self.any[n - 3].val();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, verilator_lint, yosys_check};
    use aggnic_spec::model::saturating_add;

    /// A lane value that is often at or near the edges of the int32 range.
    fn lane(rng: &mut Rng) -> i32 {
        let near = [i32::MIN, i32::MAX, 0, -1, 1, i32::MIN / 2, i32::MAX / 2 + 1];
        match rng.below(4) {
            0 => near[rng.below(near.len() as u64) as usize].wrapping_add(rng.below(5) as i32 - 2),
            1 => rng.below(2000) as i32 - 1000,
            _ => rng.next_u64() as i32,
        }
    }

    fn run<const N: usize>(seed: u64, cases: u32) -> (u32, u32) {
        let mut uut = SaturatingLanes::<N>::default();
        uut.connect_all();
        let mut rng = Rng::new(seed);
        let (mut saturated, mut clean) = (0, 0);
        for _ in 0..cases {
            // Most vectors with no saturating lane, so `overflow` is seen both ways.
            let quiet = rng.chance(400);
            let pairs: Vec<(i32, i32)> = (0..N)
                .map(|_| {
                    if quiet {
                        (rng.below(1 << 20) as i32, -(rng.below(1 << 20) as i32))
                    } else {
                        (lane(&mut rng), lane(&mut rng))
                    }
                })
                .collect();
            for (i, (a, b)) in pairs.iter().enumerate() {
                uut.a[i].next = (*a as u32).to_bits();
                uut.b[i].next = (*b as u32).to_bits();
            }
            settle(&mut uut);
            let mut any = false;
            for (i, (a, b)) in pairs.iter().enumerate() {
                let (want, sat) = saturating_add(*a, *b);
                let got = uut.sum[i].val().to_u32() as i32;
                assert_eq!((got, uut.sat[i].val()), (want, sat), "lane {i}: {a} + {b}");
                any |= sat;
                if sat {
                    saturated += 1;
                } else {
                    clean += 1;
                }
            }
            assert_eq!(uut.overflow.val(), any, "overflow of {pairs:?}");
        }
        (saturated, clean)
    }

    #[test]
    fn matches_model_saturating_add_16_and_8_lanes() {
        let start = std::time::Instant::now();
        let (s16, c16) = run::<16>(0x5a7_0016, 1500);
        let (s8, c8) = run::<8>(0x5a7_0008, 1500);
        eprintln!(
            "saturating_lanes: 3000 vectors in {:?}; saturated/clean lanes 16: {s16}/{c16}, 8: {s8}/{c8}",
            start.elapsed()
        );
        for (s, c) in [(s16, c16), (s8, c8)] {
            assert!(s > 1000 && c > 1000, "coverage: {s} saturated, {c} clean lanes");
        }
    }

    #[test]
    fn exact_edges() {
        let mut uut = SaturatingLanes::<8>::default();
        uut.connect_all();
        let cases = [
            (i32::MAX, 1, i32::MAX, true),
            (i32::MIN, -1, i32::MIN, true),
            (i32::MAX, i32::MAX, i32::MAX, true),
            (i32::MIN, i32::MIN, i32::MIN, true),
            (i32::MAX, i32::MIN, -1, false),
            (i32::MAX - 1, 1, i32::MAX, false),
            (i32::MIN + 1, -1, i32::MIN, false),
            (-1, -1, -2, false),
        ];
        for (i, (a, b, _, _)) in cases.iter().enumerate() {
            uut.a[i].next = (*a as u32).to_bits();
            uut.b[i].next = (*b as u32).to_bits();
        }
        settle(&mut uut);
        for (i, (a, b, sum, sat)) in cases.iter().enumerate() {
            let got = (uut.sum[i].val().to_u32() as i32, uut.sat[i].val());
            assert_eq!(got, (*sum, *sat), "lane {i}: {a} + {b}");
            assert_eq!(got, saturating_add(*a, *b), "the spec agrees on lane {i}");
        }
        assert!(uut.overflow.val());
    }

    #[test]
    fn synthesizes() {
        let v = yosys_check(
            "aggnic_hdl_saturating_lanes16",
            &mut SaturatingLanes::<16>::default(),
        );
        verilator_lint("aggnic_hdl_saturating_lanes16_lint", &v, &[]);
        let v = yosys_check(
            "aggnic_hdl_saturating_lanes8",
            &mut SaturatingLanes::<8>::default(),
        );
        verilator_lint("aggnic_hdl_saturating_lanes8_lint", &v, &[]);
    }
}
