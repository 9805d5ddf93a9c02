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
    ram: RAM<Beat, DEPTH_BITS>,
    side_ram: RAM<Bits<16>, DEPTH_BITS>,
    max_index: Constant<Bits<8>>,
    len_max: Constant<Bits<17>>,
    // Write side.
    wr_ptr: DFF<Bits<7>>,
    w_in: DFF<Bit>,
    w_snf: DFF<Bit>,
    w_index: DFF<Bits<8>>,
    w_len: DFF<Bits<16>>,
    w_head: DFF<Bits<7>>,
    /// The side write of the last cycle, for the read-side forward.
    s1_en: DFF<Bit>,
    s1_addr: DFF<Bits<7>>,
    s1_data: DFF<Bits<16>>,
    // Read side.
    rd_ptr: DFF<Bits<7>>,
    head_valid: DFF<Bit>,
    r_in: DFF<Bit>,
    done_pkts: DFF<Bits<8>>,
    // Locals.
    used: Signal<Local, Bits<7>>,
    accept: Signal<Local, Bit>,
    first: Signal<Local, Bit>,
    snf_now: Signal<Local, Bit>,
    index: Signal<Local, Bits<8>>,
    over: Signal<Local, Bit>,
    waddr: Signal<Local, Bits<7>>,
    head: Signal<Local, Bits<7>>,
    len_sum: Signal<Local, Bits<17>>,
    len_now: Signal<Local, Bits<16>>,
    stored: Signal<Local, Beat>,
    pop_last: Signal<Local, Bit>,
    next_ptr: Signal<Local, Bits<7>>,
}

impl std::fmt::Debug for PacketFifo {
    // rust-hdl's `RAM` is not `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacketFifo").finish_non_exhaustive()
    }
}

impl PacketFifo {
    /// `max_beats`: the most beats an `snf` packet keeps (at most [`DEPTH`]).
    pub fn new(max_beats: usize) -> PacketFifo {
        assert!((1..=DEPTH).contains(&max_beats), "1..={DEPTH} beats");
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
            max_index: Constant::new((max_beats as u64 - 1).to_bits()),
            len_max: Constant::new(0xffffu64.to_bits()),
            wr_ptr: Default::default(),
            w_in: Default::default(),
            w_snf: Default::default(),
            w_index: Default::default(),
            w_len: Default::default(),
            w_head: Default::default(),
            s1_en: Default::default(),
            s1_addr: Default::default(),
            s1_data: Default::default(),
            rd_ptr: Default::default(),
            head_valid: Default::default(),
            r_in: Default::default(),
            done_pkts: Default::default(),
            used: Default::default(),
            accept: Default::default(),
            first: Default::default(),
            snf_now: Default::default(),
            index: Default::default(),
            over: Default::default(),
            waddr: Default::default(),
            head: Default::default(),
            len_sum: Default::default(),
            len_now: Default::default(),
            stored: Default::default(),
            pop_last: Default::default(),
            next_ptr: Default::default(),
        }
    }
}

impl Logic for PacketFifo {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, wr_ptr, w_in, w_snf, w_index, w_len, w_head, s1_en, s1_addr, s1_data, rd_ptr,
            head_valid, r_in, done_pkts
        );
        self.ram.read_clock.next = self.clock.val();
        self.ram.write_clock.next = self.clock.val();
        self.side_ram.read_clock.next = self.clock.val();
        self.side_ram.write_clock.next = self.clock.val();

        // Write side.
        // Pointer arithmetic in a 7-bit local: Verilog would compute `wr - rd` at the width of the
        // literal it is compared with and lose the wrap.
        self.used.next = self.wr_ptr.q.val() - self.rd_ptr.q.val();
        self.count.next = bit_cast::<8, 7>(self.used.val());
        self.wr_ready.next = self.used.val() != 0x40;
        self.accept.next = self.wr_valid.val() & (self.used.val() != 0x40);
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
        self.over.next = self.snf_now.val() & (self.index.val() > self.max_index.val());
        self.waddr.next = self.wr_ptr.q.val();
        if self.over.val() {
            self.waddr.next = self.wr_ptr.q.val() - 1;
        }
        self.stored.next = self.wr_beat.val();
        self.stored.next.snf = self.snf_now.val();
        self.ram.write_enable.next = self.accept.val();
        self.ram.write_address.next = self.waddr.val().get_bits::<DEPTH_BITS>(0);
        self.ram.write_data.next = self.stored.val();
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
            self.w_len.d.next = self.len_now.val();
            self.w_head.d.next = self.head.val();
        }
        self.side_ram.write_enable.next = self.accept.val() & self.wr_beat.val().last;
        self.side_ram.write_address.next = self.head.val().get_bits::<DEPTH_BITS>(0);
        self.side_ram.write_data.next = self.wr_side.val();
        self.s1_en.d.next = self.accept.val() & self.wr_beat.val().last;
        self.s1_addr.d.next = self.head.val();
        self.s1_data.d.next = self.wr_side.val();

        // Read side, first-word-fall-through.
        self.pop_last.next = self.rd_pop.val() & self.head_valid.q.val() & self.ram.read_data.val().last;
        self.next_ptr.next = self.rd_ptr.q.val();
        if self.rd_pop.val() & self.head_valid.q.val() {
            self.next_ptr.next = self.rd_ptr.q.val() + 1;
            self.r_in.d.next = !self.ram.read_data.val().last;
        }
        self.rd_ptr.d.next = self.next_ptr.val();
        self.ram.read_address.next = self.next_ptr.val().get_bits::<DEPTH_BITS>(0);
        self.side_ram.read_address.next = self.next_ptr.val().get_bits::<DEPTH_BITS>(0);
        // The RAM reads `next_ptr` at the end of this cycle; a beat written this cycle is not in
        // that read, and `wr_ptr` does not count it yet.
        self.head_valid.d.next = self.next_ptr.val() != self.wr_ptr.q.val();
        self.rd_valid.next = self.head_valid.q.val();
        self.rd_beat.next = self.ram.read_data.val();
        self.rd_first.next = !self.r_in.q.val();
        self.rd_side.next = self.side_ram.read_data.val();
        if self.s1_en.q.val() & (self.s1_addr.q.val() == self.rd_ptr.q.val()) {
            self.rd_side.next = self.s1_data.q.val();
        }
        self.rd_complete.next = self.done_pkts.q.val() != 0;
        if (self.accept.val() & self.wr_beat.val().last) & !self.pop_last.val() {
            self.done_pkts.d.next = self.done_pkts.q.val() + 1;
        }
        if !(self.accept.val() & self.wr_beat.val().last) & self.pop_last.val() {
            self.done_pkts.d.next = self.done_pkts.q.val() - 1;
        }

        if self.reset.val() {
            self.wr_ptr.d.next = 0.into();
            self.w_in.d.next = false;
            self.s1_en.d.next = false;
            self.rd_ptr.d.next = 0.into();
            self.head_valid.d.next = false;
            self.r_in.d.next = false;
            self.done_pkts.d.next = 0.into();
        }
    }
}
