//! `AggnicCore8`: the core with a 256-bit datapath (8 int32 lanes), the export's `lanes = 8`.
//!
//! It is the 512-bit [`AggnicCore`] behind AXI4-Stream width converters ([`crate::gearbox`]): on
//! each path an [`Upsize`] packs pairs of 256-bit beats into the core's 512-bit beats and a
//! [`Downsize`] splits its output beats again. The AXI4-Lite slave is the core's, passed through;
//! its capability register reports 8 lanes, which is all `lanes` changes in the reference model.
//!
//! Why converters instead of a native 8-lane pipeline: the core's frame handling is per beat and
//! its header is exactly one 512-bit beat (`aggnic_spec::wire::PAYLOAD_OFFSET` is 64), so one wide
//! beat per two narrow ones keeps every stage, hazard and forward of the 16-lane pipeline as it is
//! and tested. The cost: the narrow ports carry one 256-bit beat per clock, so the inner pipeline
//! runs at half duty and the area is the 16-lane core's plus the converters. A native 8-lane
//! pipeline (half the adders, lane-store width and data registers, a two-beat header parse) is
//! future work.
//!
//! Stream contract, as the core's: `tkeep` contiguous from byte 0, full on every beat but a
//! frame's last; receive `tuser` (the MAC's bad-frame flag) on a frame's last beat.

use crate::axil_regs::ADDR_BITS;
use crate::beat_lanes::LANES;
use crate::core::AggnicCore;
use crate::gearbox::{Downsize, NARROW_BITS, NARROW_BYTES, Upsize};
use aggnic_spec::model::Params;
use rust_hdl::prelude::*;

/// The inner core's parameters for an 8-lane `params`: the same pool, 16 lanes. Its geometry
/// (`SUM_BITS`, from `lane_store::beats`) is the 16-lane one.
pub fn inner_params(params: Params) -> Params {
    Params {
        lanes: LANES as u32,
        ..params
    }
}

/// The 8-lane core. `SLOT_BITS` and `SUM_BITS` are the inner 16-lane core's (see
/// [`inner_params`]). Construct with [`AggnicCore8::new`].
#[derive(LogicBlock)]
pub struct AggnicCore8<const SLOT_BITS: usize, const SUM_BITS: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high.
    pub reset: Signal<In, Bit>,

    pub s_axis_rx_tdata: Signal<In, Bits<NARROW_BITS>>,
    pub s_axis_rx_tkeep: Signal<In, Bits<NARROW_BYTES>>,
    pub s_axis_rx_tvalid: Signal<In, Bit>,
    pub s_axis_rx_tready: Signal<Out, Bit>,
    pub s_axis_rx_tlast: Signal<In, Bit>,
    /// As the core's `s_axis_rx_tuser`.
    pub s_axis_rx_tuser: Signal<In, Bit>,
    pub m_axis_rx_tdata: Signal<Out, Bits<NARROW_BITS>>,
    pub m_axis_rx_tkeep: Signal<Out, Bits<NARROW_BYTES>>,
    pub m_axis_rx_tvalid: Signal<Out, Bit>,
    pub m_axis_rx_tready: Signal<In, Bit>,
    pub m_axis_rx_tlast: Signal<Out, Bit>,
    pub m_axis_rx_tuser: Signal<Out, Bit>,
    pub s_axis_tx_tdata: Signal<In, Bits<NARROW_BITS>>,
    pub s_axis_tx_tkeep: Signal<In, Bits<NARROW_BYTES>>,
    pub s_axis_tx_tvalid: Signal<In, Bit>,
    pub s_axis_tx_tready: Signal<Out, Bit>,
    pub s_axis_tx_tlast: Signal<In, Bit>,
    pub m_axis_tx_tdata: Signal<Out, Bits<NARROW_BITS>>,
    pub m_axis_tx_tkeep: Signal<Out, Bits<NARROW_BYTES>>,
    pub m_axis_tx_tvalid: Signal<Out, Bit>,
    pub m_axis_tx_tready: Signal<In, Bit>,
    pub m_axis_tx_tlast: Signal<Out, Bit>,

    pub s_axil_awaddr: Signal<In, Bits<ADDR_BITS>>,
    pub s_axil_awvalid: Signal<In, Bit>,
    pub s_axil_awready: Signal<Out, Bit>,
    pub s_axil_wdata: Signal<In, Bits<32>>,
    pub s_axil_wstrb: Signal<In, Bits<4>>,
    pub s_axil_wvalid: Signal<In, Bit>,
    pub s_axil_wready: Signal<Out, Bit>,
    pub s_axil_bresp: Signal<Out, Bits<2>>,
    pub s_axil_bvalid: Signal<Out, Bit>,
    pub s_axil_bready: Signal<In, Bit>,
    pub s_axil_araddr: Signal<In, Bits<ADDR_BITS>>,
    pub s_axil_arvalid: Signal<In, Bit>,
    pub s_axil_arready: Signal<Out, Bit>,
    pub s_axil_rdata: Signal<Out, Bits<32>>,
    pub s_axil_rresp: Signal<Out, Bits<2>>,
    pub s_axil_rvalid: Signal<Out, Bit>,
    pub s_axil_rready: Signal<In, Bit>,

    rx_up: Upsize,
    rx_down: Downsize,
    tx_up: Upsize,
    tx_down: Downsize,
    core: AggnicCore<SLOT_BITS, SUM_BITS>,
}

impl<const SLOT_BITS: usize, const SUM_BITS: usize> std::fmt::Debug for AggnicCore8<SLOT_BITS, SUM_BITS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggnicCore8")
            .field("core", &self.core)
            .finish_non_exhaustive()
    }
}

impl<const SLOT_BITS: usize, const SUM_BITS: usize> AggnicCore8<SLOT_BITS, SUM_BITS> {
    /// # Panics
    /// If `params` is not an 8-lane set, or its 16-lane twin does not fit the const parameters
    /// (see [`AggnicCore::new`]).
    pub fn new(params: Params) -> Self {
        assert_eq!(params.lanes as usize, LANES / 2, "the 256-bit core has 8 lanes");
        AggnicCore8 {
            clock: Default::default(),
            reset: Default::default(),
            s_axis_rx_tdata: Default::default(),
            s_axis_rx_tkeep: Default::default(),
            s_axis_rx_tvalid: Default::default(),
            s_axis_rx_tready: Default::default(),
            s_axis_rx_tlast: Default::default(),
            s_axis_rx_tuser: Default::default(),
            m_axis_rx_tdata: Default::default(),
            m_axis_rx_tkeep: Default::default(),
            m_axis_rx_tvalid: Default::default(),
            m_axis_rx_tready: Default::default(),
            m_axis_rx_tlast: Default::default(),
            m_axis_rx_tuser: Default::default(),
            s_axis_tx_tdata: Default::default(),
            s_axis_tx_tkeep: Default::default(),
            s_axis_tx_tvalid: Default::default(),
            s_axis_tx_tready: Default::default(),
            s_axis_tx_tlast: Default::default(),
            m_axis_tx_tdata: Default::default(),
            m_axis_tx_tkeep: Default::default(),
            m_axis_tx_tvalid: Default::default(),
            m_axis_tx_tready: Default::default(),
            m_axis_tx_tlast: Default::default(),
            s_axil_awaddr: Default::default(),
            s_axil_awvalid: Default::default(),
            s_axil_awready: Default::default(),
            s_axil_wdata: Default::default(),
            s_axil_wstrb: Default::default(),
            s_axil_wvalid: Default::default(),
            s_axil_wready: Default::default(),
            s_axil_bresp: Default::default(),
            s_axil_bvalid: Default::default(),
            s_axil_bready: Default::default(),
            s_axil_araddr: Default::default(),
            s_axil_arvalid: Default::default(),
            s_axil_arready: Default::default(),
            s_axil_rdata: Default::default(),
            s_axil_rresp: Default::default(),
            s_axil_rvalid: Default::default(),
            s_axil_rready: Default::default(),
            rx_up: Upsize::default(),
            rx_down: Downsize::default(),
            tx_up: Upsize::default(),
            tx_down: Downsize::default(),
            core: AggnicCore::reporting_lanes(inner_params(params), params.lanes),
        }
    }

    /// The inner core's state, for test failure messages.
    pub fn debug_state(&self) -> String {
        self.core.debug_state()
    }
}

impl<const SLOT_BITS: usize, const SUM_BITS: usize> Logic for AggnicCore8<SLOT_BITS, SUM_BITS> {
    #[hdl_gen]
    fn update(&mut self) {
        self.core.clock.next = self.clock.val();
        self.rx_up.clock.next = self.clock.val();
        self.rx_down.clock.next = self.clock.val();
        self.tx_up.clock.next = self.clock.val();
        self.tx_down.clock.next = self.clock.val();
        self.core.reset.next = self.reset.val();
        self.rx_up.reset.next = self.reset.val();
        self.rx_down.reset.next = self.reset.val();
        self.tx_up.reset.next = self.reset.val();
        self.tx_down.reset.next = self.reset.val();

        // Receive: narrow in -> rx_up -> core -> rx_down -> narrow out.
        self.rx_up.s_axis_tdata.next = self.s_axis_rx_tdata.val();
        self.rx_up.s_axis_tkeep.next = self.s_axis_rx_tkeep.val();
        self.rx_up.s_axis_tvalid.next = self.s_axis_rx_tvalid.val();
        self.rx_up.s_axis_tlast.next = self.s_axis_rx_tlast.val();
        self.rx_up.s_axis_tuser.next = self.s_axis_rx_tuser.val();
        self.s_axis_rx_tready.next = self.rx_up.s_axis_tready.val();
        self.core.s_axis_rx_tdata.next = self.rx_up.m_axis_tdata.val();
        self.core.s_axis_rx_tkeep.next = self.rx_up.m_axis_tkeep.val();
        self.core.s_axis_rx_tvalid.next = self.rx_up.m_axis_tvalid.val();
        self.core.s_axis_rx_tlast.next = self.rx_up.m_axis_tlast.val();
        self.core.s_axis_rx_tuser.next = self.rx_up.m_axis_tuser.val();
        self.rx_up.m_axis_tready.next = self.core.s_axis_rx_tready.val();
        self.rx_down.s_axis_tdata.next = self.core.m_axis_rx_tdata.val();
        self.rx_down.s_axis_tkeep.next = self.core.m_axis_rx_tkeep.val();
        self.rx_down.s_axis_tvalid.next = self.core.m_axis_rx_tvalid.val();
        self.rx_down.s_axis_tlast.next = self.core.m_axis_rx_tlast.val();
        self.rx_down.s_axis_tuser.next = self.core.m_axis_rx_tuser.val();
        self.core.m_axis_rx_tready.next = self.rx_down.s_axis_tready.val();
        self.m_axis_rx_tdata.next = self.rx_down.m_axis_tdata.val();
        self.m_axis_rx_tkeep.next = self.rx_down.m_axis_tkeep.val();
        self.m_axis_rx_tvalid.next = self.rx_down.m_axis_tvalid.val();
        self.m_axis_rx_tlast.next = self.rx_down.m_axis_tlast.val();
        self.m_axis_rx_tuser.next = self.rx_down.m_axis_tuser.val();
        self.rx_down.m_axis_tready.next = self.m_axis_rx_tready.val();

        // Transmit: the same with the tx ports.
        self.tx_up.s_axis_tdata.next = self.s_axis_tx_tdata.val();
        self.tx_up.s_axis_tkeep.next = self.s_axis_tx_tkeep.val();
        self.tx_up.s_axis_tvalid.next = self.s_axis_tx_tvalid.val();
        self.tx_up.s_axis_tlast.next = self.s_axis_tx_tlast.val();
        // Transmit streams carry no flag.
        self.tx_up.s_axis_tuser.next = false;
        self.s_axis_tx_tready.next = self.tx_up.s_axis_tready.val();
        self.core.s_axis_tx_tdata.next = self.tx_up.m_axis_tdata.val();
        self.core.s_axis_tx_tkeep.next = self.tx_up.m_axis_tkeep.val();
        self.core.s_axis_tx_tvalid.next = self.tx_up.m_axis_tvalid.val();
        self.core.s_axis_tx_tlast.next = self.tx_up.m_axis_tlast.val();
        self.tx_up.m_axis_tready.next = self.core.s_axis_tx_tready.val();
        self.tx_down.s_axis_tdata.next = self.core.m_axis_tx_tdata.val();
        self.tx_down.s_axis_tkeep.next = self.core.m_axis_tx_tkeep.val();
        self.tx_down.s_axis_tvalid.next = self.core.m_axis_tx_tvalid.val();
        self.tx_down.s_axis_tlast.next = self.core.m_axis_tx_tlast.val();
        self.tx_down.s_axis_tuser.next = false;
        self.core.m_axis_tx_tready.next = self.tx_down.s_axis_tready.val();
        self.m_axis_tx_tdata.next = self.tx_down.m_axis_tdata.val();
        self.m_axis_tx_tkeep.next = self.tx_down.m_axis_tkeep.val();
        self.m_axis_tx_tvalid.next = self.tx_down.m_axis_tvalid.val();
        self.m_axis_tx_tlast.next = self.tx_down.m_axis_tlast.val();
        self.tx_down.m_axis_tready.next = self.m_axis_tx_tready.val();

        // AXI4-Lite: straight through.
        self.core.s_axil_awaddr.next = self.s_axil_awaddr.val();
        self.core.s_axil_awvalid.next = self.s_axil_awvalid.val();
        self.s_axil_awready.next = self.core.s_axil_awready.val();
        self.core.s_axil_wdata.next = self.s_axil_wdata.val();
        self.core.s_axil_wstrb.next = self.s_axil_wstrb.val();
        self.core.s_axil_wvalid.next = self.s_axil_wvalid.val();
        self.s_axil_wready.next = self.core.s_axil_wready.val();
        self.s_axil_bresp.next = self.core.s_axil_bresp.val();
        self.s_axil_bvalid.next = self.core.s_axil_bvalid.val();
        self.core.s_axil_bready.next = self.s_axil_bready.val();
        self.core.s_axil_araddr.next = self.s_axil_araddr.val();
        self.core.s_axil_arvalid.next = self.s_axil_arvalid.val();
        self.s_axil_arready.next = self.core.s_axil_arready.val();
        self.s_axil_rdata.next = self.core.s_axil_rdata.val();
        self.s_axil_rresp.next = self.core.s_axil_rresp.val();
        self.s_axil_rvalid.next = self.core.s_axil_rvalid.val();
        self.core.s_axil_rready.next = self.s_axil_rready.val();
    }
}
