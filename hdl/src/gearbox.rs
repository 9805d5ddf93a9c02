//! AXI4-Stream width converters between the 8-lane (256-bit) ports of [`crate::core8::AggnicCore8`]
//! and the 16-lane (512-bit) core inside it.
//!
//! Both keep the core's stream contract: `tkeep` is contiguous from byte 0 and full on every beat
//! but a frame's last (as Corundum's streams are). Neither checks it: a narrow frame whose
//! non-last beat is short would come out of [`Upsize`] with a hole in `tkeep`. `tuser` is one bit
//! that counts on a frame's last beat (the MAC's bad-frame flag): it goes with `tlast`.
//!
//! - [`Upsize`] (256 -> 512): a frame's narrow beats in pairs, the first in the low half (bytes
//!   0..31 of the wide beat, as the core numbers bytes), the second in the high half. A frame with
//!   an odd beat count ends with a wide beat whose high half is empty (`tkeep` zero there). Beats
//!   of two frames never share a wide beat.
//! - [`Downsize`] (512 -> 256): each wide beat as its low half, then its high half unless that
//!   half's `tkeep` is all zero; `tlast` on the frame's last narrow beat.
//!
//! Throughput: one narrow beat per clock whenever the wide side keeps up (a wide beat per clock
//! into `Upsize`'s output, one every other clock out of `Downsize`'s input). Each block registers
//! its data path; its `s_axis_tready` follows `m_axis_tready` combinationally.

use crate::packet_fifo::{BEAT_BITS, BEAT_BYTES};
use rust_hdl::prelude::*;

/// Bits of a beat of the 8-lane datapath: half a core beat.
pub const NARROW_BITS: usize = BEAT_BITS / 2;
pub const NARROW_BYTES: usize = NARROW_BITS / 8;
// `#[hdl_gen]` code cannot name Rust constants in shifts and bit offsets: its literals 256 and 32
// are these two.
const _: () = assert!(NARROW_BITS == 256 && NARROW_BYTES == 32);

/// 256-bit AXI4-Stream in, 512-bit out.
#[derive(LogicBlock, Debug, Default)]
pub struct Upsize {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: drops a held half beat and the output beat.
    pub reset: Signal<In, Bit>,
    pub s_axis_tdata: Signal<In, Bits<NARROW_BITS>>,
    pub s_axis_tkeep: Signal<In, Bits<NARROW_BYTES>>,
    pub s_axis_tvalid: Signal<In, Bit>,
    pub s_axis_tready: Signal<Out, Bit>,
    pub s_axis_tlast: Signal<In, Bit>,
    pub s_axis_tuser: Signal<In, Bit>,
    pub m_axis_tdata: Signal<Out, Bits<BEAT_BITS>>,
    pub m_axis_tkeep: Signal<Out, Bits<BEAT_BYTES>>,
    pub m_axis_tvalid: Signal<Out, Bit>,
    pub m_axis_tready: Signal<In, Bit>,
    pub m_axis_tlast: Signal<Out, Bit>,
    pub m_axis_tuser: Signal<Out, Bit>,
    /// The first beat of a pair, waiting for its second.
    low_data: DFF<Bits<NARROW_BITS>>,
    low_keep: DFF<Bits<NARROW_BYTES>>,
    low_held: DFF<Bit>,
    out_data: DFF<Bits<BEAT_BITS>>,
    out_keep: DFF<Bits<BEAT_BYTES>>,
    out_last: DFF<Bit>,
    out_user: DFF<Bit>,
    out_valid: DFF<Bit>,
    out_free: Signal<Local, Bit>,
    take: Signal<Local, Bit>,
}

impl Logic for Upsize {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, low_data, low_keep, low_held, out_data, out_keep, out_last, out_user, out_valid
        );
        // The output register is free this clock if it is empty or being emptied. Taking a beat
        // only when it is free keeps the logic to one case: a beat that completes a wide beat (a
        // second half, or a frame's last) always has somewhere to go.
        self.out_free.next = !self.out_valid.q.val() | self.m_axis_tready.val();
        self.s_axis_tready.next = self.out_free.val();
        self.take.next = self.s_axis_tvalid.val() & self.out_free.val();
        self.m_axis_tdata.next = self.out_data.q.val();
        self.m_axis_tkeep.next = self.out_keep.q.val();
        self.m_axis_tlast.next = self.out_last.q.val();
        self.m_axis_tuser.next = self.out_user.q.val();
        self.m_axis_tvalid.next = self.out_valid.q.val();

        if self.out_free.val() {
            self.out_valid.d.next = false;
        }
        if self.take.val() {
            if self.low_held.q.val() {
                // The second half of a pair.
                self.out_data.d.next = bit_cast::<BEAT_BITS, NARROW_BITS>(self.low_data.q.val())
                    | (bit_cast::<BEAT_BITS, NARROW_BITS>(self.s_axis_tdata.val()) << 256);
                self.out_keep.d.next = bit_cast::<BEAT_BYTES, NARROW_BYTES>(self.low_keep.q.val())
                    | (bit_cast::<BEAT_BYTES, NARROW_BYTES>(self.s_axis_tkeep.val()) << 32);
                self.out_last.d.next = self.s_axis_tlast.val();
                self.out_user.d.next = self.s_axis_tuser.val() & self.s_axis_tlast.val();
                self.out_valid.d.next = true;
                self.low_held.d.next = false;
            } else if self.s_axis_tlast.val() {
                // A frame's last beat with no partner: the high half stays empty.
                self.out_data.d.next = bit_cast::<BEAT_BITS, NARROW_BITS>(self.s_axis_tdata.val());
                self.out_keep.d.next = bit_cast::<BEAT_BYTES, NARROW_BYTES>(self.s_axis_tkeep.val());
                self.out_last.d.next = true;
                self.out_user.d.next = self.s_axis_tuser.val();
                self.out_valid.d.next = true;
            } else {
                self.low_data.d.next = self.s_axis_tdata.val();
                self.low_keep.d.next = self.s_axis_tkeep.val();
                self.low_held.d.next = true;
            }
        }
        if self.reset.val() {
            self.low_held.d.next = false;
            self.out_valid.d.next = false;
        }
    }
}

/// 512-bit AXI4-Stream in, 256-bit out.
#[derive(LogicBlock, Debug, Default)]
pub struct Downsize {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: drops the held wide beat.
    pub reset: Signal<In, Bit>,
    pub s_axis_tdata: Signal<In, Bits<BEAT_BITS>>,
    pub s_axis_tkeep: Signal<In, Bits<BEAT_BYTES>>,
    pub s_axis_tvalid: Signal<In, Bit>,
    pub s_axis_tready: Signal<Out, Bit>,
    pub s_axis_tlast: Signal<In, Bit>,
    pub s_axis_tuser: Signal<In, Bit>,
    pub m_axis_tdata: Signal<Out, Bits<NARROW_BITS>>,
    pub m_axis_tkeep: Signal<Out, Bits<NARROW_BYTES>>,
    pub m_axis_tvalid: Signal<Out, Bit>,
    pub m_axis_tready: Signal<In, Bit>,
    pub m_axis_tlast: Signal<Out, Bit>,
    pub m_axis_tuser: Signal<Out, Bit>,
    /// The wide beat being sent, and which half goes next.
    word_data: DFF<Bits<BEAT_BITS>>,
    word_keep: DFF<Bits<BEAT_BYTES>>,
    word_last: DFF<Bit>,
    word_user: DFF<Bit>,
    word_held: DFF<Bit>,
    high_next: DFF<Bit>,
    /// The half on the output is the wide beat's last.
    final_half: Signal<Local, Bit>,
    sent: Signal<Local, Bit>,
    free: Signal<Local, Bit>,
}

impl Logic for Downsize {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, word_data, word_keep, word_last, word_user, word_held, high_next
        );
        self.final_half.next =
            self.high_next.q.val() | (self.word_keep.q.val().get_bits::<NARROW_BYTES>(32) == 0);
        self.m_axis_tvalid.next = self.word_held.q.val();
        self.m_axis_tdata.next = self.word_data.q.val().get_bits::<NARROW_BITS>(0);
        self.m_axis_tkeep.next = self.word_keep.q.val().get_bits::<NARROW_BYTES>(0);
        if self.high_next.q.val() {
            self.m_axis_tdata.next = self.word_data.q.val().get_bits::<NARROW_BITS>(256);
            self.m_axis_tkeep.next = self.word_keep.q.val().get_bits::<NARROW_BYTES>(32);
        }
        self.m_axis_tlast.next = self.word_last.q.val() & self.final_half.val();
        self.m_axis_tuser.next = self.word_user.q.val() & self.word_last.q.val() & self.final_half.val();
        self.sent.next = self.word_held.q.val() & self.m_axis_tready.val();
        // Free for the next wide beat when empty or when its last half leaves this clock.
        self.free.next = !self.word_held.q.val() | (self.sent.val() & self.final_half.val());
        self.s_axis_tready.next = self.free.val();

        if self.sent.val() {
            self.high_next.d.next = !self.final_half.val();
            if self.final_half.val() {
                self.word_held.d.next = false;
            }
        }
        if self.free.val() & self.s_axis_tvalid.val() {
            self.word_data.d.next = self.s_axis_tdata.val();
            self.word_keep.d.next = self.s_axis_tkeep.val();
            self.word_last.d.next = self.s_axis_tlast.val();
            self.word_user.d.next = self.s_axis_tuser.val();
            self.word_held.d.next = true;
            self.high_next.d.next = false;
        }
        if self.reset.val() {
            self.word_held.d.next = false;
            self.high_next.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, tick, verilator_lint, yosys_check};

    /// A beat as bytes: `keep` contiguous from byte 0 is the test's contract.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct TestBeat {
        bytes: Vec<u8>,
        last: bool,
        /// `tuser`: the frame is bad, on its last beat.
        bad: bool,
    }

    /// The plain model of both conversions: a frame as beats of `width` bytes, all full but the
    /// last (what the narrow side carries, and what `Upsize` packs pairs of narrow beats into);
    /// a bad frame is flagged on its last beat.
    fn split(frame: &[u8], bad: bool, width: usize) -> Vec<TestBeat> {
        let n = frame.len().div_ceil(width);
        frame
            .chunks(width)
            .enumerate()
            .map(|(i, c)| TestBeat {
                bytes: c.to_vec(),
                last: i + 1 == n,
                bad: bad && i + 1 == n,
            })
            .collect()
    }

    fn to_data<const N: usize>(bytes: &[u8]) -> Bits<N> {
        let mut d = Bits::<N>::default();
        for (k, x) in bytes.iter().enumerate() {
            d.set_bits::<8>(8 * k, (*x).to_bits());
        }
        d
    }

    fn to_keep<const N: usize>(bytes: usize) -> Bits<N> {
        let mut k = Bits::<N>::default();
        for i in 0..bytes {
            k.set_bits::<1>(i, true.into());
        }
        k
    }

    /// Bytes of an output beat; its `keep` must be contiguous from byte 0 (and not empty).
    fn from_data<const N: usize, const K: usize>(data: Bits<N>, keep: Bits<K>) -> Vec<u8> {
        let n = (0..K).take_while(|&i| keep.get_bit(i)).count();
        assert!(n > 0, "an output beat with no bytes");
        assert!((n..K).all(|i| !keep.get_bit(i)), "tkeep not contiguous");
        (0..n).map(|k| data.get_bits::<8>(8 * k).to_u8()).collect()
    }

    /// One side of a converter as the test drives it.
    trait Converter: Block {
        const IN_BYTES: usize;
        const OUT_BYTES: usize;
        fn clock(&mut self) -> &mut Signal<In, Clock>;
        /// Drives the input (`None`: tvalid low) and the output's tready.
        fn drive(&mut self, beat: Option<&TestBeat>, ready: bool);
        fn in_ready(&self) -> bool;
        fn output(&self) -> Option<TestBeat>;
        fn set_reset(&mut self, on: bool);
    }

    macro_rules! converter {
        ($t:ty, $in_bits:expr, $in_bytes:expr, $out_bits:expr, $out_bytes:expr) => {
            impl Converter for $t {
                const IN_BYTES: usize = $in_bytes;
                const OUT_BYTES: usize = $out_bytes;
                fn clock(&mut self) -> &mut Signal<In, Clock> {
                    &mut self.clock
                }
                fn drive(&mut self, beat: Option<&TestBeat>, ready: bool) {
                    self.s_axis_tvalid.next = beat.is_some();
                    if let Some(b) = beat {
                        self.s_axis_tdata.next = to_data::<{ $in_bits }>(&b.bytes);
                        self.s_axis_tkeep.next = to_keep::<{ $in_bytes }>(b.bytes.len());
                        self.s_axis_tlast.next = b.last;
                        // `tuser` counts on a last beat only: high on every other beat.
                        self.s_axis_tuser.next = b.bad || !b.last;
                    } else {
                        // Garbage on an idle bus must not matter.
                        self.s_axis_tdata.next = to_data::<{ $in_bits }>(&[0xa5; $in_bytes]);
                        self.s_axis_tkeep.next = to_keep::<{ $in_bytes }>(3);
                        self.s_axis_tlast.next = true;
                        self.s_axis_tuser.next = true;
                    }
                    self.m_axis_tready.next = ready;
                }
                fn in_ready(&self) -> bool {
                    self.s_axis_tready.val()
                }
                fn output(&self) -> Option<TestBeat> {
                    self.m_axis_tvalid.val().then(|| TestBeat {
                        bytes: from_data::<{ $out_bits }, { $out_bytes }>(
                            self.m_axis_tdata.val(),
                            self.m_axis_tkeep.val(),
                        ),
                        last: self.m_axis_tlast.val(),
                        bad: self.m_axis_tuser.val(),
                    })
                }
                fn set_reset(&mut self, on: bool) {
                    self.reset.next = on;
                }
            }
        };
    }
    converter!(Upsize, NARROW_BITS, NARROW_BYTES, BEAT_BITS, BEAT_BYTES);
    converter!(Downsize, BEAT_BITS, BEAT_BYTES, NARROW_BITS, NARROW_BYTES);

    /// What a run saw, for the throughput assertions.
    #[derive(Debug, Default)]
    struct Run {
        clocks: u64,
        beats_in: u64,
        beats_out: u64,
    }

    /// Random frames through `uut` with `idle` and `stall` permille of clocks without tvalid and
    /// tready; every output beat must be the model's next (`split` at the output width), so the
    /// frames out are the frames in, byte for byte, in order.
    fn run<C: Converter>(uut: &mut C, seed: u64, frames: usize, idle: u32, stall: u32) -> Run {
        let mut rng = Rng::new(seed);
        let frames: Vec<(Vec<u8>, bool)> = (0..frames)
            .map(|_| {
                // Lengths from 1 byte to several wide beats, with exact multiples of both widths.
                let len = match rng.below(4) {
                    0 => C::IN_BYTES.max(C::OUT_BYTES) * (1 + rng.below(4) as usize),
                    1 => C::IN_BYTES.min(C::OUT_BYTES) * (1 + rng.below(5) as usize),
                    _ => 1 + rng.below(5 * BEAT_BYTES as u64) as usize,
                };
                let bad = rng.chance(300);
                ((0..len).map(|_| rng.next_u64() as u8).collect(), bad)
            })
            .collect();
        let mut input: std::collections::VecDeque<TestBeat> = frames
            .iter()
            .flat_map(|(f, bad)| split(f, *bad, C::IN_BYTES))
            .collect();
        let mut want: std::collections::VecDeque<TestBeat> = frames
            .iter()
            .flat_map(|(f, bad)| split(f, *bad, C::OUT_BYTES))
            .collect();
        let mut r = Run::default();
        uut.set_reset(true);
        uut.drive(None, false);
        tick(uut, C::clock);
        uut.set_reset(false);
        while !want.is_empty() {
            let offer = input.front().filter(|_| !rng.chance(idle)).cloned();
            let ready = !rng.chance(stall);
            uut.drive(offer.as_ref(), ready);
            crate::testing::settle(uut);
            if offer.is_some() && uut.in_ready() {
                input.pop_front();
                r.beats_in += 1;
            }
            if ready && let Some(b) = uut.output() {
                let w = want.pop_front().expect("an output beat the model does not have");
                assert_eq!(b, w, "output beat {} differs", r.beats_out);
                r.beats_out += 1;
            }
            tick(uut, C::clock);
            r.clocks += 1;
            assert!(r.clocks < 100_000, "stuck: {} beats still expected", want.len());
        }
        // Nothing more comes out.
        for _ in 0..8 {
            uut.drive(None, true);
            crate::testing::settle(uut);
            assert_eq!(uut.output(), None, "a beat after the last frame");
            tick(uut, C::clock);
        }
        r
    }

    fn converters_match_the_model<C: Converter + Default>(seed: u64) {
        let mut uut = C::default();
        uut.connect_all();
        for (k, (idle, stall)) in [(0, 0), (300, 0), (0, 400), (250, 500), (700, 100)]
            .into_iter()
            .enumerate()
        {
            let r = run(&mut uut, seed + k as u64, 60, idle, stall);
            eprintln!("idle {idle} stall {stall}: {r:?}");
            assert!(r.beats_in > 0 && r.beats_out > 0);
        }
    }

    #[test]
    fn upsize_matches_the_model_under_gaps_and_backpressure() {
        converters_match_the_model::<Upsize>(0x6ea_0001);
    }

    #[test]
    fn downsize_matches_the_model_under_gaps_and_backpressure() {
        converters_match_the_model::<Downsize>(0x6ea_0101);
    }

    /// With no gaps and no backpressure the narrow side moves a beat every clock.
    #[test]
    fn narrow_side_runs_at_one_beat_per_clock() {
        let mut up = Upsize::default();
        up.connect_all();
        let r = run(&mut up, 0x6ea_0201, 40, 0, 0);
        // The only clocks without an input beat are the pipeline's fill and drain.
        assert!(r.clocks <= r.beats_in + 2, "upsize: {r:?}");
        let mut down = Downsize::default();
        down.connect_all();
        let r = run(&mut down, 0x6ea_0202, 40, 0, 0);
        assert!(r.clocks <= r.beats_out + 2, "downsize: {r:?}");
    }

    #[test]
    fn synthesizes() {
        for (prefix, v) in [
            (
                "gearbox_upsize",
                yosys_check("gearbox_upsize", &mut Upsize::default()),
            ),
            (
                "gearbox_downsize",
                yosys_check("gearbox_downsize", &mut Downsize::default()),
            ),
        ] {
            verilator_lint(prefix, &v, &["WIDTH", "DECLFILENAME"]);
        }
    }
}
