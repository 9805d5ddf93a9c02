//! Register map v1: the one table from which the driver's accessors, the hardware's decode constants
//! and `docs/registers.md` come.
//!
//! The AXI4-Lite window is 32 bits wide, byte-addressed, word-aligned. A 64-bit register takes two
//! words, low word first; reading the low word of a live 64-bit register is not atomic with its high
//! word, which is why counters are read through a snapshot. Unmapped addresses read 0 and ignore
//! writes. Registers are grouped in blocks, each starting with a (type, version, next) header as
//! Corundum's are, so software finds blocks by type and refuses versions it does not know.

/// Who may do what to a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Ro,
    /// Read and write.
    Rw,
    /// Write only: reads return 0 (the tenant key, commands).
    Wo,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Access::Ro => "RO",
            Access::Rw => "RW",
            Access::Wo => "WO",
        }
    }
}

/// One register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reg {
    pub name: &'static str,
    /// Byte address in the AXI4-Lite window.
    pub addr: u32,
    /// 32 or 64 bits.
    pub width: u32,
    pub access: Access,
    pub reset: u64,
    pub doc: &'static str,
}

impl Reg {
    /// Address of the high word of a 64-bit register.
    pub const fn hi(&self) -> u32 {
        self.addr + 4
    }
    /// Number of 32-bit words.
    pub const fn words(&self) -> u32 {
        self.width / 32
    }
}

macro_rules! registers {
    ($( $(#[$meta:meta])* $name:ident = $addr:literal, $width:literal, $access:ident, $reset:expr, $doc:literal; )*) => {
        $( $(#[$meta])* #[doc = $doc] pub const $name: Reg = Reg {
            name: stringify!($name), addr: $addr, width: $width, access: Access::$access, reset: $reset as u64, doc: $doc,
        }; )*
        /// Every register, in address order.
        pub const ALL: &[Reg] = &[$($name),*];
    };
}

/// Block type of the core block ("AGC" + 1).
pub const CORE_BLOCK_TYPE: u32 = 0x4147_4301;
/// Block type of the tenant-table block ("AGT" + 1).
pub const TENANT_BLOCK_TYPE: u32 = 0x4147_5401;
/// Block version: major in the high 16 bits, minor in the low 16. Software accepts a block whose
/// major it knows; minors only add registers.
pub const BLOCK_VERSION: u32 = 0x0001_0000;
pub const CORE_BLOCK: u32 = 0x0000;
pub const TENANT_BLOCK: u32 = 0x1000;
/// Size of the AXI4-Lite window in bytes (address bits: 13).
pub const WINDOW_BYTES: u32 = 0x2000;
/// First and last address of the counter registers, which are read from the snapshot.
pub const CORE_COUNTERS: std::ops::Range<u32> = 0x0100..0x0200;
pub const TENANT_COUNTERS: std::ops::Range<u32> = 0x1100..0x1200;
/// PCI vendor id the card's bitstream presents. A placeholder until aggnic has an assigned id.
pub const PCI_VENDOR_ID: u16 = 0x1ded;
/// PCI device id of the card. A placeholder, like [`PCI_VENDOR_ID`].
pub const PCI_DEVICE_ID: u16 = 0xa66c;
/// Default UDP destination port of aggregation frames.
pub const DEFAULT_UDP_PORT: u16 = 0x4147;

/// Bits of `CTRL`.
pub mod ctrl {
    /// 1: the core aggregates. 0: every frame from the network passes to the host untouched
    /// (control frames from the host are still acted on).
    pub const ENABLE: u32 = 1 << 0;
}

/// Bits of `COMMAND`: each does its work when written as 1.
pub mod command {
    /// Every register and all state back to its reset value.
    pub const SOFT_RESET: u32 = 1 << 0;
    /// Copy the global counters and the selected tenant's counters into the snapshot that the
    /// counter registers read, all in the same instant.
    pub const SNAPSHOT: u32 = 1 << 1;
}

/// Bits of `STATUS`.
pub mod status {
    /// A register-driven flush is walking the pool.
    pub const FLUSH_BUSY: u32 = 1 << 0;
}

/// Bits of `FLUSH_CMD`.
pub mod flush_cmd {
    /// Tenant whose slots are freed, bits 7:0.
    pub const TENANT_MASK: u32 = 0xff;
    /// Write 1 with the tenant: free every slot the tenant holds, discarding its partial sums.
    pub const START: u32 = 1 << 31;
}

/// Bits of `T_CTRL`.
pub mod t_ctrl {
    /// The tenant's frames are accepted.
    pub const ENABLE: u32 = 1 << 0;
    /// Write 1: load the staged entry (enable, key, mask, quota, window base) into the selected
    /// tenant, all at once, and clear its window's done bits. Self-clearing.
    pub const COMMIT: u32 = 1 << 31;
}

registers! {
    // ---- core block ----
    CORE_TYPE = 0x0000, 32, Ro, CORE_BLOCK_TYPE, "Block type: core (0x41474301)";
    CORE_VERSION = 0x0004, 32, Ro, BLOCK_VERSION, "Block version: major << 16 | minor";
    CORE_NEXT = 0x0008, 32, Ro, TENANT_BLOCK, "Address of the next block (the tenant table)";
    CAP_LANES = 0x0010, 32, Ro, 0, "Capability: int32 lanes per datapath beat (8 or 16); set at export";
    CAP_ELEMENTS = 0x0014, 32, Ro, 0, "Capability: most elements per packet; set at export";
    CAP_SLOTS = 0x0018, 32, Ro, 0, "Capability: aggregator slots in the pool (a power of two); set at export";
    CAP_TENANTS = 0x001C, 32, Ro, 0, "Capability: tenant table entries; set at export";
    CAP_WORKERS = 0x0020, 32, Ro, 64, "Capability: workers per tenant (bitmap width)";
    CAP_WINDOW = 0x0024, 32, Ro, 0, "Capability: fragments in a tenant's window; set at export";
    CTRL = 0x0040, 32, Rw, 0, "Control: ENABLE (bit 0): 1 aggregates, 0 passes every network frame to the host";
    STATUS = 0x0044, 32, Ro, 0, "Status: FLUSH_BUSY (bit 0)";
    UDP_PORT = 0x0048, 32, Rw, DEFAULT_UDP_PORT, "UDP destination port of aggregation frames (bits 15:0)";
    FLUSH_CMD = 0x004C, 32, Wo, 0, "Write START (bit 31) | tenant (bits 7:0): free every slot of the tenant; ignored while FLUSH_BUSY";
    SLOTS_IN_USE = 0x0050, 32, Ro, 0, "Slots held by any tenant, live";
    COMMAND = 0x0054, 32, Wo, 0, "Write SOFT_RESET (bit 0) to reset everything; SNAPSHOT (bit 1) to latch the counters";
    // global counters, read from the snapshot
    C_RX_FRAMES = 0x0100, 64, Ro, 0, "Counter: frames in from the network";
    C_TX_FRAMES = 0x0108, 64, Ro, 0, "Counter: frames in from the host";
    C_RX_PASS = 0x0110, 64, Ro, 0, "Counter: network frames passed to the host untouched";
    C_TX_PASS = 0x0118, 64, Ro, 0, "Counter: host frames passed to the network untouched";
    C_MALFORMED = 0x0120, 64, Ro, 0, "Counter: aggregation frames dropped as malformed";
    C_UNKNOWN_TENANT = 0x0128, 64, Ro, 0, "Counter: UPDATEs dropped for a tenant id not in the table or disabled";
    C_RESULTS = 0x0130, 64, Ro, 0, "Counter: RESULT frames the core sent to the host";
    C_PARTIALS = 0x0138, 64, Ro, 0, "Counter: PARTIAL frames the core sent to the host";
    C_RELEASES = 0x0140, 64, Ro, 0, "Counter: RELEASE frames acted on";

    // ---- tenant table block ----
    TENANT_TYPE = 0x1000, 32, Ro, TENANT_BLOCK_TYPE, "Block type: tenant table (0x41475401)";
    TENANT_VERSION = 0x1004, 32, Ro, BLOCK_VERSION, "Block version: major << 16 | minor";
    TENANT_NEXT = 0x1008, 32, Ro, 0, "Address of the next block; 0: last";
    TENANT_SEL = 0x1010, 32, Rw, 0, "Selects the tenant the T_ registers show; writing it loads the staging entry from that tenant";
    T_CTRL = 0x1020, 32, Rw, 0, "ENABLE (bit 0), live on read, staged on write; COMMIT (bit 31) loads the staged entry";
    T_QUOTA = 0x1024, 32, Rw, 0, "Most slots the tenant may hold at once; live on read, staged on write";
    T_MASK = 0x1028, 64, Rw, 0, "Expected worker bitmap: a fragment completes when its bitmap equals it; live on read, staged on write";
    T_KEY = 0x1030, 64, Wo, 0, "Tenant key that every UPDATE must carry; staged on write, reads 0";
    T_WINDOW_BASE = 0x1038, 32, Rw, 0, "Oldest fragment of the tenant's window; live on read, staged on write";
    T_SLOTS_IN_USE = 0x103C, 32, Ro, 0, "Slots the selected tenant holds, live";
    // per-tenant counters of the selected tenant, read from the snapshot
    T_FRAMES = 0x1100, 64, Ro, 0, "Counter: UPDATEs that passed the key check";
    T_AGGREGATED = 0x1108, 64, Ro, 0, "Counter: UPDATEs added into a slot (claims and joins)";
    T_RESULTS = 0x1110, 64, Ro, 0, "Counter: fragments completed in the core";
    T_COLLISIONS = 0x1118, 64, Ro, 0, "Counter: UPDATEs forwarded with COLLISION";
    T_OVER_QUOTA = 0x1120, 64, Ro, 0, "Counter: UPDATEs forwarded with OVER_QUOTA";
    T_OUT_OF_WINDOW = 0x1128, 64, Ro, 0, "Counter: UPDATEs forwarded with OUT_OF_WINDOW";
    T_RESENDS = 0x1130, 64, Ro, 0, "Counter: RESENDs forwarded";
    T_DUPLICATES = 0x1138, 64, Ro, 0, "Counter: UPDATEs dropped as duplicates (worker already in the slot, or fragment done)";
    T_BAD_KEY = 0x1140, 64, Ro, 0, "Counter: UPDATEs dropped for a wrong key";
    T_NOT_MEMBER = 0x1148, 64, Ro, 0, "Counter: UPDATEs dropped from a worker not in the tenant's mask";
    T_OVERFLOWS = 0x1150, 64, Ro, 0, "Counter: RESULTs and PARTIALs sent with OVERFLOW";
    T_FLUSHED = 0x1158, 64, Ro, 0, "Counter: slots freed by FLUSH frames or FLUSH_CMD";
    T_RELEASED = 0x1160, 64, Ro, 0, "Counter: slots freed by RELEASE frames";
}

/// Global counters, in the snapshot's order.
pub const CORE_COUNTER_REGS: &[Reg] = &[
    C_RX_FRAMES,
    C_TX_FRAMES,
    C_RX_PASS,
    C_TX_PASS,
    C_MALFORMED,
    C_UNKNOWN_TENANT,
    C_RESULTS,
    C_PARTIALS,
    C_RELEASES,
];
/// Per-tenant counters, in the snapshot's order.
pub const TENANT_COUNTER_REGS: &[Reg] = &[
    T_FRAMES,
    T_AGGREGATED,
    T_RESULTS,
    T_COLLISIONS,
    T_OVER_QUOTA,
    T_OUT_OF_WINDOW,
    T_RESENDS,
    T_DUPLICATES,
    T_BAD_KEY,
    T_NOT_MEMBER,
    T_OVERFLOWS,
    T_FLUSHED,
    T_RELEASED,
];

/// The register whose 32-bit word lives at `addr`, and whether it is that register's high word.
pub fn lookup(addr: u32) -> Option<(Reg, bool)> {
    ALL.iter().find_map(|r| {
        if addr == r.addr {
            Some((*r, false))
        } else if r.width == 64 && addr == r.hi() {
            Some((*r, true))
        } else {
            None
        }
    })
}

/// Register map problems a test or a driver can hit: overlapping or misaligned entries.
pub fn check_map() -> Result<(), String> {
    let mut words: Vec<(u32, &str)> = Vec::new();
    for r in ALL {
        if r.width != 32 && r.width != 64 {
            return Err(format!("{}: width {} is not 32 or 64", r.name, r.width));
        }
        if r.addr % (r.width / 8) != 0 {
            return Err(format!(
                "{}: address 0x{:04x} not aligned to its width",
                r.name, r.addr
            ));
        }
        if r.addr + r.width / 8 > WINDOW_BYTES {
            return Err(format!("{}: outside the window", r.name));
        }
        for w in 0..r.words() {
            words.push((r.addr + 4 * w, r.name));
        }
    }
    words.sort();
    for pair in words.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(format!(
                "{} and {} overlap at 0x{:04x}",
                pair[0].1, pair[1].1, pair[0].0
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_is_well_formed_and_sorted() {
        check_map().unwrap();
        assert!(
            ALL.windows(2).all(|p| p[0].addr < p[1].addr),
            "table must be in address order"
        );
        for r in CORE_COUNTER_REGS {
            assert!(
                CORE_COUNTERS.contains(&r.addr) && r.width == 64 && r.access == Access::Ro,
                "{}",
                r.name
            );
        }
        for r in TENANT_COUNTER_REGS {
            assert!(
                TENANT_COUNTERS.contains(&r.addr) && r.width == 64 && r.access == Access::Ro,
                "{}",
                r.name
            );
        }
        let counters = ALL
            .iter()
            .filter(|r| CORE_COUNTERS.contains(&r.addr) || TENANT_COUNTERS.contains(&r.addr));
        assert_eq!(
            counters.count(),
            CORE_COUNTER_REGS.len() + TENANT_COUNTER_REGS.len()
        );
    }

    #[test]
    fn counter_enums_follow_the_register_order() {
        use crate::model::{CoreCounter, TenantCounter};
        for (i, c) in CoreCounter::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
        for (i, c) in TenantCounter::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
        assert_eq!(CoreCounter::ALL.len(), CORE_COUNTER_REGS.len());
        assert_eq!(TenantCounter::ALL.len(), TENANT_COUNTER_REGS.len());
    }

    #[test]
    fn blocks_chain_from_zero() {
        assert_eq!(CORE_TYPE.addr, CORE_BLOCK);
        assert_eq!(CORE_NEXT.reset as u32, TENANT_BLOCK);
        assert_eq!(TENANT_TYPE.addr, TENANT_BLOCK);
        assert_eq!(TENANT_NEXT.reset, 0);
    }

    #[test]
    fn lookup_finds_both_words() {
        assert_eq!(lookup(T_MASK.addr), Some((T_MASK, false)));
        assert_eq!(lookup(T_MASK.hi()), Some((T_MASK, true)));
        assert_eq!(lookup(0x0fff_fff0), None);
    }
}
