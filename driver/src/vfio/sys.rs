//! Every VFIO and mmap syscall the driver makes, behind one trait ([`VfioSys`]) that tests replace.
//!
//! Why our own thin layer instead of `vfio-ioctls`: its `VfioContainer`/`VfioDevice` make the
//! ioctls and the mmap themselves, on real file descriptors, so a test could not substitute region
//! flags, short BARs or failing ioctls without a kernel. `vfio-bindings` gives the struct layouts and
//! constants of `<linux/vfio.h>`; `libc` gives `ioctl`, `mmap` and `munmap`; the ioctl numbers are
//! built here with `libc::_IO` exactly as the header's `_IO(VFIO_TYPE, VFIO_BASE + n)` does. BAR0 is
//! mapped with `libc::mmap` rather than `memmap2` for the same reason: the mapping must come from
//! the trait so a fake can hand out ordinary memory.
//!
//! `unsafe` is allowed in this module only (and in `mmio.rs`, which dereferences the mapping).
#![allow(unsafe_code)] // Raw ioctl/mmap calls: each block says why it is sound.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::ptr::NonNull;

use vfio_bindings::bindings::vfio;

/// What `VFIO_DEVICE_GET_REGION_INFO` says about one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionInfo {
    /// `VFIO_REGION_INFO_FLAG_*`.
    pub flags: u32,
    /// Bytes.
    pub size: u64,
    /// Where the region starts in the device fd, for `mmap` and `pread`/`pwrite`.
    pub offset: u64,
}

impl RegionInfo {
    pub fn can_mmap(&self) -> bool {
        self.flags & vfio::VFIO_REGION_INFO_FLAG_MMAP != 0
    }
    pub fn readable(&self) -> bool {
        self.flags & vfio::VFIO_REGION_INFO_FLAG_READ != 0
    }
    pub fn writable(&self) -> bool {
        self.flags & vfio::VFIO_REGION_INFO_FLAG_WRITE != 0
    }
}

/// The VFIO syscall boundary. Each method is one syscall.
///
/// # Safety
/// Implementors promise that a pointer returned by [`VfioSys::mmap`] is valid for volatile reads and
/// writes of `len` bytes, 4-byte aligned, until it is passed to [`VfioSys::munmap`]; the MMIO code
/// dereferences it on that promise.
pub unsafe trait VfioSys {
    /// An open file descriptor (a real fd, or whatever a fake uses to tell them apart).
    type Fd: std::fmt::Debug;

    /// `open(path, O_RDWR | O_CLOEXEC)`.
    fn open(&self, path: &Path) -> io::Result<Self::Fd>;
    /// `VFIO_GET_API_VERSION` on the container.
    fn api_version(&self, container: &Self::Fd) -> io::Result<i32>;
    /// `VFIO_CHECK_EXTENSION`: whether the container supports an IOMMU type.
    fn check_extension(&self, container: &Self::Fd, extension: u32) -> io::Result<bool>;
    /// `VFIO_GROUP_GET_STATUS`: the group's `VFIO_GROUP_FLAGS_*`.
    fn group_flags(&self, group: &Self::Fd) -> io::Result<u32>;
    /// `VFIO_GROUP_SET_CONTAINER`.
    fn set_container(&self, group: &Self::Fd, container: &Self::Fd) -> io::Result<()>;
    /// `VFIO_SET_IOMMU`.
    fn set_iommu(&self, container: &Self::Fd, iommu_type: u32) -> io::Result<()>;
    /// `VFIO_GROUP_GET_DEVICE_FD` for a PCI address.
    fn device_fd(&self, group: &Self::Fd, address: &str) -> io::Result<Self::Fd>;
    /// `VFIO_DEVICE_GET_REGION_INFO`.
    fn region_info(&self, device: &Self::Fd, index: u32) -> io::Result<RegionInfo>;
    /// `mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, device, offset)`.
    fn mmap(&self, device: &Self::Fd, offset: u64, len: usize) -> io::Result<NonNull<u8>>;
    /// `munmap`.
    ///
    /// # Safety
    /// `ptr` and `len` come from one successful [`VfioSys::mmap`] of this object, and nothing uses
    /// the mapping afterwards.
    unsafe fn munmap(&self, ptr: NonNull<u8>, len: usize) -> io::Result<()>;
    /// `pread` on the device fd: region access where mmap is not allowed.
    fn pread(&self, device: &Self::Fd, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    /// `pwrite` on the device fd.
    fn pwrite(&self, device: &Self::Fd, buf: &[u8], offset: u64) -> io::Result<usize>;
}

/// `_IO(VFIO_TYPE, VFIO_BASE + n)` from `<linux/vfio.h>`.
const fn vfio_io(n: u32) -> libc::Ioctl {
    libc::_IO(vfio::VFIO_TYPE as u32, vfio::VFIO_BASE + n)
}
pub(crate) const VFIO_GET_API_VERSION: libc::Ioctl = vfio_io(0);
const VFIO_CHECK_EXTENSION: libc::Ioctl = vfio_io(1);
const VFIO_SET_IOMMU: libc::Ioctl = vfio_io(2);
const VFIO_GROUP_GET_STATUS: libc::Ioctl = vfio_io(3);
const VFIO_GROUP_SET_CONTAINER: libc::Ioctl = vfio_io(4);
const VFIO_GROUP_GET_DEVICE_FD: libc::Ioctl = vfio_io(6);
const VFIO_DEVICE_GET_REGION_INFO: libc::Ioctl = vfio_io(8);

/// The real kernel interface.
#[derive(Debug, Default, Clone, Copy)]
pub struct LinuxVfio;

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// An ioctl whose argument is an integer (or unused).
fn ioctl_int(fd: &File, request: libc::Ioctl, arg: libc::c_ulong) -> io::Result<libc::c_int> {
    // SAFETY: every request passed here takes its argument by value (an integer or an fd number),
    // so the kernel reads or writes no memory of ours; `fd` is open for the duration of the call.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), request, arg) })
}

/// An ioctl whose argument is a pointer to a `repr(C)` struct of `<linux/vfio.h>`.
fn ioctl_struct<T>(fd: &File, request: libc::Ioctl, arg: &mut T) -> io::Result<libc::c_int> {
    // SAFETY: `arg` is a live, exclusively borrowed struct of the type `request` expects, whose
    // `argsz` field the caller set to its size, so the kernel stays inside it.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), request, arg as *mut T) })
}

// SAFETY: `mmap` returns the kernel's mapping of exactly `len` bytes (page-aligned, so 4-byte
// aligned), which stays valid until `munmap`.
unsafe impl VfioSys for LinuxVfio {
    type Fd = File;

    fn open(&self, path: &Path) -> io::Result<File> {
        OpenOptions::new().read(true).write(true).open(path)
    }

    fn api_version(&self, container: &File) -> io::Result<i32> {
        ioctl_int(container, VFIO_GET_API_VERSION, 0)
    }

    fn check_extension(&self, container: &File, extension: u32) -> io::Result<bool> {
        Ok(ioctl_int(container, VFIO_CHECK_EXTENSION, libc::c_ulong::from(extension))? > 0)
    }

    fn group_flags(&self, group: &File) -> io::Result<u32> {
        let mut status = vfio::vfio_group_status {
            argsz: size_of::<vfio::vfio_group_status>() as u32,
            ..Default::default()
        };
        ioctl_struct(group, VFIO_GROUP_GET_STATUS, &mut status)?;
        Ok(status.flags)
    }

    fn set_container(&self, group: &File, container: &File) -> io::Result<()> {
        let mut fd: libc::c_int = container.as_raw_fd();
        ioctl_struct(group, VFIO_GROUP_SET_CONTAINER, &mut fd).map(drop)
    }

    fn set_iommu(&self, container: &File, iommu_type: u32) -> io::Result<()> {
        ioctl_int(container, VFIO_SET_IOMMU, libc::c_ulong::from(iommu_type)).map(drop)
    }

    fn device_fd(&self, group: &File, address: &str) -> io::Result<File> {
        let name =
            std::ffi::CString::new(address).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        // SAFETY: the request reads a NUL-terminated string, which `name` is and outlives the call.
        let fd = check(unsafe { libc::ioctl(group.as_raw_fd(), VFIO_GROUP_GET_DEVICE_FD, name.as_ptr()) })?;
        // SAFETY: on success the kernel returned a new fd that nobody else owns.
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    fn region_info(&self, device: &File, index: u32) -> io::Result<RegionInfo> {
        let mut info = vfio::vfio_region_info {
            argsz: size_of::<vfio::vfio_region_info>() as u32,
            index,
            ..Default::default()
        };
        ioctl_struct(device, VFIO_DEVICE_GET_REGION_INFO, &mut info)?;
        Ok(RegionInfo {
            flags: info.flags,
            size: info.size,
            offset: info.offset,
        })
    }

    fn mmap(&self, device: &File, offset: u64, len: usize) -> io::Result<NonNull<u8>> {
        let offset =
            libc::off_t::try_from(offset).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        // SAFETY: a fresh shared mapping at an address the kernel picks; it aliases no Rust memory.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                device.as_raw_fd(),
                offset,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        NonNull::new(ptr.cast()).ok_or_else(|| io::Error::other("mmap returned NULL"))
    }

    unsafe fn munmap(&self, ptr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: the caller promises `ptr`/`len` are one live mapping from `mmap` and unused after.
        check(unsafe { libc::munmap(ptr.as_ptr().cast(), len) }).map(drop)
    }

    fn pread(&self, device: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        device.read_at(buf, offset)
    }

    fn pwrite(&self, device: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
        device.write_at(buf, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    #[allow(clippy::unnecessary_cast)] // `libc::Ioctl` is u64 on glibc but i32 on musl
    fn ioctl_numbers_match_the_kernel_header() {
        // Values of the C macros on the asm-generic ioctl layout (x86_64, aarch64).
        assert_eq!(VFIO_GET_API_VERSION as u64, 0x3b64);
        assert_eq!(VFIO_GROUP_GET_DEVICE_FD as u64, 0x3b6a);
        assert_eq!(VFIO_DEVICE_GET_REGION_INFO as u64, 0x3b6c);
    }

    #[test]
    fn region_flags_decode() {
        let info = RegionInfo {
            flags: vfio::VFIO_REGION_INFO_FLAG_READ,
            size: 4,
            offset: 0,
        };
        assert!(info.readable() && !info.writable() && !info.can_mmap());
    }

    #[test]
    fn opening_a_missing_vfio_node_fails_with_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let err = LinuxVfio.open(&dir.path().join("vfio")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn vfio_ioctls_on_a_non_vfio_file_fail_instead_of_crashing() {
        let file = tempfile::tempfile().unwrap();
        assert!(LinuxVfio.api_version(&file).is_err());
        assert!(LinuxVfio.group_flags(&file).is_err());
        assert!(LinuxVfio.region_info(&file, 0).is_err());
    }
}
