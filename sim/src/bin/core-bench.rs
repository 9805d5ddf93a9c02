//! Line rate of the verilated core: accepted beats per clock under saturating load for several
//! traffic mixes, goodput, RESULT latency, and simulated clocks per second.
//!
//! `cargo run --release -p aggnic-sim --bin core-bench [-- --frames N] [--json]` prints one figure a
//! line as `name: value unit` (or one JSON object with `--json`). Every run also checks the
//! outputs against the reference model (the differential testbench), so a figure never comes
//! from a core that got the sums wrong.

use aggnic_sim::figures::{Figure, print};
use aggnic_sim::{PARAMS, SimNic};
use aggnic_spec::bench::{self, Bench, CycleCore, Inputs, Stalls};
use aggnic_spec::hash::slot_index;
use aggnic_spec::model::{TenantEntry, tenant_writes};
use aggnic_spec::regs::{self, ctrl};
use aggnic_spec::rng::Rng;
use aggnic_spec::wire::{Addressing, Frame, Header, PAYLOAD_OFFSET};
use std::time::Instant;

/// A tenant of `workers` members (ids 0..workers) with every slot as quota.
fn configure(b: &mut Bench<SimNic>, tenant: u8, workers: u32) -> TenantEntry {
    let entry = TenantEntry {
        enable: true,
        quota: PARAMS.slots,
        mask: if workers >= 64 {
            u64::MAX
        } else {
            (1u64 << workers) - 1
        },
        key: 0x5eed_0000 + u64::from(tenant),
        window_base: 0,
    };
    for (addr, value) in tenant_writes(tenant, entry) {
        b.write(addr, value);
    }
    entry
}

fn update(tenant: u8, key: u64, worker: u8, seq: u32, salt: u16, lanes: &[i32]) -> Vec<u8> {
    Frame {
        addr: Addressing::between(worker + 2, 1, regs::DEFAULT_UDP_PORT),
        header: Header::update(tenant, worker, seq, salt, key),
        payload: lanes.to_vec(),
    }
    .encode()
}

/// Queues `frames` and clocks the core with no idle input and no backpressure until they are all
/// taken; returns accepted beats per clock over that time and the payload share of those beats.
fn saturate(b: &mut Bench<SimNic>, frames: &[Vec<u8>]) -> (f64, f64) {
    let beats: u64 = frames.iter().map(|f| bench::beats(f, PARAMS).len() as u64).sum();
    // The header is one 512-bit beat, two 256-bit ones.
    let header_beats = PAYLOAD_OFFSET.div_ceil(bench::beat_bytes(PARAMS)) as u64;
    let payload: u64 = frames
        .iter()
        .map(|f| bench::beats(f, PARAMS).len() as u64 - header_beats)
        .sum();
    let (c0, b0) = (b.seen.cycles, b.seen.beats_in);
    for f in frames {
        b.send_rx(f);
    }
    while b.seen.beats_in - b0 < beats {
        b.step();
    }
    let rate = (b.seen.beats_in - b0) as f64 / (b.seen.cycles - c0) as f64;
    b.drain();
    (rate, payload as f64 / beats as f64)
}

/// Fragments `first..first + count` of `tenants` tenants, `elements` lanes each, every worker back
/// to back per fragment, tenants interleaved fragment by fragment.
fn fragments(
    tenants: &[(u8, TenantEntry)],
    workers: u8,
    (first, count): (u32, u32),
    elements: u32,
    rng: &mut Rng,
) -> Vec<Vec<u8>> {
    let lanes: Vec<i32> = (0..elements).map(|_| rng.below(1000) as i32).collect();
    let mut out = Vec::new();
    for seq in first..first + count {
        for (t, e) in tenants {
            for w in 0..workers {
                out.push(update(*t, e.key, w, seq, 0, &lanes));
            }
        }
    }
    out
}

/// After the first worker's UPDATE of 40 % of the fragments, an UPDATE of another tenant whose
/// (tenant, fragment, salt) hashes to the same slot while the first fragment holds it: about one
/// frame in ten collides (and is forwarded COLLISION).
fn with_collisions(
    f: Vec<Vec<u8>>,
    jobs: &[(u8, TenantEntry)],
    workers: u8,
    first: u32,
    n: u32,
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rng = Rng::new(u64::from(first) + 7);
    let per_seq = usize::from(workers) * jobs.len();
    for (i, frame) in f.into_iter().enumerate() {
        out.push(frame);
        if i % usize::from(workers) != 0 || !rng.chance(400) {
            continue;
        }
        let seq = first + (i / per_seq) as u32;
        let (t, _) = jobs[(i % per_seq) / usize::from(workers)];
        let (t2, e2) = jobs[(usize::from(t) + 1) % jobs.len()];
        let target = slot_index(t, seq, 0, PARAMS.slots);
        // Inside the window (its base is at least `first`), past every fragment of this round.
        let seq2 = first + PARAMS.window - 1;
        debug_assert!(seq2 >= first + n);
        let salt = (1..=u16::MAX)
            .find(|&s| slot_index(t2, seq2, s, PARAMS.slots) == target)
            .expect("some salt hashes to the slot");
        out.push(update(
            t2,
            e2.key,
            0,
            seq2,
            salt,
            &vec![1; PARAMS.elements as usize],
        ));
    }
    out
}

fn main() {
    let mut frames = 4000u32;
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--frames" => {
                frames = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--frames takes a number")
            }
            other => {
                eprintln!("usage: core-bench [--frames N] [--json] (unknown argument {other})");
                std::process::exit(2);
            }
        }
    }
    let mut figures = Vec::new();
    let mut rng = Rng::new(0xbe7c);
    let no_stalls = Stalls {
        input_idle: 0,
        output_stall: 0,
    };
    let window = PARAMS.window;

    // Mixes. Each keeps the fragments in flight within the tenants' windows and the pool.
    let workers = 4u8;
    let per_round = |tenants: u32| (window / 2).min(PARAMS.slots / (2 * tenants)).max(1);
    // Short UPDATEs: 16 elements (64 bytes of payload, one beat behind the header on the 512-bit
    // datapath), where the three-clock spacing of ops that read tenant state shows.
    let short = 16.min(PARAMS.elements);
    for (name, tenants, collide, elements) in [
        ("one_tenant", 1u8, false, PARAMS.elements),
        ("eight_tenants_interleaved", 8, false, PARAMS.elements),
        ("ten_percent_collisions", 8, true, PARAMS.elements),
        ("short_updates_16_elements", 8, false, short),
    ] {
        let mut b = Bench::new(SimNic::new(), PARAMS, 1, no_stalls);
        b.write(regs::CTRL.addr, ctrl::ENABLE);
        let jobs: Vec<(u8, TenantEntry)> = (0..tenants)
            .map(|t| (t, configure(&mut b, t, workers.into())))
            .collect();
        let mut all = Vec::new();
        let rounds = (frames / (u32::from(workers) * u32::from(tenants))).max(1);
        let step = per_round(tenants.into());
        let mut seq = 0;
        while seq < rounds {
            let n = step.min(rounds - seq);
            let mut f = fragments(&jobs, workers, (seq, n), elements, &mut rng);
            if collide {
                f = with_collisions(f, &jobs, workers, seq, n);
            }
            all.push(f);
            seq += n;
        }
        let mut rate_sum = 0.0;
        let mut good = 0.0;
        for f in &all {
            let (r, g) = saturate(&mut b, f);
            rate_sum += r;
            good = g;
        }
        figures.push(Figure::new(
            format!("accepted_beats_per_cycle_{name}"),
            rate_sum / all.len() as f64,
            "beats/cycle",
        ));
        if name == "one_tenant" {
            figures.push(Figure::new(
                format!("goodput_{}_elements", PARAMS.elements),
                good,
                "payload beats/beat",
            ));
        }
    }

    // RESULT latency: from the last beat of the completing UPDATE into the core to the first
    // beat of the RESULT out, fragments sent one at a time.
    let mut sim = SimNic::new();
    CycleCore::reset(&mut sim);
    let mut b = Bench::new(sim, PARAMS, 2, no_stalls);
    b.write(regs::CTRL.addr, ctrl::ENABLE);
    let e = configure(&mut b, 0, workers.into());
    let mut latencies = Vec::new();
    for seq in 0..200u32 {
        let lanes: Vec<i32> = (0..PARAMS.elements).map(|_| rng.below(1000) as i32).collect();
        let mut last_in = 0u64;
        let mut first_out = None;
        for w in 0..workers {
            let f = update(0, e.key, w, seq, 0, &lanes);
            b.model.rx(&f);
            for beat in bench::beats(&f, PARAMS) {
                loop {
                    let o = b.core.cycle(&Inputs {
                        rx: Some(beat.clone()),
                        rx_out_ready: true,
                        tx_out_ready: true,
                        ..Inputs::default()
                    });
                    b.seen.cycles += 1;
                    if o.rx_ready {
                        break;
                    }
                }
            }
            last_in = b.seen.cycles;
        }
        for _ in 0..200 {
            let o = b.core.cycle(&Inputs {
                rx_out_ready: true,
                tx_out_ready: true,
                ..Inputs::default()
            });
            b.seen.cycles += 1;
            if o.rx_out.is_some() && first_out.is_none() {
                first_out = Some(b.seen.cycles);
            }
        }
        let first = first_out.expect("a RESULT for every fragment");
        latencies.push(first - last_in);
    }
    latencies.sort_unstable();
    for (name, v) in [
        ("result_latency_min", latencies[0]),
        ("result_latency_median", latencies[latencies.len() / 2]),
        ("result_latency_max", latencies[latencies.len() - 1]),
    ] {
        figures.push(Figure::new(name, v as f64, "cycles"));
    }

    // Simulated clocks per second of the verilated core under saturating traffic (the model's
    // checks excluded: raw clocks with a beat on the receive input every clock).
    let mut sim = SimNic::new();
    CycleCore::reset(&mut sim);
    let f = update(0, 1, 0, 0, 0, &vec![5; PARAMS.elements as usize]);
    let beats = bench::beats(&f, PARAMS);
    let start = Instant::now();
    let mut clocks = 0u64;
    while start.elapsed().as_secs_f64() < 2.0 {
        for i in 0..10_000 {
            let inputs = Inputs {
                rx: Some(beats[i % beats.len()].clone()),
                rx_out_ready: true,
                tx_out_ready: true,
                ..Inputs::default()
            };
            std::hint::black_box(sim.cycle(&inputs));
        }
        clocks += 10_000;
    }
    figures.push(Figure::new(
        format!("verilator_cycles_per_second_{}_lanes", PARAMS.lanes),
        clocks as f64 / start.elapsed().as_secs_f64(),
        "cycles/s",
    ));

    print(&figures, json, 4);
}
