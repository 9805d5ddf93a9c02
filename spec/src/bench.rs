//! The differential testbench: random traffic through a clock-by-clock core (rust-hdl's simulator
//! or Verilator) and the reference model side by side. Every output frame must equal the model's,
//! byte for byte and in order, and every counter and live register must read as the model's.
//!
//! The core is driven through [`CycleCore`]: AXI4-Stream beats on both inputs with random idle
//! cycles, random backpressure on both outputs, AXI4-Lite reads and writes. Receive and transmit
//! pass-through traffic flow at the same time. Frames whose effect depends on their order relative
//! to the other path or to a register write (FLUSH and RELEASE from the host, register writes) are
//! applied at a *barrier*: the core is drained first, so the model's order is the core's.

use crate::model::{Core, Params, TenantEntry, WORKERS, tenant_writes};
use crate::regs::{self, command, ctrl, flush_cmd, status};
use crate::rng::Rng;
use crate::wire::{self, Addressing, Frame, Header, Kind, flags};
use std::collections::VecDeque;

/// Bytes per beat of the widest core's streams (512-bit, 16 lanes).
pub const BEAT_BYTES: usize = 64;

/// Bytes per beat of a core built with `params`: its `lanes` int32 lanes (64 or 32).
pub fn beat_bytes(params: Params) -> usize {
    params.lanes as usize * wire::LANE_BYTES
}

/// One AXI4-Stream beat: `bytes` valid bytes from byte 0 (`tkeep` contiguous). `data` is sized
/// for the widest beat; a narrower core's beats use its first [`beat_bytes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    pub data: [u8; BEAT_BYTES],
    pub bytes: u8,
    pub last: bool,
    /// `tuser` (receive streams only): the frame is bad (the MAC's flag, Corundum's bit 0); it
    /// counts on a frame's last beat.
    pub bad: bool,
}

/// The core's inputs for one clock.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub rx: Option<Beat>,
    pub tx: Option<Beat>,
    pub rx_out_ready: bool,
    pub tx_out_ready: bool,
    pub awaddr: Option<u32>,
    pub wdata: Option<u32>,
    pub bready: bool,
    pub araddr: Option<u32>,
    pub rready: bool,
}

/// The core's outputs in that clock, before its edge.
#[derive(Clone, Debug, Default)]
pub struct Outputs {
    pub rx_ready: bool,
    pub tx_ready: bool,
    pub rx_out: Option<Beat>,
    pub tx_out: Option<Beat>,
    pub awready: bool,
    pub wready: bool,
    pub bvalid: bool,
    pub arready: bool,
    pub rvalid: bool,
    pub rdata: u32,
}

/// A core simulated clock by clock.
pub trait CycleCore {
    /// Holds the synchronous reset for a few clocks.
    fn reset(&mut self);
    /// Drives `inputs`, returns the outputs before the clock edge (a stream beat or an AXI4-Lite
    /// channel moves where valid and ready are both high), then clocks once.
    fn cycle(&mut self, inputs: &Inputs) -> Outputs;
    /// Internal state worth printing when a check fails.
    fn state(&self) -> String {
        String::new()
    }
}

/// Random idle and backpressure, in permille of clocks.
#[derive(Clone, Copy, Debug)]
pub struct Stalls {
    pub input_idle: u32,
    pub output_stall: u32,
}

/// What a run saw, for coverage assertions and reports.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub frames_in: u64,
    pub frames_out: u64,
    pub beats_in: u64,
    pub cycles: u64,
    pub results: u64,
    pub partials: u64,
    pub forwards: u64,
    pub overflows: u64,
    pub barriers: u64,
    /// Frames sent flagged bad, and how many of them came out (flagged) to the host.
    pub bad_in: u64,
    pub bad_out: u64,
    /// Clocks a receive (transmit) beat was offered and not taken (the core's input backpressure).
    pub rx_refused: u64,
    pub tx_refused: u64,
}

/// Splits a frame into the beats of a core built with `params` (see [`beat_bytes`]).
pub fn beats(frame: &[u8], params: Params) -> Vec<Beat> {
    let chunks: Vec<&[u8]> = frame.chunks(beat_bytes(params)).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let mut data = [0u8; BEAT_BYTES];
            data[..c.len()].copy_from_slice(c);
            Beat {
                data,
                bytes: c.len() as u8,
                last: i + 1 == n,
                bad: false,
            }
        })
        .collect()
}

/// The core and the model under the same traffic.
#[derive(Debug)]
pub struct Bench<C: CycleCore> {
    pub core: C,
    pub model: Core,
    pub rng: Rng,
    pub stalls: Stalls,
    pub seen: Seen,
    rx_beats: VecDeque<Beat>,
    tx_beats: VecDeque<Beat>,
    /// Frames to come on `m_axis_rx`, each with its bad flag.
    expect_rx: VecDeque<(Vec<u8>, bool)>,
    expect_tx: VecDeque<(Vec<u8>, bool)>,
    got_rx: Vec<u8>,
    got_tx: Vec<u8>,
    /// Clocks a drained core needs to empty its pipeline: the longest latency, with margin.
    settle_clocks: u64,
    /// Bytes of every beat but a frame's last.
    beat_bytes: usize,
}

impl<C: CycleCore> Bench<C> {
    pub fn new(mut core: C, params: Params, seed: u64, stalls: Stalls) -> Bench<C> {
        core.reset();
        let mut b = Bench {
            core,
            model: Core::new(params),
            rng: Rng::new(seed),
            stalls,
            seen: Seen::default(),
            rx_beats: VecDeque::new(),
            tx_beats: VecDeque::new(),
            expect_rx: VecDeque::new(),
            expect_tx: VecDeque::new(),
            got_rx: Vec::new(),
            got_tx: Vec::new(),
            settle_clocks: 64 + 4 * u64::from(params.elements.div_ceil(params.lanes)),
            beat_bytes: beat_bytes(params),
        };
        // The slot metadata's reset sweep.
        b.idle(u64::from(params.slots) + 8);
        b
    }

    /// A frame from the network: to the model now, to the core as its turn comes.
    pub fn send_rx(&mut self, frame: &[u8]) {
        let out = self.model.rx(frame);
        self.queue_rx(frame, out, false);
    }

    /// A frame from the network that the MAC flagged bad (`tuser` on its last beat).
    pub fn send_rx_bad(&mut self, frame: &[u8]) {
        let out = self.model.rx_bad(frame);
        self.queue_rx(frame, out, true);
        self.seen.bad_in += 1;
    }

    /// Queues `frame`'s beats for the receive input (`bad` on its last) and what the model made
    /// of it.
    fn queue_rx(&mut self, frame: &[u8], out: crate::model::Outputs, bad: bool) {
        self.expect(out, bad);
        let mut b = beats(frame, self.model.params());
        if let Some(last) = b.last_mut() {
            last.bad = bad;
        }
        self.rx_beats.extend(b);
        self.seen.frames_in += 1;
    }

    /// A frame from the host that only passes (or is dropped): no barrier needed.
    pub fn send_tx(&mut self, frame: &[u8]) {
        let out = self.model.tx(frame);
        self.expect(out, false);
        self.tx_beats.extend(beats(frame, self.model.params()));
        self.seen.frames_in += 1;
    }

    /// A FLUSH or RELEASE from the host, ordered against the receive path by a barrier.
    pub fn send_control(&mut self, frame: &[u8]) {
        self.drain();
        self.send_tx(frame);
        self.drain();
        self.seen.barriers += 1;
    }

    /// Queues what the model output; `bad`: its frames to the host come flagged.
    fn expect(&mut self, out: crate::model::Outputs, bad: bool) {
        for f in out.to_host {
            match wire::decode(&f).map(|x| x.header.kind) {
                Ok(Kind::Result) => self.seen.results += 1,
                Ok(Kind::Partial) => self.seen.partials += 1,
                Ok(Kind::Update) => self.seen.forwards += 1,
                _ => {}
            }
            if f.get(wire::HEADER_OFFSET + wire::field::FLAGS.offset)
                .is_some_and(|x| x & flags::OVERFLOW != 0)
            {
                self.seen.overflows += 1;
            }
            self.expect_rx.push_back((f, bad));
        }
        self.expect_tx
            .extend(out.to_network.into_iter().map(|f| (f, false)));
    }

    /// One clock of stream traffic (AXI4-Lite idle).
    pub fn step(&mut self) {
        let (idle_rx, idle_tx) = (self.stall_in(), self.stall_in());
        let inputs = Inputs {
            rx: self.rx_beats.front().filter(|_| !idle_rx).cloned(),
            tx: self.tx_beats.front().filter(|_| !idle_tx).cloned(),
            rx_out_ready: !self.stall_out(),
            tx_out_ready: !self.stall_out(),
            ..Inputs::default()
        };
        self.clock(&inputs);
    }

    fn stall_in(&mut self) -> bool {
        self.rng.chance(self.stalls.input_idle)
    }
    fn stall_out(&mut self) -> bool {
        self.rng.chance(self.stalls.output_stall)
    }

    /// One clock with these inputs; moves the stream beats that were taken and checks output frames.
    fn clock(&mut self, inputs: &Inputs) -> Outputs {
        let out = self.core.cycle(inputs);
        self.seen.cycles += 1;
        if inputs.rx.is_some() && out.rx_ready {
            self.rx_beats.pop_front();
            self.seen.beats_in += 1;
        }
        if inputs.rx.is_some() && !out.rx_ready {
            self.seen.rx_refused += 1;
        }
        if inputs.tx.is_some() && out.tx_ready {
            self.tx_beats.pop_front();
            self.seen.beats_in += 1;
        }
        if inputs.tx.is_some() && !out.tx_ready {
            self.seen.tx_refused += 1;
        }
        if inputs.rx_out_ready
            && let Some(b) = &out.rx_out
        {
            Self::collect(
                &mut self.got_rx,
                &mut self.expect_rx,
                b,
                "m_axis_rx",
                &mut self.seen,
                self.beat_bytes,
            );
        }
        if inputs.tx_out_ready
            && let Some(b) = &out.tx_out
        {
            Self::collect(
                &mut self.got_tx,
                &mut self.expect_tx,
                b,
                "m_axis_tx",
                &mut self.seen,
                self.beat_bytes,
            );
        }
        out
    }

    fn collect(
        got: &mut Vec<u8>,
        expect: &mut VecDeque<(Vec<u8>, bool)>,
        b: &Beat,
        port: &str,
        seen: &mut Seen,
        beat_bytes: usize,
    ) {
        assert!(
            b.last || b.bytes as usize == beat_bytes,
            "{port}: a beat short of {beat_bytes} bytes without tlast"
        );
        assert!(
            (1..=beat_bytes).contains(&(b.bytes as usize)),
            "{port}: a beat of {} bytes on a {beat_bytes}-byte stream",
            b.bytes
        );
        assert!(
            b.last || !b.bad,
            "{port}: tuser (bad frame) on a beat without tlast"
        );
        got.extend_from_slice(&b.data[..b.bytes as usize]);
        if b.last {
            let frame = std::mem::take(got);
            let (want, want_bad) = expect
                .pop_front()
                .unwrap_or_else(|| panic!("{port}: unexpected frame {frame:02x?}"));
            assert!(
                frame == want,
                "{port}: frame {} differs\n got  {frame:02x?}\n want {want:02x?}",
                seen.frames_out
            );
            assert_eq!(
                b.bad, want_bad,
                "{port}: frame {} flagged bad {} (the model: {want_bad})",
                seen.frames_out, b.bad
            );
            seen.frames_out += 1;
            seen.bad_out += u64::from(b.bad);
        }
    }

    /// Clocks with no input and ready outputs.
    pub fn idle(&mut self, clocks: u64) {
        let inputs = Inputs {
            rx_out_ready: true,
            tx_out_ready: true,
            ..Inputs::default()
        };
        for _ in 0..clocks {
            self.clock(&inputs);
        }
    }

    /// Feeds everything queued, lets the pipeline empty, and checks every expected frame came.
    pub fn drain(&mut self) {
        let mut guard = 0u64;
        while !self.rx_beats.is_empty() || !self.tx_beats.is_empty() {
            self.step();
            guard += 1;
            assert!(guard < 1_000_000, "inputs not taken: the core is stuck");
        }
        // The core's buffers may hold a packet's worth of beats on each side: wait for every
        // expected frame (bounded), then a while longer for any frame that should not come.
        let mut waited = 0;
        while (!self.expect_rx.is_empty() || !self.expect_tx.is_empty()) && waited < 4096 {
            self.idle(1);
            waited += 1;
        }
        self.idle(self.settle_clocks);
        assert!(
            self.expect_rx.is_empty() && self.expect_tx.is_empty(),
            "after draining, frames still expected: {} on m_axis_rx ({:02x?}), {} on m_axis_tx; core: {}",
            self.expect_rx.len(),
            self.expect_rx.front(),
            self.expect_tx.len(),
            self.core.state()
        );
    }

    /// An AXI4-Lite write at a barrier, to the model too.
    pub fn write(&mut self, addr: u32, value: u32) {
        self.drain();
        let (mut aw, mut w) = (true, true);
        let mut guard = 0;
        while aw || w {
            let out = self.clock(&Inputs {
                awaddr: aw.then_some(addr),
                wdata: w.then_some(value),
                rx_out_ready: true,
                tx_out_ready: true,
                ..Inputs::default()
            });
            aw &= !out.awready;
            w &= !out.wready;
            guard += 1;
            assert!(guard < 100, "AXI4-Lite write to {addr:#06x} not taken");
        }
        loop {
            let out = self.clock(&Inputs {
                bready: true,
                rx_out_ready: true,
                tx_out_ready: true,
                ..Inputs::default()
            });
            if out.bvalid {
                break;
            }
        }
        self.model.write(addr, value);
        if addr == regs::COMMAND.addr && value & command::SOFT_RESET != 0 {
            self.idle(u64::from(self.model.params().slots) + 8);
        }
        if addr == regs::FLUSH_CMD.addr {
            while self.read(regs::STATUS.addr) & status::FLUSH_BUSY != 0 {}
        }
        self.idle(4);
    }

    /// An AXI4-Lite read (the model is not consulted).
    pub fn read(&mut self, addr: u32) -> u32 {
        let mut guard = 0;
        loop {
            let out = self.clock(&Inputs {
                araddr: Some(addr),
                rx_out_ready: true,
                tx_out_ready: true,
                ..Inputs::default()
            });
            if out.arready {
                break;
            }
            guard += 1;
            assert!(guard < 100, "AXI4-Lite read of {addr:#06x} not taken");
        }
        loop {
            let out = self.clock(&Inputs {
                rready: true,
                rx_out_ready: true,
                tx_out_ready: true,
                ..Inputs::default()
            });
            if out.rvalid {
                return out.rdata;
            }
        }
    }

    /// Reads `addr` from the core and the model; they must agree.
    pub fn check(&mut self, addr: u32, what: &str) {
        let hw = self.read(addr);
        let want = self.model.read(addr);
        assert_eq!(hw, want, "{what}: register {addr:#06x}");
    }

    /// A snapshot, then every counter and live register, global and per tenant.
    pub fn check_registers(&mut self) {
        self.drain();
        self.write(regs::COMMAND.addr, command::SNAPSHOT);
        for r in regs::CORE_COUNTER_REGS {
            self.check(r.addr, r.name);
            self.check(r.hi(), r.name);
        }
        self.check(regs::SLOTS_IN_USE.addr, "SLOTS_IN_USE");
        self.check(regs::STATUS.addr, "STATUS");
        for t in 0..self.model.params().tenants.min(256) {
            self.write(regs::TENANT_SEL.addr, t);
            for r in regs::TENANT_COUNTER_REGS {
                self.check(r.addr, r.name);
                self.check(r.hi(), r.name);
            }
            for r in [regs::T_SLOTS_IN_USE, regs::T_WINDOW_BASE, regs::T_CTRL] {
                self.check(r.addr, r.name);
            }
        }
    }
}

/// One tenant of the random traffic.
#[derive(Clone, Debug)]
struct Job {
    id: u8,
    entry: TenantEntry,
    elements: u16,
    salt: u16,
}

/// Random traffic over several tenants: UPDATEs of every member of a fragment, mostly in order
/// and back to back, with duplicates, resends, stale and future fragments, wrong keys, strangers,
/// malformed and forged frames, pass-through frames both ways, FLUSH and RELEASE from the host,
/// and register writes between frames.
#[derive(Debug)]
pub struct Traffic {
    params: Params,
    jobs: Vec<Job>,
    rng: Rng,
    /// The `UDP_PORT` the frames are sent to.
    port_now: u16,
}

impl Traffic {
    pub fn new(params: Params, seed: u64) -> Traffic {
        Traffic {
            params,
            jobs: Vec::new(),
            rng: Rng::new(seed),
            port_now: crate::regs::DEFAULT_UDP_PORT,
        }
    }

    /// Configures `jobs` tenants with random worker sets, quotas and element counts.
    pub fn configure<C: CycleCore>(&mut self, b: &mut Bench<C>, jobs: u8) {
        b.write(regs::CTRL.addr, ctrl::ENABLE);
        for i in 0..jobs.min(self.params.tenants as u8) {
            let workers = 1 + self.rng.below(4) as u32;
            let mut mask = 0u64;
            while mask.count_ones() < workers {
                mask |= 1 << self.rng.below(u64::from(WORKERS));
            }
            let entry = TenantEntry {
                enable: true,
                quota: 1 + self.rng.below(u64::from(self.params.slots)) as u32,
                mask,
                key: self.rng.next_u64(),
                window_base: self.rng.next_u32(),
            };
            let job = Job {
                id: i,
                entry,
                elements: 1 + self.rng.below(u64::from(self.params.elements)) as u16,
                salt: self.rng.next_u32() as u16,
            };
            Self::commit(b, &job);
            self.jobs.push(job);
        }
    }

    fn commit<C: CycleCore>(b: &mut Bench<C>, job: &Job) {
        for (addr, value) in tenant_writes(job.id, job.entry) {
            b.write(addr, value);
        }
    }

    fn lane(&mut self) -> i32 {
        match self.rng.below(100) {
            0..=3 => self.rng.pick(&[i32::MAX, i32::MIN, i32::MAX - 5, i32::MIN + 5]),
            4..=9 => self.rng.next_u32() as i32,
            _ => self.rng.below(1 << 20) as i32 - (1 << 19),
        }
    }

    fn update(&mut self, job: &Job, worker: u8, seq: u32, flags: u8) -> Vec<u8> {
        let port = self.port_now;
        let payload = (0..job.elements).map(|_| self.lane()).collect();
        Frame {
            addr: Addressing::between(worker.wrapping_add(2), 1, port),
            header: Header {
                flags,
                ..Header::update(job.id, worker, seq, job.salt, job.entry.key)
            },
            payload,
        }
        .encode()
    }

    fn control(&self, kind: Kind, job: &Job, seq: u32) -> Vec<u8> {
        Frame {
            addr: Addressing::between(1, 1, self.port_now),
            header: Header {
                kind,
                flags: 0,
                tenant: job.id,
                worker: 0,
                elements: 0,
                seq,
                salt: job.salt,
                key_or_bitmap: 0,
            },
            payload: vec![],
        }
        .encode()
    }

    /// Random bytes that are not an aggregation frame (most of the time) of 14 to 300 bytes.
    fn junk(&mut self) -> Vec<u8> {
        let len = 14 + self.rng.below(287) as usize;
        (0..len).map(|_| self.rng.next_u64() as u8).collect()
    }

    /// A frame damaged in one of the ways `docs/protocol.md` lists.
    fn malformed(&mut self, mut f: Vec<u8>) -> Vec<u8> {
        match self.rng.below(6) {
            0 => {
                f.truncate(f.len() - 1 - self.rng.below(f.len() as u64 - 42) as usize);
            }
            1 => f.extend((0..1 + self.rng.below(80)).map(|_| 0xa5)),
            2 => f[wire::frame::IP_CSUM.offset] ^= 0x40,
            3 => {
                let at = wire::HEADER_OFFSET + self.rng.below(4) as usize;
                f[at] ^= 1 << self.rng.below(8);
            }
            4 => {
                let at = wire::frame::UDP_LEN.offset + 1;
                f[at] = f[at].wrapping_add(4);
            }
            _ => {
                // Elements above the core's limit, lengths consistent.
                let e = self.params.elements as usize + 1 + self.rng.below(8) as usize;
                let mut h = [0u8; wire::HEADER_LEN];
                h.copy_from_slice(&f[wire::HEADER_OFFSET..wire::PAYLOAD_OFFSET]);
                let header = Header::decode(&h).expect("a valid header");
                let addr = wire::addressing(&f);
                f = Frame {
                    addr,
                    header,
                    payload: vec![1; e],
                }
                .encode();
            }
        }
        f
    }

    /// FLUSHes every fragment that holds a slot (as a PS draining its tenants does), then RELEASEs
    /// each tenant's oldest fragment: PARTIALs with sums, empty PARTIALs, window slides.
    pub fn flush_held<C: CycleCore>(&mut self, b: &mut Bench<C>) {
        self.port_now = b.model.udp_port();
        let slots = b.model.params().slots;
        let held: Vec<(u8, u32, u16)> = (0..slots)
            .filter_map(|i| b.model.slot(i).map(|s| (s.tenant, s.seq, s.salt)))
            .collect();
        for (tenant, seq, salt) in held {
            let Some(job) = self.jobs.iter().find(|j| j.id == tenant) else {
                continue;
            };
            let job = Job { salt, ..job.clone() };
            let f = self.control(Kind::Flush, &job, seq);
            b.send_control(&f);
        }
        for job in self.jobs.clone() {
            let base = b.model.tenant(job.id).map_or(0, |t| t.base);
            let f = self.control(Kind::Flush, &job, base);
            b.send_control(&f);
            let f = self.control(Kind::Release, &job, base);
            b.send_control(&f);
        }
    }

    /// Fills the pool with one tenant's half-done fragments and sweeps them out with FLUSH_CMD:
    /// the sweep frees many slots of one tenant in consecutive steps, each changing the tenant's
    /// slot count (a read-modify-write hazard the random mix rarely hits). Job 0 becomes a
    /// two-member job; only worker 0 sends, a window of fragments per round, with a fresh salt
    /// each round so that the fragments land on other slots. Returns the slots held at the sweeps
    /// (the model's count), summed over the rounds.
    pub fn hold_and_sweep<C: CycleCore>(&mut self, b: &mut Bench<C>, rounds: u32) -> u32 {
        let mut held = 0;
        for _ in 0..rounds {
            let mut job = self.jobs[0].clone();
            job.entry.mask = 0b11;
            job.entry.quota = self.params.slots;
            job.entry.window_base = b.model.tenant(job.id).map_or(0, |t| t.base);
            job.salt = self.rng.next_u32() as u16;
            Self::commit(b, &job);
            self.jobs[0] = job.clone();
            for d in 0..self.params.window {
                let f = self.update(&job, 0, job.entry.window_base.wrapping_add(d), 0);
                b.send_rx(&f);
            }
            b.drain();
            held += b.model.tenant(job.id).map_or(0, |t| t.slots_in_use);
            b.write(regs::FLUSH_CMD.addr, flush_cmd::START | u32::from(job.id));
        }
        b.drain();
        held
    }

    /// Runs `frames` frames of traffic through the bench.
    pub fn run<C: CycleCore>(&mut self, b: &mut Bench<C>, frames: u64) {
        let start = b.seen.frames_in;
        while b.seen.frames_in - start < frames {
            self.port_now = b.model.udp_port();
            let pick = self.rng.below(1000);
            let job = self.jobs[self.rng.below(self.jobs.len() as u64) as usize].clone();
            let base = b.model.tenant(job.id).map_or(0, |t| t.base);
            let members: Vec<u8> = (0..64u8).filter(|w| job.entry.mask >> w & 1 == 1).collect();
            match pick {
                // A whole fragment from every member, back to back (the normal case), sometimes
                // with a duplicate inside.
                0..=549 => {
                    let seq = base.wrapping_add(self.rng.below(u64::from(self.params.window) + 2) as u32);
                    for &w in &members {
                        let f = self.update(&job, w, seq, 0);
                        b.send_rx(&f);
                        if self.rng.chance(40) {
                            b.send_rx(&f);
                        }
                    }
                }
                550..=699 => {
                    let seq = base
                        .wrapping_add(self.rng.below(u64::from(self.params.window) * 2) as u32)
                        .wrapping_sub(2);
                    let w = self.rng.pick(&members);
                    let resend = if self.rng.chance(150) { flags::RESEND } else { 0 };
                    let f = self.update(&job, w, seq, resend);
                    b.send_rx(&f);
                }
                700..=759 => {
                    // A stranger, a wrong key, an unknown tenant.
                    let mut j = job.clone();
                    match self.rng.below(3) {
                        0 => j.entry.key ^= 1 << self.rng.below(64),
                        1 => j.id = self.params.tenants.min(255) as u8 + self.rng.below(3) as u8,
                        _ => {}
                    }
                    let w = self.rng.below(70) as u8;
                    let f = self.update(&j, w, base, 0);
                    b.send_rx(&f);
                }
                760..=819 => {
                    let w = self.rng.pick(&members);
                    let f = self.update(&job, w, base, 0);
                    let f = self.malformed(f);
                    if self.rng.chance(500) {
                        b.send_rx(&f);
                    } else {
                        b.send_tx(&f);
                    }
                    // A frame the MAC flagged bad: a good UPDATE (that must not count), a RESULT,
                    // or a frame that is not ours.
                    if self.rng.chance(300) {
                        let mut f = self.update(&job, w, base, 0);
                        match self.rng.below(3) {
                            0 => {}
                            1 => f[wire::HEADER_OFFSET + wire::field::KIND.offset] = Kind::Result as u8,
                            _ => f = self.junk(),
                        }
                        b.send_rx_bad(&f);
                    }
                }
                820..=874 => {
                    let f = self.junk();
                    if self.rng.chance(500) {
                        b.send_rx(&f);
                    } else {
                        b.send_tx(&f);
                    }
                }
                875..=879 => {
                    // A burst each way, more than the core buffers: with the host (the network)
                    // slow to take it, the receive (transmit) input is refused for a while.
                    for _ in 0..64 {
                        let f = self.junk();
                        b.send_rx(&f);
                        let f = self.junk();
                        b.send_tx(&f);
                    }
                }
                880..=909 => {
                    // A RESULT (PS to worker) passes both ways; control kinds from the network
                    // are forgeries.
                    let w = self.rng.pick(&members);
                    let mut f = self.update(&job, w, base, 0);
                    f[wire::HEADER_OFFSET + wire::field::KIND.offset] = Kind::Result as u8;
                    match self.rng.below(3) {
                        0 => b.send_rx(&f),
                        1 => b.send_tx(&f),
                        _ => {
                            let k = self.rng.pick(&[Kind::Flush, Kind::Release, Kind::Partial]);
                            let f = self.control(k, &job, base);
                            b.send_rx(&f);
                        }
                    }
                }
                910..=969 => {
                    let seq = base.wrapping_add(self.rng.below(u64::from(self.params.window) + 1) as u32);
                    let kind = if self.rng.chance(500) {
                        Kind::Flush
                    } else {
                        Kind::Release
                    };
                    let f = self.control(kind, &job, seq);
                    b.send_control(&f);
                }
                970..=984 => {
                    // Re-commit a tenant with new members and quota.
                    let i = self.rng.below(self.jobs.len() as u64) as usize;
                    let mut mask = 0u64;
                    while mask == 0 {
                        mask = self.rng.next_u64() & self.rng.next_u64() & self.rng.next_u64() & 0x1f;
                    }
                    self.jobs[i].entry.mask = mask;
                    self.jobs[i].entry.quota = 1 + self.rng.below(u64::from(self.params.slots)) as u32;
                    self.jobs[i].entry.window_base = b.model.tenant(self.jobs[i].id).map_or(0, |t| t.base);
                    let j = self.jobs[i].clone();
                    Self::commit(b, &j);
                }
                985..=992 => {
                    let t = self.rng.below(u64::from(self.params.tenants.min(256))) as u32;
                    b.write(regs::FLUSH_CMD.addr, flush_cmd::START | t);
                }
                _ => {
                    // The card disabled for a few frames: everything passes.
                    b.write(regs::CTRL.addr, 0);
                    for _ in 0..3 {
                        let w = self.rng.pick(&members);
                        let f = self.update(&job, w, base, 0);
                        if self.rng.chance(100) {
                            b.send_rx_bad(&f);
                        } else {
                            b.send_rx(&f);
                        }
                    }
                    b.write(regs::CTRL.addr, ctrl::ENABLE);
                }
            }
            // The core runs as the frames come; a backlog keeps its input saturated at times.
            for _ in 0..self.rng.below(3) {
                b.step();
            }
            if b.rx_beats.len() > 200 {
                while b.rx_beats.len() > 100 {
                    b.step();
                }
            }
        }
        b.drain();
    }
}
