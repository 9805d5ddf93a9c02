//! What the server needs of a card: the two frame inputs and register access.

use aggnic_spec::model::{self, Outputs};
use std::collections::VecDeque;
use std::fmt;

/// A register access the card refused (an AXI4-Lite error response or timeout on the simulated
/// core; the reference model never fails).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardError(pub String);

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CardError {}

impl From<crate::AxilError> for CardError {
    fn from(e: crate::AxilError) -> CardError {
        CardError(e.to_string())
    }
}

/// A card the sim server can host: frames in from the network (`rx`) and from the host (`tx`),
/// each giving the frames it sends on to the host and to the network, and 32-bit register access.
///
/// Implementations need not be `Send`: the server builds its card on its own thread from a
/// factory closure and never moves it (the verilated model is not `Send`).
pub trait SimCard {
    /// A whole Ethernet frame from the network (`s_axis_rx`).
    fn rx(&mut self, frame: &[u8]) -> Outputs;
    /// A whole Ethernet frame from the host (`s_axis_tx`).
    fn tx(&mut self, frame: &[u8]) -> Outputs;
    /// An AXI4-Lite read of the 32-bit word at byte address `addr`.
    fn read(&mut self, addr: u32) -> Result<u32, CardError>;
    /// An AXI4-Lite write of the 32-bit word at byte address `addr`.
    fn write(&mut self, addr: u32, value: u32) -> Result<(), CardError>;

    /// Streams: takes frames from the fronts of the network (`rx`) and host (`tx`) queues as fast
    /// as the card accepts them, for a bounded stretch of work, and appends the frames that came out
    /// to `out`. Returns whether the card still has work without new input (frames in its
    /// pipeline): the server calls it again before it waits for input.
    ///
    /// The default takes every queued frame, one at a time through [`SimCard::rx`] and
    /// [`SimCard::tx`], host frames first: a card whose frames finish at once.
    fn stream(&mut self, rx: &mut VecDeque<Vec<u8>>, tx: &mut VecDeque<Vec<u8>>, out: &mut Outputs) -> bool {
        for (queue, host) in [(tx, true), (rx, false)] {
            while let Some(frame) = queue.pop_front() {
                let o = if host { self.tx(&frame) } else { self.rx(&frame) };
                out.to_host.extend(o.to_host);
                out.to_network.extend(o.to_network);
            }
        }
        false
    }
}

impl SimCard for model::Core {
    fn rx(&mut self, frame: &[u8]) -> Outputs {
        model::Core::rx(self, frame)
    }
    fn tx(&mut self, frame: &[u8]) -> Outputs {
        model::Core::tx(self, frame)
    }
    fn read(&mut self, addr: u32) -> Result<u32, CardError> {
        Ok(model::Core::read(self, addr))
    }
    fn write(&mut self, addr: u32, value: u32) -> Result<(), CardError> {
        model::Core::write(self, addr, value);
        Ok(())
    }
}
