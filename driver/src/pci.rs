//! What sysfs says about PCI devices: discovery of aggnic cards, their driver binding and IOMMU group.
//!
//! Everything is read below a root directory (`/sys` on a real machine) so that tests build the tree
//! in a temporary directory. Only plain file reads and `readlink`: no VFIO here.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use aggnic_spec::regs::{PCI_DEVICE_ID, PCI_VENDOR_ID};

/// The kernel driver a device must be bound to for user-space access.
pub const VFIO_PCI: &str = "vfio-pci";

/// One PCI function as sysfs shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PciDevice {
    /// Domain:bus:device.function, e.g. `0000:01:00.0`.
    pub address: String,
    pub vendor: u16,
    pub device: u16,
    /// Bound kernel driver, if any.
    pub driver: Option<String>,
    /// IOMMU group; `None` when the IOMMU is off.
    pub iommu_group: Option<u32>,
}

impl PciDevice {
    pub fn is_aggnic(&self) -> bool {
        self.vendor == PCI_VENDOR_ID && self.device == PCI_DEVICE_ID
    }
    pub fn bound_to_vfio(&self) -> bool {
        self.driver.as_deref() == Some(VFIO_PCI)
    }
}

impl fmt::Display for PciDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{:04x}:{:04x}] driver: {}",
            self.address,
            self.vendor,
            self.device,
            driver_name(&self.driver)
        )?;
        match self.iommu_group {
            Some(g) => write!(f, ", IOMMU group {g}"),
            None => write!(f, ", no IOMMU group"),
        }
    }
}

/// `none` for an unbound device, for messages.
pub fn driver_name(driver: &Option<String>) -> &str {
    driver.as_deref().unwrap_or("none")
}

/// A sysfs tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysfs {
    root: PathBuf,
}

impl Sysfs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Sysfs { root: root.into() }
    }
    /// The running system's `/sys`.
    pub fn system() -> Self {
        Sysfs::new("/sys")
    }
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn devices_dir(&self) -> PathBuf {
        self.root.join("bus/pci/devices")
    }

    /// The directory of one device, whether or not it exists.
    pub fn device_dir(&self, address: &str) -> PathBuf {
        self.devices_dir().join(address)
    }

    /// One device, or `None` if sysfs has no such address.
    pub fn device(&self, address: &str) -> io::Result<Option<PciDevice>> {
        let dir = self.device_dir(address);
        if !dir.exists() {
            return Ok(None);
        }
        Ok(Some(PciDevice {
            address: address.to_string(),
            vendor: read_hex_id(&dir.join("vendor"))?,
            device: read_hex_id(&dir.join("device"))?,
            driver: link_name(&dir.join("driver")),
            iommu_group: link_name(&dir.join("iommu_group")).and_then(|g| g.parse().ok()),
        }))
    }

    /// Every PCI device, sorted by address.
    pub fn devices(&self) -> io::Result<Vec<PciDevice>> {
        let mut addresses: Vec<String> = fs::read_dir(self.devices_dir())?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()?;
        addresses.sort();
        addresses
            .iter()
            .filter_map(|a| self.device(a).transpose())
            .collect()
    }

    /// Every aggnic card ([`PCI_VENDOR_ID`]:[`PCI_DEVICE_ID`]).
    pub fn aggnic_devices(&self) -> io::Result<Vec<PciDevice>> {
        Ok(self.devices()?.into_iter().filter(PciDevice::is_aggnic).collect())
    }

    /// Addresses of the devices in an IOMMU group, sorted.
    pub fn group_members(&self, group: u32) -> io::Result<Vec<String>> {
        let dir = self
            .root
            .join("kernel/iommu_groups")
            .join(group.to_string())
            .join("devices");
        let mut members: Vec<String> = fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()?;
        members.sort();
        Ok(members)
    }

    /// Whether the kernel made any IOMMU group: if not, the IOMMU is off (or absent).
    pub fn iommu_enabled(&self) -> bool {
        fs::read_dir(self.root.join("kernel/iommu_groups")).is_ok_and(|mut d| d.next().is_some())
    }
}

/// sysfs writes ids as `0x1ded\n`.
fn read_hex_id(path: &Path) -> io::Result<u16> {
    let text = fs::read_to_string(path)?;
    let digits = text.trim().trim_start_matches("0x");
    u16::from_str_radix(digits, 16).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {:?} is not a PCI id: {e}", path.display(), text),
        )
    })
}

/// The last component of a symlink's target (`driver` -> `.../drivers/vfio-pci`).
fn link_name(link: &Path) -> Option<String> {
    let target = fs::read_link(link).ok()?;
    Some(target.file_name()?.to_string_lossy().into_owned())
}

/// Builds fake sysfs trees for tests, laid out as the kernel does: device directories with
/// `vendor`/`device` files, `driver` and `iommu_group` symlinks, and the group's `devices` links.
#[cfg(test)]
pub(crate) mod fake {
    use std::os::unix::fs::symlink;
    use std::path::Path;

    pub fn add_device(
        root: &Path,
        address: &str,
        vendor: u16,
        device: u16,
        driver: Option<&str>,
        group: Option<u32>,
    ) {
        let real = root.join("devices/pci0000:00").join(address);
        std::fs::create_dir_all(&real).unwrap();
        std::fs::write(real.join("vendor"), format!("0x{vendor:04x}\n")).unwrap();
        std::fs::write(real.join("device"), format!("0x{device:04x}\n")).unwrap();
        let devices = root.join("bus/pci/devices");
        std::fs::create_dir_all(&devices).unwrap();
        symlink(&real, devices.join(address)).unwrap();
        if let Some(driver) = driver {
            let dir = root.join("bus/pci/drivers").join(driver);
            std::fs::create_dir_all(&dir).unwrap();
            symlink(&dir, real.join("driver")).unwrap();
        }
        if let Some(group) = group {
            let dir = root.join("kernel/iommu_groups").join(group.to_string());
            std::fs::create_dir_all(dir.join("devices")).unwrap();
            symlink(&dir, real.join("iommu_group")).unwrap();
            symlink(&real, dir.join("devices").join(address)).unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::add_device;
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        add_device(root, "0000:00:1f.0", 0x8086, 0x1234, Some("lpc_ich"), Some(3));
        add_device(
            root,
            "0000:03:00.0",
            PCI_VENDOR_ID,
            PCI_DEVICE_ID,
            Some("vfio-pci"),
            Some(12),
        );
        add_device(root, "0000:01:00.0", PCI_VENDOR_ID, PCI_DEVICE_ID, None, Some(11));
        add_device(
            root,
            "0000:01:00.1",
            PCI_VENDOR_ID,
            0x0001,
            Some("vfio-pci"),
            Some(11),
        );
        dir
    }

    #[test]
    fn discovery_lists_only_aggnic_ids_with_binding_and_group() {
        let dir = tree();
        let found = Sysfs::new(dir.path()).aggnic_devices().unwrap();
        assert_eq!(
            found,
            vec![
                PciDevice {
                    address: "0000:01:00.0".into(),
                    vendor: PCI_VENDOR_ID,
                    device: PCI_DEVICE_ID,
                    driver: None,
                    iommu_group: Some(11),
                },
                PciDevice {
                    address: "0000:03:00.0".into(),
                    vendor: PCI_VENDOR_ID,
                    device: PCI_DEVICE_ID,
                    driver: Some("vfio-pci".into()),
                    iommu_group: Some(12),
                },
            ]
        );
        assert!(!found[0].bound_to_vfio() && found[1].bound_to_vfio());
        assert_eq!(
            found[0].to_string(),
            "0000:01:00.0 [1ded:a66c] driver: none, IOMMU group 11"
        );
    }

    #[test]
    fn group_members_and_iommu_state() {
        let dir = tree();
        let sysfs = Sysfs::new(dir.path());
        assert_eq!(
            sysfs.group_members(11).unwrap(),
            vec!["0000:01:00.0", "0000:01:00.1"]
        );
        assert!(sysfs.iommu_enabled());
        let empty = tempfile::tempdir().unwrap();
        assert!(!Sysfs::new(empty.path()).iommu_enabled());
    }

    #[test]
    fn missing_device_is_none_and_a_machine_without_pci_is_an_error() {
        let dir = tree();
        assert_eq!(Sysfs::new(dir.path()).device("0000:09:00.0").unwrap(), None);
        let empty = tempfile::tempdir().unwrap();
        assert!(Sysfs::new(empty.path()).aggnic_devices().is_err());
    }

    #[test]
    fn a_garbled_id_file_is_reported_with_its_path() {
        let dir = tree();
        std::fs::write(dir.path().join("bus/pci/devices/0000:01:00.0/vendor"), "zz\n").unwrap();
        let err = Sysfs::new(dir.path()).devices().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("0000:01:00.0/vendor"), "{err}");
    }
}
