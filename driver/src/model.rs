//! Register access to the in-process reference model.
//!
//! This is a stand-in: until the sim crate's `SimNic` (Verilator) exists it is the only "device" the
//! driver can run against. It answers exactly as the register map says (it is the oracle the hardware
//! is tested against), but it is not hardware: tests that must prove the hardware enforces something
//! belong on `SimNic` once it lands.

use aggnic_spec::model::{Core, Params};
use aggnic_spec::regs::WINDOW_BYTES;

use crate::access::{AccessError, RegisterAccess, check_word};

/// The reference model behind [`RegisterAccess`], sized like the real AXI4-Lite window so that an
/// address that would fault on hardware is an error here too.
#[derive(Debug, Clone)]
pub struct ModelBackend {
    core: Core,
}

impl ModelBackend {
    pub fn new(params: Params) -> Self {
        ModelBackend {
            core: Core::new(params),
        }
    }
    pub fn from_core(core: Core) -> Self {
        ModelBackend { core }
    }
    /// The model itself, to check its state after driving it through registers.
    pub fn core(&self) -> &Core {
        &self.core
    }
    /// The model itself, to feed it frames.
    pub fn core_mut(&mut self) -> &mut Core {
        &mut self.core
    }
}

impl Default for ModelBackend {
    fn default() -> Self {
        ModelBackend::new(Params::DEFAULT)
    }
}

impl RegisterAccess for ModelBackend {
    fn read32(&mut self, addr: u32) -> Result<u32, AccessError> {
        check_word(addr, u64::from(WINDOW_BYTES))?;
        Ok(self.core.read(addr))
    }
    fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError> {
        check_word(addr, u64::from(WINDOW_BYTES))?;
        self.core.write(addr, value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aggnic_spec::regs::{self, command};

    #[test]
    fn reads_identification_and_capabilities() {
        let mut m = ModelBackend::default();
        assert_eq!(
            m.read_reg(regs::CORE_TYPE).unwrap(),
            u64::from(regs::CORE_BLOCK_TYPE)
        );
        assert_eq!(
            m.read_reg(regs::CAP_TENANTS).unwrap(),
            u64::from(Params::DEFAULT.tenants)
        );
        assert_eq!(
            m.read_reg(regs::CAP_SLOTS).unwrap(),
            u64::from(Params::DEFAULT.slots)
        );
    }

    #[test]
    fn writes_reach_the_model() {
        let mut m = ModelBackend::default();
        m.write_reg(regs::UDP_PORT, 4000).unwrap();
        assert_eq!(m.core().udp_port(), 4000);
        m.write_reg(regs::COMMAND, u64::from(command::SOFT_RESET))
            .unwrap();
        assert_eq!(m.core().udp_port(), regs::DEFAULT_UDP_PORT);
    }

    #[test]
    fn staged_64_bit_mask_commits_as_one_value() {
        let mut m = ModelBackend::default();
        m.write_reg(regs::TENANT_SEL, 3).unwrap();
        m.write_reg(regs::T_MASK, 0x8000_0000_0000_0001).unwrap();
        m.write_reg(
            regs::T_CTRL,
            u64::from(regs::t_ctrl::COMMIT | regs::t_ctrl::ENABLE),
        )
        .unwrap();
        assert_eq!(m.core().tenant(3).unwrap().entry.mask, 0x8000_0000_0000_0001);
        assert_eq!(m.read_reg(regs::T_MASK).unwrap(), 0x8000_0000_0000_0001);
    }

    #[test]
    fn addresses_outside_the_window_are_errors() {
        let mut m = ModelBackend::default();
        assert!(matches!(
            m.read32(WINDOW_BYTES),
            Err(AccessError::OutOfBounds { .. })
        ));
        assert!(matches!(
            m.write32(regs::CTRL.addr + 1, 1),
            Err(AccessError::Misaligned { .. })
        ));
        assert!(!m.core().enabled(), "a refused write must not reach the model");
    }
}
