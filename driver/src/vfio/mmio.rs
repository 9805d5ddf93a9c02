//! Volatile, bounds- and alignment-checked 32-bit access to a mapped BAR.
//!
//! The only place that dereferences the mapping. Every access goes through [`check_word`] first, so
//! an address past a short BAR is an error, never a read of whatever lies after the mapping.
#![allow(unsafe_code)] // Dereferences the BAR mapping: the constructor's contract makes it sound.

use std::io;
use std::ptr::NonNull;

use super::sys::{RegionInfo, VfioSys};
use crate::access::{AccessError, check_word};

/// A mapped register window. It cannot unmap itself on drop, as it does not own the
/// [`VfioSys`] that mapped it: its owner calls [`Mapping::unmap`] from its own `Drop`.
#[derive(Debug)]
pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    /// Bytes mapped; 0 once unmapped, which makes every later access fail the bounds check.
    len: usize,
}

// SAFETY: the mapping is process-wide memory with no thread affinity; access needs `&mut self`
// for writes, so moving the owner to another thread cannot create a data race.
unsafe impl Send for Mapping {}

impl Mapping {
    /// Maps a whole region of the device.
    pub(crate) fn map<S: VfioSys>(sys: &S, device: &S::Fd, region: &RegionInfo) -> io::Result<Self> {
        let len = usize::try_from(region.size).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let ptr = sys.mmap(device, region.offset, len)?;
        // The `VfioSys` contract promises 4-byte alignment; a broken implementation must not get
        // as far as a misaligned dereference.
        if ptr.as_ptr() as usize % 4 != 0 {
            return Err(io::Error::other("mmap returned a misaligned address"));
        }
        Ok(Mapping { ptr, len })
    }

    /// Undoes [`Mapping::map`]. Afterwards every access is an out-of-bounds error.
    pub(crate) fn unmap<S: VfioSys>(&mut self, sys: &S) -> io::Result<()> {
        let len = std::mem::replace(&mut self.len, 0);
        if len == 0 {
            return Ok(());
        }
        // SAFETY: `ptr`/`len` are the one mapping `map` got from this `sys` (the owner keeps them
        // together), and `len` is now 0, so no access through `self` touches it again.
        unsafe { sys.munmap(self.ptr, len) }
    }

    pub(crate) fn read32(&self, addr: u32) -> Result<u32, AccessError> {
        let offset = check_word(addr, self.len as u64)?;
        // SAFETY: `offset + 4 <= len` and `offset % 4 == 0` (checked above); the base is valid and
        // 4-byte aligned for `len` bytes until unmapped (the `VfioSys` contract, checked in `map`),
        // and `len` is 0 after `unmap`. Volatile: a register read must happen, once, in order.
        let raw = unsafe { self.ptr.as_ptr().add(offset).cast::<u32>().read_volatile() };
        Ok(u32::from_le(raw)) // PCI is little-endian
    }

    pub(crate) fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError> {
        let offset = check_word(addr, self.len as u64)?;
        // SAFETY: as in `read32`.
        unsafe {
            self.ptr
                .as_ptr()
                .add(offset)
                .cast::<u32>()
                .write_volatile(value.to_le())
        };
        Ok(())
    }
}
