//! `BeatStage`: a pipeline register for stream beats (any `T`: the core's [`Beat`]s in front of
//! its input buffers, its AXI4-Stream output beats behind its output buffers).
//!
//! In front of an input buffer: the core classifies a beat as it arrives (`FrameClass`:
//! store-and-forward or cut-through) and registers it here with its class, so the classification
//! is not on the buffer's write path. Behind an output buffer: the beat, its `tkeep` computed from
//! its byte count, leaves from flip-flops, not from the buffer's block RAM through that logic.
//! The input's ready is the output's passed through when the stage is full (`s_ready = !full |
//! m_ready`): full throughput, one clock of latency, and the only combinational path from output
//! to input is that ready.

#[cfg(test)]
use crate::packet_fifo::Beat;
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default, Debug)]
pub struct BeatStage<T: Synth> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub s_valid: Signal<In, Bit>,
    pub s_ready: Signal<Out, Bit>,
    pub s_beat: Signal<In, T>,
    pub m_valid: Signal<Out, Bit>,
    pub m_ready: Signal<In, Bit>,
    pub m_beat: Signal<Out, T>,

    full: DFF<Bit>,
    beat: DFF<T>,
    take: Signal<Local, Bit>,
}

impl<T: Synth> Logic for BeatStage<T> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, full, beat);
        self.s_ready.next = !self.full.q.val() | self.m_ready.val();
        self.take.next = self.s_valid.val() & self.s_ready.val();
        self.full.d.next = self.take.val() | (self.full.q.val() & !self.m_ready.val());
        if self.take.val() {
            self.beat.d.next = self.s_beat.val();
        }
        if self.reset.val() {
            self.full.d.next = false;
        }
        self.m_valid.next = self.full.q.val();
        self.m_beat.next = self.beat.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, tick, verilator_lint, yosys_check};
    use std::collections::VecDeque;

    fn beat(tag: u64) -> Beat {
        Beat {
            data: tag.to_bits(),
            bytes: (1 + tag % 64).to_bits(),
            last: tag % 3 == 0,
            snf: tag % 5 == 0,
            bad: tag % 7 == 0,
        }
    }

    /// Random offers and output stalls: every beat taken comes out once, in order, the clock
    /// after it was taken at the earliest; the stage takes a beat whenever it is empty or its
    /// beat leaves, so it never holds the input back more than the output does.
    fn run(seed: u64, idle: u32, stall: u32) {
        let mut rng = Rng::new(seed);
        let mut uut = BeatStage::<Beat>::default();
        uut.connect_all();
        uut.reset.next = true;
        tick(&mut uut, |u| &mut u.clock);
        uut.reset.next = false;
        let (mut next_tag, mut in_flight, mut seen_out) = (1u64, VecDeque::new(), 0u64);
        let (mut refused, mut both) = (0u32, 0u32);
        for _ in 0..4000 {
            let offer = !rng.chance(idle);
            let ready = !rng.chance(stall);
            uut.s_valid.next = offer;
            uut.s_beat.next = beat(next_tag);
            uut.m_ready.next = ready;
            settle(&mut uut);
            let full = in_flight.len() == 1;
            assert_eq!(uut.m_valid.val(), full, "m_valid");
            assert_eq!(
                uut.s_ready.val(),
                !full || ready,
                "s_ready (full {full}, m_ready {ready})"
            );
            if full && ready {
                let want: u64 = in_flight.pop_front().expect("a beat held");
                assert_eq!(uut.m_beat.val(), beat(want), "beat {want}");
                seen_out += 1;
            }
            if offer && uut.s_ready.val() {
                in_flight.push_back(next_tag);
                next_tag += 1;
                both += u32::from(full && ready);
            } else if offer {
                refused += 1;
            }
            tick(&mut uut, |u| &mut u.clock);
        }
        assert!(seen_out > 500, "{seen_out} beats out");
        if stall > 0 {
            assert!(
                refused > 0 && both > 0,
                "refused {refused}, in and out in one clock {both}"
            );
        }
    }

    #[test]
    fn passes_every_beat_once_in_order() {
        run(1, 0, 0);
        run(2, 300, 300);
        run(3, 100, 800);
    }

    #[test]
    fn reset_empties_the_stage() {
        let mut uut = BeatStage::<Beat>::default();
        uut.connect_all();
        uut.s_valid.next = true;
        uut.s_beat.next = beat(9);
        uut.m_ready.next = false;
        tick(&mut uut, |u| &mut u.clock);
        settle(&mut uut);
        assert!(uut.m_valid.val() && uut.m_beat.val() == beat(9));
        uut.s_valid.next = false;
        uut.reset.next = true;
        tick(&mut uut, |u| &mut u.clock);
        settle(&mut uut);
        assert!(!uut.m_valid.val() && uut.s_ready.val());
    }

    #[test]
    fn synthesizes() {
        let mut uut = BeatStage::<Beat>::default();
        let v = yosys_check("aggnic_hdl_beat_stage", &mut uut);
        verilator_lint("aggnic_hdl_beat_stage", &v, &["WIDTH", "DECLFILENAME"]);
    }
}
