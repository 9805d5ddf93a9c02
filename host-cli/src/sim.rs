//! `aggnic sim serve`: the simulated card as a process, for workers, a PS and tools to talk to
//! over real sockets (`aggnic_sim::server`; `docs/sim.md`).

use aggnic_sim::server::{Config, Faults, Server};
use aggnic_spec::model::{Core, Params};
use aggnic_spec::regs;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    #[command(subcommand)]
    command: SimCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SimCommand {
    /// Serve a simulated card over sockets until SIGINT or SIGTERM.
    ///
    /// Workers send their datagrams (aggregation header + lanes) to the network socket; the PS
    /// sends and receives whole Ethernet frames on the host socket (an empty datagram registers
    /// it); registers are read and written over the control socket, one command a line
    /// (`read 0x0010`, `write CTRL 1`, `stats`, `help`). The card is the reference model of the
    /// core (`--card model`, any parameters) or the Verilator-simulated core itself (`--card core`,
    /// the parameters it was built with).
    ///
    /// Examples:
    ///   aggnic sim serve --enable
    ///   aggnic sim serve --card core --enable
    ///   aggnic sim serve --network 127.0.0.1:0 --host 127.0.0.1:0 --control /tmp/nic.sock --loss 2 --seed 7
    #[command(verbatim_doc_comment)]
    Serve(ServeArgs),
}

/// Which card a simulated server hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CardKind {
    /// The reference model (any parameters).
    Model,
    /// The verilated core (the parameters it was built with), frames streamed at line rate.
    Core,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// UDP address of the network socket, where workers send (port 0: the OS picks).
    #[arg(long, default_value = "127.0.0.1:16711")]
    network: SocketAddr,
    /// UDP address of the host socket, where the PS sends and receives frames.
    #[arg(long, default_value = "127.0.0.1:16712")]
    host: SocketAddr,
    /// Path of the control socket (UNIX stream). Default: aggnic-sim.sock in the temp directory.
    #[arg(long)]
    control: Option<PathBuf>,
    /// Send frames for the host here rather than to the last address that sent to the host socket.
    #[arg(long)]
    ps: Option<SocketAddr>,
    /// Set CTRL.ENABLE at start (otherwise every network frame passes to the host until it is set).
    #[arg(long)]
    enable: bool,
    /// The card: `model` (the reference model) or `core` (the verilated hardware; with
    /// AGGNIC_CARD_CHECK=1 checked against the model frame by frame).
    #[arg(long, value_enum, default_value_t = CardKind::Model)]
    card: CardKind,
    /// int32 lanes per datapath beat (8 or 16).
    #[arg(long, default_value_t = Params::DEFAULT.lanes)]
    lanes: u32,
    /// Most elements per packet.
    #[arg(long, default_value_t = Params::DEFAULT.elements)]
    elements: u32,
    /// Aggregator slots in the pool (a power of two).
    #[arg(long, default_value_t = Params::DEFAULT.slots)]
    slots: u32,
    /// Tenant table entries, 1..=256.
    #[arg(long, default_value_t = Params::DEFAULT.tenants)]
    tenants: u32,
    /// Fragments in a tenant's window, 1..=64.
    #[arg(long, default_value_t = Params::DEFAULT.window)]
    window: u32,
    /// Percent of network datagrams lost, each direction.
    #[arg(long, default_value_t = 0.0, value_parser = parse_percent)]
    loss: f64,
    /// Percent of network datagrams delivered twice, each direction.
    #[arg(long, default_value_t = 0.0, value_parser = parse_percent)]
    duplicate: f64,
    /// Percent of network datagrams held back so later ones overtake them, each direction.
    #[arg(long, default_value_t = 0.0, value_parser = parse_percent)]
    reorder: f64,
    /// Longest hold-back of a reordered or duplicated datagram, in milliseconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    reorder_delay_ms: u64,
    /// Seed of the fault decisions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn parse_percent(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

pub fn run(args: &SimArgs) -> Result<(), String> {
    match &args.command {
        SimCommand::Serve(a) => serve(a),
    }
}

fn serve(a: &ServeArgs) -> Result<(), String> {
    let params = Params {
        lanes: a.lanes,
        elements: a.elements,
        slots: a.slots,
        tenants: a.tenants,
        window: a.window,
    };
    params.validate()?;
    let faults = Faults {
        loss_percent: a.loss,
        duplicate_percent: a.duplicate,
        reorder_percent: a.reorder,
        reorder_delay: Duration::from_millis(a.reorder_delay_ms),
        seed: a.seed,
    };
    let control = a
        .control
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("aggnic-sim.sock"));
    let config = Config {
        network: a.network,
        host: a.host,
        control,
        ps: a.ps,
        faults,
    };
    // Signals first, so one that comes while the server starts is not lost.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).map_err(|e| format!("signal handler: {e}"))?;
    }
    let enable = a.enable;
    if a.card == CardKind::Core && params != aggnic_sim::PARAMS {
        let p = aggnic_sim::PARAMS;
        return Err(format!(
            "--card core: the verilated core is built for {} lanes, {} elements, {} slots, {} tenants, window {}; pass those, rebuild with AGGNIC_SIM_PARAMS, or use --card model",
            p.lanes, p.elements, p.slots, p.tenants, p.window
        ));
    }
    let handle = match a.card {
        CardKind::Model => Server::start(config, move || {
            let mut core = Core::new(params);
            if enable {
                core.write(regs::CTRL.addr, regs::ctrl::ENABLE);
            }
            Ok(core)
        }),
        CardKind::Core => Server::start(config, move || {
            let mut core = aggnic_sim::server::VerilatedCard::new();
            if enable {
                aggnic_sim::server::SimCard::write(&mut core, regs::CTRL.addr, regs::ctrl::ENABLE)
                    .map_err(std::io::Error::other)?;
            }
            Ok(core)
        }),
    }
    .map_err(|e| format!("sim server: {e}"))?;
    let fault_text = if a.loss + a.duplicate + a.reorder > 0.0 {
        format!(
            "{}% loss, {}% duplication, {}% reordering (up to {} ms), seed {}",
            a.loss, a.duplicate, a.reorder, a.reorder_delay_ms, a.seed
        )
    } else {
        "none".to_string()
    };
    println!(
        "aggnic sim: {}, {} lanes, {} elements, {} slots, {} tenants, window {}; {}; faults: {fault_text}",
        match a.card {
            CardKind::Model => "reference model of the core",
            CardKind::Core => "the verilated core",
        },
        params.lanes,
        params.elements,
        params.slots,
        params.tenants,
        params.window,
        if a.enable {
            "enabled"
        } else {
            "disabled (write CTRL 1 to enable)"
        },
    );
    println!("network: {}", handle.network_addr());
    println!("host: {}", handle.host_addr());
    println!("control: {}", handle.control_path().display());
    println!("serving until SIGINT or SIGTERM");
    while !stop.load(Ordering::SeqCst) && handle.is_running() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let died = !stop.load(Ordering::SeqCst);
    let stats = handle.shutdown()?;
    if died {
        return Err("the sim server stopped unexpectedly".to_string());
    }
    let pairs: Vec<String> = stats.pairs().iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("stopped: {}", pairs.join(" "));
    Ok(())
}
