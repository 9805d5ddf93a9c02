//! `SlotMeta<A>`: the slot metadata RAM, `2^A` slots of [`Meta`], with the read-to-write forwarding
//! that lets back-to-back headers for the same slot go through without a stall.
//!
//! Ports and timing (cycle `c` = the cycle an input is presented; a write commits at the clock edge
//! that ends its cycle):
//! - Read: `rd_addr` at `c`; `rd_data` at `c + 2` is the slot as it is after every write presented
//!   before `c + 2`. The RAM reads at the end of `c` (rust-hdl's `RAM`: synchronous read, old data
//!   on a same-address write), its output is registered at the end of `c + 1` (`ram_q`, directly on the
//!   RAM so that a BRAM output register can absorb it), and `rd_data` is `ram_q` unless a newer write to
//!   the same slot is in flight: the writes of cycles `c + 1` (`w1`) and `c` (`w2`), which the RAM
//!   read missed, newest first. The mux is after the output register, before the consumer.
//! - Write: `wr_en`, `wr_addr`, `wr_data` at any cycle. The decision for the header read at `c`
//!   writes at `c + 2`, from `rd_data` combinationally; a header read at `c + 2` or `c + 1` for the
//!   same slot then sees that write through `w2` or `w1`. So the header stage may read every cycle
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
//!   after it.
//!
//! Resources: `2^A x Meta::BITS` (138) bits of RAM; registers: the output register and two write
//! copies (3 x 138), two read-address copies and the sweep counter.

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
    ram: RAM<Meta, A>,
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
    clearing: DFF<Bit>,
    clr: DFF<Bits<A>>,
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
            clearing: Default::default(),
            clr: Default::default(),
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
            o_w1, o_w2, e_ram, e_w1, e_w2, clearing, clr
        );
        self.ram.read_clock.next = self.clock.val();
        self.ram.write_clock.next = self.clock.val();

        // Read: RAM, output register, address copies for the forwarding compare.
        self.ram.read_address.next = self.rd_addr.val();
        self.ram_q.d.next = self.ram.read_data.val();
        self.a1.d.next = self.rd_addr.val();
        self.a2.d.next = self.a1.q.val();

        // Write: the port, or the reset sweep.
        self.we.next = self.wr_en.val();
        self.wa.next = self.wr_addr.val();
        self.wd.next = self.wr_data.val();
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

        // Forwarding: the newest in-flight write to the slot wins. Next clock `a2` is `a1` now,
        // `w1` is this clock's write and `w2` is `w1` now.
        self.hit1.d.next = self.wa.val() == self.a1.q.val();
        self.hit2.d.next = self.w1_addr.q.val() == self.a1.q.val();
        self.rd_data.next = self.ram_q.q.val();
        if self.w2_en.q.val() & self.hit2.q.val() {
            self.rd_data.next = self.w2_data.q.val();
        }
        if self.w1_en.q.val() & self.hit1.q.val() {
            self.rd_data.next = self.w1_data.q.val();
        }

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
        self.rd_held.next = self.ram_q.q.val().valid & self.o_ram.q.val();
        self.rd_len_eq.next = self.e_ram.q.val();
        if self.w2_en.q.val() & self.hit2.q.val() {
            self.rd_held.next = self.w2_data.q.val().valid & self.o_w2.q.val();
            self.rd_len_eq.next = self.e_w2.q.val();
        }
        if self.w1_en.q.val() & self.hit1.q.val() {
            self.rd_held.next = self.w1_data.q.val().valid & self.o_w1.q.val();
            self.rd_len_eq.next = self.e_w1.q.val();
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
    }

    /// Random reads and read-modify-writes on a few hot slots: every cycle a read (often of the
    /// slot written one or two cycles before), and at the read's result cycle a write derived from
    /// the forwarded value (as the decision does), or a random write, or none. Each `rd_data` is
    /// compared with a plain array updated in program order, and `rd_held`/`rd_len_eq` with the
    /// array's slot against the fragment presented the cycle after the read (mostly the owner).
    fn random_run<const A: usize>(seed: u64, cycles: u32) -> Coverage {
        let mut uut = SlotMeta::<A>::new();
        uut.connect_all();
        let waited = reset(&mut uut);
        assert_eq!(waited, 1 << A, "ready after the sweep");
        let mut rng = Rng::new(seed);
        let slots = 1u64 << A;
        let mut spec = vec![Meta::default(); slots as usize];
        let hot: Vec<u64> = (0..3).map(|_| rng.below(slots)).collect();
        // (address, read cycle, fragment) of the reads in flight, oldest first; (cycle, address)
        // of writes.
        let mut reads: std::collections::VecDeque<(u64, u32, Meta)> = Default::default();
        let mut writes: Vec<(u32, u64)> = vec![];
        let mut cov = Coverage::default();
        let mut addr = hot[0];
        for cycle in 0..cycles {
            // The read whose result is visible now (issued two cycles ago).
            let mut write = None;
            if let Some(&(a, c, own)) = reads.front()
                && c + 2 == cycle
            {
                reads.pop_front();
                let got = uut.rd_data.val();
                let want = spec[a as usize];
                assert_eq!(got, want, "slot {a} read at cycle {c}, seen at {cycle}");
                let held =
                    want.valid && (want.tenant, want.seq, want.salt) == (own.tenant, own.seq, own.salt);
                assert_eq!(uut.rd_held.val(), held, "rd_held: slot {a} read at {c}, {own:?}");
                assert_eq!(
                    uut.rd_len_eq.val(),
                    want.elements == own.elements,
                    "rd_len_eq: slot {a} read at {c}"
                );
                cov.checked += 1;
                if held {
                    cov.held += 1;
                } else if want.valid {
                    cov.not_held += 1;
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
                    // The decision: join (bitmap, overflow), claim or free the slot.
                    let mut m = got;
                    match rng.below(4) {
                        0 => m = random_meta(&mut rng),
                        1 => m.valid = false,
                        _ => {
                            m.bitmap = m.bitmap | Bits::from(1u64 << rng.below(64));
                            m.overflow |= rng.chance(100);
                        }
                    }
                    write = Some((a, m));
                }
            }
            if write.is_none() && rng.chance(100) {
                // A write with no read before it (a RELEASE through the same port, say).
                write = Some((rng.below(slots), random_meta(&mut rng)));
            }
            uut.wr_en.next = write.is_some();
            let (wa, wd) = write.unwrap_or((rng.below(slots), random_meta(&mut rng)));
            uut.wr_addr.next = wa.to_bits();
            uut.wr_data.next = wd;
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
            if let Some((a, _, own)) = reads.front_mut() {
                *own = spec[*a as usize];
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
            reads.push_back((addr, cycle, Meta::default()));
            clock(&mut uut);
            if let Some((wa, wd)) = write {
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
        let c8 = random_run::<3>(0x5107_0003, 6000);
        let c2 = random_run::<1>(0x5107_0001, 2000);
        let c10 = random_run::<10>(0x5107_000a, 3000);
        eprintln!(
            "slot_meta: 11000 cycles (8, 2, 1024 slots) in {:?}; {c8:?} {c2:?} {c10:?}",
            start.elapsed()
        );
        for c in [c8, c2, c10] {
            assert!(c.w1 > 50 && c.w2 > 50 && c.ram > 50, "forwarding coverage {c:?}");
            assert!(c.held > 200 && c.not_held > 200, "owner coverage {c:?}");
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
