//! `aggnic`: the operator's command. For now it runs the demo and the sim server; device and
//! tenant management arrive with the driver and CLI issues.

mod demo;
mod sim;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "aggnic",
    version,
    about = "In-network gradient aggregation for many training jobs on one card"
)]
struct Cli {
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Sim(args) => sim::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aggnic: {e}");
            ExitCode::FAILURE
        }
    }
}
