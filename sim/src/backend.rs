//! The driver's register access over an in-process verilated core: [`SimNicBackend`] is what the
//! driver's tenant-management tests run against, with the core's streams at hand to send real
//! frames and check what the hardware did with them.

use crate::server::{SimCard, VerilatedCard};
use aggnic_driver::access::{AccessError, RegisterAccess, check_word};
use aggnic_spec::model::Outputs;
use aggnic_spec::regs::WINDOW_BYTES;

/// A verilated core behind [`RegisterAccess`], sized like the real AXI4-Lite window.
#[derive(Debug, Default)]
pub struct SimNicBackend {
    card: VerilatedCard,
}

impl SimNicBackend {
    /// A reset core.
    pub fn new() -> SimNicBackend {
        SimNicBackend::default()
    }

    /// A frame from the network into the core's receive path; what came out of the core.
    pub fn rx(&mut self, frame: &[u8]) -> Outputs {
        self.card.rx(frame)
    }

    /// A frame from the host into the core's transmit path; what came out of the core.
    pub fn tx(&mut self, frame: &[u8]) -> Outputs {
        self.card.tx(frame)
    }
}

fn io(op: &'static str, addr: u32, e: impl std::fmt::Display) -> AccessError {
    AccessError::Io {
        op,
        addr,
        source: std::io::Error::other(e.to_string()),
    }
}

impl RegisterAccess for SimNicBackend {
    fn read32(&mut self, addr: u32) -> Result<u32, AccessError> {
        check_word(addr, u64::from(WINDOW_BYTES))?;
        self.card.read(addr).map_err(|e| io("read", addr, e))
    }
    fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError> {
        check_word(addr, u64::from(WINDOW_BYTES))?;
        self.card.write(addr, value).map_err(|e| io("write", addr, e))
    }
}
