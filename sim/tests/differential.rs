//! The verilated core against the reference model: random traffic over several tenants (see
//! `aggnic_spec::bench::Traffic`), random idle cycles on both inputs and backpressure on both
//! outputs, every output frame and every register compared. `AGGNIC_DIFF_FRAMES` sets the frames
//! per run (default 100 000 in total over the runs below); `AGGNIC_DIFF_FRAMES=10000000` is the soak.

use aggnic_sim::{PARAMS, SimNic};
use aggnic_spec::bench::{Bench, Stalls, Traffic};

fn frames() -> u64 {
    std::env::var("AGGNIC_DIFF_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn run(seed: u64, stalls: Stalls, frames: u64, tenants: u8) {
    let start = std::time::Instant::now();
    let mut b = Bench::new(SimNic::new(), PARAMS, seed, stalls);
    let mut t = Traffic::new(PARAMS, seed ^ 0x5eed);
    t.configure(&mut b, tenants);
    let chunk = 5_000;
    let mut done = 0;
    while done < frames {
        let n = chunk.min(frames - done);
        t.run(&mut b, n);
        done += n;
        if done % 50_000 < chunk {
            b.check_registers();
        }
    }
    t.flush_held(&mut b);
    b.check_registers();
    let s = &b.seen;
    eprintln!(
        "seed {seed:#x} stalls {stalls:?}: {s:?}; {:.2} input beats/cycle; {:?}",
        s.beats_in as f64 / s.cycles as f64,
        start.elapsed()
    );
    assert!(s.results > frames / 20, "results {s:?}");
    assert!(s.forwards > frames / 50, "forwards {s:?}");
    assert!(s.partials > 0 && s.overflows > 0 && s.barriers > 0, "{s:?}");
    // Frames the MAC flagged bad: some dropped (aggregation frames), some passed flagged.
    assert!(s.bad_in > s.bad_out && s.bad_out > 0, "{s:?}");
    // With the outputs slow, bursts fill the core's buffers and its inputs refuse beats.
    if stalls.output_stall >= 500 {
        assert!(
            s.rx_refused > 0 && s.tx_refused > 0,
            "no input backpressure: {s:?}"
        );
    }
}

#[test]
fn core_matches_the_model_without_stalls() {
    let f = frames() / 4;
    run(
        0xd1f_0001,
        Stalls {
            input_idle: 0,
            output_stall: 0,
        },
        f,
        4,
    );
}

#[test]
fn core_matches_the_model_with_idle_inputs_and_backpressure() {
    let f = frames() / 4;
    run(
        0xd1f_0002,
        Stalls {
            input_idle: 200,
            output_stall: 300,
        },
        f,
        8,
    );
}

#[test]
fn core_matches_the_model_under_heavy_backpressure() {
    let f = frames() / 2;
    run(
        0xd1f_0003,
        Stalls {
            input_idle: 50,
            output_stall: 700,
        },
        f,
        16,
    );
}

#[test]
fn sweeps_free_back_to_back_slots_of_one_tenant() {
    let mut b = Bench::new(
        SimNic::new(),
        PARAMS,
        0xd1f_0004,
        Stalls {
            input_idle: 0,
            output_stall: 0,
        },
    );
    let mut t = Traffic::new(PARAMS, 0xd1f_0005);
    t.configure(&mut b, 2);
    let held = t.hold_and_sweep(&mut b, 6);
    b.check_registers();
    // Enough held slots that consecutive sweep steps free slots of the tenant back to back.
    assert!(held > PARAMS.window * 6 / 2, "held {held}");
    t.run(&mut b, 2_000);
    t.flush_held(&mut b);
    b.check_registers();
}
