//! `PacketFifo`: a 64-beat packet buffer, cut-through or store-and-forward per packet.
//!
//! The core buffers every stream input and its receive output in one of these. A packet is
//! *store-and-forward* (`snf`, decided by the writer at the packet's first beat) when something
//! about it is known only at its end: an aggregation frame's length (a frame whose length
//! disagrees with its headers is malformed and must change nothing), or a RESULT's OVERFLOW flag.
//! Other packets (pass-through traffic, of any length) go through as they come.
//!
//! Write side: a [`Beat`] per cycle when `wr_ready`. An `snf` packet keeps at most `max_beats`
//! beats: later beats overwrite the last one kept (so the stored packet still ends with its
//! `last` beat) while `wr_len` keeps counting bytes; such a frame is too long and the reader
//! drops it by its length. `wr_side` is sampled with the last beat and stored with the packet's
//! first (the frame length at the input, the OVERFLOW bit at the output).
//!
//! Read side, first-word-fall-through: `rd_valid` and `rd_beat` show the oldest beat; `rd_pop`
//! takes it. `rd_first` marks a packet's first beat, `rd_side` is its packet's side word, and
//! `rd_complete` says some packet's last beat is stored and unread, which for an `snf` first beat
//! means its whole packet is here.
//!
//! Timing: a beat written at cycle `c` can be read from `c + 2` (the RAM reads at the end of
//! `c + 1`). The side word read at a first beat is forwarded from a write one cycle earlier, so
//! `rd_side` is right whenever `rd_complete` is.
//!
//! The head beat's `last` and `snf`, which the reader decides its pop on, and its byte count, from
//! which the output's `tkeep` is computed, come from a copy in a small RAM beside the beat RAM
//! (`flag_ram`: LUT RAM, as `side_ram`), not from the block RAM's output: a block RAM's
//! clock-to-out and the wire from it were 3.2 ns of the core's routed critical path. Both small
//! RAMs are kept twice, one copy read at the head (`rd_ptr`) and one at the beat after it
//! (`rd_ptr_1`), both asynchronously from flip-flops; the pop selects between the two reads in
//! front of the registers (`r_flags`, `r_side`). Read at an address chosen by the pop, they were
//! 8.6 logic levels behind the core's issue decision.
//!
//! The beat RAM's read address leaves from a flip-flop (`r_addr`), so the reader's pop, late in
//! its clock, never reaches the block RAMs: a 522-bit beat spans 15 block RAMs across the die, and
//! an address computed from the pop was the routed critical path (on the output buffer 9.4 ns, of
//! which 8.5 ns were wires from the pop logic to the RAMs; on the receive buffer 8.4 ns). The RAM
//! reads the beat *after* the head while the head is valid, and a register (`r_head`) keeps the
//! head: each clock it takes the head shown, which is the RAM's read if the last clock popped (or
//! the buffer had no head) and its own value otherwise. The pop so only decides the next address
//! register's value and one select flip-flop. (Session 14 kept the beats twice instead, one copy
//! read at the head and one at the beat after it: 15 more block RAMs and the write bus's doubled
//! fanout per buffer, where this costs 522 flip-flops and a 2:1 multiplexer per bit.)

use crate::block_ram::BlockRam;
use crate::lut_ram::LutRam;
use rust_hdl::prelude::*;

/// Beats of data the buffer holds.
pub const DEPTH_BITS: usize = 6;
pub const DEPTH: usize = 1 << DEPTH_BITS;
/// Bits of a 64-byte beat.
pub const BEAT_BITS: usize = 512;
pub const BEAT_BYTES: usize = BEAT_BITS / 8;

/// One beat of a packet. `bytes` replaces AXI4-Stream's `tkeep`: the core's streams carry
/// contiguous bytes from byte 0, all 64 except on a packet's last beat (as Corundum's do).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, LogicStruct)]
pub struct Beat {
    pub data: Bits<BEAT_BITS>,
    /// Valid bytes, 1..=64.
    pub bytes: Bits<7>,
    pub last: Bit,
    pub snf: Bit,
    /// The frame is bad (the MAC's flag, `tuser`), on its last beat; the buffer only carries it.
    pub bad: Bit,
}

#[derive(LogicBlock)]
pub struct PacketFifo {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub wr_valid: Signal<In, Bit>,
    pub wr_ready: Signal<Out, Bit>,
    /// Its `snf` counts on a packet's first beat only.
    pub wr_beat: Signal<In, Beat>,
    pub wr_side: Signal<In, Bits<16>>,
    /// Bytes of the packet so far, this beat included (saturating at 0xffff).
    pub wr_len: Signal<Out, Bits<16>>,
    pub rd_valid: Signal<Out, Bit>,
    pub rd_beat: Signal<Out, Beat>,
    pub rd_first: Signal<Out, Bit>,
    pub rd_side: Signal<Out, Bits<16>>,
    pub rd_complete: Signal<Out, Bit>,
    pub rd_pop: Signal<In, Bit>,
    /// Beats stored.
    pub count: Signal<Out, Bits<8>>,
    /// The beats, read at `r_addr`.
    ram: BlockRam<Beat, DEPTH_BITS>,
    /// The side words, read at the head; `side_ram_1`: a copy read at the beat after it.
    side_ram: LutRam<Bits<16>, DEPTH_BITS>,
    side_ram_1: LutRam<Bits<16>, DEPTH_BITS>,
    /// `last` (bit 0), `snf` (bit 1) and `bytes` (bits 8..2) of every stored beat, written
    /// with `ram`; read at the head, and (`flag_ram_1`) at the beat after it.
    flag_ram: LutRam<Bits<9>, DEPTH_BITS>,
    flag_ram_1: LutRam<Bits<9>, DEPTH_BITS>,
    /// The head's flags and side word (read at the pointer the last clock chose).
    r_flags: DFF<Bits<9>>,
    r_side: DFF<Bits<16>>,
    max_index: Constant<Bits<8>>,
    len_max: Constant<Bits<17>>,
    // Write side.
    wr_ptr: DFF<Bits<7>>,
    w_in: DFF<Bit>,
    w_snf: DFF<Bit>,
    w_index: DFF<Bits<8>>,
    /// The packet holds `max_beats` beats: a further beat of an `snf` packet overwrites the last.
    /// Registered so that the write address does not wait for the first beat's `snf` decision.
    w_full: DFF<Bit>,
    w_len: DFF<Bits<16>>,
    w_head: DFF<Bits<7>>,
    /// The side write of the last cycle, for the read-side forward.
    s1_en: DFF<Bit>,
    s1_addr: DFF<Bits<7>>,
    s1_data: DFF<Bits<16>>,
    // Read side.
    rd_ptr: DFF<Bits<7>>,
    /// `rd_ptr + 1`, registered with it.
    rd_ptr_1: DFF<Bits<7>>,
    /// The beat RAM's read address: the beat after the head while there is a head, else the head.
    r_addr: DFF<Bits<7>>,
    /// The head is the RAM's read (last clock popped, or had no head), not `r_head`.
    r_from_ram: DFF<Bit>,
    /// The head beat shown last clock.
    r_head: DFF<Beat>,
    head_valid: DFF<Bit>,
    r_in: DFF<Bit>,
    done_pkts: DFF<Bits<8>>,
    /// `done_pkts != 0`, registered with it (`rd_complete` leaves from a flip-flop).
    r_complete: DFF<Bit>,
    // Locals.
    used: Signal<Local, Bits<7>>,
    accept: Signal<Local, Bit>,
    first: Signal<Local, Bit>,
    snf_now: Signal<Local, Bit>,
    index: Signal<Local, Bits<8>>,
    over: Signal<Local, Bit>,
    full: Signal<Local, Bit>,
    waddr: Signal<Local, Bits<7>>,
    head: Signal<Local, Bits<7>>,
    len_sum: Signal<Local, Bits<17>>,
    len_now: Signal<Local, Bits<16>>,
    stored: Signal<Local, Beat>,
    pop_last: Signal<Local, Bit>,
    /// The head beat's flags, out of `flag_ram`.
    head_last: Signal<Local, Bit>,
    head_snf: Signal<Local, Bit>,
    next_ptr: Signal<Local, Bits<7>>,
    next_valid: Signal<Local, Bit>,
    head_beat: Signal<Local, Beat>,
}

impl std::fmt::Debug for PacketFifo {
    // rust-hdl's `RAM` is not `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacketFifo").finish_non_exhaustive()
    }
}

impl PacketFifo {
    /// `max_beats`: the most beats an `snf` packet keeps, 2 to `DEPTH - 1`. Not 1: the overwritten
    /// beat would be the packet's first, which the reader sees a clock before the last write to it
    /// is readable (`rd_complete` counts the last beat a clock after it is written; the RAM shows
    /// it two clocks after). Not `DEPTH`: a full buffer takes no beat, not even an overwrite, and
    /// the reader waits for the packet's end.
    pub fn new(max_beats: usize) -> PacketFifo {
        assert!((2..DEPTH).contains(&max_beats), "2..{DEPTH} beats");
        PacketFifo {
            clock: Default::default(),
            reset: Default::default(),
            wr_valid: Default::default(),
            wr_ready: Default::default(),
            wr_beat: Default::default(),
            wr_side: Default::default(),
            wr_len: Default::default(),
            rd_valid: Default::default(),
            rd_beat: Default::default(),
            rd_first: Default::default(),
            rd_side: Default::default(),
            rd_complete: Default::default(),
            rd_pop: Default::default(),
            count: Default::default(),
            ram: Default::default(),
            side_ram: Default::default(),
            side_ram_1: Default::default(),
            flag_ram: Default::default(),
            flag_ram_1: Default::default(),
            r_flags: Default::default(),
            r_side: Default::default(),
            max_index: Constant::new((max_beats as u64 - 1).to_bits()),
            len_max: Constant::new(0xffffu64.to_bits()),
            wr_ptr: Default::default(),
            w_in: Default::default(),
            w_snf: Default::default(),
            w_index: Default::default(),
            w_full: Default::default(),
            w_len: Default::default(),
            w_head: Default::default(),
            s1_en: Default::default(),
            s1_addr: Default::default(),
            s1_data: Default::default(),
            rd_ptr: Default::default(),
            rd_ptr_1: Default::default(),
            r_addr: Default::default(),
            r_from_ram: Default::default(),
            r_head: Default::default(),
            head_valid: Default::default(),
            r_in: Default::default(),
            done_pkts: Default::default(),
            r_complete: Default::default(),
            used: Default::default(),
            accept: Default::default(),
            first: Default::default(),
            snf_now: Default::default(),
            index: Default::default(),
            over: Default::default(),
            full: Default::default(),
            waddr: Default::default(),
            head: Default::default(),
            len_sum: Default::default(),
            len_now: Default::default(),
            stored: Default::default(),
            pop_last: Default::default(),
            head_last: Default::default(),
            head_snf: Default::default(),
            next_ptr: Default::default(),
            next_valid: Default::default(),
            head_beat: Default::default(),
        }
    }
}

impl Logic for PacketFifo {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, wr_ptr, w_in, w_snf, w_index, w_full, w_len, w_head, s1_en, s1_addr, s1_data,
            rd_ptr, rd_ptr_1, r_addr, r_from_ram, r_head, head_valid, r_in, done_pkts, r_complete, r_flags,
            r_side
        );
        self.ram.read_clock.next = self.clock.val();
        self.ram.write_clock.next = self.clock.val();
        self.side_ram.write_clock.next = self.clock.val();
        self.side_ram_1.write_clock.next = self.clock.val();
        self.flag_ram.write_clock.next = self.clock.val();
        self.flag_ram_1.write_clock.next = self.clock.val();

        // Write side.
        // Pointer arithmetic in a 7-bit local: Verilog would compute `wr - rd` at the width of the
        // literal it is compared with and lose the wrap.
        self.used.next = self.wr_ptr.q.val() - self.rd_ptr.q.val();
        self.count.next = bit_cast::<8, 7>(self.used.val());
        // Full (`used == DEPTH`) as a pointer compare, not through the subtraction's carry chain:
        // the write enables of every RAM hang on it (a routed critical path, 8.3 ns).
        self.full.next = (self.wr_ptr.q.val() ^ self.rd_ptr.q.val()) == 0x40;
        self.wr_ready.next = !self.full.val();
        self.accept.next = self.wr_valid.val() & !self.full.val();
        self.first.next = !self.w_in.q.val();
        self.snf_now.next = self.w_snf.q.val();
        self.index.next = self.w_index.q.val();
        self.head.next = self.w_head.q.val();
        self.len_sum.next =
            bit_cast::<17, 16>(self.w_len.q.val()) + bit_cast::<17, 7>(self.wr_beat.val().bytes);
        if self.first.val() {
            self.snf_now.next = self.wr_beat.val().snf;
            self.index.next = 0.into();
            self.head.next = self.wr_ptr.q.val();
            self.len_sum.next = bit_cast::<17, 7>(self.wr_beat.val().bytes);
        }
        self.len_now.next = self.len_sum.val().get_bits::<16>(0);
        if self.len_sum.val() > self.len_max.val() {
            self.len_now.next = 0xffff.into();
        }
        self.wr_len.next = self.len_now.val();
        // A first beat (index 0) is never over; later beats take `snf` from the register.
        self.over.next = self.w_in.q.val() & self.w_snf.q.val() & self.w_full.q.val();
        self.waddr.next = self.wr_ptr.q.val();
        if self.over.val() {
            self.waddr.next = self.wr_ptr.q.val() - 1;
        }
        self.stored.next = self.wr_beat.val();
        self.stored.next.snf = self.snf_now.val();
        self.ram.write_enable.next = self.accept.val();
        self.ram.write_address.next = self.waddr.val().get_bits::<DEPTH_BITS>(0);
        self.ram.write_data.next = self.stored.val();
        self.flag_ram.write_enable.next = self.accept.val();
        self.flag_ram.write_address.next = self.waddr.val().get_bits::<DEPTH_BITS>(0);
        self.flag_ram.write_data.next = bit_cast::<9, 1>(self.stored.val().last.into())
            | (bit_cast::<9, 1>(self.snf_now.val().into()) << 1)
            | (bit_cast::<9, 7>(self.stored.val().bytes) << 2);
        self.flag_ram_1.write_enable.next = self.flag_ram.write_enable.val();
        self.flag_ram_1.write_address.next = self.flag_ram.write_address.val();
        self.flag_ram_1.write_data.next = self.flag_ram.write_data.val();
        if self.accept.val() & !self.over.val() {
            self.wr_ptr.d.next = self.wr_ptr.q.val() + 1;
        }
        if self.accept.val() {
            self.w_in.d.next = !self.wr_beat.val().last;
            self.w_snf.d.next = self.snf_now.val();
            self.w_index.d.next = self.index.val() + 1;
            if self.index.val() == 0xff {
                self.w_index.d.next = 0xff.into();
            }
            self.w_full.d.next = self.index.val() >= self.max_index.val();
            self.w_len.d.next = self.len_now.val();
            self.w_head.d.next = self.head.val();
        }
        self.side_ram.write_enable.next = self.accept.val() & self.wr_beat.val().last;
        self.side_ram.write_address.next = self.head.val().get_bits::<DEPTH_BITS>(0);
        self.side_ram.write_data.next = self.wr_side.val();
        self.side_ram_1.write_enable.next = self.side_ram.write_enable.val();
        self.side_ram_1.write_address.next = self.side_ram.write_address.val();
        self.side_ram_1.write_data.next = self.side_ram.write_data.val();
        self.s1_en.d.next = self.accept.val() & self.wr_beat.val().last;
        self.s1_addr.d.next = self.head.val();
        self.s1_data.d.next = self.wr_side.val();

        // Read side, first-word-fall-through.
        self.head_last.next = self.r_flags.q.val().get_bit(0);
        self.head_snf.next = self.r_flags.q.val().get_bit(1);
        self.pop_last.next = self.rd_pop.val() & self.head_valid.q.val() & self.head_last.val();
        // The pop is late (the reader's decision): it only selects among values computed from
        // registers (pointers, their successors, the head-valid compares below).
        self.next_ptr.next = self.rd_ptr.q.val();
        self.rd_ptr_1.d.next = self.rd_ptr_1.q.val();
        // `next_ptr` is the next head, valid if stored before this cycle (a beat written this cycle
        // is in no read that ends this cycle, and `wr_ptr` does not count it yet). The beat RAM
        // reads at the end of the next cycle at `r_addr`: the beat after that head if there is
        // one, else the head itself; the flag and side registers take the head's at the end of
        // this one.
        self.next_valid.next = self.rd_ptr.q.val() != self.wr_ptr.q.val();
        self.r_addr.d.next = self.rd_ptr.q.val();
        if self.rd_ptr.q.val() != self.wr_ptr.q.val() {
            self.r_addr.d.next = self.rd_ptr_1.q.val();
        }
        self.r_from_ram.d.next = !self.head_valid.q.val();
        self.r_flags.d.next = self.flag_ram.read_data.val();
        self.r_side.d.next = self.side_ram.read_data.val();
        if self.rd_pop.val() & self.head_valid.q.val() {
            self.r_flags.d.next = self.flag_ram_1.read_data.val();
            self.r_side.d.next = self.side_ram_1.read_data.val();
            self.next_ptr.next = self.rd_ptr_1.q.val();
            self.rd_ptr_1.d.next = self.rd_ptr_1.q.val() + 1;
            self.next_valid.next = self.rd_ptr_1.q.val() != self.wr_ptr.q.val();
            self.r_addr.d.next = self.rd_ptr_1.q.val();
            if self.rd_ptr_1.q.val() != self.wr_ptr.q.val() {
                self.r_addr.d.next = self.rd_ptr_1.q.val() + 1;
            }
            self.r_from_ram.d.next = true;
            self.r_in.d.next = !self.head_last.val();
        }
        self.rd_ptr.d.next = self.next_ptr.val();
        self.head_valid.d.next = self.next_valid.val();
        self.ram.read_address.next = self.r_addr.q.val().get_bits::<DEPTH_BITS>(0);
        self.side_ram.read_address.next = self.rd_ptr.q.val().get_bits::<DEPTH_BITS>(0);
        self.side_ram_1.read_address.next = self.rd_ptr_1.q.val().get_bits::<DEPTH_BITS>(0);
        self.flag_ram.read_address.next = self.rd_ptr.q.val().get_bits::<DEPTH_BITS>(0);
        self.flag_ram_1.read_address.next = self.rd_ptr_1.q.val().get_bits::<DEPTH_BITS>(0);
        self.head_beat.next = self.r_head.q.val();
        if self.r_from_ram.q.val() {
            self.head_beat.next = self.ram.read_data.val();
        }
        self.r_head.d.next = self.head_beat.val();
        self.rd_valid.next = self.head_valid.q.val();
        self.rd_beat.next = self.head_beat.val();
        self.rd_beat.next.last = self.head_last.val();
        self.rd_beat.next.snf = self.head_snf.val();
        self.rd_beat.next.bytes = self.r_flags.q.val().get_bits::<7>(2);
        self.rd_first.next = !self.r_in.q.val();
        self.rd_side.next = self.r_side.q.val();
        if self.s1_en.q.val() & (self.s1_addr.q.val() == self.rd_ptr.q.val()) {
            self.rd_side.next = self.s1_data.q.val();
        }
        self.rd_complete.next = self.r_complete.q.val();
        if (self.accept.val() & self.wr_beat.val().last) & !self.pop_last.val() {
            self.done_pkts.d.next = self.done_pkts.q.val() + 1;
            self.r_complete.d.next = true;
        }
        if !(self.accept.val() & self.wr_beat.val().last) & self.pop_last.val() {
            self.done_pkts.d.next = self.done_pkts.q.val() - 1;
            self.r_complete.d.next = self.done_pkts.q.val() != 1;
        }

        if self.reset.val() {
            self.wr_ptr.d.next = 0.into();
            self.w_in.d.next = false;
            self.s1_en.d.next = false;
            self.rd_ptr.d.next = 0.into();
            self.rd_ptr_1.d.next = 1.into();
            self.r_addr.d.next = 0.into();
            self.r_from_ram.d.next = true;
            self.head_valid.d.next = false;
            self.r_in.d.next = false;
            self.done_pkts.d.next = 0.into();
            self.r_complete.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, tick, verilator_lint, yosys_check};

    /// A beat as the test sees it: a tag in place of the data, and the fields that matter.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct TestBeat {
        tag: u64,
        bytes: u64,
        last: bool,
        snf: bool,
        bad: bool,
    }

    /// The packets a run writes, and what the reader must see: every packet's beats in order, an
    /// `snf` packet longer than `max_beats` cut to its first `max_beats - 1` beats and its last,
    /// with the packet's whole length as its side word (saturating at 0xffff).
    fn packets(rng: &mut Rng, n: usize) -> Vec<Vec<TestBeat>> {
        let mut tag = 0;
        (0..n)
            .map(|_| {
                let snf = rng.chance(500);
                let beats = match rng.below(4) {
                    0 => 1,
                    1 => 2 + rng.below(6) as usize,
                    // Longer than the buffer: an `snf` one is cut, a cut-through one streams.
                    2 => DEPTH + 1 + rng.below(1100) as usize,
                    _ => 1 + rng.below(12) as usize,
                };
                let bad = rng.chance(200);
                (0..beats)
                    .map(|i| {
                        tag += 1;
                        let last = i + 1 == beats;
                        TestBeat {
                            tag,
                            bytes: if last { 1 + rng.below(64) } else { 64 },
                            last,
                            snf,
                            bad: bad && last,
                        }
                    })
                    .collect()
            })
            .collect()
    }

    fn stored(p: &[TestBeat], max_beats: usize) -> Vec<TestBeat> {
        if p[0].snf && p.len() > max_beats {
            let mut kept = p[..max_beats - 1].to_vec();
            kept.push(p[p.len() - 1]);
            kept
        } else {
            p.to_vec()
        }
    }

    fn side(p: &[TestBeat]) -> u64 {
        p.iter().map(|b| b.bytes).sum::<u64>().min(0xffff)
    }

    fn run(seed: u64, max_beats: usize, idle: u32, stall: u32) {
        let mut rng = Rng::new(seed);
        let written = packets(&mut rng, 40);
        let mut input: std::collections::VecDeque<TestBeat> = written.iter().flatten().copied().collect();
        let mut want: std::collections::VecDeque<(TestBeat, bool, u64)> = written
            .iter()
            .flat_map(|p| {
                let s = side(p);
                stored(p, max_beats)
                    .into_iter()
                    .enumerate()
                    .map(move |(i, b)| (b, i == 0, s))
            })
            .collect();
        let mut uut = PacketFifo::new(max_beats);
        uut.connect_all();
        uut.reset.next = true;
        tick(&mut uut, |u| &mut u.clock);
        uut.reset.next = false;
        let mut clocks = 0u64;
        let mut in_pkt_len = 0u64;
        let mut unread_lasts = 0i64;
        while !want.is_empty() {
            let offer = input.front().copied().filter(|_| !rng.chance(idle));
            uut.wr_valid.next = offer.is_some();
            if let Some(b) = offer {
                let mut beat = Beat::default();
                beat.data.set_bits::<64>(0, b.tag.to_bits());
                beat.bytes = b.bytes.to_bits();
                beat.last = b.last;
                beat.snf = b.snf;
                beat.bad = b.bad;
                uut.wr_beat.next = beat;
            }
            settle(&mut uut);
            // The side word is the length so far, as the core writes it.
            uut.wr_side.next = uut.wr_len.val();
            // The reader's contract: an `snf` packet is read only once it is whole.
            let wait = uut.rd_first.val() & uut.rd_beat.val().snf & !uut.rd_complete.val();
            let pop = !rng.chance(stall) && !wait;
            uut.rd_pop.next = pop;
            settle(&mut uut);
            let wrote = offer.is_some() && uut.wr_ready.val();
            if wrote {
                let b = offer.expect("offered");
                in_pkt_len = (in_pkt_len + b.bytes).min(0xffff);
                assert_eq!(uut.wr_len.val().to_u64(), in_pkt_len, "wr_len");
                if b.last {
                    in_pkt_len = 0;
                }
            }
            assert_eq!(uut.rd_complete.val(), unread_lasts > 0, "rd_complete");
            if uut.rd_valid.val() && !wait {
                let r = uut.rd_beat.val();
                let got = TestBeat {
                    tag: r.data.get_bits::<64>(0).to_u64(),
                    bytes: r.bytes.to_u64(),
                    last: r.last,
                    snf: r.snf,
                    bad: r.bad,
                };
                let (w, first, s) = *want.front().expect("a beat the model does not have");
                assert_eq!(got, w, "max_beats {max_beats}: beat after {clocks} clocks");
                assert_eq!(uut.rd_first.val(), first, "rd_first of {w:?}");
                if first && uut.rd_complete.val() {
                    assert_eq!(uut.rd_side.val().to_u64(), s, "rd_side of {w:?}");
                }
                if pop {
                    want.pop_front();
                    unread_lasts -= i64::from(got.last);
                }
            }
            if wrote {
                unread_lasts += i64::from(input.pop_front().expect("offered").last);
            }
            tick(&mut uut, |u| &mut u.clock);
            clocks += 1;
            assert!(clocks < 200_000, "stuck: {} beats still expected", want.len());
        }
    }

    #[test]
    fn packets_come_out_as_written_and_long_snf_packets_are_cut() {
        for (k, (max_beats, idle, stall)) in
            [(17, 0, 0), (17, 300, 500), (2, 200, 200), (DEPTH - 1, 100, 700)]
                .into_iter()
                .enumerate()
        {
            run(0xf1f0_0001 + k as u64, max_beats, idle, stall);
        }
    }

    #[test]
    fn synthesizes() {
        let v = yosys_check("packet_fifo", &mut PacketFifo::new(17));
        verilator_lint("packet_fifo", &v, &["WIDTH", "DECLFILENAME", "UNUSEDSIGNAL"]);
    }
}
