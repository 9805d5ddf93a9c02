//! `aggnic stats`: the card's counters, latched in one instant.

use crate::device::{self, DeviceSpec};
use crate::tenant::{JsonArg, explain, table};
use aggnic_driver::Tenants;
use serde_json::{Map, Value, json};
use std::io::{IsTerminal, Write};
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Also this tenant's counters, latched in the same instant as the global ones.
    #[arg(long, value_name = "ID")]
    tenant: Option<u8>,
    #[command(flatten)]
    json: JsonArg,
    /// Refresh until interrupted: redrawn in place on a terminal, repeated otherwise (with --json:
    /// one JSON object a line).
    #[arg(long)]
    watch: bool,
    /// Time between refreshes with --watch, in milliseconds.
    #[arg(long, default_value_t = 1000, requires = "watch", value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    interval_ms: u64,
    /// Stop --watch after this many refreshes.
    #[arg(long, requires = "watch", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
}

pub fn run(device: Option<&DeviceSpec>, a: &StatsArgs) -> Result<(), String> {
    let mut t = device::open_tenants(device)?;
    if !a.watch {
        print!("{}", render(&mut t, a)?);
        return Ok(());
    }
    // Clear and redraw only for a person watching; a pipe or file gets the plain outputs in turn.
    let redraw = !a.json.json && std::io::stdout().is_terminal();
    let interval = Duration::from_millis(a.interval_ms);
    let mut n = 0u64;
    loop {
        let text = render(&mut t, a)?;
        let mut out = std::io::stdout().lock();
        let written = if redraw {
            write!(out, "\x1b[H\x1b[2J{text}")
        } else if n > 0 && !a.json.json {
            write!(out, "\n{text}")
        } else {
            write!(out, "{text}")
        };
        // A closed pipe (`| head`) ends the watch quietly.
        if written.and_then(|()| out.flush()).is_err() {
            return Ok(());
        }
        drop(out);
        n += 1;
        if a.count.is_some_and(|c| n >= c) {
            return Ok(());
        }
        std::thread::sleep(interval);
    }
}

/// One snapshot, as the text to print (ending in a newline).
fn render(t: &mut Tenants<device::Device>, a: &StatsArgs) -> Result<String, String> {
    // The snapshot latches the global counters with one tenant's; without --tenant, tenant 0's are
    // latched and not shown.
    let snap = t.snapshot(a.tenant.unwrap_or(0)).map_err(|e| explain(t, e))?;
    let mut text = String::new();
    if a.json.json {
        let mut v = json!({ "global": counters_json(&snap.global) });
        if let Some(id) = a.tenant {
            v["tenant"] = json!({ "id": id, "counters": counters_json(&snap.tenant) });
        }
        text.push_str(&format!("{v}\n"));
    } else {
        text.push_str(&counters_table(&snap.global));
        if let Some(id) = a.tenant {
            text.push_str(&format!("\ntenant {id}\n"));
            text.push_str(&counters_table(&snap.tenant));
        }
    }
    Ok(text)
}

/// `{"NAME": value, ...}`.
pub fn counters_json(counters: &[(&'static str, u64)]) -> Value {
    let map: Map<String, Value> = counters
        .iter()
        .map(|(name, value)| (name.to_string(), Value::from(*value)))
        .collect();
    Value::Object(map)
}

/// A COUNTER / VALUE table, in the register map's order.
pub fn counters_table(counters: &[(&'static str, u64)]) -> String {
    let rows: Vec<Vec<String>> = counters
        .iter()
        .map(|(name, value)| vec![name.to_string(), value.to_string()])
        .collect();
    table(&["COUNTER", "VALUE"], &rows)
}
