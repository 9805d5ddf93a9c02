//! `aggnic`: the operator's command: the demo, the sim server, tenants and counters of a card.
//!
//! Exit codes: 0 success, 2 usage error (clap's), 1 runtime error (one line on stderr, with a hint
//! where there is one).

mod demo;
mod device;
mod ps;
mod sim;
mod stats;
mod tenant;

use clap::{ArgAction, CommandFactory, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "aggnic",
    version,
    about = "In-network gradient aggregation for many training jobs on one card"
)]
struct Cli {
    /// The card: sim:<socket path> (served by `aggnic sim serve`) or vfio:<PCI address>.
    ///
    /// Default: AGGNIC_DEVICE, else `device = "..."` in $XDG_CONFIG_HOME/aggnic/config.toml
    /// (~/.config/aggnic/config.toml).
    #[arg(long, global = true, env = device::ENV, value_name = "DEVICE")]
    device: Option<device::DeviceSpec>,
    /// More log lines on stderr (-v: debug, -vv: trace); overrides RUST_LOG.
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    verbose: u8,
    /// Fewer log lines on stderr (-q: errors only, -qq: none); overrides RUST_LOG.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    quiet: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run allreduce for several tenants through a card, with faults, and check every result.
    ///
    /// The card is the verilated core (`--card core`, the default) or the reference model
    /// (`--card model`, any pool size).
    ///
    /// Examples:
    ///   aggnic demo
    ///   aggnic demo --tenants 4 --workers 8 --loss 5 --duplicate 2
    ///   aggnic demo --card model --slots 64
    #[command(verbatim_doc_comment)]
    Demo(demo::DemoArgs),
    /// The simulated card: `aggnic sim serve` serves it over UDP and UNIX sockets.
    Sim(sim::SimArgs),
    /// Run the parameter server against a card's host side until SIGINT or SIGTERM.
    ///
    /// It takes the card's results and the frames it could not aggregate, sums those in
    /// software, sends every worker its result, and flushes and releases slots. Give it every
    /// tenant the workers use, with the key and workers of `aggnic tenant add`.
    ///
    /// Examples:
    ///   aggnic ps --host 127.0.0.1:16712 --tenant 2:0x5eedf00d:4
    ///   aggnic ps --tenant 2:0x5eedf00d:4 --tenant 5:0xfeed:0b1010 --window 64
    #[command(verbatim_doc_comment)]
    Ps(ps::PsArgs),
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
    /// The cards: list those in sysfs, or show the selected one's blocks and capabilities.
    ///
    /// Examples:
    ///   aggnic device list
    ///   aggnic --device sim:/tmp/nic.sock device info --json
    #[command(verbatim_doc_comment)]
    Device(device::DeviceArgs),
    /// Print a shell completion script to stdout.
    ///
    /// Examples:
    ///   aggnic completions bash > ~/.local/share/bash-completion/completions/aggnic
    ///   aggnic completions zsh > ~/.zfunc/_aggnic
    ///   aggnic completions fish > ~/.config/fish/completions/aggnic.fish
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Logs to stderr: -v/-q when given, else RUST_LOG, else warnings and errors.
fn init_logging(verbose: u8, quiet: u8) {
    let level = match (verbose, quiet) {
        (0, 0) => None,
        (0, 1) => Some("error"),
        (0, _) => Some("off"),
        (1, _) => Some("debug"),
        _ => Some("trace"),
    };
    let filter = match level {
        Some(level) => EnvFilter::new(level),
        None => match std::env::var("RUST_LOG") {
            Ok(v) if !v.trim().is_empty() => EnvFilter::try_new(&v).unwrap_or_else(|e| {
                eprintln!("aggnic: ignoring RUST_LOG `{v}`: {e}");
                EnvFilter::new("warn")
            }),
            _ => EnvFilter::new("warn"),
        },
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// The script is built in memory first: clap_complete panics on a write error (`| head`).
fn completions(shell: clap_complete::Shell) -> Result<(), String> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "aggnic", &mut script);
    let mut out = std::io::stdout().lock();
    match out.write_all(&script).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("writing the script: {e}")),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    tracing::debug!(command = ?cli.command, "running");
    // The config file is read only by the commands that talk to a card.
    let device = || device::resolve(cli.device.clone());
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Sim(args) => sim::run(&args),
        Command::Ps(args) => ps::run(&args),
        Command::Tenant(args) => device().and_then(|d| tenant::run(d.as_ref(), &args)),
        Command::Stats(args) => device().and_then(|d| stats::run(d.as_ref(), &args)),
        Command::Device(args) => device::run(device, &args),
        Command::Completions { shell } => completions(shell),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aggnic: {e}");
            ExitCode::FAILURE
        }
    }
}
