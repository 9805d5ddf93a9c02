//! `LutRam<D, N>`: a RAM with a synchronous write and an *asynchronous* read, for LUT RAM
//! (ECP5 `TRELLIS_DPR16X4`, UltraScale+ `RAM64M`), whose read is asynchronous anyway.
//!
//! rust-hdl's `RAM` registers its read inside the block, so a reader choosing between two
//! addresses must choose before the RAM, and a late select (a FIFO's pop) then runs through the
//! read address into the RAM's multiplexer tree. With the read asynchronous, a reader can keep a
//! copy per candidate address, each read from a flip-flop, and choose after them, in front of its
//! own register: the late select is one LUT level before a flip-flop. A register after the read
//! takes the word as it was before the edge's write, as rust-hdl's `RAM` (read-first).

use crate::block_ram::{debug_ram, ram_verilog, write_port_timing};
use rust_hdl::prelude::*;
use std::collections::BTreeMap;

#[derive(LogicBlock, Default)]
pub struct LutRam<D: Synth, const N: usize> {
    pub read_address: Signal<In, Bits<N>>,
    pub read_data: Signal<Out, D>,
    pub write_address: Signal<In, Bits<N>>,
    pub write_clock: Signal<In, Clock>,
    pub write_data: Signal<In, D>,
    pub write_enable: Signal<In, bool>,
    _sim: BTreeMap<Bits<N>, D>,
}

impl<D: Synth, const N: usize> Logic for LutRam<D, N> {
    fn update(&mut self) {
        // The write takes effect at the edge; a flip-flop clocked by it has already taken the
        // read (the edge's first delta), so it sees the old word.
        if self.write_clock.pos_edge() && self.write_enable.val() {
            self._sim.insert(self.write_address.val(), self.write_data.val());
        }
        self.read_data.next = self
            ._sim
            .get(&self.read_address.val())
            .copied()
            .unwrap_or_default();
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        ram_verilog(
            "",
            "always @(*) begin\n   read_data = mem[read_address];\nend\n",
            D::BITS,
            N,
        )
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![write_port_timing()]
    }
}

impl<D: Synth, const N: usize> std::fmt::Debug for LutRam<D, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_ram(f, "LutRam", D::BITS, N)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ecp5_cells, settle, verilator_lint, yosys_check};

    /// A `LutRam` and the register after its read, as a reader wires them.
    #[derive(LogicBlock, Default)]
    struct Registered {
        clock: Signal<In, Clock>,
        read_address: Signal<In, Bits<2>>,
        write_address: Signal<In, Bits<2>>,
        write_data: Signal<In, Bits<8>>,
        write_enable: Signal<In, bool>,
        /// The read, now (asynchronous).
        now: Signal<Out, Bits<8>>,
        /// The read at the last edge.
        held: Signal<Out, Bits<8>>,
        ram: LutRam<Bits<8>, 2>,
        r: DFF<Bits<8>>,
    }

    impl Logic for Registered {
        #[hdl_gen]
        fn update(&mut self) {
            dff_setup!(self, clock, r);
            self.ram.write_clock.next = self.clock.val();
            self.ram.read_address.next = self.read_address.val();
            self.ram.write_address.next = self.write_address.val();
            self.ram.write_data.next = self.write_data.val();
            self.ram.write_enable.next = self.write_enable.val();
            self.r.d.next = self.ram.read_data.val();
            self.now.next = self.ram.read_data.val();
            self.held.next = self.r.q.val();
        }
    }

    /// Sets the inputs, settles (the asynchronous read), clocks one edge; (read before the edge,
    /// register after it).
    fn edge(u: &mut Registered, read: u8, write: Option<(u8, u8)>) -> (u8, u8) {
        u.read_address.next = read.to_bits();
        u.write_enable.next = write.is_some();
        let (wa, wd) = write.unwrap_or((0, 0));
        u.write_address.next = wa.to_bits();
        u.write_data.next = wd.to_bits();
        settle(u);
        let before = u.now.val().to_u8();
        for level in [true, false] {
            u.clock.next = level.into();
            settle(u);
        }
        (before, u.held.val().to_u8())
    }

    #[test]
    fn reads_at_once_and_a_register_after_it_takes_the_old_word() {
        let mut uut = Registered::default();
        uut.connect_all();
        assert_eq!(
            edge(&mut uut, 1, Some((1, 0x11))),
            (0, 0),
            "old word at the write's edge"
        );
        assert_eq!(
            edge(&mut uut, 1, Some((2, 0x22))),
            (0x11, 0x11),
            "written at the edge before"
        );
        assert_eq!(edge(&mut uut, 2, Some((2, 0x33))), (0x22, 0x22), "old word again");
        assert_eq!(edge(&mut uut, 2, None), (0x33, 0x33));
        assert_eq!(edge(&mut uut, 3, None), (0, 0), "never written");
    }

    #[test]
    fn synthesizes_to_lut_ram_without_registers() {
        let mut uut = LutRam::<Bits<16>, 6>::default();
        let v = yosys_check("lut_ram", &mut uut);
        verilator_lint("lut_ram", &v, &[]);
        let wrap = "module wrap(input clk, input [5:0] ra, input [5:0] wa, input we, \
                    input [15:0] wd, output [15:0] rd);\n\
                    top t(.read_address(ra), .read_data(rd), .write_address(wa), \
                    .write_clock(clk), .write_data(wd), .write_enable(we));\nendmodule\n";
        let cells = ecp5_cells("lut_ram", &v, wrap);
        assert!(
            cells.contains("TRELLIS_DPR16X4") && !cells.contains("TRELLIS_FF"),
            "{cells}"
        );
    }
}
