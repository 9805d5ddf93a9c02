//! A worker's side of one aggregation stream, free of I/O: the caller moves frames and time.
//!
//! The worker sends fragment `i` of its stream (sequence number `first_seq + i`) once every fragment
//! older than `i - send_window` has its result, retransmits with RESEND after `timeout` ticks without a result,
//! and takes the salt for fragment `i` from the result of fragment `i - window` (the PS announces salt
//! moves there; see `docs/protocol.md`).

use aggnic_spec::wire::{self, Addressing, Frame, Header, Kind, flags};
use std::collections::BTreeMap;
use std::ops::Range;

/// How one worker takes part in a tenant's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerConfig {
    pub tenant: u8,
    pub worker: u8,
    pub key: u64,
    /// The core's window (`CAP_WINDOW`): the distance at which salts are announced.
    pub window: u32,
    /// Fragments in flight at once, 1..=window.
    pub send_window: u32,
    pub first_seq: u32,
    pub initial_salt: u16,
    /// Ticks without a result before a fragment is sent again with RESEND.
    pub timeout: u64,
    /// Resends of one fragment before the worker gives up.
    pub max_resends: u32,
    /// Addressing of the frames the worker sends (to the PS host, on the aggregation port).
    pub addr: Addressing,
}

/// The final sum of one fragment, as the PS sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FragmentResult {
    pub sum: Vec<i32>,
    pub overflow: bool,
    pub bitmap: u64,
    /// Salt of fragment `seq + window`.
    pub next_salt: u16,
}

/// Why a worker stopped before every result arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerError {
    /// No result for this fragment after `max_resends` resends: the PS, a peer worker or the
    /// network is gone.
    GaveUp { seq: u32, resends: u32 },
}

impl std::fmt::Display for WorkerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkerError::GaveUp { seq, resends } => write!(
                f,
                "no result for fragment {seq} after {resends} resends: a peer worker, the PS or the network is down"
            ),
        }
    }
}

impl std::error::Error for WorkerError {}

#[derive(Debug, Clone)]
struct InFlight {
    deadline: u64,
    resends: u32,
}

/// One worker's stream of fragments. Fragments are numbered by their index in the stream (the
/// sequence number is `first_seq + index`, mod 2^32); [`Worker::push`] appends more at any time, so
/// one stream carries tensor after tensor and the salts announced for it carry over.
#[derive(Debug, Clone)]
pub struct Worker {
    cfg: WorkerConfig,
    /// Lanes of every fragment pushed and not yet answered, by index.
    waiting: BTreeMap<usize, Vec<i32>>,
    in_flight: BTreeMap<usize, InFlight>,
    /// Results not yet taken, by index.
    results: BTreeMap<usize, FragmentResult>,
    /// Salt announced for a fragment index (by the result of `index - window`).
    salts: BTreeMap<usize, u16>,
    pushed: usize,
    next_new: usize,
    error: Option<WorkerError>,
}

impl Worker {
    /// # Panics
    /// If `send_window` is not in 1..=window (a caller bug).
    pub fn new(cfg: WorkerConfig) -> Worker {
        assert!(
            (1..=cfg.window).contains(&cfg.send_window),
            "send_window must be 1..=window"
        );
        Worker {
            cfg,
            waiting: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            results: BTreeMap::new(),
            salts: BTreeMap::new(),
            pushed: 0,
            next_new: 0,
            error: None,
        }
    }

    /// Appends fragments to the stream; returns their indices.
    ///
    /// # Panics
    /// If a fragment is empty (a caller bug).
    pub fn push(&mut self, fragments: Vec<Vec<i32>>) -> Range<usize> {
        assert!(
            fragments.iter().all(|f| !f.is_empty()),
            "fragments must not be empty"
        );
        let start = self.pushed;
        for f in fragments {
            self.waiting.insert(self.pushed, f);
            self.pushed += 1;
        }
        start..self.pushed
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.cfg
    }
    /// Every fragment pushed so far has its result.
    pub fn done(&self) -> bool {
        self.waiting.is_empty()
    }
    pub fn error(&self) -> Option<WorkerError> {
        self.error
    }
    /// Fragments pushed so far.
    pub fn pushed(&self) -> usize {
        self.pushed
    }
    /// The result of fragment `index`, if it arrived and was not taken.
    pub fn result(&self, index: usize) -> Option<&FragmentResult> {
        self.results.get(&index)
    }
    /// Takes the result of fragment `index` out of the worker.
    pub fn take_result(&mut self, index: usize) -> Option<FragmentResult> {
        self.results.remove(&index)
    }
    pub fn seq_of(&self, index: usize) -> u32 {
        self.cfg.first_seq.wrapping_add(index as u32)
    }

    /// Fragments before this index all have results.
    fn oldest_pending(&self) -> usize {
        self.waiting.keys().next().copied().unwrap_or(self.pushed)
    }

    /// Salt of fragment `index`: announced in the result of fragment `index - window`.
    fn salt_of(&self, index: usize) -> u16 {
        if index < self.cfg.window as usize {
            return self.cfg.initial_salt;
        }
        *self
            .salts
            .get(&index)
            .expect("sending implies the earlier result")
    }

    /// The earliest time at which [`Worker::poll`] has something to send.
    pub fn next_deadline(&self) -> Option<u64> {
        if self.error.is_some() {
            return None;
        }
        self.in_flight.values().map(|f| f.deadline).min()
    }

    /// Frames to send at time `now`: new fragments the window allows, and resends that are due.
    pub fn poll(&mut self, now: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if self.error.is_some() {
            return out;
        }
        let limit = (self.oldest_pending() + self.cfg.send_window as usize).min(self.pushed);
        while self.next_new < limit {
            let i = self.next_new;
            out.push(self.frame(i, 0));
            self.in_flight.insert(
                i,
                InFlight {
                    deadline: now + self.cfg.timeout,
                    resends: 0,
                },
            );
            self.next_new += 1;
        }
        let due: Vec<usize> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.deadline <= now)
            .map(|(i, _)| *i)
            .collect();
        for i in due {
            let seq = self.seq_of(i);
            let f = self.in_flight.get_mut(&i).expect("listed");
            if f.resends == self.cfg.max_resends {
                self.error = Some(WorkerError::GaveUp {
                    seq,
                    resends: f.resends,
                });
                return Vec::new();
            }
            f.resends += 1;
            f.deadline = now + self.cfg.timeout;
            out.push(self.frame(i, flags::RESEND));
        }
        out
    }

    fn frame(&self, index: usize, flag: u8) -> Vec<u8> {
        let header = Header {
            flags: flag,
            ..Header::update(
                self.cfg.tenant,
                self.cfg.worker,
                self.seq_of(index),
                self.salt_of(index),
                self.cfg.key,
            )
        };
        Frame {
            addr: self.cfg.addr,
            header,
            payload: self.waiting[&index].clone(),
        }
        .encode()
    }

    /// Takes a frame from the network. Anything but a RESULT of a fragment this worker awaits is
    /// ignored; returns whether the frame was such a result.
    pub fn on_frame(&mut self, bytes: &[u8]) -> bool {
        let Ok(frame) = wire::decode(bytes) else {
            return false;
        };
        let h = frame.header;
        if h.kind != Kind::Result || h.tenant != self.cfg.tenant || h.worker != self.cfg.worker {
            return false;
        }
        // Fragments in flight lie within one window of the oldest pending one.
        let oldest = self.oldest_pending();
        let index = oldest + h.seq.wrapping_sub(self.seq_of(oldest)) as usize;
        if self.in_flight.remove(&index).is_none() {
            return false; // a duplicate, or not ours
        }
        self.waiting.remove(&index);
        self.salts.insert(index + self.cfg.window as usize, h.salt);
        self.results.insert(
            index,
            FragmentResult {
                sum: frame.payload,
                overflow: h.flags & flags::OVERFLOW != 0,
                bitmap: h.key_or_bitmap,
                next_salt: h.salt,
            },
        );
        let oldest = self.oldest_pending();
        self.salts.retain(|i, _| *i >= oldest);
        true
    }
}
