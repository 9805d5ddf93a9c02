//! The one trait every backend implements: 32-bit reads and writes of the core's AXI4-Lite window.
//!
//! Addresses are byte addresses into the window (`aggnic_spec::regs`), word-aligned. 64-bit registers
//! are two words, low word first, as the register map defines them; the provided `read64`/`write64`
//! keep that order in one place.

use aggnic_spec::regs::Reg;

/// Why a register access failed.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("register access at 0x{addr:x} is outside the {len}-byte register window")]
    OutOfBounds { addr: u32, len: u64 },
    #[error("register access at 0x{addr:x} is not aligned to 4 bytes")]
    Misaligned { addr: u32 },
    #[error("the register window does not allow {0}s (region flags)")]
    NotPermitted(&'static str),
    #[error("register {op} at 0x{addr:x} failed: {source}")]
    Io {
        op: &'static str,
        addr: u32,
        source: std::io::Error,
    },
    #[error("short register {op} at 0x{addr:x}: {done} of 4 bytes")]
    Short {
        op: &'static str,
        addr: u32,
        done: usize,
    },
    #[error("{reg} is 32 bits wide; 0x{value:x} does not fit")]
    TooWide { reg: &'static str, value: u64 },
}

/// Checks that a 32-bit access at `addr` lies inside a window of `len` bytes and is aligned, and
/// returns the offset as `usize`. Every backend calls this first, so a bad address is an error
/// everywhere, never undefined behaviour on the MMIO path.
pub fn check_word(addr: u32, len: u64) -> Result<usize, AccessError> {
    if addr % 4 != 0 {
        return Err(AccessError::Misaligned { addr });
    }
    if u64::from(addr) + 4 > len {
        return Err(AccessError::OutOfBounds { addr, len });
    }
    Ok(addr as usize)
}

/// `addr + offset`, or an error where that leaves the 32-bit address space.
pub(crate) fn word_after(addr: u32, offset: u32) -> Result<u32, AccessError> {
    addr.checked_add(offset)
        .ok_or(AccessError::OutOfBounds { addr, len: 1 << 32 })
}

/// Register access to one aggnic core. Reads take `&mut self` because on every backend but a mapped
/// BAR a read is a transaction (a syscall, a simulated bus cycle).
pub trait RegisterAccess {
    fn read32(&mut self, addr: u32) -> Result<u32, AccessError>;
    fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError>;

    /// Two words, low first. Not atomic: counters are read from a snapshot for that reason.
    fn read64(&mut self, addr: u32) -> Result<u64, AccessError> {
        let hi_addr = word_after(addr, 4)?;
        let lo = self.read32(addr)?;
        let hi = self.read32(hi_addr)?;
        Ok(u64::from(hi) << 32 | u64::from(lo))
    }

    /// Two words, low first: the hardware acts on a 64-bit register when its high word is written.
    fn write64(&mut self, addr: u32, value: u64) -> Result<(), AccessError> {
        let hi_addr = word_after(addr, 4)?;
        self.write32(addr, value as u32)?;
        self.write32(hi_addr, (value >> 32) as u32)
    }

    /// Reads a register of the map at its width.
    fn read_reg(&mut self, reg: Reg) -> Result<u64, AccessError> {
        if reg.width == 64 {
            self.read64(reg.addr)
        } else {
            self.read32(reg.addr).map(u64::from)
        }
    }

    /// Writes a register of the map at its width; a value too wide for a 32-bit register is an error.
    fn write_reg(&mut self, reg: Reg, value: u64) -> Result<(), AccessError> {
        if reg.width == 64 {
            return self.write64(reg.addr, value);
        }
        let word = u32::try_from(value).map_err(|_| AccessError::TooWide { reg: reg.name, value })?;
        self.write32(reg.addr, word)
    }
}

impl<T: RegisterAccess + ?Sized> RegisterAccess for &mut T {
    fn read32(&mut self, addr: u32) -> Result<u32, AccessError> {
        (**self).read32(addr)
    }
    fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError> {
        (**self).write32(addr, value)
    }
}

impl<T: RegisterAccess + ?Sized> RegisterAccess for Box<T> {
    fn read32(&mut self, addr: u32) -> Result<u32, AccessError> {
        (**self).read32(addr)
    }
    fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError> {
        (**self).write32(addr, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aggnic_spec::regs;

    /// Eight words of plain memory that log every access, to check word order.
    #[derive(Debug, Default)]
    struct Words {
        mem: [u32; 8],
        log: Vec<(char, u32)>,
    }

    impl RegisterAccess for Words {
        fn read32(&mut self, addr: u32) -> Result<u32, AccessError> {
            let i = check_word(addr, 32)? / 4;
            self.log.push(('r', addr));
            Ok(self.mem[i])
        }
        fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError> {
            let i = check_word(addr, 32)? / 4;
            self.log.push(('w', addr));
            self.mem[i] = value;
            Ok(())
        }
    }

    #[test]
    fn check_word_rejects_misaligned_and_out_of_window() {
        assert_eq!(check_word(0, 4).unwrap(), 0);
        assert_eq!(check_word(28, 32).unwrap(), 28);
        assert!(matches!(
            check_word(2, 32),
            Err(AccessError::Misaligned { addr: 2 })
        ));
        assert!(matches!(
            check_word(32, 32),
            Err(AccessError::OutOfBounds { addr: 32, len: 32 })
        ));
        assert!(matches!(
            check_word(u32::MAX - 3, 32),
            Err(AccessError::OutOfBounds { .. })
        ));
        assert!(matches!(check_word(0, 3), Err(AccessError::OutOfBounds { .. })));
    }

    #[test]
    fn sixty_four_bit_access_is_low_word_first() {
        let mut w = Words::default();
        w.write64(8, 0x1122_3344_5566_7788).unwrap();
        assert_eq!(w.mem[2], 0x5566_7788);
        assert_eq!(w.mem[3], 0x1122_3344);
        assert_eq!(w.read64(8).unwrap(), 0x1122_3344_5566_7788);
        assert_eq!(w.log, vec![('w', 8), ('w', 12), ('r', 8), ('r', 12)]);
    }

    #[test]
    fn sixty_four_bit_access_at_the_end_of_the_address_space_is_an_error() {
        let mut w = Words::default();
        assert!(matches!(
            w.read64(u32::MAX - 3),
            Err(AccessError::OutOfBounds { .. })
        ));
        assert!(matches!(
            w.read64(28),
            Err(AccessError::OutOfBounds { addr: 32, .. })
        ));
    }

    #[test]
    fn write_reg_refuses_values_too_wide_for_a_32_bit_register() {
        let mut w = Words::default();
        let reg = regs::Reg {
            addr: 4,
            ..regs::CTRL
        };
        let err = w.write_reg(reg, 1 << 32).unwrap_err();
        assert!(matches!(err, AccessError::TooWide { reg: "CTRL", .. }), "{err}");
        assert!(w.log.is_empty(), "nothing may be written");
        w.write_reg(reg, 7).unwrap();
        assert_eq!(w.read_reg(reg).unwrap(), 7);
    }

    #[test]
    fn trait_objects_and_boxes_forward() {
        let mut boxed: Box<dyn RegisterAccess> = Box::new(Words::default());
        boxed.write32(4, 9).unwrap();
        let by_ref: &mut dyn RegisterAccess = &mut boxed;
        assert_eq!(by_ref.read32(4).unwrap(), 9);
    }
}
