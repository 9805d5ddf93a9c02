//! Simulation speed of the verilated top under random AXI4-Lite traffic.
//!
//! `cargo run --release -p aggnic-sim --bin sim-bench [-- --seconds S] [--json]` prints one figure a
//! line as `name: value unit` (or one JSON object with `--json`).

use aggnic_sim::figures::{Figure, print};
use aggnic_sim::{Config, Rng, SimNic};
use aggnic_spec::regs::{self, Access};
use std::time::{Duration, Instant};

/// Runs `body` in batches until `budget` has passed; returns (cycles, transactions, seconds).
fn measure(sim: &mut SimNic, budget: Duration, mut body: impl FnMut(&mut SimNic) -> u64) -> (u64, u64, f64) {
    let start = Instant::now();
    let first = sim.cycles();
    let mut transactions = 0;
    while start.elapsed() < budget {
        transactions += body(sim);
    }
    let secs = start.elapsed().as_secs_f64();
    (sim.cycles() - first, transactions, secs)
}

fn main() {
    let mut seconds = 2.0;
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--seconds takes a number")
            }
            other => {
                eprintln!("usage: sim-bench [--seconds S] [--json] (unknown argument {other})");
                std::process::exit(2);
            }
        }
    }
    let budget = Duration::from_secs_f64(seconds / 3.0);
    let reads: Vec<u32> = regs::ALL
        .iter()
        .flat_map(|r| (0..r.words()).map(move |w| r.addr + 4 * w))
        .collect();
    let writes: Vec<u32> = regs::ALL
        .iter()
        .filter(|r| r.access != Access::Wo && r.addr < regs::TENANT_BLOCK)
        .map(|r| r.addr)
        .collect();
    let mut rng = Rng::new(0xbe7c);
    let mut traffic = |sim: &mut SimNic| {
        for _ in 0..1000 {
            if rng.chance(300) {
                sim.axil_write(rng.pick(&writes), rng.next_u32());
            } else {
                std::hint::black_box(sim.axil_read(rng.pick(&reads)));
            }
        }
        1000
    };

    let mut sim = SimNic::new();
    let (cycles, txns, secs) = measure(&mut sim, budget, &mut traffic);
    let mut stalled = SimNic::with_config(Config {
        seed: 3,
        stall_percent: 25,
        ..Config::default()
    })
    .expect("simulator");
    let (s_cycles, _, s_secs) = measure(&mut stalled, budget, &mut traffic);
    let mut idle = SimNic::new();
    let (i_cycles, _, i_secs) = measure(&mut idle, budget, |sim| {
        for _ in 0..10_000 {
            sim.tick();
        }
        0
    });

    let figures = [
        Figure::new("sim_cycles_per_second", cycles as f64 / secs, "cycles/s"),
        Figure::new(
            "axil_transactions_per_second",
            txns as f64 / secs,
            "transactions/s",
        ),
        Figure::new(
            "sim_cycles_per_second_25pct_stalls",
            s_cycles as f64 / s_secs,
            "cycles/s",
        ),
        Figure::new("sim_idle_cycles_per_second", i_cycles as f64 / i_secs, "cycles/s"),
    ];
    print(&figures, json, 0);
}
