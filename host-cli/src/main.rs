//! `aggnic`: the operator's command. For now it runs the demo; device and tenant management
//! arrive with the driver and CLI issues.

mod demo;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aggnic: {e}");
            ExitCode::FAILURE
        }
    }
}
