//! Verilog export of the blocks.

use rust_hdl::prelude::*;

/// Connects `uut` and returns its Verilog (top module `top`, children `top$name`). Panics, as
/// rust-hdl's `generate_verilog` does, if the block has unconnected signals or logic loops.
pub fn export_verilog<B: Block>(uut: &mut B) -> String {
    uut.connect_all();
    generate_verilog(uut)
}
