//! `LaneStore<L, A>`: the sum RAM (slots x B beats x `L` int32 lanes) with a per-beat
//! read-modify-write that sustains one payload beat per cycle, back-to-back packets for the same
//! slot included, and a read-only FLUSH path.
//!
//! A slot's sum is `B` beats (`B` = elements / lanes, rounded up); beat `k` of slot `s` lives at
//! address `s * 2^KB + k`, `KB` = ceil(log2 B), so `A` = log2(slots) + `KB` (a `B` that is not a
//! power of two leaves `2^KB - B` words per slot unused). The RAM is `L` `BlockRam`s of 32 bits,
//! one per lane (a const-generic block cannot name a `Bits<{32 * L}>`).
//!
//! Pipeline (a beat presented at cycle `N`; a write commits at the edge that ends its cycle):
//! - `N`: the beat (`claim` or `add`, `slot`, `beat`, `lanes`), or the FLUSH sequencer's read, picks
//!   the address; the RAM reads at the end of `N`.
//! - `N + 1`: the RAM output is registered (`ram_q`, straight off the RAM so that a BRAM output
//!   register can absorb it; no logic between).
//! - `N + 2`: the operand is `ram_q`, or the newest in-flight write to the same address: the write of
//!   cycle `N + 1` (`d1`, the previous beat's result) or of cycle `N` (`d2`), which the RAM read at
//!   the end of `N` did not see (at the edge of the write itself its answer is undefined:
//!   `BlockRam`). Then `claim`: the new word is `lanes`; `add`: `saturating_lanes` of the
//!   operand and `lanes` (the model's `saturating_add` per lane); a FLUSH read: the operand. A claim
//!   or add writes the new word to the RAM at the end of `N + 2` (the adder feeds the write port
//!   directly), and registers it in `d1`.
//! - `N + 3`: `out_valid`, `out_sum` (the new word, what a completing packet's RESULT carries, or
//!   the word a FLUSH read), `out_overflow` (the word's sticky saturation bit: some
//!   lane saturated in an add since the word's claim; the OR over a slot's beats is the slot's
//!   OVERFLOW), `out_flush`, `out_addr`. These are the `d1` registers (`out_overflow` the OR of
//!   two: the bit before the add and the add's saturation, which the sticky RAM takes here).
//!
//! A beat with neither `claim` nor `add` (a forwarded or dropped packet, a header cycle) does
//! nothing and produces no output. Same-address beats may follow each other every cycle (`d1`), or
//! two cycles apart (`d2`); farther apart, the RAM has the write. So nothing stalls on a hazard.
//!
//! FLUSH: `flush` with `flush_slot` for one cycle starts `B` reads of the slot's beats, one per
//! cycle from that cycle on, through the same pipeline (forwarded like an add, so a FLUSH right
//! behind the slot's last join reads the joined sum); they come out with `out_flush`. The reads take
//! the RAM's address port: `ready` is low while they run (the cycle of `flush` and the `B - 1`
//! after it), and a `claim`/`add` presented while `ready` is low is lost; the receive path holds its
//! beat (a stall of `B` cycles per FLUSH, which is rare and counted by the caller). A `flush` while
//! one runs is ignored. The sums of a freed slot are not cleared: the next claim overwrites them.
//!
//! Without forwarding ([`LaneStore::unforwarded`], a constant: synthesis removes the compares and
//! the select) the operand is always `ram_q`: for a consumer that never presents an address (a
//! beat or a FLUSH's read) in the two cycles after a write to it. The core is one: its ops that
//! touch slots are issued three clocks apart and a packet's beats have distinct addresses.
//!
//! `reset` (synchronous) cancels the beats in flight and a running FLUSH; the RAM is not cleared
//! (never read before a claim writes it).
//!
//! Resources: `2^A x L x 32` RAM bits; registers: two copies of the input lanes, `ram_q`, `d1`, `d2`
//! (5 x `L` x 32 bits), addresses and flags.

use crate::block_ram::BlockRam;
use crate::saturating_lanes::SaturatingLanes;
use aggnic_spec::model::Params;
use rust_hdl::prelude::*;

/// `ceil(log2(beats))`: the address bits of the beat within a slot.
pub fn beat_bits(beats: u32) -> usize {
    assert!(beats >= 1);
    beats.next_power_of_two().trailing_zeros() as usize
}

/// Beats per slot for `params`: elements / lanes, rounded up.
pub fn beats(params: Params) -> u32 {
    params.elements.div_ceil(params.lanes)
}

/// The block: `L` lanes per beat, `A` address bits. Construct with [`LaneStore::new`] or
/// [`LaneStore::for_params`].
#[derive(LogicBlock)]
pub struct LaneStore<const L: usize, const A: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// A `claim` or `add` is taken this cycle (no FLUSH read owns the port).
    pub ready: Signal<Out, Bit>,
    /// Write `lanes` to (`slot`, `beat`).
    pub claim: Signal<In, Bit>,
    /// Add `lanes` into (`slot`, `beat`) with saturation (not `join`: a SystemVerilog keyword).
    pub add: Signal<In, Bit>,
    /// Below `2^A / 2^KB`.
    pub slot: Signal<In, Bits<A>>,
    /// Below `B`.
    pub beat: Signal<In, Bits<A>>,
    pub lanes: [Signal<In, Bits<32>>; L],
    /// Start reading `flush_slot`'s `B` beats.
    pub flush: Signal<In, Bit>,
    pub flush_slot: Signal<In, Bits<A>>,
    pub out_valid: Signal<Out, Bit>,
    pub out_flush: Signal<Out, Bit>,
    /// The RAM address of the output beat: `slot * 2^KB + beat`.
    pub out_addr: Signal<Out, Bits<A>>,
    pub out_sum: [Signal<Out, Bits<32>>; L],
    pub out_overflow: Signal<Out, Bit>,
    ram: [BlockRam<Bits<32>, A>; L],
    adder: SaturatingLanes<L>,
    // The FLUSH sequencer.
    f_busy: DFF<Bit>,
    f_slot: DFF<Bits<A>>,
    f_beat: DFF<Bits<A>>,
    // Stage N + 1.
    s1_claim: DFF<Bit>,
    s1_add: DFF<Bit>,
    s1_read: DFF<Bit>,
    s1_addr: DFF<Bits<A>>,
    s1_lanes: [DFF<Bits<32>>; L],
    // Stage N + 2.
    s2_claim: DFF<Bit>,
    s2_add: DFF<Bit>,
    s2_read: DFF<Bit>,
    s2_addr: DFF<Bits<A>>,
    s2_lanes: [DFF<Bits<32>>; L],
    ram_q: [DFF<Bits<32>>; L],
    // The result of stage N + 2, one (`d1`, also the outputs) and two (`d2`) cycles ago.
    d1_wr: DFF<Bit>,
    d1_valid: DFF<Bit>,
    d1_flush: DFF<Bit>,
    /// The address's sticky saturation bit before this beat's add, and whether the add saturated
    /// (their OR, `st_now`, is the bit after it; kept apart so the lanes' carries and their OR
    /// end at a flip-flop, not at the sticky RAM's write port: a routed critical path, 8.4 ns).
    d1_st_base: DFF<Bit>,
    d1_sat: DFF<Bit>,
    d1_addr: DFF<Bits<A>>,
    d1_data: [DFF<Bits<32>>; L],
    d2_wr: DFF<Bit>,
    d2_addr: DFF<Bits<A>>,
    d2_st: DFF<Bit>,
    /// One sticky saturation bit per word: the OR of every saturation since the word's claim.
    /// Read and written a clock after the sum RAM (read at N + 1, written at N + 3), so the same
    /// forwards cover it.
    st_ram: RAM<Bit, A>,
    d2_data: [DFF<Bits<32>>; L],
    kb: Constant<Bits<A>>,
    last_beat: Constant<Bits<A>>,
    /// `B` > 1: a FLUSH takes more than its first cycle.
    multi: Constant<Bit>,
    /// Forward the in-flight writes (see the module doc).
    forward: Constant<Bit>,
    // Stage N's choice.
    o_claim: Signal<Local, Bit>,
    o_add: Signal<Local, Bit>,
    o_read: Signal<Local, Bit>,
    o_addr: Signal<Local, Bits<A>>,
    hit1: Signal<Local, Bit>,
    hit2: Signal<Local, Bit>,
    wr: Signal<Local, Bit>,
    opnd: [Signal<Local, Bits<32>>; L],
    word: [Signal<Local, Bits<32>>; L],
    opnd_st: Signal<Local, Bit>,
    word_st_base: Signal<Local, Bit>,
    st_now: Signal<Local, Bit>,
}

impl<const L: usize, const A: usize> std::fmt::Debug for LaneStore<L, A> {
    // rust-hdl's `RAM` is not `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaneStore")
            .field("lanes", &L)
            .field("addr_bits", &A)
            .finish_non_exhaustive()
    }
}

fn array<T: Default, const N: usize>() -> [T; N] {
    std::array::from_fn(|_| Default::default())
}

impl<const L: usize, const A: usize> LaneStore<L, A> {
    /// `beats` (`B`) beats per slot, `2^(A - KB)` slots.
    ///
    /// # Panics
    /// If `beats` is 0 or needs more than `A` address bits.
    pub fn new(beats: u32) -> LaneStore<L, A> {
        let kb = beat_bits(beats);
        assert!(
            kb <= A && A <= 32,
            "{beats} beats need {kb} of the {A} address bits"
        );
        LaneStore {
            clock: Default::default(),
            reset: Default::default(),
            ready: Default::default(),
            claim: Default::default(),
            add: Default::default(),
            slot: Default::default(),
            beat: Default::default(),
            lanes: array(),
            flush: Default::default(),
            flush_slot: Default::default(),
            out_valid: Default::default(),
            out_flush: Default::default(),
            out_addr: Default::default(),
            out_sum: array(),
            out_overflow: Default::default(),
            ram: array(),
            adder: SaturatingLanes::default(),
            f_busy: Default::default(),
            f_slot: Default::default(),
            f_beat: Default::default(),
            s1_claim: Default::default(),
            s1_add: Default::default(),
            s1_read: Default::default(),
            s1_addr: Default::default(),
            s1_lanes: array(),
            s2_claim: Default::default(),
            s2_add: Default::default(),
            s2_read: Default::default(),
            s2_addr: Default::default(),
            s2_lanes: array(),
            ram_q: array(),
            d1_wr: Default::default(),
            d1_valid: Default::default(),
            d1_flush: Default::default(),
            d1_st_base: Default::default(),
            d1_sat: Default::default(),
            d1_addr: Default::default(),
            d1_data: array(),
            d2_wr: Default::default(),
            d2_addr: Default::default(),
            d2_st: Default::default(),
            st_ram: Default::default(),
            d2_data: array(),
            kb: Constant::new((kb as u64).to_bits()),
            last_beat: Constant::new(u64::from(beats - 1).to_bits()),
            multi: Constant::new(beats > 1),
            forward: Constant::new(true),
            o_claim: Default::default(),
            o_add: Default::default(),
            o_read: Default::default(),
            o_addr: Default::default(),
            hit1: Default::default(),
            hit2: Default::default(),
            wr: Default::default(),
            opnd: array(),
            opnd_st: Default::default(),
            word_st_base: Default::default(),
            st_now: Default::default(),
            word: array(),
        }
    }

    /// The geometry of `params`: `L` = lanes, `A` = log2(slots) + ceil(log2(elements / lanes)).
    ///
    /// # Panics
    /// If `L` or `A` do not match `params`.
    pub fn for_params(params: Params) -> LaneStore<L, A> {
        params.validate().expect("valid parameters");
        assert_eq!(params.lanes as usize, L, "lanes");
        let b = beats(params);
        assert_eq!(
            params.slots.trailing_zeros() as usize + beat_bits(b),
            A,
            "address bits for {} slots x {b} beats",
            params.slots
        );
        LaneStore::new(b)
    }

    /// [`LaneStore::for_params`] without forwarding (see the module doc).
    ///
    /// # Panics
    /// If `L` or `A` do not match `params`.
    pub fn unforwarded(params: Params) -> LaneStore<L, A> {
        let mut s = LaneStore::for_params(params);
        s.forward = Constant::new(false);
        s
    }
}

impl<const L: usize, const A: usize> Logic for LaneStore<L, A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, f_busy, f_slot, f_beat, s1_claim, s1_add, s1_read, s1_addr, s2_claim, s2_add,
            s2_read, s2_addr, d1_wr, d1_valid, d1_flush, d1_st_base, d1_sat, d1_addr, d2_wr, d2_addr, d2_st
        );
        for i in 0..L {
            self.ram[i].read_clock.next = self.clock.val();
            self.ram[i].write_clock.next = self.clock.val();
            self.s1_lanes[i].clock.next = self.clock.val();
            self.s2_lanes[i].clock.next = self.clock.val();
            self.ram_q[i].clock.next = self.clock.val();
            self.d1_data[i].clock.next = self.clock.val();
            self.d2_data[i].clock.next = self.clock.val();
        }

        // Stage N: the beat, or the FLUSH sequencer's read.
        self.o_claim.next = self.claim.val();
        self.o_add.next = self.add.val();
        self.o_read.next = false;
        self.o_addr.next = (self.slot.val() << self.kb.val()) | self.beat.val();
        self.f_beat.d.next = self.f_beat.q.val() + 1;
        if self.f_busy.q.val() {
            self.o_claim.next = false;
            self.o_add.next = false;
            self.o_read.next = true;
            self.o_addr.next = (self.f_slot.q.val() << self.kb.val()) | self.f_beat.q.val();
            if self.f_beat.q.val() == self.last_beat.val() {
                self.f_busy.d.next = false;
            }
        } else if self.flush.val() {
            self.o_claim.next = false;
            self.o_add.next = false;
            self.o_read.next = true;
            self.o_addr.next = self.flush_slot.val() << self.kb.val();
            self.f_slot.d.next = self.flush_slot.val();
            self.f_beat.d.next = 1.into();
            self.f_busy.d.next = self.multi.val();
        }
        if self.reset.val() {
            self.o_claim.next = false;
            self.o_add.next = false;
            self.o_read.next = false;
            self.f_busy.d.next = false;
        }
        self.ready.next = !self.f_busy.q.val() & !self.flush.val() & !self.reset.val();
        self.s1_claim.d.next = self.o_claim.val();
        self.s1_add.d.next = self.o_add.val();
        self.s1_read.d.next = self.o_read.val();
        self.s1_addr.d.next = self.o_addr.val();
        for i in 0..L {
            self.ram[i].read_address.next = self.o_addr.val();
            self.s1_lanes[i].d.next = self.lanes[i].val();
            // Stage N + 1: the RAM output register.
            self.ram_q[i].d.next = self.ram[i].read_data.val();
            self.s2_lanes[i].d.next = self.s1_lanes[i].q.val();
        }
        self.s2_claim.d.next = self.s1_claim.q.val();
        self.s2_add.d.next = self.s1_add.q.val();
        self.s2_read.d.next = self.s1_read.q.val();
        self.s2_addr.d.next = self.s1_addr.q.val();

        // Stage N + 2: forward, add, write.
        self.hit1.next =
            self.forward.val() & self.d1_wr.q.val() & (self.d1_addr.q.val() == self.s2_addr.q.val());
        self.hit2.next =
            self.forward.val() & self.d2_wr.q.val() & (self.d2_addr.q.val() == self.s2_addr.q.val());
        self.wr.next = self.s2_claim.q.val() | self.s2_add.q.val();
        for i in 0..L {
            self.opnd[i].next = self.ram_q[i].q.val();
            if self.hit2.val() {
                self.opnd[i].next = self.d2_data[i].q.val();
            }
            if self.hit1.val() {
                self.opnd[i].next = self.d1_data[i].q.val();
            }
            self.adder.a[i].next = self.opnd[i].val();
            self.adder.b[i].next = self.s2_lanes[i].q.val();
            self.word[i].next = self.opnd[i].val();
            if self.s2_claim.q.val() {
                self.word[i].next = self.s2_lanes[i].q.val();
            }
            if self.s2_add.q.val() {
                self.word[i].next = self.adder.sum[i].val();
            }
            self.ram[i].write_enable.next = self.wr.val();
            self.ram[i].write_address.next = self.s2_addr.q.val();
            self.ram[i].write_data.next = self.word[i].val();
            self.d1_data[i].d.next = self.word[i].val();
            self.d2_data[i].d.next = self.d1_data[i].q.val();
            // Stage N + 3: the outputs.
            self.out_sum[i].next = self.d1_data[i].q.val();
        }
        self.d1_wr.d.next = self.wr.val();
        self.d1_valid.d.next = self.wr.val() | self.s2_read.q.val();
        self.d1_flush.d.next = self.s2_read.q.val();
        self.st_ram.read_clock.next = self.clock.val();
        self.st_ram.write_clock.next = self.clock.val();
        // The sticky bit a clock behind the sums: read at the end of N + 1, written at the end of
        // N + 3 (`d1`), so a beat's read misses the writes of the two beats before it, as for the
        // sums, and `hit1`/`hit2` forward them.
        self.st_ram.read_address.next = self.s1_addr.q.val();
        self.st_now.next = self.d1_st_base.q.val() | self.d1_sat.q.val();
        self.opnd_st.next = self.st_ram.read_data.val();
        if self.hit2.val() {
            self.opnd_st.next = self.d2_st.q.val();
        }
        if self.hit1.val() {
            self.opnd_st.next = self.st_now.val();
        }
        self.word_st_base.next = self.opnd_st.val();
        if self.s2_claim.q.val() {
            self.word_st_base.next = false;
        }
        self.d1_st_base.d.next = self.word_st_base.val();
        self.d1_sat.d.next = self.s2_add.q.val() & self.adder.overflow.val();
        self.st_ram.write_enable.next = self.d1_wr.q.val();
        self.st_ram.write_address.next = self.d1_addr.q.val();
        self.st_ram.write_data.next = self.st_now.val();
        self.d2_st.d.next = self.st_now.val();
        self.d1_addr.d.next = self.s2_addr.q.val();
        self.d2_wr.d.next = self.d1_wr.q.val();
        self.d2_addr.d.next = self.d1_addr.q.val();
        if self.reset.val() {
            self.s2_claim.d.next = false;
            self.s2_add.d.next = false;
            self.s2_read.d.next = false;
            self.d1_wr.d.next = false;
            self.d1_valid.d.next = false;
            self.d2_wr.d.next = false;
        }
        self.out_valid.next = self.d1_valid.q.val();
        self.out_flush.next = self.d1_flush.q.val();
        self.out_overflow.next = self.st_now.val();
        self.out_addr.next = self.d1_addr.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, tick, verilator_lint, yosys_check};
    use aggnic_spec::model::saturating_add;
    use std::collections::VecDeque;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Op {
        Claim,
        Add,
        Read,
    }

    /// The storage spec: a word per address, ops applied in the order they enter the block.
    struct Spec {
        words: Vec<Vec<i32>>,
        sticky: Vec<bool>,
    }

    impl Spec {
        /// The output of `op` on `addr`: the new (or read) word and the overflow bit.
        fn apply(&mut self, op: Op, addr: usize, lanes: &[i32]) -> (Vec<i32>, bool) {
            let w = &mut self.words[addr];
            let sticky = &mut self.sticky[addr];
            match op {
                Op::Claim => {
                    w.copy_from_slice(lanes);
                    *sticky = false;
                }
                Op::Add => {
                    for (acc, x) in w.iter_mut().zip(lanes) {
                        let (s, sat) = saturating_add(*acc, *x);
                        *acc = s;
                        *sticky |= sat;
                    }
                }
                Op::Read => {}
            }
            (w.clone(), *sticky)
        }
    }

    /// Mostly moderate values, sometimes near the int32 edges so that adds saturate.
    fn lane(rng: &mut Rng) -> i32 {
        match rng.below(100) {
            0..=5 => [i32::MAX, i32::MIN, i32::MAX - 3, i32::MIN + 3][rng.below(4) as usize],
            6..=15 => rng.next_u64() as i32,
            _ => rng.below(1 << 24) as i32 - (1 << 23),
        }
    }

    #[derive(Debug, Default)]
    struct Coverage {
        beats: u32,
        d1: u32,
        d2: u32,
        flush_beats: u32,
        flush_forwarded: u32,
        overflows: u32,
        stalls: u32,
        cycles: u32,
    }

    /// What the output must show three cycles after a beat entered.
    type Expected = Option<(Op, usize, Vec<i32>, bool)>;

    struct Bench<const L: usize, const A: usize> {
        uut: LaneStore<L, A>,
        spec: Spec,
        kb: usize,
        beats: usize,
        cycle: u32,
        /// Expected outputs of the last cycles' inputs, oldest first.
        pending: VecDeque<Expected>,
        /// (cycle, address) of the claims and adds.
        writes: VecDeque<(u32, usize)>,
        flush_left: usize,
        flush_slot: usize,
        cov: Coverage,
        /// The store forwards; without, the bench keeps every address it presents clear of the
        /// writes of the two cycles before (idle cycles first), as the core's spacing does.
        forward: bool,
    }

    impl<const L: usize, const A: usize> Bench<L, A> {
        fn new(beats: u32, forward: bool) -> Self {
            let mut uut = LaneStore::<L, A>::new(beats);
            if !forward {
                uut.forward = Constant::new(false);
            }
            uut.connect_all();
            uut.reset.next = true;
            tick(&mut uut, |u| &mut u.clock);
            uut.reset.next = false;
            Bench {
                uut,
                spec: Spec {
                    words: vec![vec![0; L]; 1 << A],
                    sticky: vec![false; 1 << A],
                },
                kb: beat_bits(beats),
                beats: beats as usize,
                cycle: 0,
                pending: VecDeque::new(),
                writes: VecDeque::new(),
                flush_left: 0,
                flush_slot: 0,
                cov: Coverage::default(),
                forward,
            }
        }

        fn slots(&self) -> usize {
            1 << (A - self.kb)
        }

        /// One clock. `beat`: a claim or add the caller wants in this cycle; `flush`: a FLUSH
        /// request. Returns whether the beat was taken (`ready`).
        fn step(&mut self, beat: Option<(Op, usize, usize, &[i32])>, flush: Option<usize>) -> bool {
            if !self.forward {
                if flush.is_some() && self.flush_left == 0 {
                    self.idle();
                    self.idle();
                }
                if let Some((_, slot, k, _)) = beat {
                    let addr = slot << self.kb | k;
                    while self.writes.iter().any(|&(c, a)| c + 2 >= self.cycle && a == addr) {
                        self.idle();
                    }
                }
            }
            let garbage_slot = self.cycle as u64 % self.slots() as u64;
            let u = &mut self.uut;
            u.flush.next = flush.is_some();
            u.flush_slot.next = flush.unwrap_or(0).to_bits();
            settle(u);
            let ready = u.ready.val();
            assert_eq!(
                ready,
                self.flush_left == 0 && flush.is_none(),
                "ready at cycle {}",
                self.cycle
            );
            if let Some(s) = flush
                && self.flush_left == 0
            {
                self.flush_left = self.beats;
                self.flush_slot = s;
            }
            let mut expected: Expected = None;
            u.claim.next = false;
            u.add.next = false;
            // Garbage on the beat inputs when they are not used.
            u.slot.next = garbage_slot.to_bits();
            u.beat.next = 0.into();
            if self.flush_left > 0 {
                let k = self.beats - self.flush_left;
                let addr = self.flush_slot << self.kb | k;
                self.flush_left -= 1;
                self.cov.flush_beats += 1;
                self.cov.stalls += u32::from(beat.is_some());
                if self.writes.iter().any(|&(c, a)| c + 2 >= self.cycle && a == addr) {
                    self.cov.flush_forwarded += 1;
                }
                let (w, o) = self.spec.apply(Op::Read, addr, &[]);
                expected = Some((Op::Read, addr, w, o));
            } else if let Some((op, slot, k, lanes)) = beat {
                let addr = slot << self.kb | k;
                u.claim.next = op == Op::Claim;
                u.add.next = op == Op::Add;
                u.slot.next = (slot as u64).to_bits();
                u.beat.next = (k as u64).to_bits();
                for (i, x) in lanes.iter().enumerate() {
                    u.lanes[i].next = (*x as u32).to_bits();
                }
                self.cov.beats += 1;
                if self.writes.iter().any(|&(c, a)| c + 1 == self.cycle && a == addr) {
                    self.cov.d1 += 1;
                } else if self.writes.iter().any(|&(c, a)| c + 2 == self.cycle && a == addr) {
                    self.cov.d2 += 1;
                }
                self.writes.push_back((self.cycle, addr));
                let (w, o) = self.spec.apply(op, addr, lanes);
                self.cov.overflows += u32::from(o);
                expected = Some((op, addr, w, o));
            }
            while self.writes.front().is_some_and(|&(c, _)| c + 2 < self.cycle) {
                self.writes.pop_front();
            }
            self.pending.push_back(expected);
            tick(&mut self.uut, |u| &mut u.clock);
            self.cycle += 1;
            if self.pending.len() == 3 {
                let want = self.pending.pop_front().expect("three entries");
                self.check(want);
            }
            ready
        }

        fn check(&self, want: Expected) {
            let u = &self.uut;
            let cycle = self.cycle;
            match want {
                None => assert!(!u.out_valid.val(), "no output at cycle {cycle}"),
                Some((op, addr, word, ovf)) => {
                    assert!(u.out_valid.val(), "{op:?} at {addr} out at cycle {cycle}");
                    assert_eq!(u.out_flush.val(), op == Op::Read, "out_flush at cycle {cycle}");
                    assert_eq!(
                        u.out_addr.val().to_u64() as usize,
                        addr,
                        "out_addr at cycle {cycle}"
                    );
                    let got: Vec<i32> = u.out_sum.iter().map(|s| s.val().to_u32() as i32).collect();
                    assert_eq!(got, word, "{op:?} at {addr}: sum at cycle {cycle}");
                    assert_eq!(
                        u.out_overflow.val(),
                        ovf,
                        "{op:?} at {addr}: overflow at cycle {cycle}"
                    );
                }
            }
        }

        fn idle(&mut self) {
            self.step(None, None);
        }

        /// Flushes every slot and checks the whole RAM against the spec.
        fn check_all(&mut self) {
            for s in 0..self.slots() {
                self.step(None, Some(s));
                for _ in 1..self.beats {
                    self.idle();
                }
            }
            for _ in 0..3 {
                self.idle();
            }
        }
    }

    /// Packets of 1..=B beats over a few hot slots, mostly back to back, sometimes with a header
    /// cycle or random idle cycles between packets and beats, some packets not stored (no op),
    /// FLUSHes at random cycles; every output beat and finally every word compared with `Spec`.
    fn random_run<const L: usize, const A: usize>(
        beats: u32,
        seed: u64,
        packets: u32,
        forward: bool,
    ) -> Coverage {
        let mut bench = Bench::<L, A>::new(beats, forward);
        let mut rng = Rng::new(seed);
        let slots = bench.slots();
        let hot: Vec<usize> = (0..3).map(|_| rng.below(slots as u64) as usize).collect();
        let mut claimed = vec![false; slots];
        for _ in 0..packets {
            let slot = if rng.chance(850) {
                hot[rng.below(3) as usize]
            } else {
                rng.below(slots as u64) as usize
            };
            let op = if !claimed[slot] || rng.chance(150) {
                Op::Claim
            } else {
                Op::Add
            };
            let stored = rng.chance(900);
            claimed[slot] |= stored;
            let n = 1 + rng.below(u64::from(beats)) as usize;
            for k in 0..n {
                let lanes: Vec<i32> = (0..L).map(|_| lane(&mut rng)).collect();
                loop {
                    let flush = (rng.chance(15)).then(|| rng.below(slots as u64) as usize);
                    let beat = stored.then_some((op, slot, k, lanes.as_slice()));
                    if bench.step(beat, flush) {
                        break;
                    }
                }
                if rng.chance(100) {
                    for _ in 0..=rng.below(2) {
                        bench.idle();
                    }
                }
            }
            match rng.below(10) {
                0..=5 => {}
                6..=8 => bench.idle(),
                _ => {
                    for _ in 0..rng.below(5) {
                        bench.idle();
                    }
                }
            }
        }
        bench.check_all();
        bench.cov.cycles = bench.cycle;
        bench.cov
    }

    #[test]
    fn back_to_back_packets_match_the_spec() {
        let start = std::time::Instant::now();
        let runs = [
            (
                "4 lanes, 8 slots x 2 beats",
                random_run::<4, 4>(2, 0x1a7e_0002, 1500, true),
            ),
            (
                "4 lanes, 8 slots x 1 beat",
                random_run::<4, 3>(1, 0x1a7e_0001, 1500, true),
            ),
            (
                "4 lanes, 8 slots x 4 beats",
                random_run::<4, 5>(4, 0x1a7e_0004, 800, true),
            ),
            (
                "4 lanes, 4 slots x 3 beats",
                random_run::<4, 4>(3, 0x1a7e_0003, 800, true),
            ),
            (
                "16 lanes, 1024 slots x 4 beats",
                random_run::<16, 12>(4, 0x1a7e_0010, 600, true),
            ),
        ];
        eprintln!("lane_store: runs in {:?}", start.elapsed());
        // Unforwarded, with the bench keeping same-address accesses three cycles apart.
        for (what, c) in [
            (
                "unforwarded, 4 lanes, 8 slots x 1 beat",
                random_run::<4, 3>(1, 0x1a7e_0101, 1500, false),
            ),
            (
                "unforwarded, 4 lanes, 8 slots x 4 beats",
                random_run::<4, 5>(4, 0x1a7e_0104, 800, false),
            ),
        ] {
            eprintln!("lane_store {what}: {c:?}");
            assert!(c.d1 == 0 && c.d2 == 0 && c.flush_forwarded == 0, "{what}: {c:?}");
            assert!(
                c.beats > 1000 && c.overflows > 5 && c.flush_beats > 20,
                "coverage {what}: {c:?}"
            );
        }
        for (what, c) in &runs {
            eprintln!("lane_store {what}: {c:?}");
            assert!(c.d1 > 5 && c.d2 > 5, "forwarding coverage {what}: {c:?}");
            assert!(
                c.overflows > 5 && c.flush_beats > 20 && c.stalls > 0,
                "coverage {what}: {c:?}"
            );
        }
        assert!(
            runs.iter().map(|r| r.1.flush_forwarded).sum::<u32>() > 5,
            "a FLUSH read behind a write"
        );
    }

    #[test]
    fn for_params_geometry() {
        assert_eq!(beats(Params::DEFAULT), 4);
        assert_eq!(beat_bits(4), 2);
        assert_eq!(beat_bits(1), 0);
        assert_eq!(beat_bits(3), 2);
        let p = Params {
            lanes: 8,
            elements: 256,
            ..Params::DEFAULT
        };
        assert_eq!((beats(p), beat_bits(beats(p))), (32, 5));
        LaneStore::<16, 12>::for_params(Params::DEFAULT);
        LaneStore::<8, 15>::for_params(p);
    }

    #[test]
    fn synthesizes() {
        let start = std::time::Instant::now();
        let v = yosys_check(
            "aggnic_hdl_lane_store_default",
            &mut LaneStore::<16, 12>::for_params(Params::DEFAULT),
        );
        // UNOPTFLAT: a false loop through the adder (see the module doc); UNUSEDSIGNAL: the adder's
        // per-lane `sat` outputs, which only their OR (`overflow`) is needed of.
        verilator_lint(
            "aggnic_hdl_lane_store_default_lint",
            &v,
            &["WIDTH", "DECLFILENAME", "UNUSEDSIGNAL", "UNOPTFLAT"],
        );
        eprintln!(
            "lane_store: yosys + verilator at 16 lanes x 1024 slots x 4 beats in {:?}, {} lines",
            start.elapsed(),
            v.lines().count()
        );
    }
}
