//! `aggnic`: the operator's command: the demo, the sim server, tenants and counters of a card.
//!
//! Exit codes: 0 success, 2 usage error (clap's), 1 runtime error (one line on stderr, with a hint
//! where there is one).

mod demo;
mod device;
mod sim;
mod stats;
mod tenant;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "aggnic",
    version,
    about = "In-network gradient aggregation for many training jobs on one card"
)]
struct Cli {
    /// The card: sim:<socket path> (served by `aggnic sim serve`) or vfio:<PCI address>.
    #[arg(long, global = true, env = device::ENV, value_name = "DEVICE")]
    device: Option<device::DeviceSpec>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run allreduce for several tenants through a card, with faults, and check every result.
    ///
    /// The card is the reference model of the core until the Verilator-simulated core lands.
    ///
    /// Examples:
    ///   aggnic demo
    ///   aggnic demo --tenants 4 --workers 8 --slots 64 --loss 5 --duplicate 2
    #[command(verbatim_doc_comment)]
    Demo(demo::DemoArgs),
    /// The simulated card: `aggnic sim serve` serves it over UDP and UNIX sockets.
    Sim(sim::SimArgs),
    /// Manage the tenant table: add, list, show, set, rm.
    ///
    /// Examples:
    ///   aggnic --device sim:/tmp/nic.sock tenant add 2 --key 0x5eedf00d --workers 4 --quota 64
    ///   aggnic tenant list --json
    #[command(verbatim_doc_comment)]
    Tenant(tenant::TenantArgs),
    /// The card's counters, global and (--tenant) one tenant's, latched in one instant.
    ///
    /// Examples:
    ///   aggnic --device sim:/tmp/nic.sock stats
    ///   aggnic stats --tenant 2 --json
    #[command(verbatim_doc_comment)]
    Stats(stats::StatsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Sim(args) => sim::run(&args),
        Command::Tenant(args) => tenant::run(cli.device.as_ref(), &args),
        Command::Stats(args) => stats::run(cli.device.as_ref(), &args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aggnic: {e}");
            ExitCode::FAILURE
        }
    }
}
