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

/// Tenant `t` decoded as the tenant table's `*_hot` inputs take it (none for 64 and up).
pub fn tenant_hot(t: u8) -> Bits<64> {
    if t < 64 { 1u64 << t } else { 0 }.to_bits()
}

/// The workspace's seedable generator (`chance` takes permille).
pub use aggnic_spec::rng::Rng;

/// Runs `verilator --lint-only -Wall` on a block's Verilog in `$TMPDIR/<prefix>`, with the listed
/// warnings waived (for example `WIDTH`, which rust-hdl's literal emission always raises). Catches
/// what yosys's Verilog-95 read accepts and Verilator rejects, such as SystemVerilog keywords
/// (`bit`, `join`) used as signal names.
pub fn verilator_lint(prefix: &str, verilog: &str, waivers: &[&str]) {
    let dir = std::env::temp_dir().join(prefix);
    std::fs::create_dir_all(&dir).expect("lint directory");
    std::fs::write(dir.join("top.v"), verilog).expect("write top.v");
    let mut cmd = std::process::Command::new("verilator");
    cmd.current_dir(&dir).args(["--lint-only", "-Wall"]);
    for w in waivers {
        cmd.arg(format!("-Wno-{w}"));
    }
    let out = cmd.arg("top.v").output().expect("verilator on PATH");
    assert!(
        out.status.success(),
        "verilator rejected {prefix}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `f` on a thread with a 1 GiB stack: the core and the register slave are large values
/// (every register inline), and unoptimised test builds keep several copies in one frame.
pub fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the test thread panicked");
}

/// `synth_ecp5`'s cell counts (yosys `stat`) of `verilog` (a block exported as module `top`)
/// inside `wrap` (module `wrap`, instantiating `top`), with Debian's yosys in `$TMPDIR/<prefix>`.
pub fn ecp5_cells(prefix: &str, verilog: &str, wrap: &str) -> String {
    let dir = std::env::temp_dir().join(prefix);
    std::fs::create_dir_all(&dir).expect("synthesis directory");
    std::fs::write(dir.join("top.v"), format!("{verilog}\n{wrap}")).expect("write top.v");
    let out = std::process::Command::new("yosys")
        .current_dir(&dir)
        .args([
            "-q",
            "-p",
            "read_verilog top.v; synth_ecp5 -top wrap; tee -q -o stat.txt stat",
        ])
        .output()
        .expect("yosys on PATH");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(dir.join("stat.txt")).expect("stat.txt")
}
