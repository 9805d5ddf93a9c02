//! `aggnic demo`: workers of several tenants sum random float tensors through the simulated card
//! and the PS, all over real sockets: the sim server in-process (its network side lossy), tenants
//! created by the driver over the control socket, the PS service and one thread per worker, each
//! with its own UDP socket (`aggnic-client`). Every result is checked against a plain CPU sum.

use aggnic_client::{ClientError, PsOptions, PsService, PsTenant, WorkerClient, WorkerOptions};
use aggnic_driver::{RegisterAccess, SimSocketBackend, TenantConfig, Tenants, Workers};
use aggnic_proto::world::Rng;
use aggnic_sim::server::{Config, Faults, Server, VerilatedCard};
use aggnic_spec::model::Params;
use aggnic_spec::regs;
use std::io::IsTerminal;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Which card the demo's sim server hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoCard {
    /// The verilated core (the parameters it was built with: its pool size, tenants and window).
    Core,
    /// The reference model of the core (any pool size).
    Model,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The card: `core` (the Verilog core under Verilator) or `model` (the reference model).
    #[arg(long, value_enum, default_value_t = DemoCard::Core)]
    card: DemoCard,
    /// Tenants (training jobs) sharing the card.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=16))]
    tenants: u8,
    /// Workers per tenant.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=64))]
    workers: u8,
    /// Fragments per tensor (a worker's tensor is fragments x elements floats).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    fragments: u32,
    /// Elements per fragment, at most the card's 64.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=64))]
    elements: u16,
    /// Allreduce iterations per worker, each on a new random tensor.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=1000))]
    iterations: u32,
    /// Slots in the card's pool (a power of two; small pools force collisions). Only with
    /// `--card model` (default 256); the core has the pool it was built with.
    #[arg(long, value_parser = parse_slots)]
    slots: Option<u32>,
    /// Slots each tenant may hold.
    #[arg(long, default_value_t = 64)]
    quota: u32,
    /// Fragments each worker keeps in flight, 1..=64.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=64))]
    window: u32,
    /// Percent of network datagrams lost, each direction.
    #[arg(long, default_value_t = 2.0, value_parser = parse_percent)]
    loss: f64,
    /// Percent of network datagrams duplicated, each direction.
    #[arg(long, default_value_t = 1.0, value_parser = parse_percent)]
    duplicate: f64,
    /// Seed of the data, the keys and the network's faults.
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

/// One worker's tensors, one per iteration: multiples of 1/256 below 256 in magnitude, so sums over
/// up to 64 workers are exact in f32 and through the card's shared scale alike.
fn tensors(rng: &mut Rng, iterations: u32, len: usize) -> Vec<Vec<f32>> {
    (0..iterations)
        .map(|_| {
            (0..len)
                .map(|_| (rng.below(1 << 17) as i64 - (1 << 16)) as f32 / 256.0)
                .collect()
        })
        .collect()
}

pub fn run(a: &DemoArgs) -> Result<(), String> {
    let params = match a.card {
        DemoCard::Core => {
            let p = aggnic_sim::PARAMS;
            if a.slots.is_some_and(|s| s != p.slots) {
                return Err(format!(
                    "--slots: the verilated core is built with {} slots; rebuild with AGGNIC_SIM_PARAMS=slots=N or use --card model",
                    p.slots
                ));
            }
            p
        }
        DemoCard::Model => Params {
            lanes: 16,
            elements: 64,
            slots: a.slots.unwrap_or(256),
            tenants: 16,
            window: 64,
        },
    };
    if u32::from(a.tenants) > params.tenants {
        return Err(format!(
            "--tenants: the card has {} tenant entries",
            params.tenants
        ));
    }
    let len = a.fragments as usize * usize::from(a.elements);
    let mut rng = Rng::new(a.seed);
    let keys: Vec<u64> = (0..a.tenants).map(|_| rng.next_u64()).collect();
    // data[tenant][worker][iteration]
    let data: Vec<Vec<Vec<Vec<f32>>>> = (0..a.tenants)
        .map(|_| {
            (0..a.workers)
                .map(|_| tensors(&mut rng, a.iterations, len))
                .collect()
        })
        .collect();

    let control = std::env::temp_dir().join(format!("aggnic-demo-{}.sock", std::process::id()));
    let mut config = Config::new(control);
    config.faults = Faults {
        loss_percent: a.loss,
        duplicate_percent: a.duplicate,
        seed: a.seed,
        ..Faults::default()
    };
    let server = match a.card {
        DemoCard::Core => Server::start(config, || Ok(VerilatedCard::new())),
        DemoCard::Model => Server::start_model(config, params),
    }
    .map_err(|e| format!("sim server: {e}"))?;
    let connect = || {
        SimSocketBackend::connect_timeout(server.control_path(), Duration::from_secs(5))
            .map_err(|e| format!("sim server control socket: {e}"))
    };
    let mut tenants = Tenants::new(connect()?).map_err(|e| e.to_string())?;
    let mut regs_dev = connect()?;
    for (t, key) in keys.iter().enumerate() {
        let config = TenantConfig {
            key: *key,
            workers: Workers::Count(u32::from(a.workers)),
            quota: a.quota,
        };
        tenants.create(t as u8, config).map_err(|e| e.to_string())?;
    }
    regs_dev
        .write32(regs::CTRL.addr, regs::ctrl::ENABLE)
        .map_err(|e| e.to_string())?;
    let ps_tenants = (0..a.tenants)
        .map(|t| PsTenant::new(t, keys[usize::from(t)], a.workers))
        .collect();
    let mut ps_opts = PsOptions::new(ps_tenants);
    ps_opts.window = params.window;
    let ps = PsService::connect(server.host_addr(), ps_opts)
        .and_then(PsService::spawn)
        .map_err(|e| format!("PS: {e}"))?;

    println!(
        "aggnic demo: {} tenants x {} workers, {} iterations of allreduce on {} fragments of {} floats each; pool {} slots, quota {}, window {}; {}% loss, {}% duplication",
        a.tenants,
        a.workers,
        a.iterations,
        a.fragments,
        a.elements,
        params.slots,
        a.quota,
        a.window,
        a.loss,
        a.duplicate
    );
    println!(
        "card: {} behind the sim server's sockets (network {}, host {}); the PS and every worker are threads with their own UDP sockets",
        match a.card {
            DemoCard::Core => "the verilated core (Verilog under Verilator, clock by clock)",
            DemoCard::Model => "the reference model of the core",
        },
        server.network_addr(),
        server.host_addr()
    );

    let started = Instant::now();
    let mut threads: Vec<JoinHandle<Result<Vec<Vec<f32>>, ClientError>>> = Vec::new();
    for (t, key) in keys.iter().enumerate() {
        for w in 0..a.workers {
            let mut opts = WorkerOptions::new(t as u8, w, *key, u32::from(a.workers));
            opts.elements = usize::from(a.elements);
            opts.window = params.window;
            opts.send_window = a.window;
            let (card, mine) = (server.network_addr(), data[t][usize::from(w)].clone());
            threads.push(std::thread::spawn(move || {
                let mut client = WorkerClient::connect(card, opts)?;
                mine.into_iter()
                    .map(|mut x| client.allreduce(&mut x).map(|()| x))
                    .collect()
            }));
        }
    }
    // Per tenant and iteration: the exponent round's fragments, then the values'.
    let votes = aggnic_proto::scale::EXPONENT_LANES.div_ceil(usize::from(a.elements)) as u64;
    let expected_fragments =
        u64::from(a.tenants) * u64::from(a.iterations) * (votes + u64::from(a.fragments));
    let progress = std::io::stderr().is_terminal();
    while threads.iter().any(|t| !t.is_finished()) {
        if progress {
            let done = ps.report().fragments();
            eprint!("\r  {done} of {expected_fragments} fragments finished");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if progress {
        eprintln!();
    }
    let elapsed = started.elapsed();
    let mut results = Vec::new();
    for (i, t) in threads.into_iter().enumerate() {
        let (tenant, worker) = (i / usize::from(a.workers), i % usize::from(a.workers));
        let r = t
            .join()
            .map_err(|_| format!("tenant {tenant} worker {worker}: the thread panicked"))?;
        // A worker that gave up: say what the card, the server and the PS saw, to tell a dead
        // card thread or PS from a slow one.
        results.push(r.map_err(|e| {
            format!(
                "{e}\n  card thread running: {}; PS running: {}; PS: {}\n  server: {:?}",
                server.is_running(),
                ps.is_running(),
                ps.report(),
                server.stats()
            )
        })?);
    }
    let verified = verify(&data, &results, usize::from(a.elements))?;
    wait_slots_free(&mut regs_dev)?;
    let report = ps.stop().map_err(|e| format!("PS: {e}"))?;
    let mut counter = |t: u8, name: &str| -> Result<u64, String> {
        let snap = tenants.snapshot(t).map_err(|e| e.to_string())?;
        let find = |list: &[(&str, u64)]| list.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        Ok(find(&snap.tenant).or(find(&snap.global)).unwrap_or(0))
    };
    let mut sum = |name: &str| -> Result<u64, String> { (0..a.tenants).map(|t| counter(t, name)).sum() };
    let card = [
        "T_AGGREGATED",
        "T_COLLISIONS",
        "T_OVER_QUOTA",
        "T_RESENDS",
        "T_DUPLICATES",
        "T_FLUSHED",
    ]
    .map(&mut sum);
    let card_results = counter(0, "C_RESULTS")?; // global, latched with tenant 0's
    let stats = server.shutdown()?;
    let elements = u64::from(a.tenants) * u64::from(a.workers) * u64::from(a.iterations) * len as u64;

    println!("verified: {verified} of {verified} results equal the CPU sum; no slot left in use");
    println!(
        "fragments: {}, finished in the card {} ({:.1} %), in PS software {}",
        report.fragments(),
        report.ps.completed_in_card,
        100.0 * report.in_card_share(),
        report.ps.completed_in_software
    );
    let [aggregated, collisions, over_quota, resends, duplicates, flushed] = card;
    println!(
        "card: {} updates aggregated, {} collisions, {} over quota, {} resends, {} duplicates dropped, {} slots flushed",
        aggregated?, collisions?, over_quota?, resends?, duplicates?, flushed?
    );
    println!(
        "network: {} datagrams lost, {} duplicated; PS: {} salt moves, {} overlapping pieces dropped; card results {card_results}",
        stats.up.lost + stats.down.lost,
        stats.up.duplicated + stats.down.duplicated,
        report.ps.salt_moves,
        report.ps.pieces_dropped,
    );
    println!(
        "elements aggregated: {elements} in {:.2} s ({:.2} M elements/s end to end over loopback UDP)",
        elapsed.as_secs_f64(),
        elements as f64 / elapsed.as_secs_f64() / 1e6
    );
    Ok(())
}

/// Checks every worker's every result, fragment by fragment, against the CPU sum (in f64, then
/// rounded once to f32, as the card's exact integer sum is); returns how many fragments matched.
fn verify(data: &[Vec<Vec<Vec<f32>>>], results: &[Vec<Vec<f32>>], elements: usize) -> Result<u64, String> {
    let mut verified = 0;
    let mut results = results.iter();
    for (t, workers) in data.iter().enumerate() {
        for w in 0..workers.len() {
            let got = results.next().expect("one result list per worker");
            for (it, sum) in got.iter().enumerate() {
                let exact: Vec<f32> = (0..sum.len())
                    .map(|i| workers.iter().map(|x| f64::from(x[it][i])).sum::<f64>() as f32)
                    .collect();
                for (f, (g, e)) in sum.chunks(elements).zip(exact.chunks(elements)).enumerate() {
                    if g != e {
                        return Err(format!(
                            "tenant {t} worker {w} iteration {it} fragment {f}: result differs from the CPU sum"
                        ));
                    }
                    verified += 1;
                }
            }
        }
    }
    Ok(verified)
}

/// Late copies may still be in flight when the last result lands: give them a second to arrive.
fn wait_slots_free(dev: &mut SimSocketBackend) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let in_use = dev.read32(regs::SLOTS_IN_USE.addr).map_err(|e| e.to_string())?;
        if in_use == 0 {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(1) {
            return Err(format!(
                "{in_use} slots still in use after every fragment finished"
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
