//! `aggnic demo`: workers of several tenants sum random tensors through a card and a PS over a
//! faulty network; every result is checked against a plain CPU sum.

use aggnic_proto::world::{Faults, Job, Rng, Timing, World};
use aggnic_spec::model::{Core, CoreCounter, Params, TenantCounter, TenantEntry};
use aggnic_spec::regs;
use std::io::IsTerminal;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Tenants (training jobs) sharing the card.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=16))]
    tenants: u8,
    /// Workers per tenant.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=64))]
    workers: u8,
    /// Fragments per worker (the tensor is fragments x elements int32 values).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    fragments: u32,
    /// Elements per fragment, at most the card's 64.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=64))]
    elements: u16,
    /// Slots in the card's pool (a power of two); small pools force collisions.
    #[arg(long, default_value_t = 256, value_parser = parse_slots)]
    slots: u32,
    /// Slots each tenant may hold.
    #[arg(long, default_value_t = 64)]
    quota: u32,
    /// Fragments each worker keeps in flight, 1..=64.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=64))]
    window: u32,
    /// Percent of network frames lost, each direction.
    #[arg(long, default_value_t = 2.0, value_parser = parse_percent)]
    loss: f64,
    /// Percent of network frames duplicated, each direction.
    #[arg(long, default_value_t = 1.0, value_parser = parse_percent)]
    duplicate: f64,
    /// Seed of the data and the network's schedule.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn parse_slots(s: &str) -> Result<u32, String> {
    let n: u32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if n.is_power_of_two() && n <= 65536 {
        Ok(n)
    } else {
        Err(format!("{n} is not a power of two from 1 to 65536"))
    }
}

fn parse_percent(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=50.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a percentage from 0 to 50")),
    }
}

pub fn run(a: &DemoArgs) -> Result<(), String> {
    let params = Params {
        lanes: 16,
        elements: 64,
        slots: a.slots,
        tenants: 16,
        window: 64,
    };
    let mut rng = Rng::new(a.seed);
    let jobs: Vec<Job> = (0..a.tenants)
        .map(|t| Job {
            tenant: t,
            key: rng.next_u64(),
            first_seq: rng.next_u64() as u32,
            workers: (0..a.workers)
                .map(|w| {
                    let fragments = (0..a.fragments)
                        .map(|_| {
                            (0..a.elements)
                                .map(|_| rng.below(2_000_001) as i32 - 1_000_000)
                                .collect()
                        })
                        .collect();
                    (w, fragments)
                })
                .collect(),
            send_window: a.window,
        })
        .collect();
    let mut card = Core::new(params);
    card.write(regs::CTRL.addr, regs::ctrl::ENABLE);
    for job in &jobs {
        let mask = job.workers.iter().fold(0, |m, (w, _)| m | 1u64 << w);
        let entry = TenantEntry {
            enable: true,
            quota: a.quota,
            mask,
            key: job.key,
            window_base: job.first_seq,
        };
        card.configure_tenant(job.tenant, entry);
    }
    // Faults at these rates until the budget of one fault per 10 frames a worker sends is spent.
    let frames = u32::from(a.tenants) * u32::from(a.workers) * a.fragments;
    let faults = Faults {
        loss_permille: (a.loss * 10.0).round() as u32,
        duplicate_permille: (a.duplicate * 10.0).round() as u32,
        reorder: true,
        loss_budget: frames / 10 + 1,
        duplicate_budget: frames / 10 + 1,
    };
    println!(
        "aggnic demo: {} tenants x {} workers, {} fragments of {} int32 each; pool {} slots, quota {}, window {}; {}% loss, {}% duplication",
        a.tenants, a.workers, a.fragments, a.elements, a.slots, a.quota, a.window, a.loss, a.duplicate
    );
    println!(
        "card: the reference model of the core (the Verilator-simulated core replaces it when it lands)"
    );
    let started = Instant::now();
    // Timeouts long against a frame's flight time, as on a real network: time moves on mostly
    // when nothing is in flight.
    let timing = Timing {
        worker_timeout: 5_000,
        max_resends: 100,
        flush_after: 1_000,
        tick_permille: 1,
    };
    let mut world = World::new(
        card,
        &jobs,
        params.window,
        regs::DEFAULT_UDP_PORT,
        faults,
        timing,
        a.seed,
    );
    let progress = std::io::stderr().is_terminal();
    let total_steps = 400 * u64::from(frames) + 100_000;
    let mut next_report = 0u64;
    while !world.finished() && world.stats.steps < total_steps {
        world.step();
        if progress && world.stats.steps >= next_report {
            next_report += 200_000;
            let done: usize = world
                .workers
                .iter()
                .map(|w| (0..w.pushed()).filter(|i| w.result(*i).is_some()).count())
                .sum();
            eprint!("\r  {done} of {frames} results received");
        }
    }
    if progress {
        eprintln!();
    }
    let elapsed = started.elapsed();
    world.drain(10_000_000);
    verify(&world, &jobs)?;
    summary(&world, &jobs, a, elapsed);
    Ok(())
}

/// Checks every worker's every result against the CPU sum.
fn verify(world: &World<Core>, jobs: &[Job]) -> Result<(), String> {
    let mut workers = world.workers.iter();
    for job in jobs {
        for (id, _) in &job.workers {
            let w = workers.next().expect("one per job worker");
            if let Some(e) = w.error() {
                return Err(format!("tenant {} worker {id}: {e}", job.tenant));
            }
            for i in 0..w.pushed() {
                let r = w.result(i).ok_or(format!(
                    "tenant {} worker {id}: no result for fragment {i}",
                    job.tenant
                ))?;
                let exact: Vec<i64> = job.exact_sum(i);
                let got: Vec<i64> = r.sum.iter().map(|x| i64::from(*x)).collect();
                if got != exact || r.overflow {
                    return Err(format!(
                        "tenant {} worker {id} fragment {i}: result differs from the CPU sum",
                        job.tenant
                    ));
                }
            }
        }
    }
    if world.card.slots_in_use() != 0 {
        return Err(format!(
            "{} slots still in use after every fragment finished",
            world.card.slots_in_use()
        ));
    }
    Ok(())
}

fn summary(world: &World<Core>, jobs: &[Job], a: &DemoArgs, elapsed: std::time::Duration) {
    let ps = world.ps.stats();
    let card = &world.card;
    let sum = |c: TenantCounter| jobs.iter().map(|j| card.tenant_counter(j.tenant, c)).sum::<u64>();
    let results = u64::from(a.tenants) * u64::from(a.workers) * u64::from(a.fragments);
    let fragments = ps.completed_in_card + ps.completed_in_software;
    let elements =
        u64::from(a.tenants) * u64::from(a.workers) * u64::from(a.fragments) * u64::from(a.elements);
    println!("verified: {results} of {results} results equal the CPU sum; no slot left in use");
    println!(
        "fragments: {fragments}, finished in the card {} ({:.1} %), in PS software {}",
        ps.completed_in_card,
        100.0 * ps.completed_in_card as f64 / fragments as f64,
        ps.completed_in_software
    );
    println!(
        "card: {} updates aggregated, {} collisions, {} over quota, {} resends, {} duplicates dropped, {} slots flushed",
        sum(TenantCounter::Aggregated),
        sum(TenantCounter::Collisions),
        sum(TenantCounter::OverQuota),
        sum(TenantCounter::Resends),
        sum(TenantCounter::Duplicates),
        sum(TenantCounter::Flushed),
    );
    println!(
        "network: {} frames lost, {} duplicated; PS: {} salt moves, {} overlapping pieces dropped; card results {}",
        world.stats.lost,
        world.stats.duplicated,
        ps.salt_moves,
        ps.pieces_dropped,
        card.counter(CoreCounter::Results)
    );
    println!(
        "elements aggregated: {elements} in {:.2} s of simulation ({:.1} M elements/s through the model)",
        elapsed.as_secs_f64(),
        elements as f64 / elapsed.as_secs_f64() / 1e6
    );
}
