//! `aggnic stats`: the card's counters, latched in one instant.

use crate::device::{self, DeviceSpec};
use crate::tenant::{JsonArg, explain, table};
use serde_json::{Map, Value, json};

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Also this tenant's counters, latched in the same instant as the global ones.
    #[arg(long, value_name = "ID")]
    tenant: Option<u8>,
    #[command(flatten)]
    json: JsonArg,
}

pub fn run(device: Option<&DeviceSpec>, a: &StatsArgs) -> Result<(), String> {
    let mut t = device::open_tenants(device)?;
    // The snapshot latches the global counters with one tenant's; without --tenant, tenant 0's are
    // latched and not shown.
    let snap = t
        .snapshot(a.tenant.unwrap_or(0))
        .map_err(|e| explain(&mut t, e))?;
    if a.json.json {
        let mut v = json!({ "global": counters_json(&snap.global) });
        if let Some(id) = a.tenant {
            v["tenant"] = json!({ "id": id, "counters": counters_json(&snap.tenant) });
        }
        println!("{v}");
    } else {
        print!("{}", counters_table(&snap.global));
        if let Some(id) = a.tenant {
            println!("\ntenant {id}");
            print!("{}", counters_table(&snap.tenant));
        }
    }
    Ok(())
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
