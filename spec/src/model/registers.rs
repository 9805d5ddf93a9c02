//! The model's register file: AXI4-Lite reads and writes, per [`crate::regs`].

use super::{CORE_COUNTERS, Core, TENANT_COUNTERS};
use crate::regs::{self, Access, Reg, command, ctrl, flush_cmd, t_ctrl};

/// A tenant table entry as software configures it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TenantEntry {
    pub enable: bool,
    pub quota: u32,
    pub mask: u64,
    pub key: u64,
    pub window_base: u32,
}

#[derive(Debug, Clone)]
pub(super) struct RegisterFile {
    pub(super) enable: bool,
    pub(super) udp_port: u16,
    tenant_sel: u32,
    staged: TenantEntry,
    core_snapshot: [u64; CORE_COUNTERS],
    tenant_snapshot: [u64; TENANT_COUNTERS],
}

impl RegisterFile {
    pub(super) fn new() -> Self {
        RegisterFile {
            enable: regs::CTRL.reset as u32 & ctrl::ENABLE != 0,
            udp_port: regs::UDP_PORT.reset as u16,
            tenant_sel: regs::TENANT_SEL.reset as u32,
            staged: TenantEntry::default(),
            core_snapshot: [0; CORE_COUNTERS],
            tenant_snapshot: [0; TENANT_COUNTERS],
        }
    }
}

fn word(value: u64, hi: bool) -> u32 {
    if hi { (value >> 32) as u32 } else { value as u32 }
}

fn set_word(old: u64, value: u32, hi: bool) -> u64 {
    if hi {
        old & 0xffff_ffff | u64::from(value) << 32
    } else {
        old & !0xffff_ffff | u64::from(value)
    }
}

impl Core {
    /// An AXI4-Lite read of the 32-bit word at `addr`.
    pub fn read(&self, addr: u32) -> u32 {
        let Some((reg, hi)) = regs::lookup(addr) else {
            return 0;
        };
        if reg.access == Access::Wo {
            return 0;
        }
        word(self.read_reg(reg), hi)
    }

    fn read_reg(&self, reg: Reg) -> u64 {
        let p = self.params;
        let r = &self.regs;
        if let Some(i) = regs::CORE_COUNTER_REGS.iter().position(|c| *c == reg) {
            return r.core_snapshot[i];
        }
        if let Some(i) = regs::TENANT_COUNTER_REGS.iter().position(|c| *c == reg) {
            return r.tenant_snapshot[i];
        }
        let sel = self.tenants.get(r.tenant_sel as usize);
        match reg {
            regs::CAP_LANES => u64::from(p.lanes),
            regs::CAP_ELEMENTS => u64::from(p.elements),
            regs::CAP_SLOTS => u64::from(p.slots),
            regs::CAP_TENANTS => u64::from(p.tenants),
            regs::CAP_WINDOW => u64::from(p.window),
            regs::CTRL => u64::from(r.enable),
            regs::STATUS => 0, // the model's flushes finish at once
            regs::UDP_PORT => u64::from(r.udp_port),
            regs::SLOTS_IN_USE => u64::from(self.slots_in_use()),
            regs::TENANT_SEL => u64::from(r.tenant_sel),
            regs::T_CTRL => sel.map_or(0, |t| u64::from(t.entry.enable)),
            regs::T_QUOTA => sel.map_or(0, |t| u64::from(t.entry.quota)),
            regs::T_MASK => sel.map_or(0, |t| t.entry.mask),
            regs::T_WINDOW_BASE => sel.map_or(0, |t| u64::from(t.base)),
            regs::T_SLOTS_IN_USE => sel.map_or(0, |t| u64::from(t.slots_in_use)),
            other => other.reset, // identification registers
        }
    }

    /// An AXI4-Lite write of the 32-bit word at `addr`.
    pub fn write(&mut self, addr: u32, value: u32) {
        let Some((reg, hi)) = regs::lookup(addr) else {
            return;
        };
        if reg.access == Access::Ro {
            return;
        }
        match reg {
            regs::CTRL => self.regs.enable = value & ctrl::ENABLE != 0,
            regs::COMMAND => {
                if value & command::SOFT_RESET != 0 {
                    *self = Core::new(self.params);
                    return;
                }
                if value & command::SNAPSHOT != 0 {
                    self.regs.core_snapshot = self.counters;
                    self.regs.tenant_snapshot = self
                        .tenants
                        .get(self.regs.tenant_sel as usize)
                        .map_or([0; TENANT_COUNTERS], |t| t.counters);
                }
            }
            regs::UDP_PORT => self.regs.udp_port = value as u16,
            regs::FLUSH_CMD => {
                let t = (value & flush_cmd::TENANT_MASK) as u8;
                if value & flush_cmd::START != 0 && u32::from(t) < self.params.tenants {
                    self.flush_tenant(t);
                }
            }
            regs::TENANT_SEL => {
                self.regs.tenant_sel = value;
                if let Some(t) = self.tenants.get(value as usize) {
                    self.regs.staged = TenantEntry {
                        window_base: t.base,
                        ..t.entry
                    };
                }
            }
            regs::T_CTRL => {
                self.regs.staged.enable = value & t_ctrl::ENABLE != 0;
                if value & t_ctrl::COMMIT != 0 {
                    let staged = self.regs.staged;
                    if let Some(t) = self.tenants.get_mut(self.regs.tenant_sel as usize) {
                        t.entry = staged;
                        t.base = staged.window_base;
                        t.done = 0;
                    }
                }
            }
            regs::T_QUOTA => self.regs.staged.quota = value,
            regs::T_MASK => self.regs.staged.mask = set_word(self.regs.staged.mask, value, hi),
            regs::T_KEY => self.regs.staged.key = set_word(self.regs.staged.key, value, hi),
            regs::T_WINDOW_BASE => self.regs.staged.window_base = value,
            _ => {}
        }
    }

    /// Reads a whole register, both words of a 64-bit one.
    pub fn read_reg64(&self, reg: Reg) -> u64 {
        let lo = u64::from(self.read(reg.addr));
        if reg.width == 64 {
            lo | u64::from(self.read(reg.hi())) << 32
        } else {
            lo
        }
    }

    /// Configures tenant `t` through the registers, as the driver does.
    pub fn configure_tenant(&mut self, t: u8, entry: TenantEntry) {
        for (addr, value) in tenant_writes(t, entry) {
            self.write(addr, value);
        }
    }
}

/// The register writes, in order, that configure tenant `t` as `entry` and commit it: what the
/// model, the testbenches and the benchmarks send to a core.
pub fn tenant_writes(t: u8, entry: TenantEntry) -> [(u32, u32); 8] {
    let enable = if entry.enable { t_ctrl::ENABLE } else { 0 };
    [
        (regs::TENANT_SEL.addr, u32::from(t)),
        (regs::T_QUOTA.addr, entry.quota),
        (regs::T_MASK.addr, entry.mask as u32),
        (regs::T_MASK.hi(), (entry.mask >> 32) as u32),
        (regs::T_KEY.addr, entry.key as u32),
        (regs::T_KEY.hi(), (entry.key >> 32) as u32),
        (regs::T_WINDOW_BASE.addr, entry.window_base),
        (regs::T_CTRL.addr, enable | t_ctrl::COMMIT),
    ]
}
