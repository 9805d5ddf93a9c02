//! `--device`: which card the management commands talk to, and opening it.
//!
//! `sim:<socket path>` is a card served by `aggnic sim serve` (its control socket);
//! `vfio:<PCI address>` is a real card bound to vfio-pci. The default comes from `AGGNIC_DEVICE`.

use aggnic_driver::{RegisterAccess, SimSocketBackend, Tenants, VfioDevice, blocks};
use std::path::PathBuf;
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

/// Opens the card, checks its register blocks and reads its tenant table's capabilities.
pub fn open_tenants(spec: Option<&DeviceSpec>) -> Result<Tenants<Device>, String> {
    let spec = spec.ok_or_else(|| {
        format!(
            "no device given; hint: pass --device sim:<socket path> (a card served by `aggnic sim serve`) \
             or --device vfio:<PCI address>, or set {ENV}"
        )
    })?;
    let mut dev: Device = match spec {
        // Its errors already say what to check.
        DeviceSpec::Sim(path) => Box::new(SimSocketBackend::connect(path).map_err(|e| e.to_string())?),
        // Printed as they are: they say which setup step is missing.
        DeviceSpec::Vfio(address) => Box::new(VfioDevice::open(address).map_err(|e| e.to_string())?),
    };
    blocks::check(&mut *dev).map_err(|e| format!("{spec}: {e}"))?;
    Tenants::new(dev).map_err(|e| format!("{spec}: {e}"))
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
}
