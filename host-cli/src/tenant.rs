//! `aggnic tenant add|list|show|set|rm`: the tenant table of a card.

use crate::device::{self, DeviceSpec};
use aggnic_driver::tenants::{TenantInfo, TenantUpdate};
use aggnic_driver::{TenantConfig, TenantError, Tenants, Workers};
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct TenantArgs {
    #[command(subcommand)]
    command: TenantCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TenantCommand {
    /// Create a tenant: its key, its workers (the first N, or a mask) and its slot quota.
    ///
    /// Examples:
    ///   aggnic --device sim:/tmp/nic.sock tenant add 2 --key 0x5eedf00d --workers 4 --quota 64
    ///   aggnic tenant add 3 --key 7 --mask 0b101001 --quota 8
    #[command(verbatim_doc_comment)]
    Add(AddArgs),
    /// List the enabled tenants.
    ///
    /// Examples:
    ///   aggnic tenant list
    ///   aggnic tenant list --json
    #[command(verbatim_doc_comment)]
    List(JsonArg),
    /// Show one tenant and its counters.
    ///
    /// Examples:
    ///   aggnic tenant show 2
    ///   aggnic tenant show 2 --json
    #[command(verbatim_doc_comment)]
    Show(ShowArgs),
    /// Change a tenant's key, workers or quota; what is not given stays as it is.
    ///
    /// Examples:
    ///   aggnic tenant set 2 --quota 128
    ///   aggnic tenant set 2 --key 0x1234 --workers 8
    #[command(verbatim_doc_comment)]
    Set(SetArgs),
    /// Remove a tenant: disable it, flush its slots and wait until it holds none.
    ///
    /// Examples:
    ///   aggnic tenant rm 2
    ///   aggnic tenant rm 2 --timeout-ms 5000
    #[command(verbatim_doc_comment)]
    Rm(RmArgs),
}

#[derive(Debug, clap::Args)]
pub struct JsonArg {
    /// Print JSON, for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["workers", "mask"])))]
struct AddArgs {
    /// Tenant id, 0 to the card's tenant count - 1.
    id: u8,
    /// The tenant's 64-bit key (decimal, 0x hex or 0b binary).
    #[arg(long, value_parser = parse_u64)]
    key: u64,
    /// The tenant's workers are workers 0 to N - 1.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: Option<u32>,
    /// The tenant's workers, one bit each (bit w: worker w; nonzero).
    #[arg(long, value_parser = parse_mask)]
    mask: Option<u64>,
    /// Most aggregator slots the tenant may hold at once (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    quota: u32,
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// Tenant id.
    id: u8,
    #[command(flatten)]
    json: JsonArg,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("change").required(true).multiple(true).args(["key", "workers", "mask", "quota"])))]
struct SetArgs {
    /// Tenant id.
    id: u8,
    /// A new 64-bit key.
    #[arg(long, value_parser = parse_u64)]
    key: Option<u64>,
    /// The workers become workers 0 to N - 1.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64), conflicts_with = "mask")]
    workers: Option<u32>,
    /// The workers become these (bit w: worker w; nonzero).
    #[arg(long, value_parser = parse_mask)]
    mask: Option<u64>,
    /// A new slot quota (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    quota: Option<u32>,
}

#[derive(Debug, clap::Args)]
struct RmArgs {
    /// Tenant id.
    id: u8,
    /// How long to wait for its slots to be flushed, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    timeout_ms: u64,
}

/// A number in decimal, `0x` hex or `0b` binary.
pub fn parse_u64(s: &str) -> Result<u64, String> {
    let t = s.replace('_', "");
    let parsed = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        u64::from_str_radix(b, 2)
    } else {
        t.parse()
    };
    parsed.map_err(|_| format!("`{s}` is not a 64-bit number (decimal, 0x hex or 0b binary)"))
}

fn parse_mask(s: &str) -> Result<u64, String> {
    match parse_u64(s) {
        Ok(0) => Err("a worker mask needs at least one bit set".to_string()),
        Ok(m) => Ok(m),
        Err(_) => Err(format!(
            "`{s}` is not a worker mask (a nonzero 64-bit number, bit w for worker w: 0x29, 0b101001)"
        )),
    }
}

fn workers(count: Option<u32>, mask: Option<u64>) -> Option<Workers> {
    count.map(Workers::Count).or(mask.map(Workers::Mask))
}

pub fn run(device: Option<&DeviceSpec>, args: &TenantArgs) -> Result<(), String> {
    let mut t = device::open_tenants(device)?;
    match &args.command {
        TenantCommand::Add(a) => {
            let config = TenantConfig {
                key: a.key,
                workers: workers(a.workers, a.mask).expect("clap requires one"),
                quota: a.quota,
            };
            t.create(a.id, config).map_err(|e| explain(&mut t, e))?;
            println!("tenant {} added", a.id);
        }
        TenantCommand::List(j) => {
            let list = t.list().map_err(|e| explain(&mut t, e))?;
            if j.json {
                let v: Vec<Value> = list.iter().map(info_json).collect();
                println!("{}", Value::Array(v));
            } else {
                let rows = list.iter().map(info_row).collect::<Vec<_>>();
                print!("{}", table(&INFO_HEADERS, &rows));
            }
        }
        TenantCommand::Show(a) => {
            let info = find(&mut t, a.id)?;
            let snap = t.snapshot(a.id).map_err(|e| explain(&mut t, e))?;
            if a.json.json {
                let mut v = info_json(&info);
                v["counters"] = crate::stats::counters_json(&snap.tenant);
                println!("{v}");
            } else {
                print!("{}", table(&INFO_HEADERS, &[info_row(&info)]));
                println!();
                print!("{}", crate::stats::counters_table(&snap.tenant));
            }
        }
        TenantCommand::Set(a) => {
            let update = TenantUpdate {
                key: a.key,
                workers: workers(a.workers, a.mask),
                quota: a.quota,
            };
            t.update(a.id, update).map_err(|e| explain(&mut t, e))?;
            println!("tenant {} updated", a.id);
        }
        TenantCommand::Rm(a) => {
            t.remove(a.id, Duration::from_millis(a.timeout_ms))
                .map_err(|e| explain(&mut t, e))?;
            println!("tenant {} removed", a.id);
        }
    }
    Ok(())
}

/// The enabled tenant `id`, or a not-found error with its hint.
fn find(t: &mut Tenants<device::Device>, id: u8) -> Result<TenantInfo, String> {
    let tenants = t.caps().tenants;
    if u32::from(id) >= tenants {
        return Err(explain(t, TenantError::IdOutOfRange { id, tenants }));
    }
    let list = t.list().map_err(|e| explain(t, e))?;
    list.into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| explain(t, TenantError::NotFound { id }))
}

/// One line: what went wrong, then what to do about it where there is something.
pub fn explain(t: &mut Tenants<device::Device>, e: TenantError) -> String {
    let hint = match &e {
        TenantError::NotFound { .. } => Some("`aggnic tenant list` shows the tenants".to_string()),
        TenantError::IdInUse { id } => Some(format!(
            "`aggnic tenant set {id}` changes it, `aggnic tenant rm {id}` removes it"
        )),
        TenantError::IdOutOfRange { tenants, .. } => Some(format!(
            "this card's tenant ids are 0 to {}",
            tenants.saturating_sub(1)
        )),
        TenantError::TableFull { .. } => Some("`aggnic tenant rm <id>` frees an entry".to_string()),
        TenantError::QuotaTooLarge { slots, .. } => {
            let in_use: u64 = t
                .list()
                .map(|l| l.iter().map(|i| u64::from(i.slots_in_use)).sum())
                .unwrap_or(0);
            Some(format!(
                "the pool has {slots} slots, {} free now; use --quota 1 to {slots}",
                u64::from(*slots).saturating_sub(in_use)
            ))
        }
        TenantError::TooManyWorkers { supported, .. } => Some(format!(
            "this card supports workers 0 to {} per tenant",
            supported.saturating_sub(1)
        )),
        TenantError::NoWorkers => None,
        TenantError::FlushTimeout { .. } => {
            Some("the tenant is disabled; raise --timeout-ms and run `aggnic tenant rm` again".to_string())
        }
        TenantError::Access(_) => None,
    };
    match hint {
        Some(h) => format!("{e}; hint: {h}"),
        None => e.to_string(),
    }
}

const INFO_HEADERS: [&str; 6] = ["ID", "QUOTA", "WORKERS", "MASK", "WINDOW_BASE", "SLOTS_IN_USE"];

fn info_row(i: &TenantInfo) -> Vec<String> {
    vec![
        i.id.to_string(),
        i.quota.to_string(),
        i.mask.count_ones().to_string(),
        format!("{:#x}", i.mask),
        i.window_base.to_string(),
        i.slots_in_use.to_string(),
    ]
}

fn info_json(i: &TenantInfo) -> Value {
    json!({
        "id": i.id,
        "quota": i.quota,
        "workers": i.mask.count_ones(),
        "mask": format!("{:#x}", i.mask),
        "window_base": i.window_base,
        "slots_in_use": i.slots_in_use,
    })
}

/// Columns padded to their widest cell, two spaces apart; a header line first.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out += &line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_masks_parse_in_three_bases() {
        assert_eq!(parse_u64("41").unwrap(), 41);
        assert_eq!(parse_u64("0x29").unwrap(), 41);
        assert_eq!(parse_u64("0b10_1001").unwrap(), 41);
        assert!(parse_u64("0x1_0000_0000_0000_0000").is_err());
        assert!(parse_u64("twelve").is_err());
        assert!(parse_mask("0").is_err());
        assert!(parse_mask("0xzz").is_err());
    }

    #[test]
    fn tables_align_their_columns() {
        let t = table(
            &["ID", "NAME"],
            &[vec!["10".into(), "a".into()], vec!["2".into(), "bbb".into()]],
        );
        assert_eq!(t, "ID  NAME\n10  a\n2   bbb\n");
    }
}
