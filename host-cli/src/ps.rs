//! `aggnic ps`: the parameter server as a process, against a card's host side (the sim server's
//! host socket), until SIGINT or SIGTERM. The service itself is `aggnic_client::PsService`.

use aggnic_client::{PsOptions, PsService, PsTenant};
use aggnic_spec::model::Params;
use aggnic_spec::regs::DEFAULT_UDP_PORT;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct PsArgs {
    /// UDP address of the card's host socket (`host:` in `aggnic sim serve`'s output).
    #[arg(long, default_value = "127.0.0.1:16712")]
    host: SocketAddr,
    /// A tenant to serve, as ID:KEY:WORKERS; WORKERS is a count (the first N workers, as
    /// `tenant add --workers N`) or a 0x/0b mask (as `tenant add --mask`). Repeat for more.
    #[arg(long = "tenant", value_name = "ID:KEY:WORKERS", required = true, value_parser = parse_tenant)]
    tenants: Vec<PsTenant>,
    /// The card's window (CAP_WINDOW), as `aggnic sim serve --window`.
    #[arg(long, default_value_t = Params::DEFAULT.window, value_parser = clap::value_parser!(u32).range(1..=64))]
    window: u32,
    /// The card's UDP_PORT register.
    #[arg(long, default_value_t = DEFAULT_UDP_PORT)]
    port: u16,
    /// Milliseconds a fragment may wait with pieces in software before its slot is flushed.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    flush_after_ms: u64,
}

fn parse_tenant(s: &str) -> Result<PsTenant, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let [id, key, workers] = parts[..] else {
        return Err(format!(
            "`{s}` is not ID:KEY:WORKERS (for example 2:0x5eedf00d:4)"
        ));
    };
    let id: u8 = crate::tenant::parse_u64(id)?
        .try_into()
        .map_err(|_| format!("tenant id `{id}` is not 0..=255"))?;
    let key = crate::tenant::parse_u64(key)?;
    let is_mask = ["0x", "0X", "0b", "0B"].iter().any(|p| workers.starts_with(p));
    let n = crate::tenant::parse_u64(workers)?;
    match (is_mask, n) {
        (_, 0) => Err(format!("tenant {id}: at least one worker")),
        (true, mask) => Ok(PsTenant::with_mask(id, key, mask)),
        (false, 1..=64) => Ok(PsTenant::new(id, key, n as u8)),
        (false, _) => Err(format!("tenant {id}: {n} workers, at most 64")),
    }
}

pub fn run(a: &PsArgs) -> Result<(), String> {
    // Signals first, as `sim serve` does, so one that comes while the PS starts is not lost.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).map_err(|e| format!("signal handler: {e}"))?;
    }
    let opts = PsOptions {
        window: a.window,
        port: a.port,
        flush_after: Duration::from_millis(a.flush_after_ms),
        tenants: a.tenants.clone(),
    };
    let mut service = PsService::connect(a.host, opts).map_err(|e| format!("PS: {e}"))?;
    let tenants: Vec<String> = a
        .tenants
        .iter()
        .map(|t| format!("{} ({} workers)", t.tenant, t.workers.len()))
        .collect();
    println!(
        "aggnic ps: tenants {}; window {}, port {}, flush after {} ms",
        tenants.join(", "),
        a.window,
        a.port,
        a.flush_after_ms
    );
    println!("card host socket: {}", a.host);
    println!("serving until SIGINT or SIGTERM");
    let report = service.run(&stop).map_err(|e| format!("PS: {e}"))?;
    println!("stopped: {report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_parse_as_count_or_mask() {
        let t = parse_tenant("2:0x5eedf00d:4").unwrap();
        assert_eq!((t.tenant, t.key, t.workers), (2, 0x5eed_f00d, vec![0, 1, 2, 3]));
        let t = parse_tenant("5:7:0b1010").unwrap();
        assert_eq!(t.workers, vec![1, 3]);
        assert_eq!(parse_tenant("1:1:64").unwrap().workers.len(), 64);
        for bad in ["2:1", "2:1:0", "2:1:65", "256:1:4", "x:1:4", "2:1:4:5"] {
            assert!(parse_tenant(bad).is_err(), "{bad}");
        }
    }
}
