//! Verilog export of the blocks and of the whole core.

use crate::Params;
use crate::beat_lanes::LANES;
use crate::core::AggnicCore;
use crate::core8::{AggnicCore8, inner_params};
use crate::lane_store::{beat_bits, beats};
use rust_hdl::prelude::*;

/// Connects `uut` and returns its Verilog (top module `top`, children `top$name`). Panics, as
/// rust-hdl's `generate_verilog` does, if the block has unconnected signals or logic loops.
pub fn export_verilog<B: Block>(uut: &mut B) -> String {
    uut.connect_all();
    generate_verilog(uut)
}

/// Pool sizes (log2 slots) and lane-store address widths the core is built for. rust-hdl sizes
/// RAMs by const generics, so each exportable set is one instantiation here; add a row to export
/// another. `$core` is `AggnicCore` or `AggnicCore8`; `$geometry` the 16-lane parameters its lane
/// store is sized by.
macro_rules! core_sets {
    ($core:ident, $params:expr, $geometry:expr, $(($s:literal, $a:literal)),* $(,)?) => {{
        let p = $params;
        let g = $geometry;
        let slot_bits = g.slots.trailing_zeros() as usize;
        let sum_bits = slot_bits + beat_bits(beats(g));
        match (slot_bits, sum_bits) {
            $(($s, $a) => Ok(export_verilog(&mut $core::<$s, $a>::new(p))),)*
            _ => Err(format!(
                "no core instantiation for {} slots x {} beats (log2 slots {slot_bits}, lane-store address {sum_bits} bits); supported: {}",
                p.slots,
                beats(g),
                [$(format!("({}, {})", $s, $a)),*].join(" ")
            )),
        }
    }};
}

/// The whole core's Verilog for `params`: [`AggnicCore`] at 16 lanes (512-bit streams),
/// [`AggnicCore8`] at 8 (256-bit streams, the same ports otherwise).
///
/// # Errors
/// If `params` is invalid or a pool geometry with no instantiation (see `core_sets!`).
pub fn core_verilog(params: Params) -> Result<String, String> {
    params.validate()?;
    // The core is a large value (every 512-bit register inline): build it on a big stack.
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || {
            // (log2 slots, log2 slots + log2 beats): 16 slots x 4 beats (tests), 1024 and 4096
            // slots x 4 and 16 beats (64 and 256 elements). The 8-lane core holds a 16-lane one,
            // so both take the same rows, written once here.
            macro_rules! with_rows {
                ($core:ident, $g:expr) => {
                    core_sets!(
                        $core,
                        params,
                        $g,
                        (4, 6),
                        (10, 12),
                        (10, 14),
                        (12, 14),
                        (12, 16)
                    )
                };
            }
            if params.lanes as usize == LANES {
                with_rows!(AggnicCore, params)
            } else {
                with_rows!(AggnicCore8, inner_params(params))
            }
        })
        .map_err(|e| format!("spawning the export thread: {e}"))?
        .join()
        .map_err(|_| "the core export panicked".to_string())?
}
