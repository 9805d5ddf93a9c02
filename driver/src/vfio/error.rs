//! Why a card could not be opened, worded so that the person reading it knows what to do next.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;

use crate::pci::{PciDevice, VFIO_PCI, driver_name};

const IOMMU_HINT: &str = "enable the IOMMU: add intel_iommu=on (Intel) or amd_iommu=on (AMD) to the kernel \
                          command line and reboot";

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("no PCI device {address}{}", list_aggnic(.aggnic))]
    NoSuchDevice { address: String, aggnic: Vec<PciDevice> },

    #[error(
        "{} does not exist: VFIO is not available on this machine. To fix: {}`modprobe vfio-pci`, \
         then bind the card to vfio-pci",
        .path.display(),
        if *.iommu_enabled { String::new() } else { format!("{IOMMU_HINT}; ") }
    )]
    NoVfio { path: PathBuf, iommu_enabled: bool },

    #[error("{address} has no IOMMU group, so VFIO cannot isolate it. To fix: {IOMMU_HINT}")]
    NoIommuGroup { address: String },

    #[error(
        "{address} is bound to driver {}, not {VFIO_PCI}. To bind it (as root):\n{}",
        driver_name(.driver),
        bind_commands(.address, .driver.is_some())
    )]
    NotBound { address: String, driver: Option<String> },

    #[error(
        "IOMMU group {group} of {address} is not viable: every device in a group must be bound to {VFIO_PCI} \
         (or to no driver) before any of them can be used. Other devices in the group:{}\n\
         Bind those to {VFIO_PCI} as well, or move the card to a slot with its own group",
        list_devices(.others)
    )]
    GroupNotViable {
        address: String,
        group: u32,
        others: Vec<PciDevice>,
    },

    #[error(
        "permission denied opening {}: run as root, or give your user the device node \
         (e.g. `chown $USER {}` or a udev rule)",
        .path.display(), .path.display()
    )]
    PermissionDenied { path: PathBuf },

    #[error("VFIO API version {found}, this driver speaks version {expected}")]
    ApiVersion { found: i32, expected: u32 },

    #[error("the VFIO container offers no Type1 IOMMU (kernel built without CONFIG_VFIO_IOMMU_TYPE1?)")]
    NoType1Iommu,

    #[error(
        "BAR0 of {address} can be neither mapped nor read and written (region flags 0x{flags:x}, {size} bytes)"
    )]
    BarNotAccessible { address: String, flags: u32, size: u64 },

    #[error("{what} failed: {source}")]
    Syscall { what: String, source: io::Error },

    #[error("reading sysfs failed: {0}")]
    Sysfs(#[source] io::Error),
}

/// The shell commands that hand `address` to vfio-pci. They name the real `/sys`, not a test root.
pub fn bind_commands(address: &str, has_driver: bool) -> String {
    let dev = format!("/sys/bus/pci/devices/{address}");
    let mut out = String::new();
    if has_driver {
        let _ = writeln!(out, "  echo {address} > {dev}/driver/unbind");
    }
    let _ = writeln!(out, "  echo {VFIO_PCI} > {dev}/driver_override");
    let _ = write!(out, "  echo {address} > /sys/bus/pci/drivers_probe");
    out
}

fn list_devices(devices: &[PciDevice]) -> String {
    devices.iter().map(|d| format!("\n  {d}")).collect()
}

fn list_aggnic(devices: &[PciDevice]) -> String {
    if devices.is_empty() {
        "; no aggnic card was found on this machine".to_string()
    } else {
        format!("; aggnic cards on this machine:{}", list_devices(devices))
    }
}
