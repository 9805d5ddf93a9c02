//! The verilated core as a [`SimCard`]: a frame in, the clock runs until the core has taken it and
//! its pipeline is empty again, and the frames that came out are its outputs. One frame at a time,
//! so a frame's outputs are exactly the ones it caused (the model's contract); the core is never
//! fed faster than that here (the differential tests and the benchmark do that).

use super::card::{CardError, SimCard};
use crate::SimNic;
use aggnic_spec::bench::{self, BEAT_BYTES, CycleCore, Inputs};
use aggnic_spec::model::{Outputs, Params};
use aggnic_spec::regs;

/// Idle clocks after a frame was taken: more than the longest path from the input to the last
/// output beat of a packet (input buffer, 8 pipeline stages, output buffer, `B + 1` beats).
fn settle_clocks(params: Params) -> u32 {
    48 + 2 * params.elements.div_ceil(16)
}

/// Set to check the verilated card against the reference model frame by frame.
pub const CHECK_ENV: &str = "AGGNIC_CARD_CHECK";

/// The verilated core behind the frame-at-a-time card interface.
#[derive(Debug)]
pub struct VerilatedCard {
    nic: SimNic,
    /// With `AGGNIC_CARD_CHECK` set: the reference model fed the same frames and writes; every
    /// frame's outputs and every read must agree with it, or the card panics with the frame.
    check: Option<aggnic_spec::model::Core>,
    settle: u32,
    /// Output frames being assembled, receive and transmit side.
    partial: [Vec<u8>; 2],
}

impl VerilatedCard {
    /// A reset core; waits out the slot metadata's reset sweep.
    pub fn new() -> VerilatedCard {
        let mut nic = SimNic::new();
        CycleCore::reset(&mut nic);
        let mut card = VerilatedCard {
            nic,
            check: std::env::var_os(CHECK_ENV)
                .filter(|v| !v.is_empty())
                .map(|_| aggnic_spec::model::Core::new(crate::PARAMS)),
            settle: settle_clocks(crate::PARAMS),
            partial: [Vec::new(), Vec::new()],
        };
        card.idle(crate::PARAMS.slots + 8, &mut Outputs::default());
        card
    }

    fn idle(&mut self, clocks: u32, out: &mut Outputs) {
        for _ in 0..clocks {
            self.clock(&Inputs::default(), out);
        }
    }

    /// One clock with outputs always ready; collects finished output frames.
    fn clock(&mut self, inputs: &Inputs, out: &mut Outputs) -> bench::Outputs {
        let i = Inputs {
            rx_out_ready: true,
            tx_out_ready: true,
            ..inputs.clone()
        };
        let o = self.nic.cycle(&i);
        for (side, beat, frames) in [
            (0, &o.rx_out, &mut out.to_host),
            (1, &o.tx_out, &mut out.to_network),
        ] {
            if let Some(b) = beat {
                self.partial[side].extend_from_slice(&b.data[..(b.bytes as usize).min(BEAT_BYTES)]);
                if b.last {
                    frames.push(std::mem::take(&mut self.partial[side]));
                }
            }
        }
        o
    }

    fn frame(&mut self, frame: &[u8], rx: bool) -> Outputs {
        let mut out = Outputs::default();
        for beat in bench::beats(frame) {
            let inputs = Inputs {
                rx: rx.then(|| beat.clone()),
                tx: (!rx).then(|| beat.clone()),
                ..Inputs::default()
            };
            while !{
                let o = self.clock(&inputs, &mut out);
                if rx { o.rx_ready } else { o.tx_ready }
            } {}
        }
        self.idle(self.settle, &mut out);
        if let Some(model) = &mut self.check {
            let want = if rx { model.rx(frame) } else { model.tx(frame) };
            assert!(
                want == out,
                "{CHECK_ENV}: the core and the model differ on this {} frame {frame:02x?}\n core:  {out:02x?}\n model: {want:02x?}",
                if rx { "receive" } else { "transmit" }
            );
        }
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
        self.frame(frame, true)
    }
    fn tx(&mut self, frame: &[u8]) -> Outputs {
        self.frame(frame, false)
    }
    fn read(&mut self, addr: u32) -> Result<u32, CardError> {
        let value = self.nic.try_axil_read(addr)?;
        if let Some(model) = &self.check {
            assert_eq!(value, model.read(addr), "{CHECK_ENV}: register {addr:#06x}");
        }
        Ok(value)
    }
    fn write(&mut self, addr: u32, value: u32) -> Result<(), CardError> {
        self.nic.try_axil_write(addr, value)?;
        if let Some(model) = &mut self.check {
            model.write(addr, value);
        }
        // SOFT_RESET restarts the slot metadata's sweep; FLUSH_CMD runs its own: wait them out,
        // so the next frame meets the core as the model would.
        if addr == regs::COMMAND.addr || addr == regs::FLUSH_CMD.addr {
            self.idle(crate::PARAMS.slots + 16, &mut Outputs::default());
        }
        Ok(())
    }
}
