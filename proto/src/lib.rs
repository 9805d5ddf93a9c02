//! aggnic's protocol roles, free of I/O: the worker's stream and the parameter server.
//!
//! The caller moves frames and time; these state machines decide. The property tests in
//! `tests/exactly_once.rs` run them against the reference model core over faulty channels, and the
//! sockets of the real worker and PS wrap the same code.

pub mod allreduce;
mod frames;
pub mod pieces;
pub mod ps;
#[cfg(test)]
mod ps_reference;
pub mod scale;
mod seq_map;
pub mod worker;
pub mod world;

pub use frames::Frames;
pub use ps::{Endpoint, Ps, PsConfig, PsStats, TenantConfig};
pub use worker::{FragmentResult, Worker, WorkerConfig, WorkerError};
