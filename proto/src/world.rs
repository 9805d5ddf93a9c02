//! A deterministic discrete-event world: workers, a card and the PS, joined by channels.
//!
//! The network channels (workers -> card, card -> workers) lose, duplicate and reorder frames
//! within a fault budget; the host channels (card <-> PS) are ordered and lossless, as a PCIe queue
//! pair is. One seed gives one schedule, so a failing case replays exactly. The card is anything
//! that implements [`Card`]: the reference model now, the Verilator-simulated core later.

use crate::{Endpoint, Ps, PsConfig, TenantConfig, Worker, WorkerConfig};
use aggnic_spec::model::{self, Outputs};
pub use aggnic_spec::rng::Rng;
use aggnic_spec::wire::{self, Addressing};
use std::collections::VecDeque;

/// What sits between the network and the host.
pub trait Card {
    /// A frame from the network.
    fn rx(&mut self, frame: &[u8]) -> Outputs;
    /// A frame from the host.
    fn tx(&mut self, frame: &[u8]) -> Outputs;
}

impl Card for model::Core {
    fn rx(&mut self, frame: &[u8]) -> Outputs {
        model::Core::rx(self, frame)
    }
    fn tx(&mut self, frame: &[u8]) -> Outputs {
        model::Core::tx(self, frame)
    }
}

/// Faults the network channels inject, each until its budget is spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    pub loss_permille: u32,
    pub duplicate_permille: u32,
    /// Deliver network frames in random order rather than first in, first out.
    pub reorder: bool,
    pub loss_budget: u32,
    pub duplicate_budget: u32,
}

/// One tenant's job: its workers and the fragments each contributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub tenant: u8,
    pub key: u64,
    pub first_seq: u32,
    /// (worker id, fragments) per worker; every worker has the same number of fragments of the
    /// same lengths.
    pub workers: Vec<(u8, Vec<Vec<i32>>)>,
    pub send_window: u32,
}

impl Job {
    /// The exact sum of fragment `i` over every worker, in 64 bits.
    pub fn exact_sum(&self, i: usize) -> Vec<i64> {
        let n = self.workers[0].1[i].len();
        (0..n)
            .map(|lane| self.workers.iter().map(|(_, f)| i64::from(f[i][lane])).sum())
            .collect()
    }
    pub fn fragments(&self) -> usize {
        self.workers.first().map_or(0, |w| w.1.len())
    }
}

/// Timing of workers and PS, in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub worker_timeout: u64,
    pub max_resends: u32,
    pub flush_after: u64,
    /// Chance per step, in permille, that time moves on while frames are in flight.
    pub tick_permille: u32,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            worker_timeout: 100,
            max_resends: 1000,
            flush_after: 40,
            tick_permille: 30,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    pub steps: u64,
    pub ticks: u64,
    pub lost: u32,
    pub duplicated: u32,
    pub forged_sent: u32,
}

/// Host id of worker `w` of tenant slot `j` in the synthetic address plan; the PS host is 1.
pub fn worker_host(job_index: usize, worker: u8) -> u8 {
    (2 + job_index * 64 + worker as usize % 64) as u8
}
pub const PS_HOST: u8 = 1;

/// The world.
#[derive(Debug)]
pub struct World<C: Card> {
    pub card: C,
    pub ps: Ps,
    pub workers: Vec<Worker>,
    net_up: Vec<Vec<u8>>,
    net_down: Vec<Vec<u8>>,
    host_up: VecDeque<Vec<u8>>,
    host_down: VecDeque<Vec<u8>>,
    now: u64,
    rng: Rng,
    faults: Faults,
    timing: Timing,
    pub stats: RunStats,
}

impl<C: Card> World<C> {
    /// Sets up workers and PS for `jobs` in front of `card`, whose tenants must already be configured.
    pub fn new(
        card: C,
        jobs: &[Job],
        window: u32,
        port: u16,
        faults: Faults,
        timing: Timing,
        seed: u64,
    ) -> Self {
        let mut workers = Vec::new();
        let mut tenants = Vec::new();
        for (j, job) in jobs.iter().enumerate() {
            let mut endpoints = Vec::new();
            for (id, fragments) in &job.workers {
                let host = worker_host(j, *id);
                let cfg = WorkerConfig {
                    tenant: job.tenant,
                    worker: *id,
                    key: job.key,
                    window,
                    send_window: job.send_window,
                    first_seq: job.first_seq,
                    initial_salt: 0,
                    timeout: timing.worker_timeout,
                    max_resends: timing.max_resends,
                    addr: Addressing::between(host, PS_HOST, port),
                };
                let mut worker = Worker::new(cfg);
                worker.push(fragments.clone());
                workers.push(worker);
                endpoints.push(Endpoint {
                    worker: *id,
                    addr: Addressing::between(PS_HOST, host, port),
                });
            }
            tenants.push(TenantConfig {
                tenant: job.tenant,
                key: job.key,
                workers: endpoints,
                first_seq: job.first_seq,
                initial_salt: 0,
            });
        }
        let ps_cfg = PsConfig {
            window,
            control_addr: Addressing::between(PS_HOST, PS_HOST, port),
            flush_after: timing.flush_after,
        };
        let mut world = World {
            card,
            ps: Ps::new(ps_cfg, tenants),
            workers,
            net_up: Vec::new(),
            net_down: Vec::new(),
            host_up: VecDeque::new(),
            host_down: VecDeque::new(),
            now: 0,
            rng: Rng::new(seed),
            faults,
            timing,
            stats: RunStats::default(),
        };
        for i in 0..world.workers.len() {
            let frames = world.workers[i].poll(0);
            world.net_up.extend(frames);
        }
        world
    }

    /// Puts frames on the network towards the card, as if some host sent them.
    pub fn inject(&mut self, frames: impl IntoIterator<Item = Vec<u8>>) {
        for f in frames {
            self.stats.forged_sent += 1;
            self.net_up.push(f);
        }
    }

    /// Sends whatever worker `i` has to send now, after the caller pushed fragments to it.
    pub fn kick(&mut self, i: usize) {
        let out = self.workers[i].poll(self.now);
        self.net_up.extend(out);
    }

    pub fn finished(&self) -> bool {
        self.workers.iter().all(|w| w.done() || w.error().is_some())
    }

    /// Runs until every worker is done or has failed, or `max_steps` pass; says whether it finished.
    pub fn run(&mut self, max_steps: u64) -> bool {
        while !self.finished() {
            if self.stats.steps == max_steps {
                return false;
            }
            self.step();
        }
        true
    }

    /// Delivers every frame still in flight, late duplicates included, without further faults and
    /// without time moving; says whether the channels emptied within `max_steps`.
    pub fn drain(&mut self, max_steps: u64) -> bool {
        self.faults = Faults {
            reorder: self.faults.reorder,
            ..Faults::default()
        };
        self.timing.tick_permille = 0;
        for _ in 0..max_steps {
            if self.net_up.is_empty()
                && self.net_down.is_empty()
                && self.host_up.is_empty()
                && self.host_down.is_empty()
            {
                return true;
            }
            self.step();
        }
        false
    }

    /// One event: a frame delivered on some channel, or time moving on.
    pub fn step(&mut self) {
        self.stats.steps += 1;
        let queues = [
            !self.net_up.is_empty(),
            !self.net_down.is_empty(),
            !self.host_up.is_empty(),
            !self.host_down.is_empty(),
        ];
        let busy: Vec<usize> = (0..4).filter(|i| queues[*i]).collect();
        if busy.is_empty() || self.rng.chance(self.timing.tick_permille) {
            self.advance_time(busy.is_empty());
            return;
        }
        match busy[self.rng.below(busy.len() as u64) as usize] {
            0 => {
                if let Some(f) = self.take_network(true) {
                    let out = self.card.rx(&f);
                    self.route_card(out);
                }
            }
            1 => {
                if let Some(f) = self.take_network(false) {
                    self.deliver_to_worker(&f);
                }
            }
            2 => {
                let f = self.host_up.pop_front().expect("busy");
                let out = self.ps.on_host_frame(&f, self.now);
                self.host_down.extend(out);
            }
            _ => {
                let f = self.host_down.pop_front().expect("busy");
                let out = self.card.tx(&f);
                self.route_card(out);
            }
        }
    }

    fn route_card(&mut self, out: Outputs) {
        self.host_up.extend(out.to_host);
        self.net_down.extend(out.to_network);
    }

    /// Takes a frame off a network channel, applying the faults.
    fn take_network(&mut self, up: bool) -> Option<Vec<u8>> {
        let q = if up { &mut self.net_up } else { &mut self.net_down };
        let i = if self.faults.reorder {
            self.rng.below(q.len() as u64) as usize
        } else {
            0
        };
        let frame = q.remove(i);
        if self.stats.lost < self.faults.loss_budget && self.rng.chance(self.faults.loss_permille) {
            self.stats.lost += 1;
            return None;
        }
        if self.stats.duplicated < self.faults.duplicate_budget
            && self.rng.chance(self.faults.duplicate_permille)
        {
            self.stats.duplicated += 1;
            let q = if up { &mut self.net_up } else { &mut self.net_down };
            q.push(frame.clone()); // the copy arrives later, perhaps much later
        }
        Some(frame)
    }

    fn deliver_to_worker(&mut self, frame: &[u8]) {
        let Ok(f) = wire::decode(frame) else { return };
        let (t, w) = (f.header.tenant, f.header.worker);
        if let Some(i) = self
            .workers
            .iter()
            .position(|x| x.config().tenant == t && x.config().worker == w)
            && self.workers[i].on_frame(frame)
        {
            let out = self.workers[i].poll(self.now);
            self.net_up.extend(out);
        }
    }

    fn advance_time(&mut self, idle: bool) {
        self.stats.ticks += 1;
        let next = self
            .workers
            .iter()
            .filter_map(|w| w.next_deadline())
            .chain(self.ps.next_deadline())
            .min();
        self.now = match next {
            Some(t) if idle => t.max(self.now + 1),
            _ => self.now + 1 + self.rng.below(self.timing.worker_timeout / 4 + 1),
        };
        for i in 0..self.workers.len() {
            let out = self.workers[i].poll(self.now);
            self.net_up.extend(out);
        }
        let out = self.ps.on_tick(self.now);
        self.host_down.extend(out);
    }
}
