//! The VFIO backend against a fake syscall layer and fake sysfs trees.
#![allow(unsafe_code)] // The fake's mmap hands out heap memory and its munmap frees it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::rc::Rc;

use vfio_bindings::bindings::vfio::*;

use super::*;
use crate::pci::fake::add_device;
use crate::pci::{PCI_DEVICE_ID, PCI_VENDOR_ID};

const ADDR: &str = "0000:01:00.0";
const GROUP: u32 = 7;
const DEV_VFIO: &str = "/fake/dev/vfio";
const REGION_OFFSET: u64 = 0x1000_0000;
const RW: u32 = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
const RW_MMAP: u32 = RW | VFIO_REGION_INFO_FLAG_MMAP;

type Log = Rc<RefCell<Vec<String>>>;

/// What a fake fd stands for; its drop is logged as the close.
#[derive(Debug)]
struct FakeFd {
    name: &'static str,
    log: Log,
}

impl Drop for FakeFd {
    fn drop(&mut self) {
        self.log.borrow_mut().push(format!("close {}", self.name));
    }
}

/// The word a fresh fake mapping holds at byte offset `addr`: tells offsets apart.
fn pattern(addr: usize) -> u32 {
    0xa000_0000 | addr as u32
}

/// A kernel that answers as configured and logs every call.
#[derive(Debug)]
struct FakeVfio {
    log: Log,
    /// errno for opening a node, by file name (`vfio`, `7`).
    open_errno: HashMap<&'static str, i32>,
    /// The one call (by log name) that fails with EINVAL.
    fail: Option<&'static str>,
    api_version: i32,
    extensions: Vec<u32>,
    group_flags: u32,
    region: RegionInfo,
    /// Bytes of the region as `pread`/`pwrite` see them.
    io_mem: Rc<RefCell<Vec<u8>>>,
    /// `pread`/`pwrite` move only 2 bytes.
    short_io: bool,
}

impl FakeVfio {
    fn new(flags: u32, size: u64) -> Self {
        let io_mem = (0..size).map(|i| i as u8).collect();
        FakeVfio {
            log: Log::default(),
            open_errno: HashMap::new(),
            fail: None,
            api_version: VFIO_API_VERSION as i32,
            extensions: vec![VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU],
            group_flags: VFIO_GROUP_FLAGS_VIABLE,
            region: RegionInfo {
                flags,
                size,
                offset: REGION_OFFSET,
            },
            io_mem: Rc::new(RefCell::new(io_mem)),
            short_io: false,
        }
    }

    fn call(&self, entry: String, name: &'static str) -> io::Result<()> {
        self.log.borrow_mut().push(entry);
        if self.fail == Some(name) {
            Err(io::Error::from_raw_os_error(libc::EINVAL))
        } else {
            Ok(())
        }
    }

    fn fd(&self, name: &'static str) -> FakeFd {
        FakeFd {
            name,
            log: self.log.clone(),
        }
    }
}

// SAFETY: `mmap` returns a fresh, 4-byte aligned heap allocation of at least `len` bytes, freed only
// by `munmap`.
unsafe impl VfioSys for FakeVfio {
    type Fd = FakeFd;

    fn open(&self, path: &Path) -> io::Result<FakeFd> {
        let file = path.file_name().unwrap().to_str().unwrap();
        self.log.borrow_mut().push(format!("open {file}"));
        if let Some(errno) = self.open_errno.get(file) {
            return Err(io::Error::from_raw_os_error(*errno));
        }
        Ok(self.fd(if file == "vfio" { "container" } else { "group" }))
    }
    fn api_version(&self, container: &FakeFd) -> io::Result<i32> {
        self.call(format!("api_version {}", container.name), "api_version")?;
        Ok(self.api_version)
    }
    fn check_extension(&self, container: &FakeFd, extension: u32) -> io::Result<bool> {
        self.call(
            format!("check_extension {} {extension}", container.name),
            "check_extension",
        )?;
        Ok(self.extensions.contains(&extension))
    }
    fn group_flags(&self, group: &FakeFd) -> io::Result<u32> {
        self.call(format!("group_flags {}", group.name), "group_flags")?;
        Ok(self.group_flags)
    }
    fn set_container(&self, group: &FakeFd, container: &FakeFd) -> io::Result<()> {
        self.call(
            format!("set_container {} {}", group.name, container.name),
            "set_container",
        )
    }
    fn set_iommu(&self, container: &FakeFd, iommu_type: u32) -> io::Result<()> {
        self.call(format!("set_iommu {} {iommu_type}", container.name), "set_iommu")
    }
    fn device_fd(&self, group: &FakeFd, address: &str) -> io::Result<FakeFd> {
        self.call(format!("device_fd {} {address}", group.name), "device_fd")?;
        Ok(self.fd("device"))
    }
    fn region_info(&self, device: &FakeFd, index: u32) -> io::Result<RegionInfo> {
        self.call(format!("region_info {} {index}", device.name), "region_info")?;
        Ok(self.region)
    }
    fn mmap(&self, device: &FakeFd, offset: u64, len: usize) -> io::Result<NonNull<u8>> {
        self.call(format!("mmap {} 0x{offset:x} {len}", device.name), "mmap")?;
        let words: Box<[u32]> = (0..len.div_ceil(4)).map(|i| pattern(4 * i)).collect();
        Ok(NonNull::new(Box::into_raw(words).cast::<u8>()).unwrap())
    }
    unsafe fn munmap(&self, ptr: NonNull<u8>, len: usize) -> io::Result<()> {
        self.log.borrow_mut().push(format!("munmap {len}"));
        let words = std::ptr::slice_from_raw_parts_mut(ptr.as_ptr().cast::<u32>(), len.div_ceil(4));
        // SAFETY: `ptr`/`len` come from `mmap` above (the caller's promise), which leaked exactly
        // this boxed slice; it is freed once.
        drop(unsafe { Box::from_raw(words) });
        Ok(())
    }
    fn pread(&self, device: &FakeFd, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.call(format!("pread {} 0x{offset:x}", device.name), "pread")?;
        let mem = self.io_mem.borrow();
        let start = (offset - REGION_OFFSET) as usize;
        let n = if self.short_io { 2 } else { buf.len() };
        buf[..n].copy_from_slice(&mem[start..start + n]);
        Ok(n)
    }
    fn pwrite(&self, device: &FakeFd, buf: &[u8], offset: u64) -> io::Result<usize> {
        self.call(format!("pwrite {} 0x{offset:x}", device.name), "pwrite")?;
        let mut mem = self.io_mem.borrow_mut();
        let start = (offset - REGION_OFFSET) as usize;
        let n = if self.short_io { 2 } else { buf.len() };
        mem[start..start + n].copy_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// A sysfs tree with the card at [`ADDR`], bound to `driver`, in IOMMU group `group`.
fn sysfs_with(driver: Option<&str>, group: Option<u32>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    add_device(dir.path(), ADDR, PCI_VENDOR_ID, PCI_DEVICE_ID, driver, group);
    dir
}

fn open(sys: FakeVfio, sysfs: &tempfile::TempDir) -> Result<VfioDevice<FakeVfio>, OpenError> {
    VfioDevice::open_with(sys, &Sysfs::new(sysfs.path()), Path::new(DEV_VFIO), ADDR)
}

fn has(log: &Log, prefix: &str) -> bool {
    log.borrow().iter().any(|e| e.starts_with(prefix))
}

#[test]
fn open_runs_the_kernel_sequence_and_maps_bar0_when_mmap_is_allowed() {
    let sysfs = sysfs_with(Some("vfio-pci"), Some(GROUP));
    let sys = FakeVfio::new(RW_MMAP, 0x2000);
    let log = sys.log.clone();
    let mut dev = open(sys, &sysfs).unwrap();
    assert!(dev.is_mapped());
    assert_eq!(
        *log.borrow(),
        vec![
            "open vfio".to_string(),
            "api_version container".into(),
            format!("check_extension container {VFIO_TYPE1v2_IOMMU}"),
            "open 7".into(),
            "group_flags group".into(),
            "set_container group container".into(),
            format!("set_iommu container {VFIO_TYPE1v2_IOMMU}"),
            format!("device_fd group {ADDR}"),
            "region_info device 0".into(),
            "mmap device 0x10000000 8192".into(),
        ]
    );

    assert_eq!(dev.read32(0x10).unwrap(), pattern(0x10));
    assert_eq!(dev.read32(0x1ffc).unwrap(), pattern(0x1ffc));
    dev.write64(0x40, 0x1111_2222_3333_4444).unwrap();
    assert_eq!(dev.read32(0x44).unwrap(), 0x1111_2222);
    assert_eq!(dev.read64(0x40).unwrap(), 0x1111_2222_3333_4444);
    assert!(
        !has(&log, "pread") && !has(&log, "pwrite"),
        "a mapped BAR needs no syscalls"
    );

    let before = log.borrow().len();
    drop(dev);
    assert_eq!(
        log.borrow()[before..],
        ["munmap 8192", "close device", "close group", "close container"]
    );
}

#[test]
fn without_the_mmap_flag_bar0_is_reached_by_pread_and_pwrite() {
    let sysfs = sysfs_with(Some("vfio-pci"), Some(GROUP));
    let sys = FakeVfio::new(RW, 0x100);
    let (log, mem) = (sys.log.clone(), sys.io_mem.clone());
    let mut dev = open(sys, &sysfs).unwrap();
    assert!(!dev.is_mapped());
    assert!(!has(&log, "mmap"));

    // The fake region holds byte i at offset i; words are little-endian.
    assert_eq!(dev.read32(8).unwrap(), u32::from_le_bytes([8, 9, 10, 11]));
    dev.write32(0x20, 0xdead_beef).unwrap();
    assert_eq!(mem.borrow()[0x20..0x24], 0xdead_beefu32.to_le_bytes());
    assert!(has(&log, "pread device 0x10000008") && has(&log, "pwrite device 0x10000020"));

    drop(dev);
    assert!(!has(&log, "munmap"), "nothing was mapped, nothing to unmap");
    assert!(has(&log, "close device"));
}

#[test]
fn a_short_bar_turns_out_of_bounds_accesses_into_errors_on_both_paths() {
    let sysfs = sysfs_with(Some("vfio-pci"), Some(GROUP));
    for flags in [RW_MMAP, RW] {
        let sys = FakeVfio::new(flags, 0x10);
        let log = sys.log.clone();
        let mut dev = open(sys, &sysfs).unwrap();
        assert!(dev.read32(0xc).is_ok());
        assert!(matches!(
            dev.read32(0x10),
            Err(AccessError::OutOfBounds {
                addr: 0x10,
                len: 0x10
            })
        ));
        assert!(matches!(
            dev.write32(0x1000, 1),
            Err(AccessError::OutOfBounds { .. })
        ));
        assert!(matches!(
            dev.read64(0xc),
            Err(AccessError::OutOfBounds { addr: 0x10, .. })
        ));
        assert!(matches!(dev.read32(6), Err(AccessError::Misaligned { addr: 6 })));
        let preads = log.borrow().iter().filter(|e| e.starts_with("pread")).count();
        assert_eq!(
            preads,
            if flags == RW { 2 } else { 0 },
            "refused accesses make no syscall"
        );
    }
}

#[test]
fn region_flags_without_read_or_write_refuse_that_direction() {
    let sysfs = sysfs_with(Some("vfio-pci"), Some(GROUP));
    let mut dev = open(FakeVfio::new(VFIO_REGION_INFO_FLAG_READ, 0x100), &sysfs).unwrap();
    assert!(dev.read32(0).is_ok());
    assert!(matches!(
        dev.write32(0, 1),
        Err(AccessError::NotPermitted("write"))
    ));

    for (flags, size) in [(0, 0x100), (RW_MMAP, 0)] {
        let sys = FakeVfio::new(flags, size);
        let log = sys.log.clone();
        let err = open(sys, &sysfs).unwrap_err();
        assert!(matches!(err, OpenError::BarNotAccessible { .. }), "{err}");
        assert!(!has(&log, "mmap"));
    }
}

#[test]
fn short_and_failing_region_io_are_errors() {
    let sysfs = sysfs_with(Some("vfio-pci"), Some(GROUP));
    let mut sys = FakeVfio::new(RW, 0x100);
    sys.short_io = true;
    let mut dev = open(sys, &sysfs).unwrap();
    assert!(matches!(
        dev.read32(4),
        Err(AccessError::Short {
            op: "read",
            addr: 4,
            done: 2
        })
    ));
    assert!(matches!(
        dev.write32(4, 0),
        Err(AccessError::Short {
            op: "write",
            done: 2,
            ..
        })
    ));

    let mut sys = FakeVfio::new(RW, 0x100);
    sys.fail = Some("pread");
    let mut dev = open(sys, &sysfs).unwrap();
    let err = dev.read32(4).unwrap_err();
    assert!(
        matches!(
            &err,
            AccessError::Io {
                op: "read",
                addr: 4,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn each_failing_ioctl_is_named_and_leaves_nothing_open() {
    let sysfs = sysfs_with(Some("vfio-pci"), Some(GROUP));
    let cases = [
        ("api_version", "VFIO_GET_API_VERSION"),
        ("check_extension", "VFIO_CHECK_EXTENSION"),
        ("group_flags", "VFIO_GROUP_GET_STATUS"),
        ("set_container", "VFIO_GROUP_SET_CONTAINER"),
        ("set_iommu", "VFIO_SET_IOMMU"),
        ("device_fd", "VFIO_GROUP_GET_DEVICE_FD"),
        ("region_info", "VFIO_DEVICE_GET_REGION_INFO"),
        ("mmap", "mmap of BAR0"),
    ];
    for (call, ioctl) in cases {
        let mut sys = FakeVfio::new(RW_MMAP, 0x2000);
        sys.fail = Some(call);
        let log = sys.log.clone();
        let err = open(sys, &sysfs).unwrap_err();
        let OpenError::Syscall { what, source } = &err else {
            panic!("{call}: {err}")
        };
        assert!(what.starts_with(ioctl), "{call}: {what}");
        assert_eq!(source.raw_os_error(), Some(libc::EINVAL));
        let log = log.borrow();
        let opened = log
            .iter()
            .filter(|e| e.starts_with("open ") || e.starts_with("device_fd"))
            .count();
        let failed_device_fd = usize::from(call == "device_fd");
        let closed = log.iter().filter(|e| e.starts_with("close")).count();
        assert_eq!(
            closed,
            opened - failed_device_fd,
            "{call}: every fd is closed: {log:?}"
        );
        assert!(!log.iter().any(|e| e.starts_with("munmap")), "{call}");
    }
}

#[test]
fn wrong_api_version_and_missing_type1_are_refused() {
    let sysfs = sysfs_with(Some("vfio-pci"), Some(GROUP));
    let mut sys = FakeVfio::new(RW_MMAP, 0x2000);
    sys.api_version = 1;
    assert!(matches!(
        open(sys, &sysfs),
        Err(OpenError::ApiVersion {
            found: 1,
            expected: 0
        })
    ));

    let mut sys = FakeVfio::new(RW_MMAP, 0x2000);
    sys.extensions = vec![VFIO_TYPE1_IOMMU];
    let log = sys.log.clone();
    open(sys, &sysfs).unwrap();
    assert!(
        has(&log, &format!("set_iommu container {VFIO_TYPE1_IOMMU}")),
        "falls back to Type1"
    );

    let mut sys = FakeVfio::new(RW_MMAP, 0x2000);
    sys.extensions.clear();
    assert!(matches!(open(sys, &sysfs), Err(OpenError::NoType1Iommu)));
}

#[test]
fn no_dev_vfio_says_to_load_vfio_pci_and_enable_the_iommu_if_it_is_off() {
    let sysfs = sysfs_with(None, None);
    let mut sys = FakeVfio::new(RW_MMAP, 0x2000);
    sys.open_errno.insert("vfio", libc::ENOENT);
    let err = open(sys, &sysfs).unwrap_err();
    assert!(
        matches!(
            &err,
            OpenError::NoVfio {
                iommu_enabled: false,
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    for needle in [
        "/fake/dev/vfio/vfio",
        "modprobe vfio-pci",
        "intel_iommu=on",
        "amd_iommu=on",
    ] {
        assert!(text.contains(needle), "{needle} missing from: {text}");
    }

    // With the IOMMU on, only the module is missing: no reboot advice.
    let sysfs = sysfs_with(None, Some(GROUP));
    let mut sys = FakeVfio::new(RW_MMAP, 0x2000);
    sys.open_errno.insert("vfio", libc::ENOENT);
    let text = open(sys, &sysfs).unwrap_err().to_string();
    assert!(
        text.contains("modprobe vfio-pci") && !text.contains("intel_iommu"),
        "{text}"
    );
}

#[test]
fn a_card_on_another_driver_gets_the_commands_to_bind_it() {
    let sysfs = sysfs_with(Some("mqnic"), Some(GROUP));
    let sys = FakeVfio::new(RW_MMAP, 0x2000);
    let log = sys.log.clone();
    let err = open(sys, &sysfs).unwrap_err();
    assert!(
        matches!(&err, OpenError::NotBound { driver: Some(d), .. } if d == "mqnic"),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("bound to driver mqnic, not vfio-pci"), "{text}");
    assert!(
        text.contains(&format!(
            "echo {ADDR} > /sys/bus/pci/devices/{ADDR}/driver/unbind"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "echo vfio-pci > /sys/bus/pci/devices/{ADDR}/driver_override"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("echo {ADDR} > /sys/bus/pci/drivers_probe")),
        "{text}"
    );
    assert!(!has(&log, "open 7"), "the group is not touched");

    let unbound = sysfs_with(None, Some(GROUP));
    let text = open(FakeVfio::new(RW_MMAP, 0x2000), &unbound)
        .unwrap_err()
        .to_string();
    assert!(text.contains("driver none") && !text.contains("unbind"), "{text}");
}

#[test]
fn a_group_that_is_not_viable_lists_the_other_devices_in_it() {
    let sysfs = sysfs_with(Some("vfio-pci"), Some(GROUP));
    add_device(
        sysfs.path(),
        "0000:01:00.1",
        0x8086,
        0x1572,
        Some("i40e"),
        Some(GROUP),
    );
    add_device(
        sysfs.path(),
        "0000:02:00.0",
        0x8086,
        0x1572,
        Some("i40e"),
        Some(GROUP + 1),
    );
    let mut sys = FakeVfio::new(RW_MMAP, 0x2000);
    sys.group_flags = 0;
    let log = sys.log.clone();
    let err = open(sys, &sysfs).unwrap_err();
    let OpenError::GroupNotViable { group, others, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(*group, GROUP);
    let others: Vec<_> = others
        .iter()
        .map(|d| (d.address.as_str(), d.driver.as_deref()))
        .collect();
    assert_eq!(others, [("0000:01:00.1", Some("i40e"))]);
    assert!(
        err.to_string().contains("0000:01:00.1 [8086:1572] driver: i40e"),
        "{err}"
    );
    assert!(!has(&log, "set_container"));
}

#[test]
fn permission_denied_names_the_node() {
    let sysfs = sysfs_with(Some("vfio-pci"), Some(GROUP));
    for (node, errno) in [("7", libc::EACCES), ("vfio", libc::EPERM)] {
        let mut sys = FakeVfio::new(RW_MMAP, 0x2000);
        sys.open_errno.insert(node, errno);
        let err = open(sys, &sysfs).unwrap_err();
        let OpenError::PermissionDenied { path } = &err else {
            panic!("{node}: {err}")
        };
        assert_eq!(*path, PathBuf::from(DEV_VFIO).join(node));
        assert!(err.to_string().contains("run as root"), "{err}");
    }
}

#[test]
fn missing_device_and_missing_iommu_group_are_explained() {
    let sysfs = sysfs_with(Some("vfio-pci"), None);
    add_device(
        sysfs.path(),
        "0000:05:00.0",
        PCI_VENDOR_ID,
        PCI_DEVICE_ID,
        None,
        None,
    );
    let err = VfioDevice::open_with(
        FakeVfio::new(RW, 16),
        &Sysfs::new(sysfs.path()),
        Path::new(DEV_VFIO),
        "0000:09:00.0",
    )
    .unwrap_err();
    let OpenError::NoSuchDevice { aggnic, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(aggnic.len(), 2);
    assert!(err.to_string().contains("0000:05:00.0"), "{err}");

    let err = open(FakeVfio::new(RW, 16), &sysfs).unwrap_err();
    assert!(matches!(err, OpenError::NoIommuGroup { .. }), "{err}");
    assert!(err.to_string().contains("intel_iommu=on"), "{err}");
}

#[test]
fn a_real_device_handle_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<VfioDevice<LinuxVfio>>();
    // Opening through the real kernel interface on a tree without the card says so, not panics.
    let sysfs = tempfile::tempdir().unwrap();
    let err = VfioDevice::open_with(LinuxVfio, &Sysfs::new(sysfs.path()), sysfs.path(), ADDR).unwrap_err();
    assert!(matches!(err, OpenError::NoSuchDevice { .. }), "{err}");
}
