//! Verilator co-simulation of the exported core. Empty until the co-simulation issue lands; until then
//! the reference model `aggnic_spec::model::Core` stands in for the card in the demo.
