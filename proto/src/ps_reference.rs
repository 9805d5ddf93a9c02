//! The parameter server as it was before its software path was made fast (one `Vec` per piece,
//! `wire::decode`, `Frame::encode` per RESULT), kept for tests only: `ps::tests` feeds it and
//! [`crate::Ps`] the same frames and requires the same frames back, byte for byte.
#![allow(dead_code)]

use crate::ps::{PsConfig, PsStats, TenantConfig};
use aggnic_spec::wire::{self, Frame, Header, Kind, flags};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
struct Pending {
    pieces: Pieces,
    last_activity: u64,
    flush_outstanding: bool,
}

#[derive(Debug, Clone)]
struct Finished {
    sum: Vec<i32>,
    overflow: bool,
    next_salt: u16,
}

#[derive(Debug, Clone)]
struct TenantState {
    cfg: TenantConfig,
    mask: u64,
    pending: BTreeMap<u32, Pending>,
    /// Recent final sums, kept to answer late RESENDs: fragments from `floor - window` on.
    finished: BTreeMap<u32, Finished>,
    /// Every fragment before this one is final.
    floor: u32,
    /// Salt announced for fragments `first_seq + window` on, keyed by fragment.
    salts: BTreeMap<u32, u16>,
    current_salt: u16,
    collided_since_move: bool,
}

/// The parameter server.
#[derive(Debug, Clone)]
pub struct Ps {
    cfg: PsConfig,
    tenants: BTreeMap<u8, TenantState>,
    stats: PsStats,
}

fn serial_lt(a: u32, b: u32) -> bool {
    a != b && b.wrapping_sub(a) < 1 << 31
}

impl Ps {
    pub fn new(cfg: PsConfig, tenants: Vec<TenantConfig>) -> Ps {
        let tenants = tenants
            .into_iter()
            .map(|cfg| {
                let state = TenantState {
                    mask: cfg.mask(),
                    pending: BTreeMap::new(),
                    finished: BTreeMap::new(),
                    floor: cfg.first_seq,
                    salts: BTreeMap::new(),
                    current_salt: cfg.initial_salt,
                    collided_since_move: false,
                    cfg,
                };
                (state.cfg.tenant, state)
            })
            .collect();
        Ps {
            cfg,
            tenants,
            stats: PsStats::default(),
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
        let mut out = Vec::new();
        let flush_after = self.cfg.flush_after;
        let mut due = Vec::new();
        for (t, state) in &self.tenants {
            for (seq, p) in &state.pending {
                if !p.flush_outstanding && p.last_activity + flush_after <= now {
                    due.push((*t, *seq));
                }
            }
        }
        for (t, seq) in due {
            self.flush(t, seq, now, &mut out);
        }
        out
    }

    /// Takes a frame the card handed up; returns frames for the card's transmit path.
    pub fn on_host_frame(&mut self, bytes: &[u8], now: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let Ok(frame) = wire::decode(bytes) else {
            self.stats.rejected += 1;
            return out;
        };
        let h = frame.header;
        if !self.tenants.contains_key(&h.tenant) {
            self.stats.rejected += 1;
            return out;
        }
        match h.kind {
            Kind::Result | Kind::Partial => self.on_card_sum(&h, frame.payload, now, &mut out),
            Kind::Update => self.on_forward(&h, frame.payload, now, &mut out),
            Kind::Flush | Kind::Release => self.stats.rejected += 1,
        }
        out
    }

    fn on_card_sum(&mut self, h: &Header, sum: Vec<i32>, now: u64, out: &mut Vec<Vec<u8>>) {
        let state = self.tenants.get_mut(&h.tenant).expect("checked");
        let overflow = h.flags & flags::OVERFLOW != 0;
        let in_card = h.kind == Kind::Result && h.key_or_bitmap == state.mask;
        if h.kind == Kind::Partial
            && let Some(p) = state.pending.get_mut(&h.seq)
        {
            // The reply restarts the wait: the fragment is flushed again only after another
            // `flush_after` without news, not at once (an empty PARTIAL would otherwise start the
            // next FLUSH of the same fragment, a loop as fast as the card answers).
            p.flush_outstanding = false;
            p.last_activity = now;
        }
        if h.key_or_bitmap == 0 || self.is_final(h.tenant, h.seq) {
            return; // an empty PARTIAL, or a late sum of a fragment already final
        }
        if in_card {
            self.stats.completed_in_card += 1;
            self.finish(h.tenant, h.seq, sum, overflow, false, out);
            return;
        }
        let p = self.pending_mut(h.tenant, h.seq, now);
        if !p.pieces.add_hardware(h.key_or_bitmap, sum, overflow) {
            self.stats.pieces_dropped += 1;
        }
        self.try_finish(h.tenant, h.seq, out);
    }

    fn on_forward(&mut self, h: &Header, lanes: Vec<i32>, now: u64, out: &mut Vec<Vec<u8>>) {
        let state = self.tenants.get_mut(&h.tenant).expect("checked");
        if h.key_or_bitmap != state.cfg.key || u32::from(h.worker) >= 64 || state.mask & 1 << h.worker == 0 {
            self.stats.rejected += 1;
            return;
        }
        self.stats.forwards += 1;
        if h.flags & flags::COLLISION != 0 {
            state.collided_since_move = true;
        }
        let resend = h.flags & flags::RESEND != 0;
        if let Some(done) = state.finished.get(&h.seq) {
            if resend {
                self.stats.resends_answered += 1;
                let frame = result_frame(&state.cfg, h.worker, h.seq, done);
                out.extend(frame);
            }
            return;
        }
        if serial_lt(h.seq, state.floor) {
            return; // final long ago; no worker can still wait for it
        }
        let p = self.pending_mut(h.tenant, h.seq, now);
        p.pieces.add_copy(h.worker, lanes);
        if self.try_finish(h.tenant, h.seq, out) {
            return;
        }
        if resend {
            // A worker gave up waiting: whatever the card holds of this fragment is stuck.
            self.flush(h.tenant, h.seq, now, out);
        }
    }

    fn pending_mut(&mut self, t: u8, seq: u32, now: u64) -> &mut Pending {
        let p = self
            .tenants
            .get_mut(&t)
            .expect("checked")
            .pending
            .entry(seq)
            .or_insert_with(|| Pending {
                pieces: Pieces::default(),
                last_activity: now,
                flush_outstanding: false,
            });
        p.last_activity = now;
        p
    }

    fn is_final(&self, t: u8, seq: u32) -> bool {
        let state = &self.tenants[&t];
        state.finished.contains_key(&seq) || serial_lt(seq, state.floor)
    }

    fn salt_of(&self, t: u8, seq: u32) -> u16 {
        let state = &self.tenants[&t];
        *state.salts.get(&seq).unwrap_or(&state.cfg.initial_salt)
    }

    fn flush(&mut self, t: u8, seq: u32, now: u64, out: &mut Vec<Vec<u8>>) {
        let salt = self.salt_of(t, seq);
        let p = self.pending_mut(t, seq, now);
        if p.flush_outstanding {
            return;
        }
        p.flush_outstanding = true;
        self.stats.flushes += 1;
        out.push(self.control_frame(Kind::Flush, t, seq, salt));
    }

    fn control_frame(&self, kind: Kind, tenant: u8, seq: u32, salt: u16) -> Vec<u8> {
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
        Frame {
            addr: self.cfg.control_addr,
            header,
            payload: vec![],
        }
        .encode()
    }

    /// Finishes the fragment if its pieces cover every worker; says whether it did.
    fn try_finish(&mut self, t: u8, seq: u32, out: &mut Vec<Vec<u8>>) -> bool {
        let state = self.tenants.get_mut(&t).expect("checked");
        let Some((sum, overflow)) = state.pending[&seq].pieces.total(state.mask) else {
            return false;
        };
        self.stats.completed_in_software += 1;
        self.finish(t, seq, sum, overflow, true, out);
        true
    }

    /// Makes the fragment final: RELEASE to the card if the card did not finish it itself, then the
    /// result to every worker, announcing the salt of fragment `seq + window`.
    fn finish(
        &mut self,
        t: u8,
        seq: u32,
        sum: Vec<i32>,
        overflow: bool,
        release: bool,
        out: &mut Vec<Vec<u8>>,
    ) {
        if release {
            out.push(self.control_frame(Kind::Release, t, seq, self.salt_of(t, seq)));
        }
        let window = self.cfg.window;
        let state = self.tenants.get_mut(&t).expect("checked");
        state.pending.remove(&seq);
        if state.collided_since_move {
            state.current_salt = state.current_salt.wrapping_add(1);
            state.collided_since_move = false;
            self.stats.salt_moves += 1;
        }
        let next_salt = state.current_salt;
        state.salts.insert(seq.wrapping_add(window), next_salt);
        let done = Finished {
            sum,
            overflow,
            next_salt,
        };
        for e in &state.cfg.workers {
            out.extend(result_frame(&state.cfg, e.worker, seq, &done));
        }
        state.finished.insert(seq, done);
        while state.finished.contains_key(&state.floor) && !state.pending.contains_key(&state.floor) {
            state.floor = state.floor.wrapping_add(1);
        }
        // A worker can wait only for fragments from floor - window on (docs/protocol.md).
        let keep_from = state.floor.wrapping_sub(window);
        state.finished.retain(|s, _| !serial_lt(*s, keep_from));
        state.salts.retain(|s, _| !serial_lt(*s, keep_from));
    }
}

fn result_frame(cfg: &TenantConfig, worker: u8, seq: u32, done: &Finished) -> Option<Vec<u8>> {
    let e = cfg.workers.iter().find(|e| e.worker == worker)?;
    let header = Header {
        kind: Kind::Result,
        flags: if done.overflow { flags::OVERFLOW } else { 0 },
        tenant: cfg.tenant,
        worker,
        elements: 0,
        seq,
        salt: done.next_salt,
        key_or_bitmap: cfg.mask(),
    };
    Some(
        Frame {
            addr: e.addr,
            header,
            payload: done.sum.clone(),
        }
        .encode(),
    )
}

use aggnic_spec::model::saturating_add;

/// Hardware pieces (disjoint bitmaps) and per-worker software copies of one fragment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pieces {
    hardware: Vec<(Vec<i32>, bool)>,
    hardware_bitmap: u64,
    copies: BTreeMap<u8, Vec<i32>>,
    elements: Option<usize>,
}

impl Pieces {
    fn fits(&mut self, lanes: &[i32]) -> bool {
        *self.elements.get_or_insert(lanes.len()) == lanes.len()
    }

    /// Keeps a partial sum from the card unless it shares a worker with one already kept (a sum
    /// cannot be split, so the overlap would count someone twice). Returns whether it was kept.
    pub fn add_hardware(&mut self, bitmap: u64, sum: Vec<i32>, overflow: bool) -> bool {
        if bitmap & self.hardware_bitmap != 0 || !self.fits(&sum) {
            return false;
        }
        self.hardware_bitmap |= bitmap;
        self.hardware.push((sum, overflow));
        true
    }

    /// Keeps one worker's own lanes (a forward or a resend); later copies of the same worker are
    /// the same lanes and are ignored. Returns whether it was kept.
    pub fn add_copy(&mut self, worker: u8, lanes: Vec<i32>) -> bool {
        if self.copies.contains_key(&worker) || !self.fits(&lanes) {
            return false;
        }
        self.copies.insert(worker, lanes);
        true
    }

    /// Workers whose lanes are here, in some piece.
    pub fn covered(&self) -> u64 {
        self.copies.keys().fold(self.hardware_bitmap, |m, w| m | 1 << w)
    }

    /// The sum over `mask` once every worker of it is covered, each taken exactly once: every
    /// hardware piece, then the copies of the workers no hardware piece holds. Saturating, with the
    /// overflow flag.
    pub fn total(&self, mask: u64) -> Option<(Vec<i32>, bool)> {
        if self.covered() & mask != mask || self.hardware_bitmap & !mask != 0 {
            return None;
        }
        let mut acc = vec![0i32; self.elements?];
        let mut overflow = false;
        let copies = self
            .copies
            .iter()
            .filter(|(w, _)| (self.hardware_bitmap | !mask) >> **w & 1 == 0);
        for (lanes, flag) in self
            .hardware
            .iter()
            .map(|(s, o)| (s, *o))
            .chain(copies.map(|(_, l)| (l, false)))
        {
            overflow |= flag;
            for (a, x) in acc.iter_mut().zip(lanes) {
                let (s, sat) = saturating_add(*a, *x);
                *a = s;
                overflow |= sat;
            }
        }
        Some((acc, overflow))
    }
}
