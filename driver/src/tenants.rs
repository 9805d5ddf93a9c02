//! Tenant table management over any [`RegisterAccess`]: validated create/update/remove/list and
//! counter snapshots.
//!
//! Every change goes through the staging registers: writing `TENANT_SEL` loads the staging entry from
//! the live one, so an update writes only the fields it changes (the key, write-only, is kept), and
//! `T_CTRL.COMMIT` applies the whole entry at once. A tenant "exists" while it is enabled.

use std::time::{Duration, Instant};

use aggnic_spec::regs::{self, command, flush_cmd, status, t_ctrl};

use crate::access::{AccessError, RegisterAccess};

/// The core's fixed sizes, read from the capability registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub slots: u32,
    pub tenants: u32,
    pub workers: u32,
}

/// A tenant's workers: the first `n`, or exactly these (bit w: worker w).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    Count(u32),
    Mask(u64),
}

/// What a new tenant gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantConfig {
    pub key: u64,
    pub workers: Workers,
    /// Most slots the tenant may hold at once.
    pub quota: u32,
}

/// Changes to an existing tenant; `None` keeps the current value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TenantUpdate {
    pub key: Option<u64>,
    pub workers: Option<Workers>,
    pub quota: Option<u32>,
}

/// A tenant as the table shows it (the key is write-only, so it is not here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantInfo {
    pub id: u8,
    pub quota: u32,
    pub mask: u64,
    pub window_base: u32,
    pub slots_in_use: u32,
}

/// Global and one tenant's counters, latched in the same instant, in the map's order
/// (`regs::CORE_COUNTER_REGS`, `regs::TENANT_COUNTER_REGS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub global: Vec<(&'static str, u64)>,
    pub tenant: Vec<(&'static str, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("tenant {id} is already in use")]
    IdInUse { id: u8 },
    #[error("tenant {id} does not exist (enabled tenants only)")]
    NotFound { id: u8 },
    #[error("tenant id {id} is outside the table (0..{tenants})")]
    IdOutOfRange { id: u8, tenants: u32 },
    #[error("the tenant table is full ({tenants} tenants)")]
    TableFull { tenants: u32 },
    #[error("a quota of {quota} slots is larger than the pool ({slots} slots)")]
    QuotaTooLarge { quota: u32, slots: u32 },
    #[error("{asked} workers asked for, the hardware supports {supported} per tenant")]
    TooManyWorkers { asked: u32, supported: u32 },
    #[error("a tenant needs at least one worker")]
    NoWorkers,
    #[error("tenant {id} still holds {slots_in_use} slots {waited:?} after its flush")]
    FlushTimeout {
        id: u8,
        slots_in_use: u32,
        waited: Duration,
    },
    #[error(transparent)]
    Access(#[from] AccessError),
}

/// The tenant table of one core.
#[derive(Debug)]
pub struct Tenants<D> {
    dev: D,
    caps: Caps,
}

impl<D: RegisterAccess> Tenants<D> {
    /// Reads the capabilities; the caller has already checked the blocks (`blocks::check`).
    pub fn new(mut dev: D) -> Result<Self, AccessError> {
        let caps = Caps {
            slots: dev.read32(regs::CAP_SLOTS.addr)?,
            tenants: dev.read32(regs::CAP_TENANTS.addr)?,
            workers: dev.read32(regs::CAP_WORKERS.addr)?,
        };
        Ok(Tenants { dev, caps })
    }
    pub fn caps(&self) -> Caps {
        self.caps
    }
    pub fn into_inner(self) -> D {
        self.dev
    }
    /// The device, for register access the table does not wrap (and, on a simulated core, frames).
    pub fn dev_mut(&mut self) -> &mut D {
        &mut self.dev
    }

    /// Creates tenant `id`.
    pub fn create(&mut self, id: u8, config: TenantConfig) -> Result<(), TenantError> {
        self.check_id(id)?;
        let mask = self.check_workers(config.workers)?;
        self.check_quota(config.quota)?;
        if self.enabled(id)? {
            return Err(TenantError::IdInUse { id });
        }
        self.dev.write_reg(regs::TENANT_SEL, u64::from(id))?;
        self.dev.write_reg(regs::T_QUOTA, u64::from(config.quota))?;
        self.dev.write_reg(regs::T_MASK, mask)?;
        self.dev.write_reg(regs::T_KEY, config.key)?;
        // A new tenant's window starts at fragment 0.
        self.dev.write_reg(regs::T_WINDOW_BASE, 0)?;
        self.dev
            .write_reg(regs::T_CTRL, u64::from(t_ctrl::COMMIT | t_ctrl::ENABLE))?;
        Ok(())
    }

    /// Creates a tenant at the lowest free id and returns it.
    pub fn create_next(&mut self, config: TenantConfig) -> Result<u8, TenantError> {
        for id in 0..self.caps.tenants.min(256) {
            let id = id as u8;
            if !self.enabled(id)? {
                self.create(id, config)?;
                return Ok(id);
            }
        }
        Err(TenantError::TableFull {
            tenants: self.caps.tenants,
        })
    }

    /// Changes an existing tenant; what `update` leaves `None` stays as it is.
    pub fn update(&mut self, id: u8, update: TenantUpdate) -> Result<(), TenantError> {
        self.check_id(id)?;
        let mask = update.workers.map(|w| self.check_workers(w)).transpose()?;
        if let Some(quota) = update.quota {
            self.check_quota(quota)?;
        }
        if !self.enabled(id)? {
            return Err(TenantError::NotFound { id });
        }
        self.dev.write_reg(regs::TENANT_SEL, u64::from(id))?; // staging := live entry
        if let Some(quota) = update.quota {
            self.dev.write_reg(regs::T_QUOTA, u64::from(quota))?;
        }
        if let Some(mask) = mask {
            self.dev.write_reg(regs::T_MASK, mask)?;
        }
        if let Some(key) = update.key {
            self.dev.write_reg(regs::T_KEY, key)?;
        }
        self.dev
            .write_reg(regs::T_CTRL, u64::from(t_ctrl::COMMIT | t_ctrl::ENABLE))?;
        Ok(())
    }

    /// Disables the tenant (its frames are dropped from now on), frees its slots and waits until the
    /// core reports none in use.
    pub fn remove(&mut self, id: u8, timeout: Duration) -> Result<(), TenantError> {
        self.check_id(id)?;
        if !self.enabled(id)? {
            return Err(TenantError::NotFound { id });
        }
        self.dev.write_reg(regs::TENANT_SEL, u64::from(id))?;
        self.dev.write_reg(regs::T_CTRL, u64::from(t_ctrl::COMMIT))?;
        self.dev
            .write_reg(regs::FLUSH_CMD, u64::from(flush_cmd::START | u32::from(id)))?;
        let start = Instant::now();
        loop {
            let busy = self.dev.read32(regs::STATUS.addr)? & status::FLUSH_BUSY != 0;
            let slots_in_use = self.dev.read32(regs::T_SLOTS_IN_USE.addr)?;
            if !busy && slots_in_use == 0 {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                return Err(TenantError::FlushTimeout {
                    id,
                    slots_in_use,
                    waited: start.elapsed(),
                });
            }
            std::thread::sleep(Duration::from_micros(100));
        }
    }

    /// Every enabled tenant.
    pub fn list(&mut self) -> Result<Vec<TenantInfo>, TenantError> {
        let mut out = Vec::new();
        for id in 0..self.caps.tenants.min(256) {
            let id = id as u8;
            if self.enabled(id)? {
                out.push(TenantInfo {
                    id,
                    quota: self.dev.read32(regs::T_QUOTA.addr)?,
                    mask: self.dev.read64(regs::T_MASK.addr)?,
                    window_base: self.dev.read32(regs::T_WINDOW_BASE.addr)?,
                    slots_in_use: self.dev.read32(regs::T_SLOTS_IN_USE.addr)?,
                });
            }
        }
        Ok(out)
    }

    /// Latches the global counters and tenant `id`'s together, then reads them.
    pub fn snapshot(&mut self, id: u8) -> Result<Snapshot, TenantError> {
        self.check_id(id)?;
        self.dev.write_reg(regs::TENANT_SEL, u64::from(id))?;
        self.dev.write_reg(regs::COMMAND, u64::from(command::SNAPSHOT))?;
        let mut read = |list: &[regs::Reg]| -> Result<Vec<(&'static str, u64)>, AccessError> {
            list.iter()
                .map(|r| Ok((r.name, self.dev.read_reg(*r)?)))
                .collect()
        };
        Ok(Snapshot {
            global: read(regs::CORE_COUNTER_REGS)?,
            tenant: read(regs::TENANT_COUNTER_REGS)?,
        })
    }

    /// Selects `id` and reads its live enable bit.
    fn enabled(&mut self, id: u8) -> Result<bool, AccessError> {
        self.dev.write_reg(regs::TENANT_SEL, u64::from(id))?;
        Ok(self.dev.read32(regs::T_CTRL.addr)? & t_ctrl::ENABLE != 0)
    }

    fn check_id(&self, id: u8) -> Result<(), TenantError> {
        if u32::from(id) >= self.caps.tenants {
            return Err(TenantError::IdOutOfRange {
                id,
                tenants: self.caps.tenants,
            });
        }
        Ok(())
    }

    fn check_quota(&self, quota: u32) -> Result<(), TenantError> {
        if quota > self.caps.slots {
            return Err(TenantError::QuotaTooLarge {
                quota,
                slots: self.caps.slots,
            });
        }
        Ok(())
    }

    /// The worker mask, or why it is not allowed.
    fn check_workers(&self, workers: Workers) -> Result<u64, TenantError> {
        let supported = self.caps.workers.min(64);
        let (asked, mask) = match workers {
            Workers::Count(n) => (n, if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }),
            // The highest worker named decides how wide the bitmap must be.
            Workers::Mask(m) => (64 - m.leading_zeros(), m),
        };
        if mask == 0 {
            return Err(TenantError::NoWorkers);
        }
        if asked > supported {
            return Err(TenantError::TooManyWorkers { asked, supported });
        }
        Ok(mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelBackend;
    use aggnic_spec::model::{Params, TenantEntry};
    use aggnic_spec::wire::{Addressing, Frame, Header, Kind};

    const KEY: u64 = 0x0123_4567_89ab_cdef;
    const CONFIG: TenantConfig = TenantConfig {
        key: KEY,
        workers: Workers::Count(4),
        quota: 100,
    };

    fn tenants() -> Tenants<ModelBackend> {
        Tenants::new(ModelBackend::default()).unwrap()
    }

    fn core(t: &Tenants<ModelBackend>) -> &aggnic_spec::model::Core {
        t.dev.core()
    }

    /// One worker's UPDATE from the network for fragment `seq` of `tenant`.
    fn update_frame(tenant: u8, worker: u8, seq: u32, key: u64) -> Vec<u8> {
        let header = Header {
            kind: Kind::Update,
            flags: 0,
            tenant,
            worker,
            elements: 4,
            seq,
            salt: 0,
            key_or_bitmap: key,
        };
        Frame {
            addr: Addressing::between(1, 2, regs::DEFAULT_UDP_PORT),
            header,
            payload: vec![1, 2, 3, 4],
        }
        .encode()
    }

    fn counter(list: &[(&'static str, u64)], name: &str) -> u64 {
        list.iter().find(|(n, _)| *n == name).unwrap().1
    }

    #[test]
    fn caps_come_from_the_capability_registers() {
        let t = tenants();
        let p = Params::DEFAULT;
        assert_eq!(
            t.caps(),
            Caps {
                slots: p.slots,
                tenants: p.tenants,
                workers: 64
            }
        );
    }

    #[test]
    fn create_commits_the_whole_entry_and_list_shows_it() {
        let mut t = tenants();
        t.create(3, CONFIG).unwrap();
        let entry = core(&t).tenant(3).unwrap().entry;
        assert_eq!(
            entry,
            TenantEntry {
                enable: true,
                quota: 100,
                mask: 0xf,
                key: KEY,
                window_base: 0
            }
        );
        let listed = t.list().unwrap();
        assert_eq!(
            listed,
            [TenantInfo {
                id: 3,
                quota: 100,
                mask: 0xf,
                window_base: 0,
                slots_in_use: 0
            }]
        );
    }

    #[test]
    fn invalid_input_is_refused_with_a_typed_error_and_changes_nothing() {
        let mut t = tenants();
        t.create(3, CONFIG).unwrap();
        let bad = |workers, quota| TenantConfig {
            key: 1,
            workers,
            quota,
        };
        assert!(matches!(t.create(3, CONFIG), Err(TenantError::IdInUse { id: 3 })));
        assert!(matches!(
            t.create(16, CONFIG),
            Err(TenantError::IdOutOfRange { id: 16, tenants: 16 })
        ));
        let err = t.create(5, bad(Workers::Count(4), 1025)).unwrap_err();
        assert!(
            matches!(
                err,
                TenantError::QuotaTooLarge {
                    quota: 1025,
                    slots: 1024
                }
            ),
            "{err}"
        );
        let err = t.create(5, bad(Workers::Count(65), 1)).unwrap_err();
        assert!(
            matches!(
                err,
                TenantError::TooManyWorkers {
                    asked: 65,
                    supported: 64
                }
            ),
            "{err}"
        );
        assert!(matches!(
            t.create(5, bad(Workers::Count(0), 1)),
            Err(TenantError::NoWorkers)
        ));
        assert!(matches!(
            t.create(5, bad(Workers::Mask(0), 1)),
            Err(TenantError::NoWorkers)
        ));
        assert_eq!(core(&t).tenant(5).unwrap().entry, TenantEntry::default());
        assert_eq!(
            core(&t).tenant(3).unwrap().entry.key,
            KEY,
            "the failed create of 3 kept the old entry"
        );
    }

    #[test]
    fn create_next_fills_the_table_then_reports_it_full() {
        let mut t = tenants();
        t.create(0, CONFIG).unwrap();
        assert_eq!(t.create_next(CONFIG).unwrap(), 1);
        for expected in 2..16 {
            assert_eq!(t.create_next(CONFIG).unwrap(), expected);
        }
        assert!(matches!(
            t.create_next(CONFIG),
            Err(TenantError::TableFull { tenants: 16 })
        ));
        assert_eq!(t.list().unwrap().len(), 16);
    }

    #[test]
    fn update_changes_only_what_it_names() {
        let mut t = tenants();
        t.create(2, CONFIG).unwrap();
        t.update(
            2,
            TenantUpdate {
                quota: Some(7),
                ..Default::default()
            },
        )
        .unwrap();
        let entry = core(&t).tenant(2).unwrap().entry;
        assert_eq!(
            (entry.quota, entry.mask, entry.key, entry.enable),
            (7, 0xf, KEY, true)
        );

        let workers = Some(Workers::Mask(0b1010_0000));
        t.update(
            2,
            TenantUpdate {
                key: Some(9),
                workers,
                quota: None,
            },
        )
        .unwrap();
        let entry = core(&t).tenant(2).unwrap().entry;
        assert_eq!((entry.quota, entry.mask, entry.key), (7, 0b1010_0000, 9));

        assert!(matches!(
            t.update(4, TenantUpdate::default()),
            Err(TenantError::NotFound { id: 4 })
        ));
        let too_big = TenantUpdate {
            quota: Some(5000),
            ..Default::default()
        };
        assert!(matches!(
            t.update(2, too_big),
            Err(TenantError::QuotaTooLarge { .. })
        ));
        assert_eq!(core(&t).tenant(2).unwrap().entry.quota, 7);
    }

    #[test]
    fn remove_frees_the_slots_and_later_frames_are_dropped_and_counted() {
        let mut t = tenants();
        t.dev
            .write_reg(regs::CTRL, u64::from(regs::ctrl::ENABLE))
            .unwrap();
        t.create(1, CONFIG).unwrap();
        t.dev.core_mut().rx(&update_frame(1, 0, 0, KEY));
        assert_eq!(t.list().unwrap()[0].slots_in_use, 1, "worker 0 of 4 holds a slot");

        t.remove(1, Duration::from_millis(100)).unwrap();
        assert!(!core(&t).tenant(1).unwrap().entry.enable);
        assert_eq!(core(&t).slots_in_use(), 0);
        assert!(t.list().unwrap().is_empty());
        assert!(matches!(
            t.remove(1, Duration::ZERO),
            Err(TenantError::NotFound { id: 1 })
        ));

        t.dev.core_mut().rx(&update_frame(1, 1, 0, KEY));
        let snap = t.snapshot(1).unwrap();
        assert_eq!(counter(&snap.tenant, "T_FLUSHED"), 1);
        assert_eq!(
            counter(&snap.tenant, "T_FRAMES"),
            1,
            "only the frame before the removal passed"
        );
        assert_eq!(counter(&snap.global, "C_UNKNOWN_TENANT"), 1);
        assert_eq!(counter(&snap.global, "C_RX_FRAMES"), 2);
    }

    /// The model with a flush that never finishes.
    #[derive(Debug, Default)]
    struct StuckFlush(ModelBackend);

    impl RegisterAccess for StuckFlush {
        fn read32(&mut self, addr: u32) -> Result<u32, AccessError> {
            let value = self.0.read32(addr)?;
            Ok(if addr == regs::STATUS.addr {
                value | status::FLUSH_BUSY
            } else {
                value
            })
        }
        fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError> {
            self.0.write32(addr, value)
        }
    }

    #[test]
    fn a_flush_that_does_not_finish_times_out() {
        let mut t = Tenants::new(StuckFlush::default()).unwrap();
        t.create(0, CONFIG).unwrap();
        let timeout = Duration::from_millis(5);
        let err = t.remove(0, timeout).unwrap_err();
        let TenantError::FlushTimeout { id: 0, waited, .. } = err else {
            panic!("{err}")
        };
        assert!(waited >= timeout);
        assert!(
            !t.dev.0.core().tenant(0).unwrap().entry.enable,
            "disabled even though the flush hangs"
        );
    }
}
