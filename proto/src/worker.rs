//! A worker's side of one aggregation stream, free of I/O: the caller moves frames and time.
//!
//! The worker sends fragment `i` (sequence number `first_seq + i`) once every fragment older than
//! `i - send_window` has its result, retransmits with RESEND after `timeout` ticks without a result,
//! and takes the salt for fragment `i` from the result of fragment `i - window` (the PS announces salt
//! moves there; see `docs/protocol.md`).

use aggnic_spec::wire::{self, Addressing, Frame, Header, Kind, flags};

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

/// One worker's stream of fragments.
#[derive(Debug, Clone)]
pub struct Worker {
    cfg: WorkerConfig,
    fragments: Vec<Vec<i32>>,
    results: Vec<Option<FragmentResult>>,
    in_flight: std::collections::BTreeMap<usize, InFlight>,
    /// Fragments before this one all have results.
    oldest_pending: usize,
    next_new: usize,
    error: Option<WorkerError>,
}

impl Worker {
    /// # Panics
    /// If `send_window` is not in 1..=window or a fragment is empty (caller bugs).
    pub fn new(cfg: WorkerConfig, fragments: Vec<Vec<i32>>) -> Worker {
        assert!(
            (1..=cfg.window).contains(&cfg.send_window),
            "send_window must be 1..=window"
        );
        assert!(
            fragments.iter().all(|f| !f.is_empty()),
            "fragments must not be empty"
        );
        let results = vec![None; fragments.len()];
        Worker {
            cfg,
            fragments,
            results,
            in_flight: Default::default(),
            oldest_pending: 0,
            next_new: 0,
            error: None,
        }
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.cfg
    }
    pub fn done(&self) -> bool {
        self.oldest_pending == self.fragments.len()
    }
    pub fn error(&self) -> Option<WorkerError> {
        self.error
    }
    pub fn results(&self) -> &[Option<FragmentResult>] {
        &self.results
    }
    pub fn seq_of(&self, index: usize) -> u32 {
        self.cfg.first_seq.wrapping_add(index as u32)
    }

    /// Salt of fragment `index`: announced in the result of fragment `index - window`.
    pub fn salt_of(&self, index: usize) -> u16 {
        match index.checked_sub(self.cfg.window as usize) {
            Some(earlier) => {
                self.results[earlier]
                    .as_ref()
                    .expect("sending implies the earlier result")
                    .next_salt
            }
            None => self.cfg.initial_salt,
        }
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
        let limit = (self.oldest_pending + self.cfg.send_window as usize).min(self.fragments.len());
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
            kind: Kind::Update,
            flags: flag,
            tenant: self.cfg.tenant,
            worker: self.cfg.worker,
            elements: 0, // set by encode
            seq: self.seq_of(index),
            salt: self.salt_of(index),
            key_or_bitmap: self.cfg.key,
        };
        Frame {
            addr: self.cfg.addr,
            header,
            payload: self.fragments[index].clone(),
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
        let index = h.seq.wrapping_sub(self.cfg.first_seq) as usize;
        if self.in_flight.remove(&index).is_none() {
            return false; // a duplicate, or not ours
        }
        self.results[index] = Some(FragmentResult {
            sum: frame.payload,
            overflow: h.flags & flags::OVERFLOW != 0,
            bitmap: h.key_or_bitmap,
            next_salt: h.salt,
        });
        while self.oldest_pending < self.results.len() && self.results[self.oldest_pending].is_some() {
            self.oldest_pending += 1;
        }
        true
    }
}
