//! The parameter server's side, free of I/O: it takes the frames the card hands up (RESULT,
//! PARTIAL, forwarded UPDATEs) and returns the frames to send down (RELEASE, FLUSH, RESULTs to
//! workers). `docs/protocol.md` explains why this gives every worker's contribution exactly once.
//!
//! Per fragment the PS keeps *pieces*, each a sum with the bitmap of the workers in it: hardware
//! pieces (a PARTIAL, or a RESULT whose bitmap is short of the mask), pairwise disjoint, and one
//! copy per worker of what reached it in software. A piece overlapping the hardware pieces already
//! kept is dropped (a sum cannot be split), and its workers' resends make good the loss.

use crate::frames::Frames;
use crate::pieces::Pieces;
use crate::seq_map::{SeqMap, serial_lt};
use aggnic_spec::wire::{self, Addressing, DecodeError, HEADER_LEN, HEADER_OFFSET, Header, Kind, flags};
use std::collections::BTreeMap;

/// One worker as the PS addresses its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub worker: u8,
    /// Addressing of the RESULT frames sent to this worker.
    pub addr: Addressing,
}

/// A tenant as the PS serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantConfig {
    pub tenant: u8,
    pub key: u64,
    pub workers: Vec<Endpoint>,
    pub first_seq: u32,
    pub initial_salt: u16,
}

impl TenantConfig {
    pub fn mask(&self) -> u64 {
        self.workers.iter().fold(0, |m, e| m | 1 << e.worker)
    }

    fn window_slots(&self, window: u32) -> u32 {
        window.saturating_mul(4)
    }
}

/// The PS as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PsConfig {
    /// The core's window (`CAP_WINDOW`).
    pub window: u32,
    /// Addressing of the FLUSH and RELEASE frames the PS sends its card (PARTIALs come back with it).
    pub control_addr: Addressing,
    /// Ticks a fragment may wait with pieces in software before the PS flushes its slot.
    pub flush_after: u64,
}

/// What the PS has done, for its summary and for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PsStats {
    /// Fragments finished by a RESULT from the card.
    pub completed_in_card: u64,
    /// Fragments finished from pieces in software.
    pub completed_in_software: u64,
    pub forwards: u64,
    pub resends_answered: u64,
    pub flushes: u64,
    pub pieces_dropped: u64,
    pub salt_moves: u64,
    /// Frames from the card the PS refused (bad key, unknown tenant, not a member, bad shape).
    pub rejected: u64,
}

#[derive(Debug, Clone)]
struct Pending {
    pieces: Pieces,
    last_activity: u64,
    flush_outstanding: bool,
}

#[derive(Debug, Clone)]
struct Finished {
    /// The final sum's lanes as the RESULT frames carry them (big-endian).
    payload: Vec<u8>,
    overflow: bool,
    next_salt: u16,
}

/// The Ethernet, IPv4 and UDP headers of a frame: they depend only on the addressing and the
/// element count, so the PS writes them once (checksum included) and copies them into each frame.
type L2L4 = [u8; HEADER_OFFSET];

fn l2_l4(addr: &Addressing, elements: u16) -> L2L4 {
    let mut b = [0; HEADER_OFFSET];
    wire::write_l2_l4(&mut b, addr, elements);
    b
}

/// Each worker's RESULT headers for the element count of the tenant's last result.
#[derive(Debug, Clone, Default)]
struct ResultHeaders {
    elements: Option<u16>,
    /// In the order of the tenant's `workers`.
    l2_l4: Vec<L2L4>,
}

impl ResultHeaders {
    fn for_elements(&mut self, workers: &[Endpoint], elements: u16) -> &[L2L4] {
        if self.elements != Some(elements) {
            // A worker listed twice gets the first endpoint's addressing, as a search would.
            let addr = |w: u8| workers.iter().find(|e| e.worker == w).expect("listed").addr;
            self.l2_l4 = workers.iter().map(|e| l2_l4(&addr(e.worker), elements)).collect();
            self.elements = Some(elements);
        }
        &self.l2_l4
    }
}

#[derive(Debug, Clone)]
struct TenantState {
    cfg: TenantConfig,
    mask: u64,
    /// Fragments from `floor` on with pieces in software.
    pending: SeqMap<Pending>,
    /// Recent final sums, kept to answer late RESENDs: fragments from `floor - window` on.
    finished: SeqMap<Finished>,
    /// Every fragment before this one is final.
    floor: u32,
    /// Salt announced for fragments `first_seq + window` on, keyed by fragment.
    salts: SeqMap<u16>,
    results: ResultHeaders,
    current_salt: u16,
    collided_since_move: bool,
    /// Buffers of fragments no longer pending or kept, for the next ones.
    spare_pieces: Vec<Pieces>,
    spare_payloads: Vec<Vec<u8>>,
}

/// The parameter server.
#[derive(Debug, Clone)]
pub struct Ps {
    cfg: PsConfig,
    tenants: BTreeMap<u8, TenantState>,
    stats: PsStats,
    /// Where a fragment's sum is computed, reused.
    sum: Vec<i32>,
    /// Headers of the FLUSH and RELEASE frames up to the aggregation header.
    control: L2L4,
}

/// What a tenant's handlers share with the rest of the PS during one call.
struct Ctx<'a> {
    cfg: PsConfig,
    control: &'a L2L4,
    stats: &'a mut PsStats,
    sum: &'a mut Vec<i32>,
    out: &'a mut Frames,
}

/// Whether [`wire::ipv4_checksum`] gives 0 over `h`: the same ones' complement sum, over a fixed
/// 20 bytes that the compiler unrolls (that function takes a slice of any length, a loop per word).
fn ip_checksum_ok(h: &[u8; wire::IPV4_LEN]) -> bool {
    let sum: u32 = h
        .chunks_exact(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    // Ten words sum below 2^20: two folds bring it to 16 bits.
    let sum = (sum & 0xffff) + (sum >> 16);
    (sum & 0xffff) + (sum >> 16) == 0xffff
}

/// [`wire::decode`]'s checks, in its order and with its errors, without copying the payload out:
/// the header and the payload's bytes.
fn decode(b: &[u8]) -> Result<(Header, &[u8]), DecodeError> {
    use wire::{ETH_LEN, IPV4_LEN, LANE_BYTES, PAYLOAD_OFFSET, frame};
    if b.len() < PAYLOAD_OFFSET {
        return Err(DecodeError::Truncated(b.len()));
    }
    if !ip_checksum_ok(b[ETH_LEN..ETH_LEN + IPV4_LEN].try_into().expect("20 bytes")) {
        return Err(DecodeError::BadIpChecksum);
    }
    let be16 = |f: wire::Field| u16::from_be_bytes([b[f.offset], b[f.offset + 1]]);
    let ip_total = be16(frame::IP_LEN);
    if ETH_LEN + ip_total as usize != b.len() {
        return Err(DecodeError::IpLength {
            ip_total,
            frame: b.len(),
        });
    }
    let udp = be16(frame::UDP_LEN);
    if udp as usize + IPV4_LEN != ip_total as usize {
        return Err(DecodeError::UdpLength { udp, ip_total });
    }
    let header = Header::decode(b[HEADER_OFFSET..PAYLOAD_OFFSET].try_into().expect("22 bytes"))?;
    let payload = &b[PAYLOAD_OFFSET..];
    if payload.len() != LANE_BYTES * header.elements as usize {
        return Err(DecodeError::PayloadLength {
            elements: header.elements,
            payload_bytes: payload.len(),
        });
    }
    Ok((header, payload))
}

impl Ps {
    pub fn new(ps_cfg: PsConfig, tenants: Vec<TenantConfig>) -> Ps {
        let tenants = tenants
            .into_iter()
            .map(|cfg| {
                // Live fragments lie within about a window of the floor; salts are kept from a
                // window before it to two after. Four windows of slots leave a margin.
                let slots = cfg.window_slots(ps_cfg.window);
                let cut = cfg.first_seq.wrapping_sub(ps_cfg.window);
                let state = TenantState {
                    mask: cfg.mask(),
                    pending: SeqMap::new(cfg.first_seq, slots),
                    finished: SeqMap::new(cut, slots),
                    floor: cfg.first_seq,
                    salts: SeqMap::new(cut, slots),
                    results: ResultHeaders::default(),
                    current_salt: cfg.initial_salt,
                    collided_since_move: false,
                    spare_pieces: Vec::new(),
                    spare_payloads: Vec::new(),
                    cfg,
                };
                (state.cfg.tenant, state)
            })
            .collect();
        Ps {
            cfg: ps_cfg,
            tenants,
            stats: PsStats::default(),
            sum: Vec::new(),
            control: l2_l4(&ps_cfg.control_addr, 0),
        }
    }

    pub fn stats(&self) -> PsStats {
        self.stats
    }

    /// Fragments the PS still holds pieces of, over all tenants.
    pub fn pending(&self) -> usize {
        self.tenants.values().map(|t| t.pending.len()).sum()
    }

    /// The earliest time at which [`Ps::on_tick`] has a flush to send.
    pub fn next_deadline(&self) -> Option<u64> {
        self.tenants
            .values()
            .flat_map(|t| t.pending.values())
            .filter(|p| !p.flush_outstanding)
            .map(|p| p.last_activity + self.cfg.flush_after)
            .min()
    }

    /// Flushes the slots of fragments that waited `flush_after` ticks with pieces in software.
    pub fn on_tick(&mut self, now: u64) -> Vec<Vec<u8>> {
        let mut out = Frames::new();
        self.on_tick_into(now, &mut out);
        out.to_vecs()
    }

    /// [`Ps::on_tick`], appending the frames to `out`.
    pub fn on_tick_into(&mut self, now: u64, out: &mut Frames) {
        let flush_after = self.cfg.flush_after;
        let mut due = Vec::new();
        for (t, state) in &self.tenants {
            if state.pending.len() == 0 {
                continue;
            }
            for (seq, p) in state.pending.sorted() {
                if !p.flush_outstanding && p.last_activity + flush_after <= now {
                    due.push((*t, seq));
                }
            }
        }
        let mut cx = Ctx {
            cfg: self.cfg,
            control: &self.control,
            stats: &mut self.stats,
            sum: &mut self.sum,
            out,
        };
        for (t, seq) in due {
            let state = self.tenants.get_mut(&t).expect("listed above");
            state.flush(seq, now, &mut cx);
        }
    }

    /// Takes a frame the card handed up; returns frames for the card's transmit path.
    pub fn on_host_frame(&mut self, bytes: &[u8], now: u64) -> Vec<Vec<u8>> {
        let mut out = Frames::new();
        self.on_host_frame_into(bytes, now, &mut out);
        out.to_vecs()
    }

    /// [`Ps::on_host_frame`], appending the frames to `out`: a caller that clears and reuses one
    /// `Frames` lets the PS allocate nothing per frame.
    pub fn on_host_frame_into(&mut self, bytes: &[u8], now: u64, out: &mut Frames) {
        let Ok((h, payload)) = decode(bytes) else {
            self.stats.rejected += 1;
            return;
        };
        let Some(state) = self.tenants.get_mut(&h.tenant) else {
            self.stats.rejected += 1;
            return;
        };
        let mut cx = Ctx {
            cfg: self.cfg,
            control: &self.control,
            stats: &mut self.stats,
            sum: &mut self.sum,
            out,
        };
        match h.kind {
            Kind::Result | Kind::Partial => state.on_card_sum(&h, payload, now, &mut cx),
            Kind::Update => state.on_forward(&h, payload, now, &mut cx),
            Kind::Flush | Kind::Release => cx.stats.rejected += 1,
        }
    }
}

impl TenantState {
    fn on_card_sum(&mut self, h: &Header, sum: &[u8], now: u64, cx: &mut Ctx) {
        let overflow = h.flags & flags::OVERFLOW != 0;
        let in_card = h.kind == Kind::Result && h.key_or_bitmap == self.mask;
        if h.kind == Kind::Partial
            && let Some(p) = self.pending.get_mut(h.seq)
        {
            // The reply restarts the wait: the fragment is flushed again only after another
            // `flush_after` without news, not at once (an empty PARTIAL would otherwise start the
            // next FLUSH of the same fragment, a loop as fast as the card answers).
            p.flush_outstanding = false;
            p.last_activity = now;
        }
        if h.key_or_bitmap == 0 || self.is_final(h.seq) {
            return; // an empty PARTIAL, or a late sum of a fragment already final
        }
        if in_card {
            cx.stats.completed_in_card += 1;
            let mut payload = self.spare_payloads.pop().unwrap_or_default();
            payload.clear();
            payload.extend_from_slice(sum);
            self.finish(h.seq, payload, overflow, false, cx);
            return;
        }
        let mask = self.mask;
        let p = self.pending_mut(h.seq, now);
        if !p.pieces.add_hardware_wire(h.key_or_bitmap, sum, overflow) {
            cx.stats.pieces_dropped += 1;
        }
        if let Some(overflow) = p.pieces.total_into(mask, cx.sum) {
            self.finish_in_software(h.seq, overflow, cx);
        }
    }

    fn on_forward(&mut self, h: &Header, lanes: &[u8], now: u64, cx: &mut Ctx) {
        if h.key_or_bitmap != self.cfg.key || u32::from(h.worker) >= 64 || self.mask & 1 << h.worker == 0 {
            cx.stats.rejected += 1;
            return;
        }
        cx.stats.forwards += 1;
        if h.flags & flags::COLLISION != 0 {
            self.collided_since_move = true;
        }
        let resend = h.flags & flags::RESEND != 0;
        if let Some(done) = self.finished.get(h.seq) {
            if resend {
                cx.stats.resends_answered += 1;
                let elements = (done.payload.len() / wire::LANE_BYTES) as u16;
                let headers = self.results.for_elements(&self.cfg.workers, elements);
                if let Some(i) = self.cfg.workers.iter().position(|e| e.worker == h.worker) {
                    push_result(&self.cfg, self.mask, &headers[i], h.worker, h.seq, done, cx.out);
                }
            }
            return;
        }
        if serial_lt(h.seq, self.floor) {
            return; // final long ago; no worker can still wait for it
        }
        let mask = self.mask;
        let p = self.pending_mut(h.seq, now);
        p.pieces.add_copy_wire(h.worker, lanes);
        if let Some(overflow) = p.pieces.total_into(mask, cx.sum) {
            self.finish_in_software(h.seq, overflow, cx);
            return;
        }
        if resend {
            // A worker gave up waiting: whatever the card holds of this fragment is stuck.
            self.flush(h.seq, now, cx);
        }
    }

    fn pending_mut(&mut self, seq: u32, now: u64) -> &mut Pending {
        let spare = &mut self.spare_pieces;
        let p = self.pending.get_or_insert_with(seq, || Pending {
            pieces: spare.pop().unwrap_or_default(),
            last_activity: now,
            flush_outstanding: false,
        });
        p.last_activity = now;
        p
    }

    fn is_final(&self, seq: u32) -> bool {
        self.finished.contains_key(seq) || serial_lt(seq, self.floor)
    }

    fn salt_of(&self, seq: u32) -> u16 {
        *self.salts.get(seq).unwrap_or(&self.cfg.initial_salt)
    }

    fn flush(&mut self, seq: u32, now: u64, cx: &mut Ctx) {
        let salt = self.salt_of(seq);
        let tenant = self.cfg.tenant;
        let p = self.pending_mut(seq, now);
        if p.flush_outstanding {
            return;
        }
        p.flush_outstanding = true;
        cx.stats.flushes += 1;
        push_control(cx, Kind::Flush, tenant, seq, salt);
    }

    /// Finishes the fragment whose pieces cover every worker, their sum in `cx.sum`.
    fn finish_in_software(&mut self, seq: u32, overflow: bool, cx: &mut Ctx) {
        cx.stats.completed_in_software += 1;
        let mut payload = self.spare_payloads.pop().unwrap_or_default();
        payload.clear();
        payload.resize(cx.sum.len() * wire::LANE_BYTES, 0);
        for (b, x) in payload.chunks_exact_mut(wire::LANE_BYTES).zip(cx.sum.iter()) {
            b.copy_from_slice(&x.to_be_bytes());
        }
        self.finish(seq, payload, overflow, true, cx);
    }

    /// Makes the fragment final: RELEASE to the card if the card did not finish it itself, then the
    /// result to every worker, announcing the salt of fragment `seq + window`.
    fn finish(&mut self, seq: u32, payload: Vec<u8>, overflow: bool, release: bool, cx: &mut Ctx) {
        if release {
            let salt = self.salt_of(seq);
            push_control(cx, Kind::Release, self.cfg.tenant, seq, salt);
        }
        let window = cx.cfg.window;
        if let Some(p) = self.pending.remove(seq) {
            let mut pieces = p.pieces;
            pieces.clear();
            self.spare_pieces.push(pieces);
        }
        if self.collided_since_move {
            self.current_salt = self.current_salt.wrapping_add(1);
            self.collided_since_move = false;
            cx.stats.salt_moves += 1;
        }
        let next_salt = self.current_salt;
        self.salts.insert(seq.wrapping_add(window), next_salt);
        let done = Finished {
            payload,
            overflow,
            next_salt,
        };
        let elements = (done.payload.len() / wire::LANE_BYTES) as u16;
        let headers = self.results.for_elements(&self.cfg.workers, elements);
        for (e, l2_l4) in self.cfg.workers.iter().zip(headers) {
            push_result(&self.cfg, self.mask, l2_l4, e.worker, seq, &done, cx.out);
        }
        if let Some(old) = self.finished.insert(seq, done) {
            self.spare_payloads.push(old.payload);
        }
        while self.finished.contains_key(self.floor) && !self.pending.contains_key(self.floor) {
            self.floor = self.floor.wrapping_add(1);
        }
        self.pending.rebase(self.floor);
        // A worker can wait only for fragments from floor - window on (docs/protocol.md).
        let keep_from = self.floor.wrapping_sub(window);
        let spare = &mut self.spare_payloads;
        self.finished.remove_before(keep_from, |f| spare.push(f.payload));
        self.salts.remove_before(keep_from, |_| {});
    }
}

/// A FLUSH or RELEASE, byte for byte what [`wire::Frame::encode`] writes for it.
fn push_control(cx: &mut Ctx, kind: Kind, tenant: u8, seq: u32, salt: u16) {
    let header = Header {
        kind,
        flags: 0,
        tenant,
        worker: 0,
        elements: 0,
        seq,
        salt,
        key_or_bitmap: 0,
    };
    let mut h = [0u8; HEADER_LEN];
    header.encode(&mut h);
    cx.out.push(&[cx.control, &h]);
}

/// The RESULT frame of `done` for `worker`, byte for byte what [`wire::Frame::encode`] writes,
/// from the headers and payload bytes kept: no lane is converted, no checksum computed again.
fn push_result(
    cfg: &TenantConfig,
    mask: u64,
    l2_l4: &L2L4,
    worker: u8,
    seq: u32,
    done: &Finished,
    out: &mut Frames,
) {
    let header = Header {
        kind: Kind::Result,
        flags: if done.overflow { flags::OVERFLOW } else { 0 },
        tenant: cfg.tenant,
        worker,
        elements: (done.payload.len() / wire::LANE_BYTES) as u16,
        seq,
        salt: done.next_salt,
        key_or_bitmap: mask,
    };
    let mut h = [0u8; HEADER_LEN];
    header.encode(&mut h);
    out.push(&[l2_l4, &h, &done.payload]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ps_reference;
    use aggnic_spec::wire::Frame;
    use proptest::prelude::*;

    const PORT: u16 = 4791;

    #[derive(Debug, Clone)]
    enum Step {
        /// An UPDATE forwarded by the card: tenant, worker, fragment offset, flags, right key, lanes.
        Forward(u8, u8, u32, u8, bool, Vec<i32>),
        /// A RESULT or PARTIAL from the card: tenant, kind, fragment offset, bitmap, overflow, lanes.
        Sum(u8, Kind, u32, u64, bool, Vec<i32>),
        /// A frame of another kind, or any frame with one byte changed.
        Other(u8, Kind, u32),
        Corrupt(Box<Step>, usize, u8),
        Tick(u64),
    }

    fn lanes(elements: usize) -> impl Strategy<Value = Vec<i32>> {
        let lane = prop_oneof![-4..4i32, i32::MAX - 3..=i32::MAX, i32::MIN..=i32::MIN + 3];
        prop_oneof![
            8 => proptest::collection::vec(lane.clone(), elements),
            1 => proptest::collection::vec(lane, 0..elements + 2),
        ]
    }

    fn step(elements: usize) -> impl Strategy<Value = Step> {
        let seq = 0u32..12;
        let plain = prop_oneof![
            6 => (0u8..3, 0u8..5, seq.clone(), 0u8..16, prop::bool::weighted(0.95), lanes(elements))
                .prop_map(|(t, w, s, f, k, l)| Step::Forward(t, w, s, f & flags::FORWARD_REASONS, k, l)),
            3 => (0u8..3, prop::bool::ANY, seq.clone(), 0u64..16, prop::bool::weighted(0.1), lanes(elements))
                .prop_map(|(t, r, s, b, o, l)| Step::Sum(t, if r { Kind::Result } else { Kind::Partial }, s, b, o, l)),
            1 => (0u8..3, prop::sample::select(vec![Kind::Flush, Kind::Release]), seq)
                .prop_map(|(t, k, s)| Step::Other(t, k, s)),
        ];
        prop_oneof![
            10 => plain.clone(),
            1 => (plain, 0usize..80, 1u8..=255).prop_map(|(s, at, x)| Step::Corrupt(Box::new(s), at, x)),
            2 => (0u64..30).prop_map(Step::Tick),
        ]
    }

    fn frame(step: &Step, first: u32, key: impl Fn(u8) -> u64) -> Option<Vec<u8>> {
        let addr = Addressing::between(1, 2, PORT);
        let header = |kind, flags, tenant, worker, seq: u32, key_or_bitmap| Header {
            kind,
            flags,
            tenant,
            worker,
            elements: 0,
            seq: first.wrapping_add(seq),
            salt: 0,
            key_or_bitmap,
        };
        let (header, payload) = match step {
            Step::Forward(t, w, s, f, right, l) => {
                let k = if *right { key(*t) } else { key(*t) ^ 1 };
                (header(Kind::Update, *f, *t, *w, *s, k), l.clone())
            }
            Step::Sum(t, kind, s, b, o, l) => {
                let f = if *o { flags::OVERFLOW } else { 0 };
                (header(*kind, f, *t, 0, *s, *b), l.clone())
            }
            Step::Other(t, kind, s) => (header(*kind, 0, *t, 0, *s, 0), vec![]),
            Step::Corrupt(inner, at, x) => {
                let mut b = frame(inner, first, key)?;
                let len = b.len();
                b[at % len] ^= x;
                return Some(b);
            }
            Step::Tick(_) => return None,
        };
        Some(
            Frame {
                addr,
                header,
                payload,
            }
            .encode(),
        )
    }

    proptest! {
        #[test]
        fn ip_checksum_ok_is_a_zero_checksum(mut h in any::<[u8; 20]>(), fix in any::<bool>()) {
            if fix {
                h[10] = 0;
                h[11] = 0;
                let c = wire::ipv4_checksum(&h).to_be_bytes();
                h[10..12].copy_from_slice(&c);
            }
            prop_assert_eq!(ip_checksum_ok(&h), wire::ipv4_checksum(&h) == 0);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// The PS answers every frame and tick with the very bytes the PS before this rewrite
        /// sent, and keeps the same counters, pending fragments and deadlines.
        #[test]
        fn same_frames_as_before(window in 1u32..5,
                                 first in prop_oneof![Just(0u32), Just(u32::MAX - 4), Just((1 << 31) - 3), any::<u32>()],
                                 steps in proptest::collection::vec(step(3), 0..80)) {
            let key = |t: u8| 0x5eed_0000 + u64::from(t);
            let tenants: Vec<TenantConfig> = [(0u8, 0b0111u64), (1, 0b1011)]
                .into_iter()
                .map(|(t, mask)| TenantConfig {
                    tenant: t,
                    key: key(t),
                    workers: (0..4u8)
                        .filter(|w| mask >> w & 1 == 1)
                        .map(|w| Endpoint { worker: w, addr: Addressing::between(3, 10 + w, PORT) })
                        .collect(),
                    first_seq: first,
                    initial_salt: 7,
                })
                .collect();
            let cfg = PsConfig { window, control_addr: Addressing::between(2, 1, PORT), flush_after: 5 };
            let mut new = Ps::new(cfg, tenants.clone());
            let mut old = ps_reference::Ps::new(cfg, tenants);
            let mut now = 0;
            // One output buffer for every step, cleared in between, as the socket service uses it.
            let mut out = Frames::new();
            for s in &steps {
                out.clear();
                let b = match s {
                    Step::Tick(dt) => {
                        now += dt;
                        new.on_tick_into(now, &mut out);
                        old.on_tick(now)
                    }
                    s => {
                        let f = frame(s, first, key).expect("a frame");
                        new.on_host_frame_into(&f, now, &mut out);
                        old.on_host_frame(&f, now)
                    }
                };
                prop_assert_eq!(out.to_vecs(), b, "after {:?}", s);
                prop_assert_eq!(new.stats(), old.stats());
                prop_assert_eq!(new.pending(), old.pending());
                prop_assert_eq!(new.next_deadline(), old.next_deadline());
            }
        }
    }

    /// An empty PARTIAL (no slot held the fragment) restarts the fragment's wait: the next FLUSH
    /// comes `flush_after` ticks later, not at once (else each reply starts the next FLUSH, a loop
    /// as fast as the card answers).
    #[test]
    fn an_empty_partial_restarts_the_wait_for_the_next_flush() {
        let tenants = vec![TenantConfig {
            tenant: 0,
            key: 0x5eed,
            workers: (0..2u8)
                .map(|w| Endpoint {
                    worker: w,
                    addr: Addressing::between(3, 10 + w, PORT),
                })
                .collect(),
            first_seq: 0,
            initial_salt: 0,
        }];
        let cfg = PsConfig {
            window: 4,
            control_addr: Addressing::between(2, 1, PORT),
            flush_after: 5,
        };
        let mut ps = Ps::new(cfg, tenants);
        let forward = frame(
            &Step::Forward(0, 0, 1, flags::COLLISION, true, vec![1; 3]),
            0,
            |_| 0x5eed,
        )
        .expect("frame");
        assert!(ps.on_host_frame(&forward, 0).is_empty());
        assert_eq!(ps.next_deadline(), Some(5));
        let flush = ps.on_tick(5);
        assert_eq!(flush.len(), 1, "one FLUSH after flush_after");
        assert_eq!(ps.next_deadline(), None, "one FLUSH outstanding at a time");
        let empty = frame(&Step::Sum(0, Kind::Partial, 1, 0, false, vec![]), 0, |_| 0x5eed).expect("frame");
        assert!(ps.on_host_frame(&empty, 7).is_empty());
        assert!(ps.on_tick(7).is_empty(), "no FLUSH right after the PARTIAL");
        assert_eq!(ps.next_deadline(), Some(12));
        assert!(ps.on_tick(11).is_empty());
        assert_eq!(
            ps.on_tick(12),
            flush,
            "the same FLUSH again, flush_after after the PARTIAL"
        );
        assert_eq!(ps.stats().flushes, 2);
    }
}
