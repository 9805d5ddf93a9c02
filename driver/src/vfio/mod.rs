//! The card over VFIO: open container, group and device, then reach BAR0 (the AXI4-Lite window).
//!
//! The open sequence follows the kernel's `Documentation/driver-api/vfio.rst`: container
//! (`/dev/vfio/vfio`, API version, Type1 IOMMU), group (`/dev/vfio/<n>`, must be viable), attach the
//! group to the container, pick the IOMMU, get the device fd, read BAR0's region info. BAR0 is mapped
//! only if its region flags allow mmap; otherwise each access is a `pread`/`pwrite` at the region's
//! offset in the device fd. Each syscall goes through [`VfioSys`] (`sys.rs`) so tests run the whole
//! sequence against a fake; sysfs (binding, IOMMU group) is read through a [`Sysfs`] root for the same
//! reason. Before a step fails for a reason a person can fix, sysfs is consulted so the error says
//! which reason and what to do ([`OpenError`]).

mod error;
mod mmio;
pub mod sys;
#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

use vfio_bindings::bindings::vfio;

pub use error::{OpenError, bind_commands};
pub use sys::{LinuxVfio, RegionInfo, VfioSys};

use crate::access::{AccessError, RegisterAccess, check_word};
use crate::pci::Sysfs;
use mmio::Mapping;

/// How BAR0 is reached.
#[derive(Debug)]
enum Bar {
    Mapped(Mapping),
    /// `pread`/`pwrite` on the device fd, at `region.offset + addr`.
    Io(RegionInfo),
}

/// An aggnic card opened through VFIO. BAR0 is unmapped, and the fds closed, on drop.
#[derive(Debug)]
pub struct VfioDevice<S: VfioSys = LinuxVfio> {
    address: String,
    bar: Bar,
    region: RegionInfo,
    // Dropped in this order after `Drop::drop` unmapped BAR0: device, then group, then container.
    device: S::Fd,
    _group: S::Fd,
    _container: S::Fd,
    sys: S,
}

impl VfioDevice<LinuxVfio> {
    /// Opens the card at a PCI address (`0000:01:00.0`) on this machine.
    pub fn open(address: &str) -> Result<Self, OpenError> {
        VfioDevice::open_with(LinuxVfio, &Sysfs::system(), Path::new("/dev/vfio"), address)
    }
}

impl<S: VfioSys> VfioDevice<S> {
    /// Opens the card through `sys`, reading sysfs below `sysfs` and VFIO nodes in `dev_vfio`.
    pub fn open_with(sys: S, sysfs: &Sysfs, dev_vfio: &Path, address: &str) -> Result<Self, OpenError> {
        let Some(pci) = sysfs.device(address).map_err(OpenError::Sysfs)? else {
            let aggnic = sysfs.aggnic_devices().unwrap_or_default();
            return Err(OpenError::NoSuchDevice {
                address: address.into(),
                aggnic,
            });
        };

        let container_path = dev_vfio.join("vfio");
        let container = sys.open(&container_path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => OpenError::NoVfio {
                path: container_path.clone(),
                iommu_enabled: sysfs.iommu_enabled(),
            },
            _ => open_failed(&container_path, e),
        })?;
        let version = sys
            .api_version(&container)
            .map_err(syscall("VFIO_GET_API_VERSION"))?;
        if version != vfio::VFIO_API_VERSION as i32 {
            return Err(OpenError::ApiVersion {
                found: version,
                expected: vfio::VFIO_API_VERSION,
            });
        }
        let iommu_type = type1_iommu(&sys, &container)?;

        if !pci.bound_to_vfio() {
            return Err(OpenError::NotBound {
                address: address.into(),
                driver: pci.driver,
            });
        }
        let group_number = pci.iommu_group.ok_or_else(|| OpenError::NoIommuGroup {
            address: address.into(),
        })?;
        let group_path = dev_vfio.join(group_number.to_string());
        let group = sys.open(&group_path).map_err(|e| open_failed(&group_path, e))?;
        let flags = sys
            .group_flags(&group)
            .map_err(syscall("VFIO_GROUP_GET_STATUS"))?;
        if flags & vfio::VFIO_GROUP_FLAGS_VIABLE == 0 {
            return Err(not_viable(sysfs, address, group_number));
        }

        sys.set_container(&group, &container)
            .map_err(syscall("VFIO_GROUP_SET_CONTAINER"))?;
        sys.set_iommu(&container, iommu_type)
            .map_err(syscall("VFIO_SET_IOMMU"))?;
        let device = sys
            .device_fd(&group, address)
            .map_err(syscall("VFIO_GROUP_GET_DEVICE_FD"))?;
        let region = sys
            .region_info(&device, vfio::VFIO_PCI_BAR0_REGION_INDEX)
            .map_err(syscall("VFIO_DEVICE_GET_REGION_INFO (BAR0)"))?;

        let bar = if region.size == 0 || !(region.can_mmap() || region.readable() || region.writable()) {
            return Err(OpenError::BarNotAccessible {
                address: address.into(),
                flags: region.flags,
                size: region.size,
            });
        } else if region.can_mmap() {
            Bar::Mapped(Mapping::map(&sys, &device, &region).map_err(syscall("mmap of BAR0"))?)
        } else {
            Bar::Io(region)
        };
        Ok(VfioDevice {
            address: address.into(),
            bar,
            region,
            device,
            _group: group,
            _container: container,
            sys,
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }
    /// BAR0 as the kernel describes it.
    pub fn region(&self) -> RegionInfo {
        self.region
    }
    /// Whether BAR0 is mapped (else every access is a syscall).
    pub fn is_mapped(&self) -> bool {
        matches!(self.bar, Bar::Mapped(_))
    }
}

/// Type1v2 where the kernel has it (it fixes unmap semantics), else Type1.
fn type1_iommu<S: VfioSys>(sys: &S, container: &S::Fd) -> Result<u32, OpenError> {
    for iommu_type in [vfio::VFIO_TYPE1v2_IOMMU, vfio::VFIO_TYPE1_IOMMU] {
        if sys
            .check_extension(container, iommu_type)
            .map_err(syscall("VFIO_CHECK_EXTENSION"))?
        {
            return Ok(iommu_type);
        }
    }
    Err(OpenError::NoType1Iommu)
}

fn not_viable(sysfs: &Sysfs, address: &str, group: u32) -> OpenError {
    let members = match sysfs.group_members(group) {
        Ok(members) => members,
        Err(e) => return OpenError::Sysfs(e),
    };
    let others = members
        .iter()
        .filter(|a| *a != address)
        .filter_map(|a| sysfs.device(a).ok().flatten())
        .collect();
    OpenError::GroupNotViable {
        address: address.into(),
        group,
        others,
    }
}

fn open_failed(path: &Path, e: io::Error) -> OpenError {
    if e.kind() == io::ErrorKind::PermissionDenied {
        OpenError::PermissionDenied {
            path: PathBuf::from(path),
        }
    } else {
        OpenError::Syscall {
            what: format!("opening {}", path.display()),
            source: e,
        }
    }
}

fn syscall(what: &'static str) -> impl FnOnce(io::Error) -> OpenError {
    move |source| OpenError::Syscall {
        what: what.into(),
        source,
    }
}

impl<S: VfioSys> RegisterAccess for VfioDevice<S> {
    fn read32(&mut self, addr: u32) -> Result<u32, AccessError> {
        let region = match &self.bar {
            Bar::Mapped(mapping) => return mapping.read32(addr),
            Bar::Io(region) => region,
        };
        if !region.readable() {
            return Err(AccessError::NotPermitted("read"));
        }
        let offset = check_word(addr, region.size)? as u64;
        let mut buf = [0u8; 4];
        let done = self
            .sys
            .pread(&self.device, &mut buf, region.offset + offset)
            .map_err(|source| AccessError::Io {
                op: "read",
                addr,
                source,
            })?;
        if done != buf.len() {
            return Err(AccessError::Short {
                op: "read",
                addr,
                done,
            });
        }
        Ok(u32::from_le_bytes(buf)) // vfio-pci's region read/write is little-endian
    }

    fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError> {
        let region = match &mut self.bar {
            Bar::Mapped(mapping) => return mapping.write32(addr, value),
            Bar::Io(region) => region,
        };
        if !region.writable() {
            return Err(AccessError::NotPermitted("write"));
        }
        let offset = check_word(addr, region.size)? as u64;
        let done = self
            .sys
            .pwrite(&self.device, &value.to_le_bytes(), region.offset + offset)
            .map_err(|source| AccessError::Io {
                op: "write",
                addr,
                source,
            })?;
        if done != 4 {
            return Err(AccessError::Short {
                op: "write",
                addr,
                done,
            });
        }
        Ok(())
    }
}

impl<S: VfioSys> Drop for VfioDevice<S> {
    fn drop(&mut self) {
        if let Bar::Mapped(mapping) = &mut self.bar {
            // Nothing useful to do with an error here: the fds close next, which tears the
            // mapping's device side down anyway.
            let _ = mapping.unmap(&self.sys);
        }
    }
}
