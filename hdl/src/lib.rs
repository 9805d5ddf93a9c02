//! The aggregation core in rust-hdl. Empty until the hardware issue lands: the core's behaviour is
//! defined by `aggnic_spec::model`, which this crate will implement as a pipeline.

pub use aggnic_spec::model::Params;
