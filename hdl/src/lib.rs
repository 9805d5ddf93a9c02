//! The aggregation core in rust-hdl. The core's behaviour is defined by `aggnic_spec::model`, which
//! this crate implements as a pipeline, one block per file; each file carries a simulation test
//! against the spec's functions and a yosys synthesizability check.
//!
//! Blocks so far:
//! - [`slot_hash::SlotHash`]: the H3 slot hash, XOR trees generated from `aggnic_spec::hash::H3_MASKS`.
//! - [`header_parse::HeaderParse`]: classifies and decodes the first 64-byte beat of a frame.
//! - [`axil_regs::AxilRegs`]: AXI4-Lite slave skeleton decoding `aggnic_spec::regs`.
//! - [`update_decide::UpdateDecide`]: the verdict on an UPDATE, as `Core::update` decides it.
//! - [`window::WindowNext`], [`window::Window`]: a tenant's fragment window (`mark_done`).
//! - [`saturating_lanes::SaturatingLanes`]: int32 lanes added with saturation and an overflow flag.
//! - [`tenant_decode::TenantDecode`], [`one_hot_mux::OneHotMux`]: a tenant id as a one-hot select,
//!   and one of 64 words picked by it (the tenant table's ports).
//! - [`block_ram::BlockRam`]: rust-hdl's `RAM` for block RAM, without yosys's read-first emulation.

pub mod axil_regs;
pub mod beat_lanes;
pub mod beat_stage;
pub mod block_ram;
pub mod core;
pub mod core8;
#[cfg(test)]
mod core_tests;
pub mod export;
pub mod gearbox;
pub mod header_parse;
pub mod lane_store;
pub mod lut_ram;
pub mod one_hot_mux;
pub mod packet_fifo;
pub mod saturating_lanes;
pub mod slot_hash;
pub mod slot_meta;
pub mod tenant_decode;
pub mod tenant_table;
pub mod update_decide;
pub mod window;

#[cfg(test)]
pub(crate) mod testing;

pub use aggnic_spec::model::Params;
