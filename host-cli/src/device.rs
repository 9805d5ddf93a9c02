//! `--device`: which card the management commands talk to, and opening it.
//!
//! `sim:<socket path>` is a card served by `aggnic sim serve` (its control socket);
//! `vfio:<PCI address>` is a real card bound to vfio-pci. The default comes from `AGGNIC_DEVICE`.

use crate::tenant::{JsonArg, table};
use aggnic_driver::pci::driver_name;
use aggnic_driver::{
    PCI_DEVICE_ID, PCI_VENDOR_ID, RegisterAccess, SimSocketBackend, Sysfs, Tenants, VfioDevice, blocks,
};
use aggnic_spec::regs;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The environment variable `--device` defaults to.
pub const ENV: &str = "AGGNIC_DEVICE";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSpec {
    Sim(PathBuf),
    Vfio(String),
}

impl FromStr for DeviceSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a device: use sim:<socket path> or vfio:<PCI address>");
        match s.split_once(':') {
            Some(("sim", path)) if !path.is_empty() => Ok(DeviceSpec::Sim(PathBuf::from(path))),
            Some(("vfio", address)) if !address.is_empty() => Ok(DeviceSpec::Vfio(address.to_string())),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSpec::Sim(path) => write!(f, "sim:{}", path.display()),
            DeviceSpec::Vfio(address) => write!(f, "vfio:{address}"),
        }
    }
}

/// Any opened card.
pub type Device = Box<dyn RegisterAccess>;

/// Opens the card and checks its register blocks.
fn open(spec: Option<&DeviceSpec>) -> Result<(Device, blocks::Layout, &DeviceSpec), String> {
    let spec = spec.ok_or_else(|| {
        let config = config_path().map_or_else(|| "the config file".to_string(), |p| p.display().to_string());
        format!(
            "no device given; hint: pass --device sim:<socket path> (a card served by `aggnic sim serve`) \
             or --device vfio:<PCI address>, or set {ENV}, or put device = \"sim:<socket path>\" in {config}"
        )
    })?;
    let mut dev: Device = match spec {
        // Its errors already say what to check.
        DeviceSpec::Sim(path) => Box::new(SimSocketBackend::connect(path).map_err(|e| e.to_string())?),
        // Printed as they are: they say which setup step is missing.
        DeviceSpec::Vfio(address) => Box::new(VfioDevice::open(address).map_err(|e| e.to_string())?),
    };
    tracing::debug!(device = %spec, "opened the device");
    let layout = blocks::check(&mut *dev).map_err(|e| format!("{spec}: {e}"))?;
    tracing::debug!(
        core = %layout.core.version,
        tenants = %layout.tenants.version,
        "register blocks checked"
    );
    Ok((dev, layout, spec))
}

/// Opens the card, checks its register blocks and reads its tenant table's capabilities.
pub fn open_tenants(spec: Option<&DeviceSpec>) -> Result<Tenants<Device>, String> {
    let (dev, _, spec) = open(spec)?;
    Tenants::new(dev).map_err(|e| format!("{spec}: {e}"))
}

#[derive(Debug, clap::Args)]
pub struct DeviceArgs {
    #[command(subcommand)]
    command: DeviceCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DeviceCommand {
    /// List the aggnic cards sysfs shows, with their driver and IOMMU group.
    ///
    /// Examples:
    ///   aggnic device list
    ///   aggnic device list --json
    #[command(verbatim_doc_comment)]
    List(JsonArg),
    /// Show the selected card's register block versions and capabilities.
    ///
    /// Examples:
    ///   aggnic --device sim:/tmp/nic.sock device info
    ///   aggnic --device vfio:0000:01:00.0 device info --json
    #[command(verbatim_doc_comment)]
    Info(JsonArg),
}

/// `device` resolves --device (and reads the config file) only for the commands that need a card.
pub fn run(
    device: impl FnOnce() -> Result<Option<DeviceSpec>, String>,
    a: &DeviceArgs,
) -> Result<(), String> {
    match &a.command {
        DeviceCommand::List(j) => list(j.json),
        DeviceCommand::Info(j) => info(device()?.as_ref(), j.json),
    }
}

/// The config file: `$XDG_CONFIG_HOME/aggnic/config.toml`, else `~/.config/aggnic/config.toml`.
pub fn config_path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME") {
        // The XDG spec ignores a relative value.
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        _ => PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".config"),
    };
    Some(base.join("aggnic").join("config.toml"))
}

/// --device, else `AGGNIC_DEVICE` (both through clap), else `device` in the config file, if any.
pub fn resolve(given: Option<DeviceSpec>) -> Result<Option<DeviceSpec>, String> {
    if given.is_some() {
        return Ok(given);
    }
    let Some(path) = config_path() else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let spec = config_device(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(spec) = &spec {
        tracing::debug!(device = %spec, config = %path.display(), "device from the config file");
    }
    Ok(spec)
}

/// The `device` key of a config file's text, in one line on error.
fn config_device(text: &str) -> Result<Option<DeviceSpec>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        match line {
            Some(line) => format!("line {line}: {}", e.message().trim()),
            None => e.message().trim().to_string(),
        }
        .replace('\n', " ")
    })?;
    match table.get("device") {
        None => Ok(None),
        Some(toml::Value::String(s)) => s.parse().map(Some),
        Some(_) => Err("`device` must be a string, e.g. device = \"sim:/tmp/nic.sock\"".to_string()),
    }
}

fn list(json: bool) -> Result<(), String> {
    let sysfs = Sysfs::system();
    let cards = match sysfs.aggnic_devices() {
        Ok(cards) => cards,
        // No PCI bus visible (a container, say): no cards.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("reading {}: {e}", sysfs.root().display())),
    };
    tracing::debug!(count = cards.len(), "aggnic cards in sysfs");
    if json {
        let v: Vec<Value> = cards
            .iter()
            .map(|c| {
                json!({
                    "address": c.address,
                    "vendor": format!("{:04x}", c.vendor),
                    "device": format!("{:04x}", c.device),
                    "driver": c.driver,
                    "iommu_group": c.iommu_group,
                    "bound_to_vfio": c.bound_to_vfio(),
                })
            })
            .collect();
        println!("{}", Value::Array(v));
    } else if cards.is_empty() {
        println!(
            "no aggnic card ({PCI_VENDOR_ID:04x}:{PCI_DEVICE_ID:04x}) in sysfs; a simulated one: `aggnic sim serve`"
        );
    } else {
        let rows: Vec<Vec<String>> = cards
            .iter()
            .map(|c| {
                vec![
                    c.address.clone(),
                    format!("{:04x}:{:04x}", c.vendor, c.device),
                    driver_name(&c.driver).to_string(),
                    c.iommu_group.map_or("-".to_string(), |g| g.to_string()),
                    format!("vfio:{}", c.address),
                ]
            })
            .collect();
        print!(
            "{}",
            table(&["ADDRESS", "ID", "DRIVER", "IOMMU GROUP", "DEVICE"], &rows)
        );
    }
    Ok(())
}

fn info(device: Option<&DeviceSpec>, json: bool) -> Result<(), String> {
    let (mut dev, layout, spec) = open(device)?;
    let mut caps: Vec<(&'static str, u64)> = Vec::new();
    for reg in regs::ALL.iter().filter(|r| r.name.starts_with("CAP_")) {
        let value = dev.read_reg(*reg).map_err(|e| format!("{spec}: {e}"))?;
        caps.push((reg.name, value));
    }
    let blocks = [("core", layout.core), ("tenant table", layout.tenants)];
    if json {
        let blocks: Vec<Value> = blocks
            .iter()
            .map(|(name, b)| {
                json!({
                    "name": name,
                    "addr": format!("0x{:04x}", b.addr),
                    "type": format!("0x{:08x}", b.block_type),
                    "version": b.version.to_string(),
                })
            })
            .collect();
        let caps: Map<String, Value> = caps
            .iter()
            .map(|(name, v)| (cap_key(name), Value::from(*v)))
            .collect();
        println!(
            "{}",
            json!({ "device": spec.to_string(), "blocks": blocks, "capabilities": caps })
        );
    } else {
        println!("device {spec}\n");
        let rows: Vec<Vec<String>> = blocks
            .iter()
            .map(|(name, b)| {
                vec![
                    name.to_string(),
                    format!("0x{:04x}", b.addr),
                    format!("0x{:08x}", b.block_type),
                    b.version.to_string(),
                ]
            })
            .collect();
        print!("{}", table(&["BLOCK", "ADDR", "TYPE", "VERSION"], &rows));
        println!();
        let rows: Vec<Vec<String>> = caps
            .iter()
            .map(|(name, v)| vec![name.to_string(), v.to_string()])
            .collect();
        print!("{}", table(&["CAPABILITY", "VALUE"], &rows));
    }
    Ok(())
}

/// `CAP_SLOTS` -> `slots`, for JSON.
fn cap_key(name: &str) -> String {
    name.trim_start_matches("CAP_").to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_kinds_and_refuses_others() {
        assert_eq!(
            "sim:/tmp/nic.sock".parse::<DeviceSpec>().unwrap(),
            DeviceSpec::Sim("/tmp/nic.sock".into())
        );
        assert_eq!(
            "vfio:0000:01:00.0".parse::<DeviceSpec>().unwrap(),
            DeviceSpec::Vfio("0000:01:00.0".into())
        );
        for bad in ["", "sim:", "vfio:", "/tmp/nic.sock", "pci:0000:01:00.0"] {
            assert!(bad.parse::<DeviceSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn config_device_key() {
        assert_eq!(
            config_device("device = \"sim:/tmp/a.sock\"\n").unwrap(),
            Some(DeviceSpec::Sim("/tmp/a.sock".into()))
        );
        assert_eq!(config_device("# nothing\n").unwrap(), None);
        for bad in ["device = 3", "device = \"usb:1\"", "device = \n", "[x\ny = 1"] {
            let e = config_device(bad).unwrap_err();
            assert!(!e.contains('\n'), "{bad}: {e}");
        }
    }
}
