//! `BlockRam<D, N>`: rust-hdl's `RAM` (same ports, registered read) for block RAM, where a read of
//! the address written at the same clock edge returns an undefined word.
//!
//! rust-hdl's `RAM` is read-first: a read at the edge of a write to its address returns the old
//! word. An ECP5 `DP16KD` in pseudo-dual-port mode does not promise that, so yosys emulates it: a
//! register of the write, an address compare and a multiplexer behind every read bit. On the core
//! that was 6.2 k flip-flops and 4.3 k LUT4 (of 24.2 k and 19.0 k), and a LUT level after every
//! block RAM's output on the paths that start there. Every block RAM of the core is read either
//! never at the edge of a write to the same address, or with that write forwarded past it, so
//! none needs the old word: `BlockRam` marks its memory `(* no_rw_check *)` and yosys maps it as
//! it is.
//!
//! The simulation answers such a read with the type's default (zero), neither the old word (the
//! Verilog's read-first, what Verilator runs) nor the new one, so a block relying on either
//! answer, or missing a forward, fails its tests wherever the word is not zero.
//! Memories small enough for LUT RAM (read-first for free: the read is asynchronous, its register
//! after the write) stay rust-hdl `RAM`s, or `lut_ram::LutRam`s where the reader selects between
//! reads before its register.

use rust_hdl::prelude::*;
use std::collections::BTreeMap;

#[derive(LogicBlock, Default)]
pub struct BlockRam<D: Synth, const N: usize> {
    pub read_address: Signal<In, Bits<N>>,
    pub read_clock: Signal<In, Clock>,
    pub read_data: Signal<Out, D>,
    pub write_address: Signal<In, Bits<N>>,
    pub write_clock: Signal<In, Clock>,
    pub write_data: Signal<In, D>,
    pub write_enable: Signal<In, bool>,
    _sim: BTreeMap<Bits<N>, D>,
}

impl<D: Synth, const N: usize> Logic for BlockRam<D, N> {
    fn update(&mut self) {
        let write = self.write_clock.pos_edge() && self.write_enable.val();
        if self.read_clock.pos_edge() {
            self.read_data.next = if write && self.write_address.val() == self.read_address.val() {
                D::default()
            } else {
                self._sim
                    .get(&self.read_address.val())
                    .copied()
                    .unwrap_or_default()
            };
        }
        if write {
            self._sim.insert(self.write_address.val(), self.write_data.val());
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        ram_verilog(
            "(* no_rw_check *) ",
            "always @(posedge read_clock) begin\n   read_data <= mem[read_address];\nend\n",
            D::BITS,
            N,
        )
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![
            TimingInfo {
                name: "ram_read".into(),
                clock: "read_clock".into(),
                inputs: vec!["read_address".into()],
                outputs: vec!["read_data".into()],
            },
            write_port_timing(),
        ]
    }
}

/// A RAM block's Verilog, as rust-hdl's `RAM` writes it: the memory `mem` (declared after
/// `mem_attr`), the read port's block `read`, and the synchronous write port (`LutRam` too).
pub(crate) fn ram_verilog(mem_attr: &str, read: &str, width: usize, addr_bits: usize) -> Verilog {
    Verilog::Custom(format!(
        "\
{mem_attr}reg[{msb}:0] mem[{last}:0];

{read}
always @(posedge write_clock) begin
   if (write_enable) begin
      mem[write_address] <= write_data;
   end
end
",
        msb = width - 1,
        last = (1usize << addr_bits) - 1,
    ))
}

/// The synchronous write port's timing, as rust-hdl's `RAM` declares it (`LutRam` too).
pub(crate) fn write_port_timing() -> TimingInfo {
    TimingInfo {
        name: "ram_write".into(),
        clock: "write_clock".into(),
        inputs: vec!["write_address".into(), "write_data".into(), "write_enable".into()],
        outputs: vec![],
    }
}

/// A RAM block's `Debug`: its name and shape (the contents are simulation state).
pub(crate) fn debug_ram(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    width: usize,
    addr_bits: usize,
) -> std::fmt::Result {
    f.debug_struct(name)
        .field("width", &width)
        .field("addr_bits", &addr_bits)
        .finish_non_exhaustive()
}

impl<D: Synth, const N: usize> std::fmt::Debug for BlockRam<D, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_ram(f, "BlockRam", D::BITS, N)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ecp5_cells, settle, verilator_lint, yosys_check};

    /// One clock edge on both ports (the core wires them to one clock); the word read.
    fn edge(u: &mut BlockRam<Bits<8>, 2>, read: u8, write: Option<(u8, u8)>) -> u8 {
        u.read_address.next = read.to_bits();
        u.write_enable.next = write.is_some();
        let (wa, wd) = write.unwrap_or((0, 0));
        u.write_address.next = wa.to_bits();
        u.write_data.next = wd.to_bits();
        for level in [true, false] {
            settle(u);
            u.read_clock.next = level.into();
            u.write_clock.next = level.into();
        }
        settle(u);
        u.read_data.val().to_u8()
    }

    #[test]
    fn reads_the_word_written_before_and_zero_at_a_collision() {
        let mut uut = BlockRam::<Bits<8>, 2>::default();
        uut.connect_all();
        assert_eq!(
            edge(&mut uut, 1, Some((1, 0x11))),
            0,
            "collision: undefined, zero"
        );
        assert_eq!(
            edge(&mut uut, 1, Some((2, 0x22))),
            0x11,
            "written at the edge before"
        );
        assert_eq!(edge(&mut uut, 2, None), 0x22);
        assert_eq!(edge(&mut uut, 3, None), 0, "never written");
        assert_eq!(
            edge(&mut uut, 2, Some((2, 0x33))),
            0,
            "collision: not the old word"
        );
        assert_eq!(edge(&mut uut, 2, Some((1, 0x44))), 0x33);
        assert_eq!(edge(&mut uut, 1, None), 0x44);
    }

    /// A 64 x 64 RAM's ports on one clock, as the core wires them, for `ecp5_cells`.
    const WRAP: &str = "module wrap(input clk, input [5:0] ra, input [5:0] wa, input we, \
                        input [63:0] wd, output [63:0] rd);\n\
                        top t(.read_address(ra), .read_clock(clk), .read_data(rd), \
                        .write_address(wa), .write_clock(clk), .write_data(wd), \
                        .write_enable(we));\nendmodule\n";

    #[test]
    fn synthesizes_to_block_ram_alone() {
        let mut uut = BlockRam::<Bits<64>, 6>::default();
        let v = yosys_check("block_ram", &mut uut);
        verilator_lint("block_ram", &v, &[]);
        let cells = ecp5_cells("block_ram", &v, WRAP);
        assert!(
            cells.contains("DP16KD") && !cells.contains("TRELLIS_FF"),
            "{cells}"
        );
        // rust-hdl's read-first RAM of the same shape: the emulation's flip-flops.
        let mut ram = RAM::<Bits<64>, 6>::default();
        ram.connect_all();
        let cells = ecp5_cells("block_ram_read_first", &generate_verilog(&ram), WRAP);
        assert!(
            cells.contains("DP16KD") && cells.contains("TRELLIS_FF"),
            "{cells}"
        );
    }
}
