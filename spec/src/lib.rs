//! The single definition of aggnic: wire format, register map, slot hash and the reference model.
//!
//! Hardware (`aggnic-hdl`), simulator, driver, CLI, clients and docs import these; nothing restates them.

pub mod bench;
pub mod docs;
pub mod hash;
pub mod model;
pub mod regs;
pub mod rng;
pub mod wire;
