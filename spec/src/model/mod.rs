//! The reference model: a cycle-free, frame-at-a-time model of the aggregation core.
//!
//! It is the oracle the hardware is tested against, so every decision the hardware makes is made
//! here, in the order `docs/protocol.md` lists. Frames arrive whole on one of two inputs (from the
//! network on the receive path, from the host on the transmit path) and leave whole on the two
//! outputs; registers are read and written between frames.

mod registers;

use crate::hash::slot_index;
use crate::wire::{self, Classified, Frame, Header, Kind, flags};

pub use registers::{TenantEntry, tenant_writes};

/// Parameters fixed when the core is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// int32 lanes per datapath beat (8 or 16). Does not change behaviour, only the capability register.
    pub lanes: u32,
    /// Most elements per packet.
    pub elements: u32,
    /// Slots in the pool: a power of two.
    pub slots: u32,
    /// Tenant table entries, at most 256 (the tenant field is one byte).
    pub tenants: u32,
    /// Fragments in a tenant's window, 1..=64.
    pub window: u32,
}

/// Workers per tenant: the bitmap width.
pub const WORKERS: u32 = 64;

impl Params {
    /// The default set used by tests and the simulator.
    pub const DEFAULT: Params = Params {
        lanes: 16,
        elements: 64,
        slots: 1024,
        tenants: 16,
        window: 64,
    };

    pub fn validate(&self) -> Result<(), String> {
        if self.lanes != 8 && self.lanes != 16 {
            return Err(format!("lanes must be 8 or 16, not {}", self.lanes));
        }
        if self.elements == 0 || self.elements as usize > wire::MAX_ELEMENTS_WIRE {
            return Err(format!(
                "elements must be 1..={}, not {}",
                wire::MAX_ELEMENTS_WIRE,
                self.elements
            ));
        }
        if !self.slots.is_power_of_two() || self.slots > 1 << crate::hash::HASH_BITS {
            return Err(format!(
                "slots must be a power of two up to 65536, not {}",
                self.slots
            ));
        }
        if self.tenants == 0 || self.tenants > 256 {
            return Err(format!("tenants must be 1..=256, not {}", self.tenants));
        }
        if self.window == 0 || self.window > 64 {
            return Err(format!("window must be 1..=64, not {}", self.window));
        }
        Ok(())
    }
}

/// Global counters, indexed as [`crate::regs::CORE_COUNTER_REGS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum CoreCounter {
    RxFrames,
    TxFrames,
    RxPass,
    TxPass,
    Malformed,
    UnknownTenant,
    Results,
    Partials,
    Releases,
}

/// Per-tenant counters, indexed as [`crate::regs::TENANT_COUNTER_REGS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum TenantCounter {
    Frames,
    Aggregated,
    Results,
    Collisions,
    OverQuota,
    OutOfWindow,
    Resends,
    Duplicates,
    BadKey,
    NotMember,
    Overflows,
    Flushed,
    Released,
}

pub const CORE_COUNTERS: usize = 9;
pub const TENANT_COUNTERS: usize = 13;

impl CoreCounter {
    /// Every global counter, in register (and bump-vector bit) order.
    pub const ALL: [CoreCounter; CORE_COUNTERS] = [
        CoreCounter::RxFrames,
        CoreCounter::TxFrames,
        CoreCounter::RxPass,
        CoreCounter::TxPass,
        CoreCounter::Malformed,
        CoreCounter::UnknownTenant,
        CoreCounter::Results,
        CoreCounter::Partials,
        CoreCounter::Releases,
    ];
}

impl TenantCounter {
    /// Every per-tenant counter, in register (and bump-vector bit) order.
    pub const ALL: [TenantCounter; TENANT_COUNTERS] = [
        TenantCounter::Frames,
        TenantCounter::Aggregated,
        TenantCounter::Results,
        TenantCounter::Collisions,
        TenantCounter::OverQuota,
        TenantCounter::OutOfWindow,
        TenantCounter::Resends,
        TenantCounter::Duplicates,
        TenantCounter::BadKey,
        TenantCounter::NotMember,
        TenantCounter::Overflows,
        TenantCounter::Flushed,
        TenantCounter::Released,
    ];
}

/// One aggregator slot that some fragment holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub tenant: u8,
    pub seq: u32,
    pub salt: u16,
    pub bitmap: u64,
    pub overflow: bool,
    pub sum: Vec<i32>,
}

/// A tenant's live state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tenant {
    pub entry: TenantEntry,
    /// Oldest fragment not yet known final.
    pub base: u32,
    /// Bit d: fragment base + d is final (completed here or RELEASEd). Bit 0 is always clear.
    pub done: u64,
    pub slots_in_use: u32,
    pub counters: [u64; TENANT_COUNTERS],
}

/// Frames produced by one input frame, per output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    /// To the host (the receive path's output, `m_axis_rx`).
    pub to_host: Vec<Vec<u8>>,
    /// To the network (the transmit path's output, `m_axis_tx`).
    pub to_network: Vec<Vec<u8>>,
}

/// Where an UPDATE went, for tests and tracing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Malformed,
    UnknownTenant,
    BadKey,
    NotMember,
    /// Forwarded to the host with this flag (RESEND keeps its own).
    Forwarded(u8),
    Duplicate,
    Claimed,
    Joined,
    /// Joined and completed: a RESULT went to the host.
    Completed,
}

/// The model core.
#[derive(Debug, Clone)]
pub struct Core {
    params: Params,
    regs: registers::RegisterFile,
    tenants: Vec<Tenant>,
    slots: Vec<Option<Slot>>,
    counters: [u64; CORE_COUNTERS],
}

impl Core {
    /// # Panics
    /// If the parameters are invalid (see [`Params::validate`]).
    pub fn new(params: Params) -> Core {
        params.validate().expect("valid parameters");
        Core {
            params,
            regs: registers::RegisterFile::new(),
            tenants: vec![Tenant::default(); params.tenants as usize],
            slots: vec![None; params.slots as usize],
            counters: [0; CORE_COUNTERS],
        }
    }

    pub fn params(&self) -> Params {
        self.params
    }
    pub fn tenant(&self, t: u8) -> Option<&Tenant> {
        self.tenants.get(t as usize)
    }
    pub fn slot(&self, index: u32) -> Option<&Slot> {
        self.slots.get(index as usize).and_then(|s| s.as_ref())
    }
    pub fn slots_in_use(&self) -> u32 {
        self.tenants.iter().map(|t| t.slots_in_use).sum()
    }
    pub fn counter(&self, c: CoreCounter) -> u64 {
        self.counters[c as usize]
    }
    pub fn tenant_counter(&self, t: u8, c: TenantCounter) -> u64 {
        self.tenants.get(t as usize).map_or(0, |t| t.counters[c as usize])
    }
    pub fn enabled(&self) -> bool {
        self.regs.enable
    }
    pub fn udp_port(&self) -> u16 {
        self.regs.udp_port
    }

    fn count(&mut self, c: CoreCounter) {
        self.counters[c as usize] += 1;
    }
    fn count_tenant(&mut self, t: u8, c: TenantCounter) {
        self.tenants[t as usize].counters[c as usize] += 1;
    }

    /// A frame from the network (`s_axis_rx`).
    pub fn rx(&mut self, bytes: &[u8]) -> Outputs {
        self.rx_verdict(bytes).0
    }

    /// A frame the MAC flagged bad (`s_axis_rx_tuser` on its last beat: a bad FCS, a frame cut
    /// short). Its bytes cannot be trusted, so nothing in it counts: an aggregation frame (one
    /// [`Core::rx`] would take) is dropped and counted MALFORMED; any other frame passes to the
    /// host still flagged (`m_axis_rx_tuser`), for the host's stack to drop. Every frame in the
    /// returned `to_host` is flagged.
    pub fn rx_bad(&mut self, bytes: &[u8]) -> Outputs {
        self.count(CoreCounter::RxFrames);
        if self.regs.enable
            && matches!(
                wire::classify(bytes, self.regs.udp_port),
                Classified::Aggregation(_)
            )
        {
            self.count(CoreCounter::Malformed);
            return Outputs::default();
        }
        self.pass_to_host(bytes)
    }

    /// A network frame the core passes to the host unchanged.
    fn pass_to_host(&mut self, bytes: &[u8]) -> Outputs {
        self.count(CoreCounter::RxPass);
        Outputs {
            to_host: vec![bytes.to_vec()],
            to_network: vec![],
        }
    }

    /// [`Core::rx`], also saying what became of an UPDATE.
    pub fn rx_verdict(&mut self, bytes: &[u8]) -> (Outputs, Option<Verdict>) {
        self.count(CoreCounter::RxFrames);
        let pass = |core: &mut Core| (core.pass_to_host(bytes), None);
        if !self.regs.enable {
            return pass(self);
        }
        match wire::classify(bytes, self.regs.udp_port) {
            Classified::PassThrough => pass(self),
            Classified::Aggregation(Err(_)) => {
                self.count(CoreCounter::Malformed);
                (Outputs::default(), Some(Verdict::Malformed))
            }
            Classified::Aggregation(Ok(frame)) => match frame.header.kind {
                // A result the PS sent to a worker on this host (no longer than the core buffers).
                Kind::Result if u32::from(frame.header.elements) <= self.params.elements => pass(self),
                Kind::Result => {
                    self.count(CoreCounter::Malformed);
                    (Outputs::default(), Some(Verdict::Malformed))
                }
                Kind::Update => {
                    let mut out = Outputs::default();
                    let verdict = self.update(bytes, &frame, &mut out.to_host);
                    if verdict == Verdict::Malformed {
                        self.count(CoreCounter::Malformed);
                    }
                    (out, Some(verdict))
                }
                // Control kinds are only taken from the host: from the network they are forged.
                Kind::Flush | Kind::Partial | Kind::Release => {
                    self.count(CoreCounter::Malformed);
                    (Outputs::default(), Some(Verdict::Malformed))
                }
            },
        }
    }

    fn update(&mut self, bytes: &[u8], frame: &Frame, to_host: &mut Vec<Vec<u8>>) -> Verdict {
        let h = &frame.header;
        if h.flags & !flags::RESEND != 0
            || h.elements == 0
            || u32::from(h.elements) > self.params.elements
            || u32::from(h.worker) >= WORKERS
        {
            return Verdict::Malformed;
        }
        let t = h.tenant;
        let Some(tenant) = self.tenants.get(t as usize).filter(|x| x.entry.enable) else {
            self.count(CoreCounter::UnknownTenant);
            return Verdict::UnknownTenant;
        };
        if tenant.entry.key != h.key_or_bitmap {
            self.count_tenant(t, TenantCounter::BadKey);
            return Verdict::BadKey;
        }
        let (mask, base, done, quota, in_use) = (
            tenant.entry.mask,
            tenant.base,
            tenant.done,
            tenant.entry.quota,
            tenant.slots_in_use,
        );
        self.count_tenant(t, TenantCounter::Frames);
        let bit = 1u64 << h.worker;
        if mask & bit == 0 {
            self.count_tenant(t, TenantCounter::NotMember);
            return Verdict::NotMember;
        }
        if h.flags & flags::RESEND != 0 {
            self.count_tenant(t, TenantCounter::Resends);
            return self.forward(bytes, 0, to_host);
        }
        let d = h.seq.wrapping_sub(base);
        if d >= 1 << 31 || (d < self.params.window && done >> d & 1 == 1) {
            // Behind the window or already final: a late copy of a contribution already counted.
            self.count_tenant(t, TenantCounter::Duplicates);
            return Verdict::Duplicate;
        }
        if d >= self.params.window {
            self.count_tenant(t, TenantCounter::OutOfWindow);
            return self.forward(bytes, flags::OUT_OF_WINDOW, to_host);
        }
        let index = slot_index(t, h.seq, h.salt, self.params.slots) as usize;
        let verdict = match &mut self.slots[index] {
            None if in_use >= quota => {
                self.count_tenant(t, TenantCounter::OverQuota);
                return self.forward(bytes, flags::OVER_QUOTA, to_host);
            }
            None => {
                self.slots[index] = Some(Slot {
                    tenant: t,
                    seq: h.seq,
                    salt: h.salt,
                    bitmap: bit,
                    overflow: false,
                    sum: frame.payload.clone(),
                });
                self.tenants[t as usize].slots_in_use += 1;
                Verdict::Claimed
            }
            Some(s) if (s.tenant, s.seq, s.salt) == (t, h.seq, h.salt) => {
                if s.sum.len() != frame.payload.len() {
                    return Verdict::Malformed;
                }
                if s.bitmap & bit != 0 {
                    self.count_tenant(t, TenantCounter::Duplicates);
                    return Verdict::Duplicate;
                }
                s.bitmap |= bit;
                for (acc, x) in s.sum.iter_mut().zip(&frame.payload) {
                    let (wide, sat) = saturating_add(*acc, *x);
                    *acc = wide;
                    s.overflow |= sat;
                }
                Verdict::Joined
            }
            Some(_) => {
                self.count_tenant(t, TenantCounter::Collisions);
                return self.forward(bytes, flags::COLLISION, to_host);
            }
        };
        self.count_tenant(t, TenantCounter::Aggregated);
        let slot = self.slots[index].as_ref().expect("just written");
        if slot.bitmap != mask {
            return verdict;
        }
        let slot = self.slots[index].take().expect("just written");
        let header = Header {
            kind: Kind::Result,
            flags: if slot.overflow { flags::OVERFLOW } else { 0 },
            tenant: t,
            worker: h.worker,
            elements: h.elements,
            seq: slot.seq,
            salt: slot.salt,
            key_or_bitmap: slot.bitmap,
        };
        to_host.push(reply(bytes, &header, &slot.sum));
        self.count(CoreCounter::Results);
        self.count_tenant(t, TenantCounter::Results);
        if slot.overflow {
            self.count_tenant(t, TenantCounter::Overflows);
        }
        let tenant = &mut self.tenants[t as usize];
        tenant.slots_in_use -= 1;
        mark_done(tenant, slot.seq, self.params.window);
        Verdict::Completed
    }

    /// Sends the UPDATE to the host with `flag` added and the UDP checksum cleared.
    fn forward(&mut self, bytes: &[u8], flag: u8, to_host: &mut Vec<Vec<u8>>) -> Verdict {
        let mut out = bytes.to_vec();
        out[wire::HEADER_OFFSET + wire::field::FLAGS.offset] |= flag;
        out[wire::frame::UDP_CSUM.at(0)].fill(0);
        to_host.push(out);
        Verdict::Forwarded(if flag == 0 { flags::RESEND } else { flag })
    }

    /// A frame from the host (`s_axis_tx`).
    pub fn tx(&mut self, bytes: &[u8]) -> Outputs {
        self.count(CoreCounter::TxFrames);
        let mut out = Outputs::default();
        match wire::classify(bytes, self.regs.udp_port) {
            Classified::PassThrough => {
                self.count(CoreCounter::TxPass);
                out.to_network.push(bytes.to_vec());
            }
            Classified::Aggregation(Err(_)) => self.count(CoreCounter::Malformed),
            Classified::Aggregation(Ok(frame)) => {
                let h = frame.header;
                match h.kind {
                    Kind::Flush | Kind::Release
                        if h.flags != 0 || h.elements != 0 || u32::from(h.tenant) >= self.params.tenants =>
                    {
                        self.count(CoreCounter::Malformed)
                    }
                    Kind::Flush => out.to_host.push(self.flush(bytes, &h)),
                    Kind::Release => self.release(&h),
                    // Longer than the core buffers: it cannot pass whole.
                    Kind::Update | Kind::Result | Kind::Partial
                        if u32::from(h.elements) > self.params.elements =>
                    {
                        self.count(CoreCounter::Malformed)
                    }
                    Kind::Update | Kind::Result | Kind::Partial => {
                        self.count(CoreCounter::TxPass);
                        out.to_network.push(bytes.to_vec());
                    }
                }
            }
        }
        out
    }

    fn flush(&mut self, bytes: &[u8], h: &Header) -> Vec<u8> {
        self.count(CoreCounter::Partials);
        let index = slot_index(h.tenant, h.seq, h.salt, self.params.slots) as usize;
        let mut header = Header {
            kind: Kind::Partial,
            flags: 0,
            elements: 0,
            key_or_bitmap: 0,
            ..*h
        };
        let mut sum = Vec::new();
        if let Some(slot) = self.take_slot(index, h) {
            self.count_tenant(h.tenant, TenantCounter::Flushed);
            if slot.overflow {
                header.flags = flags::OVERFLOW;
                self.count_tenant(h.tenant, TenantCounter::Overflows);
            }
            header.elements = slot.sum.len() as u16;
            header.key_or_bitmap = slot.bitmap;
            sum = slot.sum;
        }
        reply(bytes, &header, &sum)
    }

    fn release(&mut self, h: &Header) {
        self.count(CoreCounter::Releases);
        let index = slot_index(h.tenant, h.seq, h.salt, self.params.slots) as usize;
        if self.take_slot(index, h).is_some() {
            self.count_tenant(h.tenant, TenantCounter::Released);
        }
        mark_done(&mut self.tenants[h.tenant as usize], h.seq, self.params.window);
    }

    /// Frees slot `index` if the fragment of `h` holds it.
    fn take_slot(&mut self, index: usize, h: &Header) -> Option<Slot> {
        let held = self.slots[index]
            .as_ref()
            .is_some_and(|s| (s.tenant, s.seq, s.salt) == (h.tenant, h.seq, h.salt));
        if !held {
            return None;
        }
        self.tenants[h.tenant as usize].slots_in_use -= 1;
        self.slots[index].take()
    }

    /// FLUSH_CMD: frees every slot the tenant holds, discarding the sums.
    fn flush_tenant(&mut self, t: u8) {
        for i in 0..self.slots.len() {
            if self.slots[i].as_ref().is_some_and(|s| s.tenant == t) {
                self.slots[i] = None;
                self.tenants[t as usize].slots_in_use -= 1;
                self.count_tenant(t, TenantCounter::Flushed);
            }
        }
    }
}

/// Adds two lanes, saturating at the int32 range; says whether it saturated.
pub fn saturating_add(a: i32, b: i32) -> (i32, bool) {
    match a.checked_add(b) {
        Some(s) => (s, false),
        None => (a.saturating_add(b), true),
    }
}

/// Records fragment `seq` as final and slides the window past every leading final fragment.
/// Fragments outside the window are not recorded: behind it they are final already, and a PS
/// never releases one beyond it (see `docs/protocol.md`).
fn mark_done(t: &mut Tenant, seq: u32, window: u32) {
    let d = seq.wrapping_sub(t.base);
    if d >= window {
        return;
    }
    t.done |= 1 << d;
    let slide = t.done.trailing_ones();
    t.base = t.base.wrapping_add(slide);
    t.done = if slide >= 64 { 0 } else { t.done >> slide };
}

/// A frame the core writes in reply to `trigger`: the trigger's Ethernet/IPv4/UDP header with the
/// lengths set for the new payload, the IPv4 checksum recomputed and the UDP checksum zero.
pub fn reply(trigger: &[u8], header: &Header, payload: &[i32]) -> Vec<u8> {
    let mut out = vec![0u8; wire::PAYLOAD_OFFSET + wire::LANE_BYTES * payload.len()];
    out[..wire::HEADER_OFFSET].copy_from_slice(&trigger[..wire::HEADER_OFFSET]);
    let ip_len = (out.len() - wire::ETH_LEN) as u16;
    out[wire::frame::IP_LEN.at(0)].copy_from_slice(&ip_len.to_be_bytes());
    out[wire::frame::UDP_LEN.at(0)].copy_from_slice(&(ip_len - wire::IPV4_LEN as u16).to_be_bytes());
    out[wire::frame::UDP_CSUM.at(0)].fill(0);
    out[wire::frame::IP_CSUM.at(0)].fill(0);
    let csum = wire::ipv4_checksum(&out[wire::ETH_LEN..wire::ETH_LEN + wire::IPV4_LEN]);
    out[wire::frame::IP_CSUM.at(0)].copy_from_slice(&csum.to_be_bytes());
    let mut h = [0u8; wire::HEADER_LEN];
    Header {
        elements: payload.len() as u16,
        ..*header
    }
    .encode(&mut h);
    out[wire::HEADER_OFFSET..wire::PAYLOAD_OFFSET].copy_from_slice(&h);
    for (i, lane) in payload.iter().enumerate() {
        let at = wire::PAYLOAD_OFFSET + wire::LANE_BYTES * i;
        out[at..at + wire::LANE_BYTES].copy_from_slice(&lane.to_be_bytes());
    }
    out
}
