//! `OneHotMux`: one of 64 words picked by a one-hot select, as a balanced AND-OR tree.
//!
//! The tenant table selects a tenant's state by a decoded tenant bit. Written as a chain
//! (`or[i + 1] = or[i] | (sel[i] ? x[i] : 0)`) synthesis maps it as written, a LUT per link or
//! two: the routed netlist had five to seven LUTs in series for 16 tenants. Here the terms are
//! ORed four at a time (64 -> 16 -> 4 -> 1), so 16 live words take three LUT levels. Words that
//! are constant 0 (tenants an export does not have) drop out in synthesis. A select with no bit
//! set gives 0; with several bits set, the OR of those words.

use rust_hdl::prelude::*;

/// Words to choose from: one per tenant.
pub const WAYS: usize = crate::tenant_table::MAX_TENANTS;
// The tree below is written for 64 ways (64 -> 16 -> 4 -> 1).
const _: () = assert!(WAYS == 64);

#[derive(LogicBlock, Debug)]
pub struct OneHotMux<const W: usize> {
    pub sel: Signal<In, Bits<WAYS>>,
    pub x: [Signal<In, Bits<W>>; WAYS],
    pub y: Signal<Out, Bits<W>>,
    term: [Signal<Local, Bits<W>>; WAYS],
    or16: [Signal<Local, Bits<W>>; 16],
    or4: [Signal<Local, Bits<W>>; 4],
}

impl<const W: usize> Default for OneHotMux<W> {
    fn default() -> Self {
        Self {
            sel: Default::default(),
            x: std::array::from_fn(|_| Default::default()),
            y: Default::default(),
            term: std::array::from_fn(|_| Default::default()),
            or16: Default::default(),
            or4: Default::default(),
        }
    }
}

impl<const W: usize> Logic for OneHotMux<W> {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..WAYS {
            self.term[i].next = 0.into();
            if self.sel.val().get_bit(i) {
                self.term[i].next = self.x[i].val();
            }
        }
        for j in 0..16 {
            self.or16[j].next = self.term[4 * j].val()
                | self.term[4 * j + 1].val()
                | self.term[4 * j + 2].val()
                | self.term[4 * j + 3].val();
        }
        for j in 0..4 {
            self.or4[j].next = self.or16[4 * j].val()
                | self.or16[4 * j + 1].val()
                | self.or16[4 * j + 2].val()
                | self.or16[4 * j + 3].val();
        }
        // (A one-step loop: a constant index is emitted by name.)
        for j in 0..1 {
            self.y.next = self.or4[4 * j].val()
                | self.or4[4 * j + 1].val()
                | self.or4[4 * j + 2].val()
                | self.or4[4 * j + 3].val();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, verilator_lint, yosys_check};

    #[test]
    fn selects_the_or_of_the_selected_words() {
        let mut uut = OneHotMux::<17>::default();
        uut.connect_all();
        let mut rng = Rng::new(0x0e_407);
        let (mut singles, mut nones, mut several) = (0, 0, 0);
        for _ in 0..400 {
            let words: Vec<u32> = (0..WAYS).map(|_| rng.next_u32() & 0x1_ffff).collect();
            let sel: u64 = match rng.below(4) {
                0 => 0,
                1 => rng.next_u64(),
                _ => 1 << rng.below(WAYS as u64),
            };
            match sel.count_ones() {
                0 => nones += 1,
                1 => singles += 1,
                _ => several += 1,
            }
            for (x, &w) in uut.x.iter_mut().zip(&words) {
                x.next = w.to_bits();
            }
            uut.sel.next = sel.to_bits();
            settle(&mut uut);
            let want = (0..WAYS)
                .filter(|&i| sel >> i & 1 == 1)
                .fold(0, |a, i| a | words[i]);
            assert_eq!(uut.y.val().to_u32(), want, "sel {sel:#x}");
        }
        assert!(
            singles > 100 && nones > 50 && several > 50,
            "{singles} {nones} {several}"
        );
    }

    #[test]
    fn synthesizes() {
        let mut uut = OneHotMux::<17>::default();
        let verilog = yosys_check("aggnic_hdl_one_hot_mux", &mut uut);
        verilator_lint("aggnic_hdl_one_hot_mux_lint", &verilog, &["WIDTH"]);
    }
}
