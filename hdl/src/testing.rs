//! Helpers shared by the blocks' simulation tests.

use rust_hdl::prelude::*;

/// Settles the combinational logic of `uut` after its inputs changed.
pub fn settle<B: Block>(uut: &mut B) {
    assert!(simulate(uut, 1000), "circuit did not converge");
}

/// One rising and one falling clock edge, settling after each. `clock` picks the clock input.
pub fn tick<B: Block>(uut: &mut B, clock: fn(&mut B) -> &mut Signal<In, Clock>) {
    settle(uut);
    clock(uut).next = true.into();
    settle(uut);
    clock(uut).next = false.into();
    settle(uut);
}

/// Generates the Verilog of a block and runs rust-hdl's yosys check on it, in `$TMPDIR/<prefix>`.
pub fn yosys_check<B: Block>(prefix: &str, uut: &mut B) -> String {
    uut.connect_all();
    let verilog = generate_verilog(uut);
    if let Err(e) = yosys_validate(prefix, &verilog) {
        panic!("yosys rejected {prefix}: {e:?}");
    }
    verilog
}

/// A 64-bit xorshift generator: tests need no RNG crate and stay reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
