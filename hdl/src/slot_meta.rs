//! `SlotMeta<A>`: the slot metadata RAM, `2^A` slots of [`Meta`], with the read-to-write forwarding
//! that lets back-to-back headers for the same slot go through without a stall.
//!
//! Ports and timing (cycle `c` = the cycle an input is presented; a write commits at the clock edge
//! that ends its cycle):
//! - Read: `rd_addr` at `c`; `rd_data` at `c + 2` is the slot as it is after every write presented
//!   before `c + 2`. The RAM reads at the end of `c` (`BlockRam`: synchronous read, undefined at
//!   the edge of a write to the same address), its output is registered at the end of `c + 1` (`ram_q`, directly on the
//!   RAM so that a BRAM output register can absorb it), and `rd_data` is `ram_q` unless a newer write to
//!   the same slot is in flight: the writes of cycles `c + 1` (`w1`) and `c` (`w2`), which the RAM
//!   read missed, newest first. The mux is after the output register, before the consumer.
//! - Write: `wr_en`, `wr_addr`, `wr_data` at any cycle. The decision for the header read at `c`
//!   writes at `c + 2`, from `rd_data` combinationally; a header read at `c + 2` or `c + 1` for the
//!   same slot then sees that write through `w2` or `w1`. `wr_data.bitmap` is the workers the
//!   write sets: with `wr_join` the slot's bitmap becomes `rd_data.bitmap | wr_data.bitmap` (a
//!   join, on the slot as it reads now), without it `wr_data.bitmap` (a claim, a free). So the header stage may read every cycle
//!   (receive headers are at least 2 cycles apart; FLUSH and RELEASE use the free cycles), and
//!   nothing stalls.
//! - `reset` (synchronous, active high) starts a sweep that writes an all-zero `Meta` (`valid` clear)
//!   to every slot, one per cycle: `ready` is low for `2^A + 1` cycles, and reads and writes must
//!   wait for it (writes presented while it is low are ignored). The RAM itself has no reset; this
//!   is the only stall, and only after reset.
//! - Owner compare: `own_tenant`, `own_seq`, `own_salt`, `own_elements` at `c + 1` (the fragment
//!   the read at `c` is for); at `c + 2` `rd_held` says `rd_data` is valid and held by that
//!   fragment (tenant, seq, salt), `rd_len_eq` that its element count is `own_elements`. Each
//!   candidate (RAM output, `w1`, `w2`) is compared at `c + 1` and the results registered, so the
//!   consumer's decision gets two bits through the forwarding select instead of comparing 72 bits
//!   after it. Likewise the worker's bit (`own_bit`) against the slot's bitmap: `rd_already` (the
//!   bit is set) and `rd_join_done` (`bitmap | own_bit == own_mask`). For the write being made
//!   (`w1`) those are computed from its parts (`wr_data.bitmap`, `rd_data.bitmap`) on both
//!   `wr_join` cases, which selects last: so the consumer's decision, which makes `wr_join`, is
//!   one LUT from these registers, not a 64-bit compare.
//!
//! Without forwarding ([`SlotMeta::unforwarded`]), `rd_data` and its compares are the RAM's
//! alone: for a consumer whose writes to a slot are at least three cycles before the next read's
//! result (the core, whose ops that touch slots are issued three clocks apart), where the
//! forwarding select would only lengthen the decision's path.
//!
//! Resources: `2^A x Meta::BITS` (138) bits of RAM; registers: the output register and two write
//! copies (3 x 138), two read-address copies and the sweep counter.

use crate::block_ram::BlockRam;
use aggnic_spec::model::Params;
use rust_hdl::prelude::*;

/// One slot's metadata: the owner (`tenant`, `seq`, `salt`) of a held slot, its element count, the
/// workers that joined (`bitmap`) and the sticky saturation bit. `valid` clear: the slot is free
/// (the other fields are don't-care). In Verilog a 138-bit word, `valid` at bit 0, then the fields
/// in declaration order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, LogicStruct)]
pub struct Meta {
    pub valid: Bit,
    pub tenant: Bits<8>,
    pub seq: Bits<32>,
    pub salt: Bits<16>,
    pub elements: Bits<16>,
    pub bitmap: Bits<64>,
    pub overflow: Bit,
}

/// The block; `A` = log2(slots). Construct with [`SlotMeta::new`].
#[derive(LogicBlock)]
pub struct SlotMeta<const A: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: clears every slot (see the module doc).
    pub reset: Signal<In, Bit>,
    /// The reset sweep is done.
    pub ready: Signal<Out, Bit>,
    pub rd_addr: Signal<In, Bits<A>>,
    /// The slot `rd_addr` named two cycles ago, forwarded.
    pub rd_data: Signal<Out, Meta>,
    pub wr_en: Signal<In, Bit>,
    pub wr_addr: Signal<In, Bits<A>>,
    pub wr_data: Signal<In, Meta>,
    /// The fragment the read of the cycle before is for (see the module doc).
    pub own_tenant: Signal<In, Bits<8>>,
    pub own_seq: Signal<In, Bits<32>>,
    pub own_salt: Signal<In, Bits<16>>,
    pub own_elements: Signal<In, Bits<16>>,
    /// With `rd_data`: it is valid and held by the `own_*` fragment.
    pub rd_held: Signal<Out, Bit>,
    /// With `rd_data`: its `elements` equals `own_elements`.
    pub rd_len_eq: Signal<Out, Bit>,
    /// The worker bit and the tenant mask the read of the cycle before is for (as `own_*`).
    pub own_bit: Signal<In, Bits<64>>,
    pub own_mask: Signal<In, Bits<64>>,
    /// With `rd_data`: `own_bit` is set in its bitmap.
    pub rd_already: Signal<Out, Bit>,
    /// With `rd_data`: its bitmap with `own_bit` is `own_mask`.
    pub rd_join_done: Signal<Out, Bit>,
    /// The write ORs `wr_data.bitmap` into `rd_data.bitmap` (see the module doc).
    pub wr_join: Signal<In, Bit>,
    ram: BlockRam<Meta, A>,
    /// The RAM's output register.
    ram_q: DFF<Meta>,
    /// `rd_addr` one and two cycles ago.
    a1: DFF<Bits<A>>,
    a2: DFF<Bits<A>>,
    /// The write of one (`w1`) and two (`w2`) cycles ago.
    w1_en: DFF<Bit>,
    w1_addr: DFF<Bits<A>>,
    w1_data: DFF<Meta>,
    w2_en: DFF<Bit>,
    w2_addr: DFF<Bits<A>>,
    w2_data: DFF<Meta>,
    /// The forwarding compares, made a clock early (off the read data's path): the write of the
    /// clock before (`w1`) and of two clocks before (`w2`) hit the slot being read.
    hit1: DFF<Bit>,
    hit2: DFF<Bit>,
    /// The owner (`o_*`: tenant, seq, salt) and element (`e_*`) compares of each candidate with
    /// the `own_*` fragment, registered: the RAM output, this clock's write (`w1` next clock),
    /// and `w1` (`w2` next clock).
    o_ram: DFF<Bit>,
    o_w1: DFF<Bit>,
    o_w2: DFF<Bit>,
    e_ram: DFF<Bit>,
    e_w1: DFF<Bit>,
    e_w2: DFF<Bit>,
    /// The bitmap compares (`already`, `join_done`) of each candidate, registered likewise.
    a_ram: DFF<Bit>,
    a_w1: DFF<Bit>,
    a_w2: DFF<Bit>,
    j_ram: DFF<Bit>,
    j_w1: DFF<Bit>,
    j_w2: DFF<Bit>,
    /// The bitmap the port's write writes.
    wr_bitmap: Signal<Local, Bits<64>>,
    /// `rd_data` is the write of one (two) cycles ago.
    from_w1: Signal<Local, Bit>,
    from_w2: Signal<Local, Bit>,
    clearing: DFF<Bit>,
    clr: DFF<Bits<A>>,
    /// Forward the in-flight writes (constant: synthesis removes the select without).
    forward: Constant<Bit>,
    last: Constant<Bits<A>>,
    zero: Constant<Meta>,
    /// The write that reaches the RAM this cycle (the sweep's or the port's).
    we: Signal<Local, Bit>,
    wa: Signal<Local, Bits<A>>,
    wd: Signal<Local, Meta>,
}

impl<const A: usize> std::fmt::Debug for SlotMeta<A> {
    // rust-hdl's `RAM` is not `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotMeta")
            .field("slots", &(1u64 << A))
            .finish_non_exhaustive()
    }
}

impl<const A: usize> SlotMeta<A> {
    /// `2^A` slots.
    pub fn new() -> SlotMeta<A> {
        assert!((1..=16).contains(&A), "1 to 65536 slots");
        SlotMeta {
            clock: Default::default(),
            reset: Default::default(),
            ready: Default::default(),
            rd_addr: Default::default(),
            rd_data: Default::default(),
            wr_en: Default::default(),
            wr_addr: Default::default(),
            wr_data: Default::default(),
            own_tenant: Default::default(),
            own_seq: Default::default(),
            own_salt: Default::default(),
            own_elements: Default::default(),
            rd_held: Default::default(),
            rd_len_eq: Default::default(),
            own_bit: Default::default(),
            own_mask: Default::default(),
            rd_already: Default::default(),
            rd_join_done: Default::default(),
            wr_join: Default::default(),
            ram: Default::default(),
            ram_q: Default::default(),
            a1: Default::default(),
            a2: Default::default(),
            w1_en: Default::default(),
            w1_addr: Default::default(),
            w1_data: Default::default(),
            w2_en: Default::default(),
            w2_addr: Default::default(),
            w2_data: Default::default(),
            hit1: Default::default(),
            hit2: Default::default(),
            o_ram: Default::default(),
            o_w1: Default::default(),
            o_w2: Default::default(),
            e_ram: Default::default(),
            e_w1: Default::default(),
            e_w2: Default::default(),
            a_ram: Default::default(),
            a_w1: Default::default(),
            a_w2: Default::default(),
            j_ram: Default::default(),
            j_w1: Default::default(),
            j_w2: Default::default(),
            wr_bitmap: Default::default(),
            from_w1: Default::default(),
            from_w2: Default::default(),
            clearing: Default::default(),
            clr: Default::default(),
            forward: Constant::new(true),
            last: Constant::new(((1u64 << A) - 1).to_bits()),
            zero: Constant::new(Meta::default()),
            we: Default::default(),
            wa: Default::default(),
            wd: Default::default(),
        }
    }

    /// # Panics
    /// If `params.slots` is not `2^A`.
    pub fn for_params(params: Params) -> SlotMeta<A> {
        assert_eq!(params.slots, 1 << A, "SlotMeta::<A> holds 2^A slots");
        SlotMeta::new()
    }

    /// Without forwarding (see the module doc): a read's result misses the writes of its own
    /// cycle and the one after.
    ///
    /// # Panics
    /// If `params.slots` is not `2^A`.
    pub fn unforwarded(params: Params) -> SlotMeta<A> {
        let mut m = SlotMeta::for_params(params);
        m.forward = Constant::new(false);
        m
    }
}

impl<const A: usize> Default for SlotMeta<A> {
    fn default() -> Self {
        SlotMeta::new()
    }
}

impl<const A: usize> Logic for SlotMeta<A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, ram_q, a1, a2, w1_en, w1_addr, w1_data, w2_en, w2_addr, w2_data, hit1, hit2, o_ram,
            o_w1, o_w2, e_ram, e_w1, e_w2, a_ram, a_w1, a_w2, j_ram, j_w1, j_w2, clearing, clr
        );
        self.ram.read_clock.next = self.clock.val();
        self.ram.write_clock.next = self.clock.val();

        // Read: RAM, output register, address copies for the forwarding compare.
        self.ram.read_address.next = self.rd_addr.val();
        self.ram_q.d.next = self.ram.read_data.val();
        self.a1.d.next = self.rd_addr.val();
        self.a2.d.next = self.a1.q.val();

        // Forwarding: the newest in-flight write to the slot wins. Next clock `a2` is `a1` now,
        // `w1` is this clock's write and `w2` is `w1` now.
        self.from_w2.next = self.forward.val() & self.w2_en.q.val() & self.hit2.q.val();
        self.from_w1.next = self.forward.val() & self.w1_en.q.val() & self.hit1.q.val();
        self.rd_data.next = self.ram_q.q.val();
        if self.from_w2.val() {
            self.rd_data.next = self.w2_data.q.val();
        }
        if self.from_w1.val() {
            self.rd_data.next = self.w1_data.q.val();
        }

        // Write: the port (a join on the slot as it reads now), or the reset sweep.
        self.wr_bitmap.next = self.wr_data.val().bitmap;
        if self.wr_join.val() {
            self.wr_bitmap.next = self.rd_data.val().bitmap | self.wr_data.val().bitmap;
        }
        self.we.next = self.wr_en.val();
        self.wa.next = self.wr_addr.val();
        self.wd.next = self.wr_data.val();
        self.wd.next.bitmap = self.wr_bitmap.val();
        self.clr.d.next = self.clr.q.val() + 1;
        if self.clearing.q.val() {
            self.we.next = true;
            self.wa.next = self.clr.q.val();
            self.wd.next = self.zero.val();
            if self.clr.q.val() == self.last.val() {
                self.clearing.d.next = false;
            }
        }
        if self.reset.val() {
            self.we.next = false;
            self.clearing.d.next = true;
            self.clr.d.next = 0.into();
        }
        self.ram.write_enable.next = self.we.val();
        self.ram.write_address.next = self.wa.val();
        self.ram.write_data.next = self.wd.val();
        self.w1_en.d.next = self.we.val();
        self.w1_addr.d.next = self.wa.val();
        self.w1_data.d.next = self.wd.val();
        self.w2_en.d.next = self.w1_en.q.val();
        self.w2_addr.d.next = self.w1_addr.q.val();
        self.w2_data.d.next = self.w1_data.q.val();

        self.hit1.d.next = self.wa.val() == self.a1.q.val();
        self.hit2.d.next = self.w1_addr.q.val() == self.a1.q.val();

        // The owner compares, a clock ahead, each candidate on its own; selected as `rd_data` is.
        self.o_ram.d.next = (self.ram.read_data.val().tenant == self.own_tenant.val())
            & (self.ram.read_data.val().seq == self.own_seq.val())
            & (self.ram.read_data.val().salt == self.own_salt.val());
        self.o_w1.d.next = (self.wd.val().tenant == self.own_tenant.val())
            & (self.wd.val().seq == self.own_seq.val())
            & (self.wd.val().salt == self.own_salt.val());
        self.o_w2.d.next = (self.w1_data.q.val().tenant == self.own_tenant.val())
            & (self.w1_data.q.val().seq == self.own_seq.val())
            & (self.w1_data.q.val().salt == self.own_salt.val());
        self.e_ram.d.next = self.ram.read_data.val().elements == self.own_elements.val();
        self.e_w1.d.next = self.wd.val().elements == self.own_elements.val();
        self.e_w2.d.next = self.w1_data.q.val().elements == self.own_elements.val();
        // The bitmap compares. This clock's write: both `wr_join` cases, selected last (never the
        // reset sweep's write: reads wait for `ready`, and the first one misses no sweep write).
        self.a_ram.d.next = (self.ram.read_data.val().bitmap & self.own_bit.val()) != 0;
        self.a_w2.d.next = (self.w1_data.q.val().bitmap & self.own_bit.val()) != 0;
        self.a_w1.d.next = (self.wr_data.val().bitmap & self.own_bit.val()) != 0;
        if self.wr_join.val() {
            self.a_w1.d.next =
                ((self.wr_data.val().bitmap | self.rd_data.val().bitmap) & self.own_bit.val()) != 0;
        }
        self.j_ram.d.next = (self.ram.read_data.val().bitmap | self.own_bit.val()) == self.own_mask.val();
        self.j_w2.d.next = (self.w1_data.q.val().bitmap | self.own_bit.val()) == self.own_mask.val();
        self.j_w1.d.next = (self.wr_data.val().bitmap | self.own_bit.val()) == self.own_mask.val();
        if self.wr_join.val() {
            self.j_w1.d.next = (self.wr_data.val().bitmap | self.rd_data.val().bitmap | self.own_bit.val())
                == self.own_mask.val();
        }
        self.rd_held.next = self.ram_q.q.val().valid & self.o_ram.q.val();
        self.rd_len_eq.next = self.e_ram.q.val();
        self.rd_already.next = self.a_ram.q.val();
        self.rd_join_done.next = self.j_ram.q.val();
        if self.from_w2.val() {
            self.rd_held.next = self.w2_data.q.val().valid & self.o_w2.q.val();
            self.rd_len_eq.next = self.e_w2.q.val();
            self.rd_already.next = self.a_w2.q.val();
            self.rd_join_done.next = self.j_w2.q.val();
        }
        if self.from_w1.val() {
            self.rd_held.next = self.w1_data.q.val().valid & self.o_w1.q.val();
            self.rd_len_eq.next = self.e_w1.q.val();
            self.rd_already.next = self.a_w1.q.val();
            self.rd_join_done.next = self.j_w1.q.val();
        }
        self.ready.next = !self.clearing.q.val() & !self.reset.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, tick, verilator_lint, yosys_check};

    fn meta(
        valid: bool,
        tenant: u8,
        seq: u32,
        salt: u16,
        elements: u16,
        bitmap: u64,
        overflow: bool,
    ) -> Meta {
        Meta {
            valid,
            tenant: tenant.to_bits(),
            seq: seq.to_bits(),
            salt: salt.to_bits(),
            elements: elements.to_bits(),
            bitmap: bitmap.to_bits(),
            overflow,
        }
    }

    fn random_meta(rng: &mut Rng) -> Meta {
        meta(
            rng.chance(800),
            rng.next_u64() as u8,
            rng.next_u64() as u32,
            rng.next_u64() as u16,
            rng.next_u64() as u16,
            rng.next_u64(),
            rng.chance(300),
        )
    }

    fn clock<const A: usize>(uut: &mut SlotMeta<A>) {
        tick(uut, |u| &mut u.clock);
    }

    fn reset<const A: usize>(uut: &mut SlotMeta<A>) -> u32 {
        uut.reset.next = true;
        uut.wr_en.next = false;
        clock(uut);
        uut.reset.next = false;
        let mut waited = 0;
        while !uut.ready.val() {
            clock(uut);
            waited += 1;
            assert!(waited <= 1 << A, "the sweep ends");
        }
        waited
    }

    /// Cycles where a read's result came from `w1`, from `w2`, and from the RAM while a write to
    /// another slot was in flight.
    #[derive(Debug, Default)]
    struct Coverage {
        w1: u32,
        w2: u32,
        ram: u32,
        checked: u32,
        /// Reads whose `rd_held` was set, and clear with `rd_data` valid.
        held: u32,
        not_held: u32,
        /// Held reads with `rd_already` set, with `rd_join_done` set; joins written.
        already: u32,
        join_done: u32,
        joins: u32,
        /// Unforwarded reads at the edge of a write to their slot (not checked).
        undefined: u32,
    }

    /// Random reads and read-modify-writes on a few hot slots: every cycle a read (often of the
    /// slot written one or two cycles before), and at the read's result cycle a write derived from
    /// the forwarded value (as the decision does: a join ORs a worker's bit in with `wr_join`),
    /// or a random write, or none. Each `rd_data` is compared with a plain array updated in
    /// program order, and `rd_held`/`rd_len_eq`/`rd_already`/`rd_join_done` with the array's slot
    /// against the fragment, worker bit and mask presented the cycle after the read (mostly the
    /// owner, often a worker already in the bitmap or one that completes it).
    /// Without forwarding (`forward` false) a read's result is the array as it was when the read
    /// was issued.
    fn random_run<const A: usize>(seed: u64, cycles: u32, forward: bool) -> Coverage {
        let mut uut = SlotMeta::<A>::new();
        if !forward {
            uut.forward = Constant::new(false);
        }
        uut.connect_all();
        let waited = reset(&mut uut);
        assert_eq!(waited, 1 << A, "ready after the sweep");
        let mut rng = Rng::new(seed);
        let slots = 1u64 << A;
        let mut spec = vec![Meta::default(); slots as usize];
        let hot: Vec<u64> = (0..3).map(|_| rng.below(slots)).collect();
        // (address, read cycle, fragment, worker bit, mask, the slot when read) of the reads in
        // flight, oldest first; (cycle, address) of writes.
        let mut reads: std::collections::VecDeque<(u64, u32, Meta, u64, u64, Meta)> = Default::default();
        let mut writes: Vec<(u32, u64)> = vec![];
        let mut cov = Coverage::default();
        let mut addr = hot[0];
        for cycle in 0..cycles {
            // The read whose result is visible now (issued two cycles ago).
            let mut write = None;
            if let Some(&(a, c, own, bit, mask, then)) = reads.front()
                && c + 2 == cycle
            {
                reads.pop_front();
                let got = uut.rd_data.val();
                let want = if forward { spec[a as usize] } else { then };
                // Unforwarded, a read at the clock edge of a write to its slot is undefined (the
                // block RAM's collision; the core keeps them apart).
                let collided = !forward && writes.iter().any(|&(wc, wa)| wc == c && wa == a);
                cov.undefined += u32::from(collided);
                if !collided {
                    assert_eq!(got, want, "slot {a} read at cycle {c}, seen at {cycle}");
                    let held =
                        want.valid && (want.tenant, want.seq, want.salt) == (own.tenant, own.seq, own.salt);
                    assert_eq!(uut.rd_held.val(), held, "rd_held: slot {a} read at {c}, {own:?}");
                    assert_eq!(
                        uut.rd_len_eq.val(),
                        want.elements == own.elements,
                        "rd_len_eq: slot {a} read at {c}"
                    );
                    let bm = want.bitmap.to_u64();
                    assert_eq!(
                        uut.rd_already.val(),
                        bm & bit != 0,
                        "rd_already: slot {a} read at {c}"
                    );
                    assert_eq!(
                        uut.rd_join_done.val(),
                        bm | bit == mask,
                        "rd_join_done: slot {a} read at {c}"
                    );
                    cov.checked += 1;
                    if held {
                        cov.held += 1;
                        cov.already += u32::from(bm & bit != 0);
                        cov.join_done += u32::from(bm | bit == mask);
                    } else if want.valid {
                        cov.not_held += 1;
                    }
                }
                let hit = |d: u32| writes.iter().any(|&(wc, wa)| wc + d == cycle && wa == a);
                if hit(1) {
                    cov.w1 += 1;
                } else if hit(2) {
                    cov.w2 += 1;
                } else if writes.iter().any(|&(wc, _)| wc + 2 >= cycle) {
                    cov.ram += 1;
                }
                if rng.chance(700) {
                    // The decision: join (a worker's bit ORed in, overflow), claim or free the
                    // slot. A join's port data is the bit alone; the slot gets it ORed in.
                    let mut m = got;
                    let mut join = false;
                    match rng.below(4) {
                        0 => m = random_meta(&mut rng),
                        1 => m.valid = false,
                        _ => {
                            join = true;
                            cov.joins += 1;
                            m.bitmap = Bits::from(1u64 << rng.below(64));
                            m.overflow |= rng.chance(100);
                        }
                    }
                    write = Some((a, m, join));
                }
            }
            if write.is_none() && rng.chance(100) {
                // A write with no read before it (a RELEASE through the same port, say).
                write = Some((rng.below(slots), random_meta(&mut rng), false));
            }
            uut.wr_en.next = write.is_some();
            let (wa, wd, join) = write.unwrap_or((rng.below(slots), random_meta(&mut rng), rng.chance(500)));
            uut.wr_addr.next = wa.to_bits();
            uut.wr_data.next = wd;
            uut.wr_join.next = join;
            if write.is_some() {
                writes.push((cycle, wa));
                writes.retain(|&(wc, _)| wc + 3 > cycle);
            }
            // A new read every cycle, mostly of a hot slot (often the one just written).
            if rng.chance(900) {
                addr = match rng.below(10) {
                    0..=3 => addr,
                    4..=8 => hot[rng.below(3) as usize],
                    _ => rng.below(slots),
                };
            }
            // The fragment of last cycle's read: mostly the slot's owner as it stands, sometimes
            // one field off, sometimes anything.
            if let Some((a, _, own, bit, mask, _)) = reads.front_mut() {
                *own = spec[*a as usize];
                // The worker: one in the bitmap, one that completes it, or any; the mask: the
                // bitmap with that worker, or that one bit off, or any.
                let bm = own.bitmap.to_u64();
                let set: Vec<u64> = (0..64).filter(|w| bm >> w & 1 == 1).collect();
                *bit = 1
                    << match rng.below(3) {
                        0 if !set.is_empty() => set[rng.below(set.len() as u64) as usize],
                        _ => rng.below(64),
                    };
                *mask = match rng.below(4) {
                    0 => (bm | *bit) ^ (1 << rng.below(64)),
                    1 => rng.next_u64(),
                    _ => bm | *bit,
                };
                uut.own_bit.next = bit.to_bits();
                uut.own_mask.next = mask.to_bits();
                match rng.below(10) {
                    0 => own.tenant = own.tenant + 1,
                    1 => own.seq = own.seq ^ Bits::from(1u64 << rng.below(32)),
                    2 => own.salt = own.salt + 1,
                    3 => own.elements = own.elements + 1,
                    4 => *own = random_meta(&mut rng),
                    _ => {}
                }
                uut.own_tenant.next = own.tenant;
                uut.own_seq.next = own.seq;
                uut.own_salt.next = own.salt;
                uut.own_elements.next = own.elements;
            }
            uut.rd_addr.next = addr.to_bits();
            reads.push_back((addr, cycle, Meta::default(), 0, 0, spec[addr as usize]));
            // The slot as the port writes it: a join on the slot as it reads now.
            let written = write.map(|(wa, mut wd, join)| {
                if join {
                    wd.bitmap = wd.bitmap | uut.rd_data.val().bitmap;
                }
                (wa, wd)
            });
            clock(&mut uut);
            if let Some((wa, wd)) = written {
                spec[wa as usize] = wd;
            }
        }
        // The whole RAM against the array, by reading it back.
        for a in 0..slots {
            uut.wr_en.next = false;
            uut.rd_addr.next = a.to_bits();
            clock(&mut uut);
            clock(&mut uut);
            assert_eq!(uut.rd_data.val(), spec[a as usize], "final contents of slot {a}");
        }
        cov
    }

    #[test]
    fn back_to_back_read_modify_write_matches_an_array() {
        let start = std::time::Instant::now();
        let c8 = random_run::<3>(0x5107_0003, 6000, true);
        let c2 = random_run::<1>(0x5107_0001, 2000, true);
        let c10 = random_run::<10>(0x5107_000a, 3000, true);
        // Unforwarded: "w1"/"w2" count the reads whose result misses a write in flight.
        let u8 = random_run::<3>(0x5107_0103, 6000, false);
        let u10 = random_run::<10>(0x5107_010a, 3000, false);
        eprintln!(
            "slot_meta: 20000 cycles (8, 2, 1024 slots; 8, 1024 unforwarded) in {:?}; {c8:?} {c2:?} {c10:?} {u8:?} {u10:?}",
            start.elapsed()
        );
        for c in [c8, c2, c10, u8, u10] {
            assert!(c.w1 > 50 && c.w2 > 50 && c.ram > 50, "forwarding coverage {c:?}");
            assert!(c.held > 200 && c.not_held > 200, "owner coverage {c:?}");
            assert!(
                c.already > 50 && c.join_done > 50 && c.joins > 200,
                "bitmap coverage {c:?}"
            );
        }
    }

    #[test]
    fn reset_clears_every_slot_and_holds_ready_low() {
        let mut uut = SlotMeta::<3>::new();
        uut.connect_all();
        reset(&mut uut);
        let mut rng = Rng::new(0x5107_0100);
        for a in 0..8u64 {
            uut.wr_en.next = true;
            uut.wr_addr.next = a.to_bits();
            uut.wr_data.next = meta(true, 1, 2, 3, 4, 5, true);
            clock(&mut uut);
        }
        uut.wr_en.next = false;
        uut.reset.next = true;
        clock(&mut uut);
        uut.reset.next = false;
        let mut low = 1;
        while !uut.ready.val() {
            // Writes during the sweep are ignored.
            uut.wr_en.next = true;
            uut.wr_addr.next = rng.below(8).to_bits();
            uut.wr_data.next = random_meta(&mut rng);
            clock(&mut uut);
            low += 1;
        }
        assert_eq!(low, 9, "ready low for 2^A + 1 cycles");
        uut.wr_en.next = false;
        for a in 0..8u64 {
            uut.rd_addr.next = a.to_bits();
            clock(&mut uut);
            clock(&mut uut);
            assert_eq!(uut.rd_data.val(), Meta::default(), "slot {a} after reset");
        }
    }

    #[test]
    fn meta_layout() {
        assert_eq!(Meta::BITS, 138);
        let m = meta(true, 0xab, 0x1234_5678, 0x9abc, 0x40, 0x8000_0000_0000_0001, true);
        let word: Bits<138> = m.into();
        assert_eq!(word.get_bits::<8>(1).to_u64(), 0xab);
        assert_eq!(word.get_bits::<64>(73).to_u64(), 0x8000_0000_0000_0001);
        assert!(word.get_bit(137) && word.get_bit(0));
    }

    #[test]
    fn synthesizes() {
        // The default 1024 slots: yosys maps the 138 x 1024 memory.
        let start = std::time::Instant::now();
        let v = yosys_check(
            "aggnic_hdl_slot_meta1024",
            &mut SlotMeta::<10>::for_params(Params::DEFAULT),
        );
        verilator_lint("aggnic_hdl_slot_meta1024_lint", &v, &["WIDTH", "DECLFILENAME"]);
        eprintln!(
            "slot_meta: yosys + verilator at 1024 slots in {:?}",
            start.elapsed()
        );
    }
}
