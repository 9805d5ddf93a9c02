//! A tenant's fragment window: `mark_done` of `aggnic_spec::model` in hardware.
//!
//! The window is `base` (the oldest fragment not known final) and `done` (bit `d`: fragment
//! `base + d` is final; bit 0 always clear). Marking fragment `seq` final, as the model does on a
//! completed sum and on a RELEASE: with `d = seq - base` (mod 2^32), if `d` < the export's
//! `window`, set bit `d`, then slide past the final fragments at the bottom: `slide` =
//! trailing ones of `done`, `base += slide`, `done >>= slide` (64 ones: `done` = 0).
//!
//! - [`SlideCount`]: how far marking the base slides, from `done` alone; [`SlideCountReg`] the
//!   same registered, for a pipeline that counts it the clock before the mark.
//! - [`WindowOffset`]: where `seq` falls relative to `base` (behind, in the window, at the base,
//!   its bit), combinational: the decision computes it a clock before the mark.
//! - [`WindowNext`]: the next state, combinational, given that count and that offset: the core
//!   computes it from the window it looked up (or forwarded) and writes it back to the tenant table.
//! - [`Window`]: one tenant's window in registers, one mark (or load) per clock (both blocks in
//!   one clock).
//!
//! The trailing-ones count does not loop over bits: per 16-bit chunk of `z` (`done >> 1`, which
//! has a clear bit: bit 63), `y = !z & (z + 1)` isolates the lowest clear bit, and bit `k` of its
//! index is the OR of the bits of `y` whose index has bit `k` set (four masks); the lowest chunk
//! that is not all ones gives the count.

use aggnic_spec::model::Params;
use rust_hdl::prelude::*;

/// Bits of a slide count ([`SlideCount::tz`]).
pub const SLIDE_BITS: usize = 7;
/// Index bits of a 64-bit word (a `done` bit's index).
pub const INDEX_BITS: usize = 6;
// `WindowOffset` takes `d`'s bits 6..32 with literals (a Rust const in a bit index is emitted as a name).
const _: () = assert!(INDEX_BITS == 6);

/// Bits of a slide count's chunk: the count is taken per 16-bit chunk of `done >> 1`.
const CHUNK_BITS: usize = 16;
/// Index bits of a chunk bit.
const CHUNK_INDEX_BITS: usize = CHUNK_BITS.trailing_zeros() as usize;

/// Bit `k` of the mask is set when bit `b` of `k` is: the mask that reads bit `b` of a one-hot
/// chunk's index.
fn index_bit_mask(b: usize) -> u64 {
    (0..CHUNK_BITS)
        .filter(|k| k >> b & 1 == 1)
        .fold(0, |m, k| m | 1 << k)
}

/// How far marking the base slides a window: 1 + `tz`, where `tz` is the number of trailing ones
/// of `done >> 1` (0..=63), combinational.
///
/// Bit 0 of `done` is always clear (the window's invariant: `base` is not final), so marking
/// anything but `base` itself never slides, and marking `base` slides past the final fragments
/// above it. That depends on `done` alone, so a pipeline counts it the clock before the mark
/// (from the window the mark will see, [`SlideCountReg`]) and hands it to [`WindowNext`]: the
/// carries and the index encoders are then not on the clock that writes the window back.
///
/// The count is taken in four 16-bit chunks side by side (a 16-bit carry and 8-bit ORs each,
/// where one 64-bit carry and 32-bit ORs were a routed near-critical path), and the lowest chunk
/// that is not all ones gives it.
#[derive(LogicBlock, Debug)]
pub struct SlideCount {
    /// Bit 0 clear.
    pub done: Signal<In, Bits<64>>,
    pub tz: Signal<Out, Bits<SLIDE_BITS>>,

    one: Constant<Bits<CHUNK_BITS>>,
    all_ones: Constant<Bits<CHUNK_BITS>>,
    index_masks: [Constant<Bits<CHUNK_BITS>>; CHUNK_INDEX_BITS],
    /// The chunks' offsets in the count: 0, 16, 32, 48.
    chunk_base: [Constant<Bits<SLIDE_BITS>>; 4],
    /// `1 << b`: a count's index bit `b`.
    weight: [Constant<Bits<SLIDE_BITS>>; CHUNK_INDEX_BITS],
    /// `done >> 1`: bit 63 clear, so it has a clear bit.
    z: Signal<Local, Bits<64>>,
    chunk: [Signal<Local, Bits<CHUNK_BITS>>; 4],
    /// The lowest clear bit of each chunk, one-hot (0 if the chunk is all ones).
    y: [Signal<Local, Bits<CHUNK_BITS>>; 4],
    /// Each chunk's trailing-ones count (for a chunk that is not all ones).
    count: [Signal<Local, Bits<SLIDE_BITS>>; 4],
}

impl SlideCount {
    pub fn new() -> SlideCount {
        SlideCount {
            done: Default::default(),
            tz: Default::default(),
            one: Constant::new(1u64.to_bits()),
            all_ones: Constant::new(0xffffu64.to_bits()),
            index_masks: std::array::from_fn(|b| Constant::new(index_bit_mask(b).to_bits())),
            chunk_base: std::array::from_fn(|c| Constant::new(((c * CHUNK_BITS) as u64).to_bits())),
            weight: std::array::from_fn(|b| Constant::new((1u64 << b).to_bits())),
            z: Default::default(),
            chunk: Default::default(),
            y: Default::default(),
            count: Default::default(),
        }
    }
}

impl Default for SlideCount {
    fn default() -> SlideCount {
        SlideCount::new()
    }
}

impl Logic for SlideCount {
    #[hdl_gen]
    fn update(&mut self) {
        self.z.next = self.done.val() >> 1;
        // Literal offsets: a bit index computed from the loop variable is not emitted.
        self.chunk[0].next = self.z.val().get_bits::<CHUNK_BITS>(0);
        self.chunk[1].next = self.z.val().get_bits::<CHUNK_BITS>(16);
        self.chunk[2].next = self.z.val().get_bits::<CHUNK_BITS>(32);
        self.chunk[3].next = self.z.val().get_bits::<CHUNK_BITS>(48);
        for c in 0..4 {
            self.y[c].next = !self.chunk[c].val() & (self.chunk[c].val() + self.one.val());
            self.count[c].next = self.chunk_base[c].val();
            for b in 0..CHUNK_INDEX_BITS {
                if (self.y[c].val() & self.index_masks[b].val()) != 0 {
                    self.count[c].next = self.count[c].val() | self.weight[b].val();
                }
            }
        }
        // Chunk 3 has bit 63 clear, so it is never all ones.
        self.tz.next = self.count[3].val();
        if self.chunk[2].val() != self.all_ones.val() {
            self.tz.next = self.count[2].val();
        }
        if self.chunk[1].val() != self.all_ones.val() {
            self.tz.next = self.count[1].val();
        }
        if self.chunk[0].val() != self.all_ones.val() {
            self.tz.next = self.count[0].val();
        }
    }
}

/// [`SlideCount`] registered: `tz` is the count of the `done` of the clock before (0 after
/// `clear`). For a pipeline that knows the window a mark will see a clock before the mark; the
/// register inside also means a parent that computes `done` and reads `tz` in one `update` has
/// no combinational loop through a child for Verilator to flag.
#[derive(LogicBlock, Debug)]
pub struct SlideCountReg {
    pub clock: Signal<In, Clock>,
    /// Bit 0 clear.
    pub done: Signal<In, Bits<64>>,
    /// Count 0 instead (the window is being cleared: COMMIT, reset).
    pub clear: Signal<In, Bit>,
    pub tz: Signal<Out, Bits<SLIDE_BITS>>,
    count: SlideCount,
    r_tz: DFF<Bits<SLIDE_BITS>>,
}

impl SlideCountReg {
    pub fn new() -> SlideCountReg {
        SlideCountReg {
            clock: Default::default(),
            done: Default::default(),
            clear: Default::default(),
            tz: Default::default(),
            count: SlideCount::new(),
            r_tz: Default::default(),
        }
    }
}

impl Default for SlideCountReg {
    fn default() -> SlideCountReg {
        SlideCountReg::new()
    }
}

impl Logic for SlideCountReg {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, r_tz);
        // Straight from the port (no local in between: see the UNOPTFLAT note in the docs).
        self.count.done.next = self.done.val();
        self.r_tz.d.next = self.count.tz.val();
        if self.clear.val() {
            self.r_tz.d.next = 0.into();
        }
        self.tz.next = self.r_tz.q.val();
    }
}

/// Where `seq` falls relative to a window's `base`, combinational: `d = seq - base` (mod 2^32),
/// `behind` (`d` >= 2^31), `in_window` (`d` < the export's `window`), `at_base` (`d` = 0) and
/// `offset` (`d`'s low bits: all of it when `in_window`, since `window` <= 64).
///
/// It needs the base alone, not `done`, so the decision computes it beside its other checks and
/// the stage after hands [`WindowNext`] only the registered `at_base` and `offset`: the 32-bit
/// subtract and its compares are then not on the clock that writes the window back.
#[derive(LogicBlock, Debug)]
pub struct WindowOffset {
    pub seq: Signal<In, Bits<32>>,
    pub base: Signal<In, Bits<32>>,
    pub behind: Signal<Out, Bit>,
    pub in_window: Signal<Out, Bit>,
    pub at_base: Signal<Out, Bit>,
    pub offset: Signal<Out, Bits<INDEX_BITS>>,

    /// The window size, compared with `d`'s low bits only (`window` <= 64).
    window: Constant<Bits<7>>,
    d: Signal<Local, Bits<32>>,
    d_low: Signal<Local, Bits<7>>,
}

impl WindowOffset {
    /// # Panics
    /// If `params` are invalid.
    pub fn new(params: Params) -> WindowOffset {
        params.validate().expect("valid parameters");
        WindowOffset {
            seq: Default::default(),
            base: Default::default(),
            behind: Default::default(),
            in_window: Default::default(),
            at_base: Default::default(),
            offset: Default::default(),
            window: Constant::new(params.window.to_bits()),
            d: Default::default(),
            d_low: Default::default(),
        }
    }
}

impl Logic for WindowOffset {
    #[hdl_gen]
    fn update(&mut self) {
        // Few levels after the subtract's carry: the window test is a zero test on `d`'s high bits
        // and a small compare on its low ones; `at_base` compares the inputs, beside the subtract.
        self.d.next = self.seq.val() - self.base.val();
        self.behind.next = self.d.val().get_bit(31);
        self.d_low.next = bit_cast::<7, INDEX_BITS>(self.d.val().get_bits::<INDEX_BITS>(0));
        self.in_window.next = (self.d.val().get_bits::<26>(6) == 0) & (self.d_low.val() < self.window.val());
        self.at_base.next = self.seq.val() == self.base.val();
        self.offset.next = self.d.val().get_bits::<INDEX_BITS>(0);
    }
}

/// The next window after a mark (when `mark`), combinational, given the window's slide count `tz`
/// ([`SlideCount`] of `done`) and the marked fragment's place ([`WindowOffset`]), both computed a
/// clock earlier. `mark` must be clear unless the fragment is in the window.
#[derive(LogicBlock, Debug)]
pub struct WindowNext {
    pub base: Signal<In, Bits<32>>,
    /// Bit 0 clear (see [`SlideCount`]).
    pub done: Signal<In, Bits<64>>,
    /// [`SlideCount`] of `done`.
    pub tz: Signal<In, Bits<SLIDE_BITS>>,
    /// Mark the fragment at `offset` final; when clear the window passes through unchanged.
    pub mark: Signal<In, Bit>,
    /// [`WindowOffset::at_base`]: the mark slides the window.
    pub at_base: Signal<In, Bit>,
    /// [`WindowOffset::offset`]: the `done` bit to set otherwise.
    pub offset: Signal<In, Bits<INDEX_BITS>>,
    pub next_base: Signal<Out, Bits<32>>,
    pub next_done: Signal<Out, Bits<64>>,

    one: Constant<Bits<64>>,
    /// `done >> 1`.
    z: Signal<Local, Bits<64>>,
}

impl WindowNext {
    pub fn new() -> WindowNext {
        WindowNext {
            base: Default::default(),
            done: Default::default(),
            tz: Default::default(),
            mark: Default::default(),
            at_base: Default::default(),
            offset: Default::default(),
            next_base: Default::default(),
            next_done: Default::default(),
            one: Constant::new(1u64.to_bits()),
            z: Default::default(),
        }
    }
}

impl Default for WindowNext {
    fn default() -> WindowNext {
        WindowNext::new()
    }
}

impl Logic for WindowNext {
    #[hdl_gen]
    fn update(&mut self) {
        self.z.next = self.done.val() >> 1;
        self.next_base.next = self.base.val();
        self.next_done.next = self.done.val();
        if self.mark.val() {
            if self.at_base.val() {
                self.next_base.next = self.base.val() + 1 + bit_cast::<32, SLIDE_BITS>(self.tz.val());
                self.next_done.next = self.z.val() >> self.tz.val();
            } else {
                self.next_done.next = self.done.val() | (self.one.val() << self.offset.val());
            }
        }
    }
}

/// One tenant's window in registers ([`SlideCount`], [`WindowOffset`] and [`WindowNext`] in one
/// clock). Per clock: `reset` (base 0), else `load` (a tenant COMMIT: base `load_base`, nothing
/// done), else `mark` `seq` (nothing when it is outside the window). `base` and `done` are the
/// registers.
#[derive(LogicBlock, Debug)]
pub struct Window {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high.
    pub reset: Signal<In, Bit>,
    pub load: Signal<In, Bit>,
    pub load_base: Signal<In, Bits<32>>,
    pub mark: Signal<In, Bit>,
    pub seq: Signal<In, Bits<32>>,
    pub base: Signal<Out, Bits<32>>,
    pub done: Signal<Out, Bits<64>>,
    slide: SlideCount,
    place: WindowOffset,
    next: WindowNext,
    r_base: DFF<Bits<32>>,
    r_done: DFF<Bits<64>>,
}

impl Window {
    /// # Panics
    /// If `params` are invalid.
    pub fn new(params: Params) -> Window {
        Window {
            clock: Default::default(),
            reset: Default::default(),
            load: Default::default(),
            load_base: Default::default(),
            mark: Default::default(),
            seq: Default::default(),
            base: Default::default(),
            done: Default::default(),
            slide: SlideCount::new(),
            place: WindowOffset::new(params),
            next: WindowNext::new(),
            r_base: Default::default(),
            r_done: Default::default(),
        }
    }
}

impl Logic for Window {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, r_base, r_done);
        self.next.base.next = self.r_base.q.val();
        self.next.done.next = self.r_done.q.val();
        self.slide.done.next = self.r_done.q.val();
        self.next.tz.next = self.slide.tz.val();
        self.place.seq.next = self.seq.val();
        self.place.base.next = self.r_base.q.val();
        self.next.mark.next = self.mark.val() & self.place.in_window.val();
        self.next.at_base.next = self.place.at_base.val();
        self.next.offset.next = self.place.offset.val();
        self.r_base.d.next = self.next.next_base.val();
        self.r_done.d.next = self.next.next_done.val();
        if self.load.val() {
            self.r_base.d.next = self.load_base.val();
            self.r_done.d.next = 0.into();
        }
        if self.reset.val() {
            self.r_base.d.next = 0.into();
            self.r_done.d.next = 0.into();
        }
        self.base.next = self.r_base.q.val();
        self.done.next = self.r_done.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, tick, verilator_lint, yosys_check};
    use aggnic_spec::model::{Core, TenantEntry};
    use aggnic_spec::regs;
    use aggnic_spec::wire::{Addressing, Frame, Header, Kind};

    fn params(window: u32) -> Params {
        Params {
            window,
            ..Params::DEFAULT
        }
    }

    fn release(core: &mut Core, t: u8, seq: u32) {
        let header = Header {
            kind: Kind::Release,
            flags: 0,
            tenant: t,
            worker: 0,
            elements: 0,
            seq,
            salt: 0,
            key_or_bitmap: 0,
        };
        let frame = Frame {
            addr: Addressing::between(1, 2, regs::DEFAULT_UDP_PORT),
            header,
            payload: vec![],
        };
        core.tx(&frame.encode());
    }

    fn commit(core: &mut Core, t: u8, base: u32) {
        let entry = TenantEntry {
            enable: true,
            quota: 1,
            mask: 1,
            key: 0,
            window_base: base,
        };
        core.configure_tenant(t, entry);
    }

    /// The block and the model side by side: one tenant of the model, one `Window`.
    struct Pair {
        uut: Window,
        core: Core,
        t: u8,
        /// Marks that slid the window by 64 (everything final).
        full_slides: u32,
    }

    impl Pair {
        fn new(window: u32, t: u8) -> Pair {
            let mut uut = Window::new(params(window));
            uut.connect_all();
            uut.reset.next = true;
            tick(&mut uut, |u| &mut u.clock);
            uut.reset.next = false;
            let core = Core::new(params(window));
            let pair = Pair {
                uut,
                core,
                t,
                full_slides: 0,
            };
            pair.compare("after reset");
            pair
        }

        fn model(&self) -> (u32, u64) {
            let t = self.core.tenant(self.t).expect("tenant in the table");
            (t.base, t.done)
        }

        fn compare(&self, what: &str) {
            let hw = (self.uut.base.val().to_u32(), self.uut.done.val().to_u64());
            let (base, done) = self.model();
            assert_eq!(
                hw,
                (base, done),
                "{what}: hw base {:#x} done {:#x}, model base {base:#x} done {done:#x}",
                hw.0,
                hw.1
            );
        }

        fn clock(&mut self, load: Option<u32>, mark: Option<u32>, garbage: u32) {
            self.uut.load.next = load.is_some();
            self.uut.load_base.next = load.unwrap_or(garbage).to_bits();
            self.uut.mark.next = mark.is_some();
            self.uut.seq.next = mark.unwrap_or(garbage).to_bits();
            tick(&mut self.uut, |u| &mut u.clock);
        }

        fn release(&mut self, seq: u32) {
            let before = self.model();
            release(&mut self.core, self.t, seq);
            self.clock(None, Some(seq), 0);
            if self.model().0 == before.0.wrapping_add(64) {
                self.full_slides += 1;
            }
            self.compare(&format!(
                "release {seq:#x} from base {:#x} done {:#x}",
                before.0, before.1
            ));
        }

        fn commit(&mut self, base: u32) {
            commit(&mut self.core, self.t, base);
            self.clock(Some(base), None, 0);
            self.compare(&format!("commit base {base:#x}"));
        }
    }

    fn random_run(window: u32, seed: u64, steps: u32) -> Pair {
        let mut rng = Rng::new(seed);
        let mut pair = Pair::new(window, 3);
        pair.commit(u32::MAX - 2);
        let w = u64::from(window);
        let mut slides = 0;
        for _ in 0..steps {
            let base = pair.model().0;
            match rng.below(100) {
                0..=2 => pair.commit(match rng.below(3) {
                    0 => 0,
                    1 => u32::MAX - rng.below(w + 2) as u32,
                    _ => rng.next_u64() as u32,
                }),
                3..=7 => {
                    // An idle clock: whatever is on `seq` and `load_base` must not matter.
                    pair.clock(None, None, rng.next_u64() as u32);
                    pair.compare("idle clock");
                }
                8..=27 => pair.release(base),
                28..=84 => pair.release(base.wrapping_add(rng.below(w) as u32)),
                85..=92 => pair.release(base.wrapping_add((w + rng.below(4)) as u32)),
                93..=97 => pair.release(base.wrapping_sub(1 + rng.below(4) as u32)),
                _ => pair.release(rng.next_u64() as u32),
            }
            if pair.model().0 != base {
                slides += 1;
            }
        }
        assert!(slides > steps / 10, "the window slid {slides} times");
        pair
    }

    #[test]
    fn matches_model_mark_done_on_random_releases() {
        let start = std::time::Instant::now();
        for (window, seed) in [
            (64, 0x3d0e_0001),
            (5, 0x3d0e_0002),
            (1, 0x3d0e_0003),
            (33, 0x3d0e_0004),
        ] {
            random_run(window, seed, 1500);
        }
        eprintln!("window: 4 x 1500 steps in {:?}", start.elapsed());
    }

    #[test]
    fn a_full_window_slides_by_its_width() {
        // Every fragment but the base final, then the base: the window moves by `window` at once,
        // including the 64-bit case where `done` is all ones before the shift.
        let mut rng = Rng::new(0x3d0e_0005);
        for window in [64, 7, 1] {
            for start in [0, u32::MAX - 10, 0x1234_5678] {
                let mut pair = Pair::new(window, 0);
                pair.commit(start);
                let mut order: Vec<u32> = (1..window).collect();
                for i in (1..order.len()).rev() {
                    order.swap(i, rng.below(i as u64 + 1) as usize);
                }
                for d in order {
                    pair.release(start.wrapping_add(d));
                }
                pair.release(start);
                assert_eq!(pair.model(), (start.wrapping_add(window), 0));
                if window == 64 {
                    assert_eq!(pair.full_slides, 1);
                }
            }
        }
    }

    #[test]
    fn outputs_are_registered_and_reset() {
        let mut pair = Pair::new(64, 0);
        pair.commit(100);
        pair.uut.load.next = false;
        pair.uut.mark.next = true;
        pair.uut.seq.next = 100u32.to_bits();
        settle(&mut pair.uut);
        assert_eq!(
            pair.uut.base.val().to_u32(),
            100,
            "base must not move before the edge"
        );
        tick(&mut pair.uut, |u| &mut u.clock);
        assert_eq!(pair.uut.base.val().to_u32(), 101);
        pair.uut.mark.next = false;
        pair.uut.reset.next = true;
        pair.uut.load.next = true;
        tick(&mut pair.uut, |u| &mut u.clock);
        assert_eq!(
            (pair.uut.base.val().to_u32(), pair.uut.done.val().to_u64()),
            (0, 0),
            "reset wins over load"
        );
    }

    #[test]
    fn slide_count_is_the_trailing_ones_above_bit_0() {
        let mut uut = SlideCountReg::new();
        uut.connect_all();
        uut.clear.next = false;
        let mut rng = Rng::new(0x3d0e_0006);
        let mut seen = [false; 64];
        let mut last = 0;
        for i in 0..4000u32 {
            // Runs of ones of every length from bit 1, then random bits above.
            let run = rng.below(64) as u32;
            let ones = if run == 0 { 0 } else { u64::MAX >> (64 - run) };
            let above = if i % 4 == 0 {
                0
            } else {
                rng.next_u64() << (run + 1).min(63)
            };
            let done = ((ones << 1) | if run < 63 { above & !(1u64 << (run + 1)) } else { 0 }) & !1;
            uut.done.next = done.to_bits();
            settle(&mut uut);
            assert_eq!(
                uut.tz.val().to_u32(),
                last,
                "registered: before the edge, done {done:#x}"
            );
            tick(&mut uut, |u| &mut u.clock);
            let want = (done >> 1).trailing_ones();
            assert_eq!(uut.tz.val().to_u32(), want, "done {done:#x}");
            last = want;
            if i % 16 == 0 {
                uut.clear.next = true;
                tick(&mut uut, |u| &mut u.clock);
                uut.clear.next = false;
                assert_eq!(uut.tz.val().to_u32(), 0, "clear");
                last = 0;
            }
            seen[want as usize] = true;
        }
        assert!(seen.iter().all(|s| *s), "every count 0..=63");
    }

    #[test]
    fn offset_is_seq_minus_base() {
        let p = params(33);
        let mut uut = WindowOffset::new(p);
        uut.connect_all();
        let mut rng = Rng::new(0x3d0e_0007);
        let mut seen = [0u32; 4];
        for _ in 0..4000 {
            let base = rng.next_u64() as u32;
            let d = match rng.below(4) {
                0 => 0,
                1 => rng.below(40) as u32,
                2 => 0u32.wrapping_sub(1 + rng.below(40) as u32),
                _ => rng.next_u64() as u32,
            };
            let seq = base.wrapping_add(d);
            uut.seq.next = seq.to_bits();
            uut.base.next = base.to_bits();
            settle(&mut uut);
            let got = (
                uut.behind.val(),
                uut.in_window.val(),
                uut.at_base.val(),
                uut.offset.val().to_u32(),
            );
            let want = (d >= 1 << 31, d < p.window, d == 0, d % 64);
            assert_eq!(got, want, "seq {seq:#x} base {base:#x}");
            // At the base, in the window above it, behind, ahead of the window.
            let class = if d == 0 {
                0
            } else if want.1 {
                1
            } else if want.0 {
                2
            } else {
                3
            };
            seen[class] += 1;
        }
        assert!(seen.iter().all(|n| *n > 200), "coverage: {seen:?}");
    }

    #[test]
    fn synthesizes() {
        let v = yosys_check("aggnic_hdl_slide_count", &mut SlideCountReg::new());
        verilator_lint("aggnic_hdl_slide_count_lint", &v, &["WIDTH", "DECLFILENAME"]);
        let v = yosys_check(
            "aggnic_hdl_window_offset",
            &mut WindowOffset::new(Params::DEFAULT),
        );
        verilator_lint("aggnic_hdl_window_offset_lint", &v, &["WIDTH"]);
        let v = yosys_check("aggnic_hdl_window_next", &mut WindowNext::new());
        verilator_lint("aggnic_hdl_window_next_lint", &v, &["WIDTH"]);
        let v = yosys_check("aggnic_hdl_window", &mut Window::new(Params::DEFAULT));
        // UNUSEDSIGNAL: the window's `behind` (the decision's duplicate test; a mark ignores it).
        verilator_lint(
            "aggnic_hdl_window_lint",
            &v,
            &["WIDTH", "DECLFILENAME", "UNUSEDSIGNAL"],
        );
    }
}
