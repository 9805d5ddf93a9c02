//! The verilated core as a [`SimCard`], two ways:
//!
//! - frame at a time ([`SimCard::rx`], [`SimCard::tx`]): a frame in, the clock runs until the core
//!   has taken it and its pipeline is empty again, and the frames that came out are its outputs
//!   (the model's contract);
//! - streaming ([`SimCard::stream`], what the sim server uses): the next frame's beats go in as
//!   soon as the core takes them, receive and transmit paths at once, while earlier frames are
//!   still in the pipeline; output frames are collected every clock, so the card runs at the
//!   core's line rate and is bounded by Verilator's speed, not by idle clocks.
//!
//! Frames of one path go in in order. A register access drains the core first (every frame taken
//! is through and out), as a driver that reads counters after traffic sees them.
//!
//! With `AGGNIC_CARD_CHECK=1` (or [`VerilatedCard::with_check`]) the reference model runs beside
//! the core: each frame goes to the model when it goes to the core, every output frame must be the
//! one the model gave next on that port, nothing the model gave may be missing when the core is
//! drained, and every register read must agree; otherwise the card panics with the frame. Streaming
//! keeps the order the model needs then, as the differential testbench (`aggnic_spec::bench`)
//! does: a FLUSH or RELEASE from the host (the only transmit frames whose effect depends on the
//! receive path) goes in alone, at a *barrier*: the receive path is drained before it and the
//! pipeline emptied after it. Unchecked, they stream like any frame, as on the hardware (the issue
//! stage orders them against receive beats clock by clock). A barrier costs about 240 clocks, the
//! time of some 40 frames: under a PS that flushes often (the demo's default sizes, the end-to-end
//! test's forced collisions) the checked card falls so far behind that workers give up; check
//! with fewer fragments in flight (`aggnic demo --window 4`) or use the differential tests.

use super::card::{CardError, SimCard};
use crate::SimNic;
use aggnic_spec::bench::{self, BEAT_BYTES, Beat, CycleCore, Inputs};
use aggnic_spec::model::{Core, Outputs, Params};
use aggnic_spec::regs;
use aggnic_spec::wire::{HEADER_OFFSET, Kind, field};
use std::collections::VecDeque;

/// Idle clocks after a frame was taken: more than the longest path from the input to the last
/// output beat of a packet (input buffer, 8 pipeline stages, output buffer, `B + 1` beats of the
/// port's width).
fn settle_clocks(params: Params) -> u32 {
    48 + 2 * params.elements.div_ceil(params.lanes)
}

/// Clocks without an input beat taken or an output beat seen after which a streaming core is
/// empty: its 64-beat input buffer (of 512-bit beats; twice as many on a 256-bit port), worked
/// off at one beat per clock, then the settle time.
fn quiet_clocks(params: Params) -> u32 {
    (64 * BEAT_BYTES / bench::beat_bytes(params)) as u32 + settle_clocks(params)
}

/// Most clocks one [`SimCard::stream`] call runs (about 15 ms of Verilator time), so the server
/// takes new input and sends output at least that often.
const STREAM_CLOCKS: u32 = 256;

/// Set to check the verilated card against the reference model frame by frame.
pub const CHECK_ENV: &str = "AGGNIC_CARD_CHECK";

const RX: usize = 0;
const TX: usize = 1;
const PORT: [&str; 2] = ["m_axis_rx (to the host)", "m_axis_tx (to the network)"];

/// Whether a frame from the host must go in at a barrier: a FLUSH or RELEASE (by the kind byte;
/// the core decides whether it is well formed).
fn needs_barrier(frame: &[u8]) -> bool {
    frame
        .get(HEADER_OFFSET + field::KIND.offset)
        .is_some_and(|k| matches!(Kind::from_u8(*k), Some(Kind::Flush | Kind::Release)))
}

/// The verilated core behind the card interface.
#[derive(Debug)]
pub struct VerilatedCard {
    nic: SimNic,
    /// With `AGGNIC_CARD_CHECK` set: the reference model fed the same frames and writes, and the
    /// output frames it gave that the core has not sent yet, per port.
    check: Option<(Core, [VecDeque<Vec<u8>>; 2])>,
    quiet_after: u32,
    /// Output frames being assembled, per port.
    partial: [Vec<u8>; 2],
    /// Beats of the frame going in, per path.
    feeding: [VecDeque<Beat>; 2],
    /// Clocks since an input beat was taken or an output beat came out.
    quiet: u32,
    /// A FLUSH or RELEASE went in and the pipeline has not emptied since.
    in_barrier: bool,
}

impl VerilatedCard {
    /// A reset core, checked against the model if `AGGNIC_CARD_CHECK` is set (and not empty).
    pub fn new() -> VerilatedCard {
        VerilatedCard::with_check(std::env::var_os(CHECK_ENV).is_some_and(|v| !v.is_empty()))
    }

    /// A reset core, with the reference model checking it (see the module docs) or not; waits out
    /// the slot metadata's reset sweep.
    pub fn with_check(check: bool) -> VerilatedCard {
        let mut nic = SimNic::new();
        CycleCore::reset(&mut nic);
        let check = check.then(|| (Core::new(crate::PARAMS), [VecDeque::new(), VecDeque::new()]));
        let mut card = VerilatedCard {
            nic,
            check,
            quiet_after: quiet_clocks(crate::PARAMS),
            partial: [Vec::new(), Vec::new()],
            feeding: [VecDeque::new(), VecDeque::new()],
            quiet: 0,
            in_barrier: false,
        };
        card.idle(crate::PARAMS.slots + 8, &mut Outputs::default());
        card
    }

    /// Whether the model checks this card (`AGGNIC_CARD_CHECK`).
    pub fn checked(&self) -> bool {
        self.check.is_some()
    }

    /// Clock cycles the core has run, reset sweep included.
    pub fn clocks(&self) -> u64 {
        self.nic.cycles()
    }

    fn idle(&mut self, clocks: u32, out: &mut Outputs) {
        for _ in 0..clocks {
            self.clock(out);
        }
    }

    /// One clock: the fronts of the frames going in offered, outputs always ready; moves taken
    /// beats and collects (and, checked, compares) finished output frames.
    fn clock(&mut self, out: &mut Outputs) {
        let i = Inputs {
            rx: self.feeding[RX].front().cloned(),
            tx: self.feeding[TX].front().cloned(),
            rx_out_ready: true,
            tx_out_ready: true,
            ..Inputs::default()
        };
        let o = self.nic.cycle(&i);
        self.quiet = self.quiet.saturating_add(1);
        for (side, ready) in [(RX, o.rx_ready), (TX, o.tx_ready)] {
            if ready && self.feeding[side].pop_front().is_some() {
                self.quiet = 0;
            }
        }
        for (side, beat) in [(RX, &o.rx_out), (TX, &o.tx_out)] {
            let Some(b) = beat else { continue };
            self.quiet = 0;
            self.partial[side].extend_from_slice(&b.data[..(b.bytes as usize).min(BEAT_BYTES)]);
            if b.last {
                let frame = std::mem::take(&mut self.partial[side]);
                if let Some((_, expect)) = &mut self.check {
                    let want = expect[side].pop_front();
                    assert!(
                        want.as_ref() == Some(&frame),
                        "{CHECK_ENV}: the core sent a frame on {} the model did not\n core:  {frame:02x?}\n model: {want:02x?}",
                        PORT[side]
                    );
                }
                if side == RX {
                    out.to_host.push(frame);
                } else {
                    out.to_network.push(frame);
                }
            }
        }
    }

    /// Starts a frame on a path (which must be free); checked, the model takes it now.
    fn start(&mut self, side: usize, frame: &[u8]) {
        debug_assert!(self.feeding[side].is_empty());
        self.feeding[side].extend(bench::beats(frame, crate::PARAMS));
        if let Some((model, expect)) = &mut self.check {
            let o = if side == RX {
                model.rx(frame)
            } else {
                model.tx(frame)
            };
            expect[RX].extend(o.to_host);
            expect[TX].extend(o.to_network);
        }
    }

    fn empty(&self) -> bool {
        self.feeding.iter().all(VecDeque::is_empty) && self.quiet >= self.quiet_after
    }

    /// Feeds what is going in and clocks until the core is empty; checked, the model must have
    /// nothing left to send either.
    fn drain(&mut self, out: &mut Outputs) {
        while !self.empty() {
            self.clock(out);
        }
        self.in_barrier = false;
        if let Some((_, expect)) = &self.check {
            assert!(
                expect.iter().all(VecDeque::is_empty),
                "{CHECK_ENV}: the core is empty but the model sent more: {:02x?} to the host, {:02x?} to the network",
                expect[RX],
                expect[TX]
            );
        }
    }

    /// Frame at a time: the core drained, the frame in, the core drained again.
    fn frame(&mut self, frame: &[u8], side: usize) -> Outputs {
        let mut out = Outputs::default();
        self.drain(&mut out);
        debug_assert!(out.to_host.is_empty() && out.to_network.is_empty());
        self.start(side, frame);
        self.quiet = 0;
        self.drain(&mut out);
        out
    }
}

impl Default for VerilatedCard {
    fn default() -> Self {
        VerilatedCard::new()
    }
}

impl SimCard for VerilatedCard {
    fn rx(&mut self, frame: &[u8]) -> Outputs {
        self.frame(frame, RX)
    }
    fn tx(&mut self, frame: &[u8]) -> Outputs {
        self.frame(frame, TX)
    }
    fn read(&mut self, addr: u32) -> Result<u32, CardError> {
        let mut out = Outputs::default();
        self.drain(&mut out);
        debug_assert!(
            out.to_host.is_empty() && out.to_network.is_empty(),
            "the server drains first"
        );
        let value = self.nic.try_axil_read(addr)?;
        if let Some((model, _)) = &self.check {
            assert_eq!(value, model.read(addr), "{CHECK_ENV}: register {addr:#06x}");
        }
        Ok(value)
    }
    fn write(&mut self, addr: u32, value: u32) -> Result<(), CardError> {
        let mut out = Outputs::default();
        self.drain(&mut out);
        debug_assert!(
            out.to_host.is_empty() && out.to_network.is_empty(),
            "the server drains first"
        );
        self.nic.try_axil_write(addr, value)?;
        if let Some((model, _)) = &mut self.check {
            model.write(addr, value);
        }
        // SOFT_RESET restarts the slot metadata's sweep; FLUSH_CMD runs its own: wait them out,
        // so the next frame meets the core as the model would.
        if addr == regs::COMMAND.addr || addr == regs::FLUSH_CMD.addr {
            self.idle(crate::PARAMS.slots + 16, &mut Outputs::default());
        }
        Ok(())
    }

    fn stream(&mut self, rx: &mut VecDeque<Vec<u8>>, tx: &mut VecDeque<Vec<u8>>, out: &mut Outputs) -> bool {
        for _ in 0..STREAM_CLOCKS {
            if self.in_barrier && self.empty() {
                self.in_barrier = false;
            }
            // Checked, a FLUSH or RELEASE next from the host: the receive path stops taking
            // frames, and it goes in alone once the core is empty.
            let barrier_waits = self.check.is_some()
                && self.feeding[TX].is_empty()
                && tx.front().is_some_and(|f| needs_barrier(f));
            if !self.in_barrier
                && self.feeding[TX].is_empty()
                && (!barrier_waits || self.empty())
                && let Some(f) = tx.pop_front()
            {
                self.start(TX, &f);
                self.in_barrier = barrier_waits;
            }
            let barrier_waits = barrier_waits && self.feeding[TX].is_empty();
            if !self.in_barrier
                && !barrier_waits
                && self.feeding[RX].is_empty()
                && let Some(f) = rx.pop_front()
            {
                self.start(RX, &f);
            }
            if rx.is_empty() && tx.is_empty() && self.empty() {
                break;
            }
            self.clock(out);
        }
        if self.empty() {
            self.in_barrier = false;
        }
        !self.empty()
    }
}
