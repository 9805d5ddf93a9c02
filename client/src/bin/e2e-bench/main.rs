//! `e2e-bench`: allreduce end to end on the sim server, and the PS's software aggregation rate
//! next to this machine's memory bandwidth, one figure per line (`name: value unit`, or `--json`).
//!
//! ```sh
//! cargo run --release -p aggnic-client --bin e2e-bench
//! ```
//!
//! The end-to-end run starts the sim server in-process (the reference model as its card, or with
//! `--card core` the verilated core; real UDP sockets on loopback), creates the tenants with the driver, runs the PS service and one thread per worker,
//! and times the allreduces from a common start to the last worker's last result. Every result is
//! checked against the CPU sum: a benchmark of wrong answers is worth nothing.

mod rates;

use aggnic_client::{PsOptions, PsService, PsTenant, WorkerClient, WorkerOptions};
use aggnic_driver::{RegisterAccess, SimSocketBackend, TenantConfig, Tenants, Workers};
use aggnic_sim::server::{Config, Faults, Server, VerilatedCard};
use aggnic_spec::model::Params;
use aggnic_spec::regs;
use clap::Parser;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(
    about = "End-to-end allreduce throughput on the sim server, and the PS's software aggregation rate"
)]
struct Args {
    /// The card: `model` (the reference model, any pool size) or `core` (the verilated core, the
    /// parameters it was built with).
    #[arg(long, value_enum, default_value_t = Card::Model)]
    card: Card,
    /// Tenants (training jobs).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=16))]
    tenants: u8,
    /// Workers per tenant.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=16))]
    workers: u8,
    /// Elements of each worker's tensor.
    #[arg(long, default_value_t = 65536)]
    elements: usize,
    /// Allreduce iterations per worker.
    #[arg(long, default_value_t = 4)]
    iterations: usize,
    /// Slots in the card's pool (a power of two).
    #[arg(long, default_value_t = Params::DEFAULT.slots)]
    slots: u32,
    /// Slots each tenant may hold.
    #[arg(long, default_value_t = 64)]
    quota: u32,
    /// Fragments each worker keeps in flight, 1..=64.
    #[arg(long, default_value_t = 16)]
    send_window: u32,
    /// Milliseconds without a result before a worker resends a fragment.
    #[arg(long, default_value_t = 50)]
    timeout_ms: u64,
    /// Percent of network datagrams lost, each direction.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    json: bool,
    /// Only the PS's software aggregation rates and the memory baseline, no end-to-end run.
    #[arg(long)]
    ps_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Card {
    Model,
    Core,
}

struct Figure {
    name: &'static str,
    value: f64,
    unit: &'static str,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(figures) => {
            print(&figures, args.json);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("e2e-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn print(figures: &[Figure], json: bool) {
    if json {
        let fields: Vec<String> = figures
            .iter()
            .map(|f| format!("\"{}\":{{\"value\":{},\"unit\":\"{}\"}}", f.name, f.value, f.unit))
            .collect();
        println!("{{{}}}", fields.join(","));
        return;
    }
    for f in figures {
        let value = if f.value.fract() == 0.0 && f.value.abs() < 1e15 {
            format!("{}", f.value)
        } else if f.value.abs() >= 1000.0 {
            format!("{:.0}", f.value)
        } else {
            format!("{:.3}", f.value)
        };
        println!("{}: {value} {}", f.name, f.unit);
    }
}

fn run(a: &Args) -> Result<Vec<Figure>, String> {
    let mut figures = if a.ps_only { Vec::new() } else { end_to_end(a)? };
    let ps_rate = rates::ps_software_rate(a.workers, Params::DEFAULT.elements as usize, HALF_SECOND);
    // The same with 256 lanes, the largest power-of-two payload a standard 1500-byte MTU carries
    // (1088-byte frames): a card exported with more elements per packet.
    let ps_rate_large = rates::ps_software_rate(a.workers, 256, HALF_SECOND);
    let memory = rates::memory_read_rate();
    figures.extend(
        [
            ("ps_software_add_rate", ps_rate / 1e9, "GB/s"),
            ("ps_software_add_rate_256_lanes", ps_rate_large / 1e9, "GB/s"),
            ("memory_read_baseline", memory / 1e9, "GB/s"),
            ("ps_software_vs_baseline", 100.0 * ps_rate / memory, "%"),
            (
                "ps_software_vs_baseline_256_lanes",
                100.0 * ps_rate_large / memory,
                "%",
            ),
        ]
        .into_iter()
        .map(|(name, value, unit)| Figure { name, value, unit }),
    );
    Ok(figures)
}

/// Allreduce through the sim server: rates, in-card share and the PS's counters.
fn end_to_end(a: &Args) -> Result<Vec<Figure>, String> {
    let params = match a.card {
        Card::Model => Params {
            slots: a.slots,
            tenants: 16,
            ..Params::DEFAULT
        },
        Card::Core if a.slots != aggnic_sim::PARAMS.slots => {
            return Err(format!(
                "--card core: the verilated core is built with {} slots",
                aggnic_sim::PARAMS.slots
            ));
        }
        Card::Core => aggnic_sim::PARAMS,
    };
    params.validate()?;
    let control = std::env::temp_dir().join(format!("aggnic-e2e-bench-{}.sock", std::process::id()));
    let mut config = Config::new(control);
    config.faults = Faults {
        loss_percent: a.loss,
        ..Faults::default()
    };
    let server = match a.card {
        Card::Model => Server::start_model(config, params),
        Card::Core => Server::start(config, || Ok(VerilatedCard::new())),
    }
    .map_err(|e| format!("sim server: {e}"))?;
    let connect = || {
        SimSocketBackend::connect_timeout(server.control_path(), Duration::from_secs(5))
            .map_err(|e| format!("control socket: {e}"))
    };
    let mut tenants = Tenants::new(connect()?).map_err(|e| e.to_string())?;
    let key = |t: u8| 0xbe4c_0000_0000_0000 | u64::from(t);
    for t in 0..a.tenants {
        let config = TenantConfig {
            key: key(t),
            workers: Workers::Count(u32::from(a.workers)),
            quota: a.quota,
        };
        tenants.create(t, config).map_err(|e| e.to_string())?;
    }
    connect()?
        .write32(regs::CTRL.addr, regs::ctrl::ENABLE)
        .map_err(|e| e.to_string())?;
    let ps_tenants = (0..a.tenants)
        .map(|t| PsTenant::new(t, key(t), a.workers))
        .collect();
    let ps = PsService::connect(server.host_addr(), PsOptions::new(ps_tenants))
        .map_err(|e| format!("PS: {e}"))?
        .spawn()
        .map_err(|e| format!("PS: {e}"))?;

    // Worker w's tensor: small integers, so the sum over the tenant is exact and known.
    let tensor = |w: u8| -> Vec<f32> {
        (0..a.elements)
            .map(|i| ((i * 7 + w as usize) % 1000) as f32)
            .collect()
    };
    let expected: Vec<f32> = (0..a.elements)
        .map(|i| (0..a.workers).map(|w| ((i * 7 + w as usize) % 1000) as f32).sum())
        .collect();
    let expected = Arc::new(expected);
    let start_line = Arc::new(Barrier::new(usize::from(a.tenants) * usize::from(a.workers) + 1));
    let mut threads = Vec::new();
    for t in 0..a.tenants {
        for w in 0..a.workers {
            let mut opts = WorkerOptions::new(t, w, key(t), u32::from(a.workers));
            opts.send_window = a.send_window;
            opts.timeout = Duration::from_millis(a.timeout_ms);
            let (card, mine) = (server.network_addr(), tensor(w));
            let (expected, start_line, iterations) = (expected.clone(), start_line.clone(), a.iterations);
            threads.push(std::thread::spawn(move || -> Result<(), String> {
                let client = WorkerClient::connect(card, opts);
                start_line.wait();
                let mut client = client.map_err(|e| e.to_string())?;
                for it in 0..iterations {
                    let mut x = mine.clone();
                    client.allreduce(&mut x).map_err(|e| e.to_string())?;
                    if x != *expected {
                        return Err(format!("tenant {t} worker {w} iteration {it}: not the CPU sum"));
                    }
                }
                Ok(())
            }));
        }
    }
    start_line.wait();
    let start = Instant::now();
    for t in threads {
        t.join().map_err(|_| "a worker panicked".to_string())??;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let report = ps.stop().map_err(|e| format!("PS: {e}"))?;
    drop(server);

    let reduced = (usize::from(a.tenants) * a.elements * a.iterations) as f64;
    let figures = [
        ("e2e_allreduce_rate", reduced / elapsed, "elements/s"),
        (
            "e2e_contribution_rate",
            reduced * f64::from(a.workers) / elapsed,
            "elements/s",
        ),
        ("e2e_wall_time", elapsed, "s"),
        ("e2e_in_card_share", 100.0 * report.in_card_share(), "%"),
        ("e2e_fragments", report.fragments() as f64, "fragments"),
        ("e2e_collisions", report.collisions as f64, "frames"),
        ("e2e_resends", report.resends as f64, "frames"),
        ("e2e_flushes", report.ps.flushes as f64, "frames"),
    ];
    Ok(figures
        .into_iter()
        .map(|(name, value, unit)| Figure { name, value, unit })
        .collect())
}

const HALF_SECOND: Duration = Duration::from_millis(500);
